"""Scale benchmarks: prints figures (never asserts on time). Record them in docs/benchmarks.md.

    .venv/bin/python bench/bench_scale.py [execution] [rebuild] [book200 [serve] [--pages N]]
        [simulate]

execution: the same notebooks (default 20, each about 1 s of CPU work in its kernel) executed
from a cold cache by the local process pool (2 processes) and by a Dask cluster of two
``dask worker --nthreads 1`` processes and a ``dask scheduler`` on loopback, started here as
in production. Prints wall time, the ratio, and the peak memory (summed RSS of this process and
every process under it: pool processes, kernels, scheduler, workers).

book200 [serve] [--pages N]: a generated book (default 200 pages: a root page, chapters of
about 20 sections; varied templated prose, headings, labels, cross-references, equations; 15 %
of the sections hold one tiny code cell run by the ``python3`` kernel), a ``zh`` edition whose
catalogs ``i18n update`` made and about 90 % of whose messages hold pseudo-Chinese, in a git
repository. Cold ``build_site`` (every format), no-op (also per format, and as the CLI in a new
process), one English prose edit, one translation edit; which Sphinx/LaTeX steps were not
started and which pages Sphinx re-read (their doctrees were rewritten); peak memory; against
bare ``sphinx-build -b html`` / ``-b latex`` no-ops of the English tree. ``serve``: then
``d2lbook serve`` in a subprocess: seconds from saving a one-word edit to the served page
containing it (polled over HTTP).

rebuild: the repository's book, both editions, every format and the site (what
``d2lbook build all`` does): cold, no-op, one English prose edit, one translation edit; which
steps were not started because their inputs were unchanged; against a bare
``sphinx-build -b html`` no-op of the English edition's tree.

simulate: what a 190-page book in 4 frameworks costs on N workers, by list scheduling the
same synthetic per-notebook durations (seeded; a long tail, some pages needing one or two
GPUs) in document order and longest first.
"""

from __future__ import annotations

import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from d2lbook.myst import PAGE_FRONT_MATTER  # noqa: E402 - after the path is set


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
           f"{mem:.0f} GiB, Python {platform.python_version()}"


class PeakMemory:
    """Samples the summed RSS of this process and all its descendants every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def notebooks(work: Path, count: int, seconds: float):
    from d2lbook.execute.runner import Job

    folder = work / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(count):
        code = (f"# page {i}\nimport time\nt0 = time.process_time()\nn = 0\n"
                f"while time.process_time() - t0 < {seconds}:\n    n += 1\nprint(n > 0)")
        nb = {"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": [],
                         "execution_count": None, "id": "c0"}],
              "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
              "nbformat_minor": 5}
        (folder / f"p{i}.md").write_text("x\n")
        jobs.append(Job(f"p{i}", folder / f"p{i}.md", nb, folder, [1]))
    return jobs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(workers: int, log: Path) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client

    from d2lbook.procs import die_with_parent

    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{free_port()}"
    out = open(log, "w")  # noqa: SIM115 - lives as long as the processes
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                               address.rsplit(":", 1)[1], "--no-dashboard"],
                              stdout=out, stderr=out, start_new_session=True,
                              preexec_fn=die_with_parent)]  # gone with the benchmark
    for _ in range(workers):
        procs.append(subprocess.Popen([dask, "worker", address, "--host", "127.0.0.1",
                                       "--nthreads", "1", "--no-dashboard"],
                                      stdout=out, stderr=out, start_new_session=True,
                                      preexec_fn=die_with_parent))
    with Client(address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def stop_cluster(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def bench_execution(work: Path, count: int = 20, seconds: float = 1.0) -> None:
    from d2lbook.config import Execution
    from d2lbook.execute.backends import LocalPool
    from d2lbook.execute.cache import ExecutionCache
    from d2lbook.execute.dask_backend import DaskBackend
    from d2lbook.execute.runner import execute_notebooks

    jobs = notebooks(work, count, seconds)
    settings = Execution(kernel="python3", timeout=120, jobs=2)
    scratch = work / "scratch"
    print(f"\nexecution: {count} notebooks of ~{seconds:.0f} s CPU each, cold cache")

    with PeakMemory() as mem:
        t0 = time.perf_counter()
        local = execute_notebooks(jobs, ExecutionCache(work / "cache-local"), settings, scratch,
                                  backend=lambda: LocalPool(2, 0, work / "scratch"))
        local_s = time.perf_counter() - t0
    local_mem = mem.peak
    assert local.executed == count

    t0 = time.perf_counter()
    address, procs = start_cluster(2, work / "cluster.log")
    start_s = time.perf_counter() - t0
    try:
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            remote = execute_notebooks(jobs, ExecutionCache(work / "cache-dask"), settings,
                                       scratch,
                                       backend=lambda: DaskBackend(address))
            dask_s = time.perf_counter() - t0
        dask_mem = mem.peak
    finally:
        stop_cluster(procs)
    assert remote.executed == count
    print(f"  {'local pool, 2 processes':44} {local_s:7.1f} s   peak {local_mem / 2**20:6.0f} MiB")
    print(f"  {'Dask, 2 workers (--nthreads 1), loopback':44} {dask_s:7.1f} s   "
          f"peak {dask_mem / 2**20:6.0f} MiB")
    print(f"  {'(starting the scheduler and 2 workers)':44} {start_s:7.1f} s")
    print(f"  Dask / local = {dask_s / local_s:.2f}; "
          f"per notebook: local {local_s / count:.2f} s, Dask {dask_s / count:.2f} s")


# --------------------------------------------------------------------------------------------
# simulation


def synthetic_book(seed: int = 12) -> list[tuple[str, float, int]]:
    """(page, seconds, gpus) per (page, framework) notebook: 190 pages x 4 frameworks.

    Durations: lognormal around 40 s of CPU-equivalent work with a long tail (a few pages train
    for 10-30 minutes), 20 % of pages train on one GPU and 3 % on two.
    """
    rng = random.Random(seed)
    book = []
    for page in range(190):
        base = min(1800.0, rng.lognormvariate(3.7, 1.2))
        gpus = 2 if rng.random() < 0.03 else 1 if rng.random() < 0.2 else 0
        for fw in ("mxnet", "pytorch", "tensorflow", "jax"):
            book.append((f"p{page}:{fw}", base * rng.uniform(0.7, 1.4), gpus))
    return book


def makespan(jobs: list[tuple[str, float, int]], workers: list[int]) -> float:
    """Greedy list scheduling as the backends do it: take the first job (in the given order)
    that fits on a free worker; ``workers`` are the GPUs each worker offers."""
    import heapq

    free_at = [0.0] * len(workers)
    pending = list(jobs)
    events: list[tuple[float, int]] = []
    now = 0.0
    idle = set(range(len(workers)))
    while pending or events:
        started = True
        while started:
            started = False
            for i, (_, seconds, gpus) in enumerate(pending):
                fits = [w for w in sorted(idle) if workers[w] >= gpus]
                if fits:
                    w = min(fits, key=lambda w: workers[w])  # keep GPU workers for GPU pages
                    idle.discard(w)
                    free_at[w] = now + seconds
                    heapq.heappush(events, (free_at[w], w))
                    pending.pop(i)
                    started = True
                    break
        if not events:
            break
        now, w = heapq.heappop(events)
        idle.add(w)
    return now


def simulate() -> None:
    book = synthetic_book()
    total = sum(s for _, s, _ in book)
    longest = sorted(book, key=lambda j: -j[1])
    print(f"\nsimulation: 190 pages x 4 frameworks = {len(book)} notebooks, "
          f"{total / 3600:.1f} h of work in total, longest {longest[0][1] / 60:.0f} min, "
          f"{sum(1 for j in book if j[2])} need GPUs")
    print(f"  {'workers (GPU workers)':26} {'document order':>16} {'longest first':>15} "
          f"{'lower bound':>12}")
    for n, g in ((1, 1), (4, 4), (8, 4), (16, 8), (32, 16), (64, 16)):
        workers = [2] * min(2, g) + [1] * (g - min(2, g)) + [0] * (n - g)
        gpu_work = sum(s for _, s, gpus in book if gpus)
        bound = max(total / n, gpu_work / g, longest[0][1])
        print(f"  {f'{n} ({g})':26} {makespan(book, workers) / 3600:13.2f} h "
              f"{makespan(longest, workers) / 3600:12.2f} h {bound / 3600:9.2f} h")


def bench_rebuild(work: Path) -> None:
    from d2lbook.commands.site import build_site
    from d2lbook.config import load_config
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from tests.conftest import copy_book

    root = copy_book(work / "book")
    cfg = load_config(root)

    def timed_build(label: str) -> float:
        t0 = time.perf_counter()
        built = build_site(cfg, jobs=2)
        seconds = time.perf_counter() - t0
        skipped = "; ".join(f"{e.lang}: {', '.join(e.skipped) or '-'}"
                            for e in built.build.editions)
        print(f"  {label:44} {seconds:7.1f} s   executed {built.build.executed}; "
              f"not started: {skipped}")
        return seconds

    print("\nrebuild: the repository's book, en + zh, html + pdf + notebooks + site")
    timed_build("cold")
    noop = timed_build("no-op")
    page = root / "source" / "en" / "chapter_linear-networks" / "linear-regression.md"
    text = page.read_text()
    cut = text.index("\n## ")
    page.write_text(text[:cut] + "\n\nOne more sentence of prose.\n" + text[cut:])
    timed_build("one English prose edit")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "chapter_linear-networks" / \
        "linear-regression.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.entries if e.msgstr and not e.obsolete)
    entry.msgstr += "（译注）"
    write_catalog(catalog, po)
    timed_build("one translation edit")
    timed_build("no-op")

    tree = root / "_build" / "en" / "sphinx"

    def bare() -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tree),
                        str(work / "bare-html"), "-d", str(work / "bare-doctrees")],
                       check=True, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0

    bare()
    bare_noop = bare()
    print(f"  {'bare sphinx-build -b html, no-op (en tree)':44} {bare_noop:7.1f} s")
    print(f"  no-op build all --lang all / bare html no-op = {noop / bare_noop:.2f}")


# --------------------------------------------------------------------------------------------
# book200: a generated bilingual book


SUBJECTS = ["the estimator", "a sliding window", "the loss surface", "each minibatch",
            "the hidden layer", "a sparse vector", "the learning rate", "our toy dataset",
            "the validation split", "a residual block", "the attention score", "every gradient"]
VERBS = ["shrinks", "reshapes", "balances", "stabilizes", "summarizes", "reweights", "smooths",
         "perturbs", "normalizes", "compresses", "accumulates", "filters"]
OBJECTS = ["the variance of the update", "a noisy signal", "the spectrum of the weights",
           "two competing objectives", "the tail of the distribution", "its own predictions",
           "the scale of the inputs", "a long sequence of tokens", "the curvature nearby",
           "the bias we introduced earlier"]
CLAUSES = ["when the batch is small", "unless the step size is tuned", "as the epochs go by",
           "once the features are centered", "although nobody told it to",
           "which we verify numerically below", "in almost every experiment we ran",
           "provided the data are shuffled"]


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.6:
        s += f" {rng.choice(CLAUSES)}"
    return s[0].upper() + s[1:] + "."


def _paragraph(rng: random.Random, refs: list[str]) -> str:
    sentences = [_sentence(rng) for _ in range(rng.randint(3, 6))]
    if refs and rng.random() < 0.4:
        sentences.insert(rng.randint(0, len(sentences)), f"See {{ref}}`{rng.choice(refs)}` "
                         "for the background.")
    if rng.random() < 0.3:
        k = rng.randint(1, 9)
        sentences.append(f"Inline, the quantity $x_{k}^2 + {k} y$ stays small.")
    return " ".join(sentences)


HEADER = PAGE_FRONT_MATTER + "\n"
"""A generated page's start: the front matter ``d2lbook new`` writes, a blank line."""


def generate_book(root: Path, pages: int = 200, code_share: float = 0.15,
                  seed: int = 200) -> dict[str, str]:
    """A ``pages``-page book (root index, chapter indexes, sections) in ``root``: English
    sources, one kernel (``python3``, no frameworks), a ``zh`` edition. Returns page -> the
    page's label. About ``code_share`` of the sections hold one tiny code cell."""
    rng = random.Random(seed)
    (root / "source" / "en").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "generated-book"\nversion = "0.1"\n\n'
        '[tool.d2lbook]\nname = "generated-book"\nauthor = "A Generator"\nversion = "0.1"\n\n'
        '[tool.d2lbook.languages.en]\ntitle = "A Generated Book"\n\n'
        '[tool.d2lbook.languages.zh]\ntitle = "生成的书"\nauthor = "生成器"\n'
        'locale = "zh_CN"\nhtml_lang = "zh-CN"\nlatex_engine = "xelatex"\n'
        'cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]\n\n'
        '[tool.d2lbook.execution]\ntimeout = 120\nkernel = "python3"\n')
    per_chapter = 20
    chapters = max(1, -(-(pages - 1) // per_chapter))
    names: list[str] = []
    layout: dict[int, list[str]] = {}
    left = pages - 1 - chapters
    for c in range(chapters):
        count = left // (chapters - c)
        left -= count
        layout[c] = [f"chapter_{c:02d}/section_{s:02d}" for s in range(count)]
        names += [f"chapter_{c:02d}/index", *layout[c]]
    labels = {name: "sec-" + name.replace("/", "-").replace("_", "-") for name in names}
    code_pages = set(rng.sample([n for n in names if not n.endswith("index")],
                                round(code_share * (pages - 1 - chapters))))
    done: list[str] = []
    for c in range(chapters):
        index = f"chapter_{c:02d}/index"
        body = [f"({labels[index]})=\n# Chapter {c + 1}: {rng.choice(SUBJECTS).title()}\n",
                _paragraph(rng, []), "```{toctree}\n:maxdepth: 2\n\n"
                + "\n".join(n.split("/")[1] for n in layout[c]) + "\n```\n"]
        names_here = [index, *layout[c]]
        pages_text = {index: "\n\n".join(body)}
        for s, name in enumerate(layout[c]):
            refs = [labels[n] for n in done[-30:]]
            text = [f"({labels[name]})=\n# Section {c + 1}.{s + 1}: "
                    f"{rng.choice(VERBS).title()} {rng.choice(OBJECTS)}\n"]
            for h in range(3):
                text.append(f"## Part {h + 1}: {rng.choice(CLAUSES).capitalize()}\n")
                text += [_paragraph(rng, refs) for _ in range(rng.randint(2, 4))]
                if h == 1 and rng.random() < 0.5:
                    eq = f"eq-{labels[name][4:]}"
                    text.append(f"$$\nz_{{t+1}} = z_t - \\eta \\nabla f(z_t) + {s}\n$$ ({eq})\n")
                    text.append(f"The update {{eq}}`{eq}` is applied once per step.")
                if name in code_pages and h == 0:
                    text.append(f"```{{code-cell}} ipython3\nvalues = [i * {s + 1} for i in "
                                f"range(5)]\nprint(sum(values))\n```\n")
            pages_text[name] = "\n\n".join(text)
            done.append(name)
        done.append(index)
        for n in names_here:
            path = root / "source" / "en" / f"{n}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(HEADER + pages_text[n] + "\n")
    (root / "source" / "en" / "index.md").write_text(
        HEADER + "# A Generated Book\n\n" + _paragraph(rng, []) + "\n\n```{toctree}\n"
        ":maxdepth: 2\n:numbered:\n\n"
        + "\n".join(f"chapter_{c:02d}/index" for c in range(chapters)) + "\n```\n")
    (root / ".gitignore").write_text("_build/\n.d2lbook/\n")
    return labels


_PROTECTED = re.compile(r"(\{[a-z]+\}`[^`]*`|`[^`]*`|\$[^$]*\$|\([^)]*\)=|\([a-z0-9-]+\)$)")
_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"


def pseudo_chinese(text: str) -> str:
    """A deterministic stand-in translation: every English word outside markup (roles, code,
    math, labels) becomes two Han characters; markup is kept as is."""
    def words(chunk: str) -> str:
        return re.sub(r"[A-Za-z]+", lambda m: _HAN[sum(map(ord, m[0])) % len(_HAN)]
                      + _HAN[len(m[0]) % len(_HAN)], chunk).replace(". ", "。").replace(
                          ", ", "，")
    return "".join(part if _PROTECTED.fullmatch(part) else words(part)
                   for part in _PROTECTED.split(text))


def translate_catalogs(cfg: Any, share: float = 0.9, seed: int = 200) -> tuple[int, int]:
    """Fill ``share`` of the live messages of every ``zh`` catalog with pseudo-Chinese;
    returns (translated, total)."""
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from d2lbook.layout import BookLayout

    rng = random.Random(seed)
    done = total = 0
    for po in sorted(BookLayout(cfg).locale.rglob("*.po")):
        catalog = read_catalog(po)
        for entry in catalog.entries:
            if entry.obsolete:
                continue
            total += 1
            if rng.random() < share:
                entry.msgstr = pseudo_chinese(entry.msgid)
                entry.fuzzy = False
                done += 1
        write_catalog(catalog, po)
    return done, total


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x",
                        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"})


def make_book200(root: Path, pages: int) -> Any:
    from d2lbook.commands.i18n import update
    from d2lbook.config import load_config

    generate_book(root, pages)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "generated book")
    cfg = load_config(root)
    zh = next(lang for lang in cfg.languages if lang.code == "zh")
    update(cfg, zh)
    done, total = translate_catalogs(cfg)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "zh catalogs")
    return load_config(root), done, total


def doctree_times(root: Path) -> dict[str, int]:
    """Page -> mtime of its doctree, per edition (``en:chapter_00/section_01``): a doctree is
    written only when Sphinx (re-)reads the page."""
    times = {}
    for folder in sorted((root / "_build").glob("*/doctrees")):
        lang = folder.parent.name
        for path in folder.rglob("*.doctree"):
            times[f"{lang}:{path.relative_to(folder).with_suffix('').as_posix()}"] = \
                path.stat().st_mtime_ns
    return times


def bench_book200(work: Path, pages: int = 200, formats: tuple[str, ...] | None = None,
                  serve_edits: int = 3) -> None:
    from d2lbook.commands.build import FORMATS, build
    from d2lbook.commands.site import build_site
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    formats = formats or FORMATS
    root = work / "book"
    t0 = time.perf_counter()
    cfg, done, total = make_book200(root, pages)
    sources = sorted((root / "source" / "en").rglob("*.md"))
    code = sum("{code-cell}" in p.read_text() for p in sources)
    print(f"\nbook200: {len(sources)} pages ({code} with code, kernel python3), en + zh "
          f"({done}/{total} messages translated), {', '.join(formats)} + site; generated and "
          f"catalogs made in {time.perf_counter() - t0:.1f} s")
    rows: dict[str, float] = {}

    def timed_build(label: str, fmts: tuple[str, ...] = formats, site: bool = True) -> float:
        before = doctree_times(root)
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            if site:
                result = build_site(cfg, fmts, jobs=2).build
            else:
                result = build(cfg, cfg.languages, fmts, jobs=2)
            seconds = time.perf_counter() - t0
        after = doctree_times(root)
        reread = sorted(k for k, v in after.items() if before.get(k) != v)
        skipped = "; ".join(f"{e.lang}: {', '.join(e.skipped) or '-'}" for e in result.editions)
        steps = "; ".join(f"{e.lang} " + " ".join(f"{k} {v:.1f}" for k, v in e.seconds.items())
                          for e in result.editions)
        shown = (", ".join(reread) if len(reread) <= 4 else f"{len(reread)} pages")
        print(f"  {label:40} {seconds:7.1f} s  peak {mem.peak / 2**20:5.0f} MiB  "
              f"executed {result.executed}; not started: {skipped}; re-read: {shown or '-'}")
        print(f"  {'':40} steps (s): {steps}")
        rows[label] = seconds
        return seconds

    timed_build("cold")
    noop = timed_build("no-op")
    for fmt in formats:
        timed_build(f"no-op, build {fmt} only", (fmt,), site=False)
    sections = sorted((root / "source" / "en").glob("chapter_*/section_*.md"))
    page = sections[len(sections) // 3]
    text = page.read_text()
    word = next(w for w in VERBS if f" {w} " in text)
    page.write_text(text.replace(f" {word} ", " recomputes ", 1))
    timed_build("one English prose edit")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / sections[len(sections) // 2].relative_to(
        root / "source" / "en").with_suffix(".po")
    catalog = read_catalog(po)
    entry = next(e for e in catalog.entries if e.msgstr and not e.obsolete and len(e.msgid) > 80)
    entry.msgstr += "（译注）"
    write_catalog(catalog, po)
    timed_build("one translation edit")
    timed_build("no-op again")
    # the same no-op as a user runs it: a new process (imports, toolchain digest, no memory
    # of earlier builds)
    cli_s = []
    for _ in range(2):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "d2lbook.cli", "build", "all", "--lang", "all"],
                       cwd=root, check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
        cli_s.append(time.perf_counter() - t0)
    noop_cli = min(cli_s)
    print(f"  {'no-op, `d2lbook build all --lang all` CLI':40} {noop_cli:7.1f} s  "
          f"(best of 2: {', '.join(f'{x:.1f}' for x in cli_s)})")

    tree = root / "_build" / "en" / "sphinx"
    bare_s = {}
    for builder in ("html", "latex"):
        def bare(builder: str = builder) -> float:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", builder, str(tree),
                            str(work / f"bare-{builder}"), "-d", str(work / f"bare-dt-{builder}")],
                           check=True, stderr=subprocess.DEVNULL)
            return time.perf_counter() - t0
        cold = bare()
        bare_s[builder] = bare()
        print(f"  {f'bare sphinx-build -b {builder} (en tree)':40} cold {cold:7.1f} s, "
              f"no-op {bare_s[builder]:6.1f} s")
    print(f"  no-op build all --lang all / bare html no-op = {noop / bare_s['html']:.2f} "
          f"(CLI: {noop_cli / bare_s['html']:.2f}); / bare latex no-op = "
          f"{noop / bare_s['latex']:.2f} (CLI: {noop_cli / bare_s['latex']:.2f})")
    bench_book_execution(work, cfg)
    if serve_edits:
        bench_serve(root, serve_edits)


def bench_book_execution(work: Path, cfg: Any) -> None:
    """The book's own notebooks (every code page, both editions: identical code runs once)
    executed from an empty cache by the local pool and by a Dask cluster of two workers; the
    rest of the build (Sphinx, LaTeX) finds its inputs unchanged and is not started."""
    import dataclasses
    import shutil

    from d2lbook.commands.build import build_editions
    from d2lbook.layout import BookLayout

    cache = BookLayout(cfg).execution_cache
    print("\nthe book's notebooks from an empty cache (build html, both editions)")
    rows = {}
    address, procs = "", []
    try:
        for label in ("local pool, 2 processes", "Dask, 2 workers (--nthreads 1)"):
            if label.startswith("Dask"):
                address, procs = start_cluster(2, work / "cluster.log")
            run_cfg = dataclasses.replace(cfg, execution=dataclasses.replace(
                cfg.execution, scheduler=address))
            shutil.rmtree(cache, ignore_errors=True)
            with PeakMemory() as mem:
                t0 = time.perf_counter()
                result = build_editions(run_cfg, cfg.languages, ("html",), jobs=2)
                seconds = time.perf_counter() - t0
            rows[label] = result.editions[0].seconds["execute"]
            where = "; ".join(f"{e.lang}: html {'not started' if 'html' in e.skipped else 'ran'}"
                              for e in result.editions)
            print(f"  {label:36} executed {result.executed:3d} notebooks: execution "
                  f"{rows[label]:6.1f} s (build {seconds:5.1f} s; {where}), "
                  f"peak {mem.peak / 2**20:5.0f} MiB")
    finally:
        stop_cluster(procs)
    local, dask = rows.values()
    print(f"  Dask / local = {dask / local:.2f}")


def bench_serve(root: Path, edits: int) -> None:
    """``d2lbook serve`` (its defaults) in a subprocess: time from saving a one-word edit to
    the served page containing the new word."""
    import urllib.request

    port = free_port()
    log = root.parent / "serve.log"
    out = open(log, "w")  # noqa: SIM115 - lives as long as the server
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "d2lbook.cli", "serve", "--port", str(port)],
                            cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    sections = sorted((root / "source" / "en").glob("chapter_*/section_*.md"))
    page = sections[2 * len(sections) // 3]
    name = page.relative_to(root / "source" / "en").with_suffix(".html").as_posix()
    url = f"http://127.0.0.1:{port}/en/{name}"

    def fetch() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            return ""

    try:
        deadline = time.time() + 900
        while "serving" not in log.read_text() and time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"serve ended: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        print("\nserve (defaults: html, notebooks), one English word edited -> the served "
              "English page shows it")
        times = []
        for i in range(edits):
            # the previous rebuild (all editions) finished, then a human pause
            while len(re.findall(r"rebuilt in|rebuild failed", log.read_text())) < i \
                    and time.time() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)
            word = f"zebra{i}quux"
            text = page.read_text()
            old = next(w for w in VERBS + ["recomputes"] if f" {w} " in text)
            page.write_text(text.replace(f" {old} ", f" {word} ", 1))
            t0 = time.perf_counter()
            while word not in fetch():
                if time.perf_counter() - t0 > 300:
                    raise RuntimeError(f"no {word} after 300 s: {log.read_text()[-2000:]}")
                time.sleep(0.05)
            times.append(time.perf_counter() - t0)
            print(f"  edit {i + 1}: {times[-1]:.2f} s")
        reported = [line for line in log.read_text().splitlines() if "rebuilt in" in line]
        print(f"  median {sorted(times)[len(times) // 2]:.2f} s; serve says: "
              + "; ".join(reported[-edits:]))
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        out.close()


def main() -> None:
    args = sys.argv[1:]
    pages = 200
    if "--pages" in args:
        at = args.index("--pages")
        pages = int(args[at + 1])
        del args[at:at + 2]
    what = set(args) or {"execution", "rebuild", "simulate"}
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    if "execution" in what:
        with tempfile.TemporaryDirectory(prefix="d2lbook-bench-scale-") as tmp:
            bench_execution(Path(tmp))
    if "rebuild" in what:
        with tempfile.TemporaryDirectory(prefix="d2lbook-bench-rebuild-") as tmp:
            bench_rebuild(Path(tmp))
    if "book200" in what or "serve" in what:
        with tempfile.TemporaryDirectory(prefix="d2lbook-bench-book200-") as tmp:
            if "book200" in what:
                bench_book200(Path(tmp), pages, serve_edits=3 if "serve" in what else 0)
            else:
                root = Path(tmp) / "book"
                cfg = make_book200(root, pages)[0]
                from d2lbook.commands.site import build_site

                build_site(cfg, ("html", "notebooks"), jobs=2)
                bench_serve(root, 3)
    if "simulate" in what:
        simulate()


if __name__ == "__main__":
    main()
