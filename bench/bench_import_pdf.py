"""The PDF of a large imported book: time and peak memory. Prints figures (never asserts on
time); record them in docs/benchmarks.md.

    .venv/bin/python bench/bench_import_pdf.py [--copies N] [--framework KEY]

Generates an old-dialect book from tests/fixtures/oldpdf: its page with every PDF hazard (a
citation in a figure and a table caption, Greek, symbols, a CJK name, slide-marked labelled
equations, framework cells) repeated N times (default 400, about 900 A4 pages) over chapters of
20 sections, each copy with its own labels, one bibliography page. Then ``d2lbook import`` and
``d2lbook build pdf --framework KEY --no-execute`` (default pytorch) in a new process; prints
the seconds of each step, the PDF's page count and the peak memory (summed RSS of the build and
every process under it: Sphinx, latexmk, xelatex).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_scale import PeakMemory, machine  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "oldpdf"
LABEL = re.compile(r"(:(?:label|eqlabel|eqref|numref):`)(\w+)(`)")


def generate(src: Path, copies: int) -> None:
    shutil.copytree(FIXTURE, src)
    page = (FIXTURE / "chapter_notes" / "means.md").read_text(encoding="utf-8")
    page = page.split("## References")[0]
    shutil.rmtree(src / "chapter_notes")
    chapters: list[str] = []
    for c in range(-(-copies // 20)):
        folder = src / f"chapter_{c:02d}"
        folder.mkdir()
        names = []
        for s in range(min(20, copies - 20 * c)):
            n = 20 * c + s
            text = LABEL.sub(lambda m, n=n: f"{m[1]}{m[2]}_{n}{m[3]}", page)
            (folder / f"section_{s:02d}.md").write_text(text,
                                                        encoding="utf-8")
            names.append(f"section_{s:02d}")
        (folder / "index.md").write_text(f"# Chapter {c + 1}\n\n```toc\n:maxdepth: 2\n\n"
                                         + "\n".join(names) + "\n```\n", encoding="utf-8")
        chapters.append(f"chapter_{c:02d}/index")
    (src / "references.md").write_text("# References\n\n:bibliography:`refs.bib`\n",
                                       encoding="utf-8")
    (src / "index.md").write_text("# Notes on Estimation\n\n```toc\n:maxdepth: 2\n:numbered:\n\n"
                                  + "\n".join(chapters) + "\n```\n\n```toc\n:maxdepth: 1\n\n"
                                  "references\n```\n", encoding="utf-8")


def main() -> None:
    args = sys.argv[1:]
    copies = int(args[args.index("--copies") + 1]) if "--copies" in args else 400
    framework = args[args.index("--framework") + 1] if "--framework" in args else "pytorch"
    d2lbook = [str(Path(sys.executable).parent / "d2lbook")]
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-import-pdf-") as tmp:
        src, dest = Path(tmp) / "old", Path(tmp) / "book"
        generate(src, copies)
        t0 = time.perf_counter()
        run = subprocess.run([*d2lbook, "import", str(src), str(dest)], capture_output=True,
                             text=True)
        print(f"import: {time.perf_counter() - t0:.1f} s ({copies} copies of the page), "
              f"exit {run.returncode}, {run.stdout.splitlines()[0] if run.stdout else ''}")
        with PeakMemory() as peak:
            t0 = time.perf_counter()
            run = subprocess.run([*d2lbook, "--root", str(dest), "build", "pdf", "--lang", "en",
                                  "--framework", framework, "--no-execute"],
                                 capture_output=True, text=True)
            seconds = time.perf_counter() - t0
        pdf = dest / "_build" / "en" / "pdf" / f"notes-book-en-{framework}.pdf"
        pages = ""
        if pdf.is_file() and shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
            pages = next((x.split()[-1] for x in info.splitlines() if x.startswith("Pages:")),
                         "")
        print(f"build pdf --framework {framework} --no-execute: {seconds:.0f} s, exit "
              f"{run.returncode}, {pages} PDF pages, peak memory {peak.peak / 2**20:.0f} MiB")
        if run.returncode:
            print(run.stderr[-2000:])


if __name__ == "__main__":
    main()
