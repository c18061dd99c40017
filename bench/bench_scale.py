"""Scale benchmarks: prints figures (never asserts on time). Record them in docs/benchmarks.md.

    .venv/bin/python bench/bench_scale.py [execution] [simulate]

execution: the same notebooks (default 20, each about 1 s of CPU work in its kernel) executed
from a cold cache by the local process pool (2 processes) and by a Dask cluster of two
``dask worker --nthreads 1`` processes and a ``dask scheduler`` on loopback, started here as
in production. Prints wall time, the ratio, and the peak memory (summed RSS of this process and
every process under it: pool processes, kernels, scheduler, workers).

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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


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

    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{free_port()}"
    out = open(log, "w")  # noqa: SIM115 - lives as long as the processes
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                               address.rsplit(":", 1)[1], "--no-dashboard"],
                              stdout=out, stderr=out, start_new_session=True)]
    for _ in range(workers):
        procs.append(subprocess.Popen([dask, "worker", address, "--host", "127.0.0.1",
                                       "--nthreads", "1", "--no-dashboard"],
                                      stdout=out, stderr=out, start_new_session=True))
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


def main() -> None:
    what = set(sys.argv[1:]) or {"execution", "rebuild", "simulate"}
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    if "execution" in what:
        with tempfile.TemporaryDirectory(prefix="d2lbook-bench-scale-") as tmp:
            bench_execution(Path(tmp))
    if "rebuild" in what:
        with tempfile.TemporaryDirectory(prefix="d2lbook-bench-rebuild-") as tmp:
            bench_rebuild(Path(tmp))
    if "simulate" in what:
        simulate()


if __name__ == "__main__":
    main()
