"""Frameworks benchmark: prints figures (never asserts on time). Record them in
docs/benchmarks.md.

    .venv/bin/python bench/bench_frameworks.py [--book PATH] [--pdf] [--lang en|all]

For the book as configured (every framework) and for the same book cut down to its default
framework (the other frameworks' tables and cells removed): a cold build, a no-op rebuild and a
prose-edit rebuild, with the number of notebooks executed. Formats: html + notebooks (``--pdf``
adds the PDFs, one per framework). ``--book`` takes another checkout of the book (its
``source``, ``locale`` and ``pyproject.toml``); the default is this repository.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*.*?^```[ \t]*\n", re.M | re.S)
TAGS = re.compile(r"^:tags:\s*\[([^\]]*)\]", re.M)


def copy(book: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(book / "pyproject.toml", dest / "pyproject.toml")
    for folder in ("source", "locale"):
        if (book / folder).is_dir():
            shutil.copytree(book / folder, dest / folder,
                            ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    return dest


def single_framework(root: Path) -> str:
    """Cut the book at ``root`` down to its default framework; returns its key."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    tables = tomllib.loads(text)["tool"]["d2lbook"].get("frameworks", {})
    keys = list(tables)
    if len(keys) < 2:
        return keys[0] if keys else ""
    keep, others = keys[0], set(keys[1:])
    for key in others:
        text = re.sub(rf"^\[tool\.d2lbook\.frameworks\.{key}\]\n(?:(?!\[)[^\n]*\n)*", "",
                      text, flags=re.M)
    pyproject.write_text(text, encoding="utf-8")

    def cut(match: re.Match) -> str:
        tags = TAGS.search(match.group(0))
        named = {t.strip() for t in tags.group(1).split(",")} if tags else set()
        return "" if named & others and keep not in named else match.group(0)

    for page in (root / "source").rglob("*.md"):
        page.write_text(CELL.sub(cut, page.read_text(encoding="utf-8")), encoding="utf-8")
    return keep


def measure(root: Path, langs: str, formats: tuple[str, ...]) -> list[tuple[str, float, int]]:
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    cfg = load_config(root)
    selected = cfg.select(langs)

    def run() -> tuple[float, int]:
        t0 = time.perf_counter()
        result = build(cfg, selected, formats)
        return time.perf_counter() - t0, result.executed

    rows = []
    seconds, executed = run()
    rows.append(("cold build", seconds, executed))
    seconds, executed = run()
    rows.append(("no-op rebuild", seconds, executed))
    page = next(p for p in sorted(cfg.source_dir.rglob("*.md")) if "code-cell" in p.read_text())
    text = page.read_text(encoding="utf-8")
    cut = text.index("\n## ") if "\n## " in text else len(text)
    page.write_text(text[:cut] + "\n\nOne more sentence of prose.\n" + text[cut:],
                    encoding="utf-8")
    seconds, executed = run()
    rows.append(("prose edit", seconds, executed))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", default=str(REPO))
    parser.add_argument("--lang", default="all")
    parser.add_argument("--pdf", action="store_true")
    args = parser.parse_args()
    formats = ("html", "notebooks", "pdf") if args.pdf else ("html", "notebooks")
    from d2lbook.config import load_config

    keys = [fw.key for fw in load_config(Path(args.book)).frameworks]
    with tempfile.TemporaryDirectory(prefix="d2lbook-bench-fw-") as tmp:
        both = copy(Path(args.book), Path(tmp) / "all")
        one = copy(Path(args.book), Path(tmp) / "one")
        only = single_framework(one)
        results = {"all": measure(both, args.lang, formats),
                   "one": measure(one, args.lang, formats)}
    print(f"Frameworks benchmark: {args.lang} edition(s), {' + '.join(formats)}")
    print(f"  {'':22} {' + '.join(keys):>26} {only + ' only':>26}")
    for (label, s_all, n_all), (_, s_one, n_one) in zip(results["all"], results["one"],
                                                         strict=True):
        print(f"  {label:22} {s_all:8.1f} s {n_all:4d} executed   "
              f"{s_one:8.1f} s {n_one:4d} executed")


if __name__ == "__main__":
    main()
