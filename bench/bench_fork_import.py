"""Quality and speed of `d2lbook i18n import` on the hand-made fork of tests/fixtures/fork.

Builds the English book with its history in a temporary folder (tests/fork_book.py), imports
the Chinese fork and prints the precision of the confident pairs, the recall of the true
pairs (confident or doubtful) and the time. Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python bench/bench_fork_import.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fork_book import FORK, evaluate, make_book, truth  # noqa: E402

from d2lbook.commands.fork_import import import_fork  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        shas = make_book(book)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = import_fork(FORK, "zh", root=book, write=False)
            times.append(time.perf_counter() - started)
        figures = evaluate(result, truth(), shas)
    t = result.totals
    print(f"pages: {t['matched']} matched, {t['fork_only']} fork-only, {t['missing']} missing")
    print(f"messages: {t['translated']} translated, {t['fuzzy']} fuzzy, "
          f"{t['untranslated']} untranslated; {t['leftovers']} leftover block(s)")
    print(f"confident pairs: {figures['confident']}, precision {figures['precision']:.1%}")
    print(f"true pairs: {figures['true_pairs']}, found {figures['found']}, "
          f"recall {figures['recall']:.1%}")
    for line in figures["wrong"]:
        print(f"  wrong: {line}")
    for line in figures["missed"]:
        print(f"  missed: {line}")
    print(f"time: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s "
          f"over {len(times)} run(s)")


if __name__ == "__main__":
    main()
