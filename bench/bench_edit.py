"""What an edit costs: prints figures beside bare Sphinx's for the same change, in the same run
(never asserts on time). Record them in docs/benchmarks.md.

    .venv/bin/python bench/bench_edit.py [--old-dialect] [--pages N] [--rounds N] [--pdf]
        [--skip-all] [--profile FILE] [--lang zh]

The book: by default the generated book of ``bench_scale.py`` (200 pages, about 15 % with a
tiny code cell, one kernel); ``--old-dialect``: a generated book in the old d2lbook dialect
(190 pages from copies of ``tests/fixtures/oldbook``'s pages, four frameworks as tabs: mxnet,
pytorch, tensorflow, jax), imported with ``d2lbook import``. Every build is the CLI in a new
process, ``--lang en --no-execute``, as an author runs it. ``--lang zh`` (generated book
only): the Chinese edition instead, its catalogs made by ``i18n update`` and nine messages in
ten given a pseudo-Chinese translation, all committed (``bench_scale.make_book200``); the edit
is still to the English page (its paragraph is then outdated in the Chinese edition), and the
bare reference builds ``_build/zh/sphinx``.

Interleaved, ``--rounds`` times (default 3): a one-word prose edit in a section (another each
round) and ``d2lbook build html``, then the same change applied to a copy of our generated
Sphinx tree (``_build/en/sphinx``: the changed files copied over) and a bare ``sphinx-build -b
html`` incremental of it; a no-op ``build html`` and a bare HTML no-op; a ``build all`` then a
no-op ``build html`` after it. Each figure is printed with its ratio to the bare one of its
round (``--skip-all``: not the ``build all`` part, which makes every framework's PDF).
``--pdf``: also ``build pdf`` after a one-word edit (seconds per step, the steps not started,
the LaTeX passes latexmk ran per PDF). ``--profile FILE``: one more edit built under
cProfile (the d2lbook process), the top of it printed and the stats kept in FILE.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_scale import VERBS, generate_book, git, machine, make_book200  # noqa: E402

OLDBOOK = REPO / "tests" / "fixtures" / "oldbook"
D2LBOOK = str(Path(sys.executable).parent / "d2lbook")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Both tools' processes keep their compiled bytecode, as installed packages do."""
OLD_LABEL = re.compile(r"(:(?:label|eqlabel|eqref|numref|ref):`)(\w+)(`)")


def old_dialect_book(src: Path, pages: int = 190) -> None:
    """An old-dialect book of ``pages`` pages: the fixture's content pages copied over
    chapters of up to 20 sections, each copy with its own labels; every TensorFlow cell also
    given as a JAX cell, so that four frameworks are tabs."""
    shutil.copytree(OLDBOOK, src)
    config = (src / "config.ini").read_text(encoding="utf-8")
    config = config.replace("tabs = mxnet, pytorch, tensorflow",
                            "tabs = mxnet, pytorch, tensorflow, jax")
    (src / "config.ini").write_text(config, encoding="utf-8")
    # the fixture's pages with prose, code and cross-references (its page of importer
    # hazards aside): copy n is body n % 4, its labels suffixed with n, and a reference to
    # a label of another body points at that body's copy in the same group of four
    bodies = [_with_jax(path.read_text(encoding="utf-8"))
              for path in sorted(OLDBOOK.glob("chapter_[bm]*/*.md"))
              if path.name not in ("index.md", "pitfalls.md")]
    owner = {m[1]: k for k, body in enumerate(bodies)
             for m in re.finditer(r":(?:label|eqlabel):`(\w+)`", body)}
    for old in ("chapter_basics", "chapter_models", "chapter_preface"):
        shutil.rmtree(src / old)
    sizes = []  # sections per chapter: the root page, the references, chapter indexes
    left = pages - 2
    while left > 0:
        sizes.append(min(20, left - 1))
        left -= sizes[-1] + 1
    total = sum(sizes)
    chapters: list[str] = []
    for c, count in enumerate(sizes):
        folder = src / f"chapter_{c:02d}"
        folder.mkdir()
        names = []
        for s in range(count):
            n = 20 * c + s
            group = n - n % len(bodies)

            def label(m: re.Match[str], n: int = n, group: int = group) -> str:
                copy = group + owner[m[2]] if m[2] in owner else n
                return f"{m[1]}{m[2]}_{copy if copy < total else n}{m[3]}"

            text = OLD_LABEL.sub(label, bodies[n % len(bodies)])
            (folder / f"section_{s:02d}.md").write_text(text, encoding="utf-8")
            names.append(f"section_{s:02d}")
        (folder / "index.md").write_text(f"# Chapter {c + 1}\n\n```toc\n:maxdepth: 2\n\n"
                                         + "\n".join(names) + "\n```\n", encoding="utf-8")
        chapters.append(f"chapter_{c:02d}/index")
    index = (OLDBOOK / "index.md").read_text(encoding="utf-8")
    head = index.split("```toc")[0]
    (src / "index.md").write_text(head + "```toc\n:maxdepth: 2\n:numbered:\n\n"
                                  + "\n".join(chapters) + "\n```\n\n```toc\n:maxdepth: 1\n\n"
                                  "chapter_references/zreferences\n```\n", encoding="utf-8")


def _with_jax(text: str) -> str:
    """Each ``#@tab tensorflow`` cell followed by the same cell for JAX (without ``#@save``:
    the book has no JAX library module)."""
    cell = re.compile(r"```\{\.python \.input\}\n#@tab tensorflow\n(.*?)```\n", re.S)

    def twin(m: re.Match[str]) -> str:
        body = m[1].replace("#@save\n", "").replace("tensorflow", "jax").replace("tf.", "jnp.")
        return m[0] + "\n```{.python .input}\n#@tab jax\n" + body + "```\n"

    return cell.sub(twin, text)


LANG = "en"
"""The edition built (``--lang``)."""


def d2lbook(root: Path, *args: str, profile: Path | None = None) -> tuple[float, str]:
    """Seconds of ``d2lbook --root root build ...`` in a new process, and its output."""
    cmd = [D2LBOOK, "--root", str(root), "build", *args, "--lang", LANG, "--no-execute"]
    if profile is not None:
        cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "d2lbook.cli",
               *cmd[1:]]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    seconds = time.perf_counter() - t0
    if run.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return seconds, run.stdout + run.stderr


def bare(tree: Path, work: Path) -> float:
    """Seconds of a bare ``sphinx-build -b html`` of ``tree`` (incremental)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tree),
                    str(work / "bare-html"), "-d", str(work / "bare-doctrees")],
                   check=True, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - t0


def sync(ours: Path, theirs: Path) -> list[str]:
    """Make ``theirs`` hold what ``ours`` holds, touching only the files that differ (the
    same change for bare Sphinx); returns them."""
    changed = []
    for path in sorted(ours.rglob("*")):
        rel = path.relative_to(ours)
        other = theirs / rel
        if path.is_dir():
            other.mkdir(parents=True, exist_ok=True)
        elif not other.is_file() or not filecmp.cmp(path, other, shallow=False):
            shutil.copy2(path, other)
            changed.append(rel.as_posix())
    for path in sorted(theirs.rglob("*"), reverse=True):
        if not (ours / path.relative_to(theirs)).exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            changed.append(f"-{path.relative_to(theirs).as_posix()}")
    return changed


def one_word_edit(sections: list[Path], round_: int) -> Path:
    """Replace one word of prose in a section (another section each round): in a paragraph,
    not in a heading, a caption, a directive or code (those are other kinds of edit: a
    title, for one, is shown by every page's navigation)."""
    page = sections[(len(sections) // 3 + 7 * round_) % len(sections)]
    lines = page.read_text(encoding="utf-8").split("\n")
    for old in (*(f" {v} " for v in VERBS), " the ", " a "):
        fenced = False
        for i, line in enumerate(lines):
            if line.lstrip().startswith(("```", "~~~", ":::")):
                fenced = not fenced
                continue
            if fenced or not line[:1].isalpha() or old not in line:
                continue
            lines[i] = line.replace(old, " recomputes ", 1)
            page.write_text("\n".join(lines), encoding="utf-8")
            return page
    raise SystemExit(f"no word of prose to change in {page}")


def pdf_after_edit(root: Path, sections: list[Path], round_: int) -> None:
    """``build pdf`` after a one-word edit (in this process, to see the steps): seconds, the
    steps not started, and the LaTeX passes latexmk ran for each framework's PDF."""
    from dataclasses import replace

    import d2lbook.render.latex as latex
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    passes: list[int] = []
    guarded = latex.run_guarded

    def counting(cmd: list[str], **kwargs):  # noqa: ANN202 - run_guarded's own result
        proc = guarded(cmd, **kwargs)
        passes.append(len(re.findall(r"Run number \d+ of rule '[^']*latex[^']*'",
                                     (proc.stdout or "") + (proc.stderr or ""))))
        return proc

    latex.run_guarded = counting
    cfg = load_config(root)
    cfg = replace(cfg, execution=replace(cfg.execution, execute=False))
    page = one_word_edit(sections, round_)
    t0 = time.perf_counter()
    result = build(cfg, cfg.select(LANG), ("pdf",), jobs=2).editions[0]
    seconds = time.perf_counter() - t0
    steps = " ".join(f"{k} {v:.1f}" for k, v in result.seconds.items())
    print(f"  one-word edit ({page.parent.name}/{page.name}), build pdf: {seconds:.1f} s "
          f"({steps}); not started: {', '.join(result.skipped) or '-'}; LaTeX passes per "
          f"PDF: {passes}")


def row(label: str, ours: list[float], theirs: list[float]) -> None:
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(f"  {label:44} {' '.join(f'{x:5.2f}' for x in ours):>20} s   bare "
          f"{' '.join(f'{x:5.2f}' for x in theirs):>20} s   ratio "
          f"{' '.join(f'{x:4.2f}' for x in ratios)} (median {statistics.median(ratios):.2f})")


def main() -> None:
    args = sys.argv[1:]
    old = "--old-dialect" in args
    pages = int(args[args.index("--pages") + 1]) if "--pages" in args else (190 if old else 200)
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    profile = Path(args[args.index("--profile") + 1]).resolve() if "--profile" in args else None
    global LANG
    LANG = args[args.index("--lang") + 1] if "--lang" in args else "en"
    if LANG != "en" and old:
        raise SystemExit("--lang: the old-dialect book has the English edition only")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-edit-") as tmp:
        work = Path(tmp)
        root = work / "book"
        t0 = time.perf_counter()
        if old:
            old_dialect_book(work / "old", pages)
            run = subprocess.run([D2LBOOK, "import", str(work / "old"), str(root)],
                                 capture_output=True, text=True)
            if run.returncode:
                raise SystemExit(f"import failed:\n{run.stdout}\n{run.stderr[-3000:]}")
            (root / ".gitignore").write_text("_build/\n")
        elif LANG != "en":
            make_book200(root, pages)  # committed, with its catalogs
        else:
            generate_book(root, pages)
        if LANG == "en":
            git(root, "init", "-q")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "generated book")
        sections = sorted((root / "source" / "en").glob("chapter_*/section_*.md"))
        count = len(list((root / "source" / "en").rglob("*.md")))
        print(f"book: {'old dialect, imported, 4 frameworks' if old else 'generated'}, "
              f"{count} pages, edition {LANG}; made in {time.perf_counter() - t0:.1f} s")
        cold, _ = d2lbook(root, "html")
        tree, copy = root / "_build" / LANG / "sphinx", work / "bare-tree"
        shutil.copytree(tree, copy)
        bare_cold = bare(copy, work)
        print(f"  {'cold build html':44} {cold:5.2f} s   bare {bare_cold:5.2f} s   ratio "
              f"{cold / bare_cold:.2f}")
        d2lbook(root, "html")  # the first no-op settles what the cold build left
        bare(copy, work)
        edit, bare_edit, noop, bare_noop, after_all, bare_after = [], [], [], [], [], []
        for r in range(rounds):
            one_word_edit(sections, r)
            edit.append(d2lbook(root, "html")[0])
            changed = sync(tree, copy)
            bare_edit.append(bare(copy, work))
            if r == 0:
                print(f"  (the edit changes {len(changed)} file(s) of the Sphinx tree: "
                      f"{', '.join(changed[:4])})")
            noop.append(d2lbook(root, "html")[0])
            bare_noop.append(bare(copy, work))
        if "--skip-all" not in args:
            d2lbook(root, "all")
            for _ in range(rounds):
                d2lbook(root, "all")
                after_all.append(d2lbook(root, "html")[0])
                bare_after.append(bare(copy, work))
        row("one-word prose edit, build html", edit, bare_edit)
        row("no-op build html", noop, bare_noop)
        if after_all:
            row("no-op build html after build all", after_all, bare_after)
        if "--pdf" in args:
            pdf_after_edit(root, sections, rounds)
        if profile is not None:
            one_word_edit(sections, rounds + 1)
            seconds, _ = d2lbook(root, "html", profile=profile)
            import pstats

            print(f"\nprofile of one more edit ({seconds:.1f} s under cProfile), kept in "
                  f"{profile}:")
            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
