"""Import benchmark: prints figures (never asserts on time).

    .venv/bin/python bench/bench_import.py [COPIES]
    .venv/bin/python bench/bench_import.py lines     # only the long-line figures

Makes a large book in the old dialect from the fixture (tests/fixtures/oldbook): its two content
chapters repeated COPIES times (default 25: about 200 pages, labels renamed per copy so they stay
unique), imports it twice (cold, then over its own output) and prints pages per second.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from d2lbook.commands.import_book import import_book  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "oldbook"
LABEL = re.compile(r"(:(?:label|eqlabel|numref|ref|eqref):`+)([^`]+)")


def make_book(dest: Path, copies: int) -> int:
    shutil.copytree(FIXTURE, dest)
    chapters = ["chapter_basics", "chapter_models"]
    entries = []
    for n in range(copies):
        for chapter in chapters:
            target = dest / f"{chapter}_{n}"
            shutil.copytree(FIXTURE / chapter, target)
            for page in target.glob("*.md"):
                suffix = f"_{n}"
                page.write_text(LABEL.sub(lambda m, s=suffix: f"{m.group(1)}{m.group(2)}{s}",
                                          page.read_text()))
            entries.append(f"{chapter}_{n}/index")
    index = dest / "index.md"
    index.write_text(index.read_text().replace("chapter_models/index.md\n",
                                               "chapter_models/index.md\n" +
                                               "\n".join(entries) + "\n"))
    return len(list(dest.rglob("*.md"))) - 1  # README.md is excluded


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "old"
        pages = make_book(src, copies)
        words = sum(len(p.read_text().split()) for p in src.rglob("*.md"))
        for label in ("cold import", "again, over its own output"):
            t0 = time.perf_counter()
            result = import_book(src, Path(tmp) / "new", force=True)
            seconds = time.perf_counter() - t0
            print(f"  {label:30} {len(result.pages):4d} pages, {words:7d} words: "
                  f"{seconds:6.2f} s ({len(result.pages) / seconds:6.0f} pages/s), "
                  f"{len(result.report.warnings)} warnings")
        assert len(result.pages) == pages
    long_lines()


def long_lines(size: int = 400_000) -> None:
    """One page holding a single line of SIZE characters of repeated opening marks (the
    hostile page of issue 19: a line of ``[**`` took 31 s before the scans were made linear).
    A linear scan takes about 4 times as long for a line 4 times longer."""
    from d2lbook.importer.page import PageContext, convert_page
    from d2lbook.importer.report import Located, Report

    print(f"  one line of repeated marks ({size // 1000} KB and a quarter of it):")
    for mark in ("[**", "![", "(**", "`a", ":a:`", "**]"):
        times = []
        for n in (size // 4, size):
            text = "# T\n\n" + mark * (n // len(mark)) + "\n"
            t0 = time.perf_counter()
            convert_page("p", text, PageContext((), frozenset({"p"})), Located(Report(), "p.md"))
            times.append(time.perf_counter() - t0)
        print(f"    {mark!r:8} {times[0]:6.2f} s, {times[1]:6.2f} s "
              f"(x{times[1] / times[0]:.1f} for x4)")


if __name__ == "__main__":
    if sys.argv[1:] == ["lines"]:
        long_lines()
    else:
        main()
