"""Quality and speed of `d2lbook i18n import`.

1. The hand-made fork of tests/fixtures/fork: builds the English book with its history in a
   temporary folder (tests/fork_book.py), imports the Chinese fork, prints the precision of
   the confident pairs, the recall of the true pairs (confident or doubtful) and the time.
2. Synthetic forks of this repository's own English pages (tests/synthetic_fork.py):
   pseudo-Chinese keeping what translation keeps, with paragraphs merged, split, left out,
   notes and sections added at the given rates; the aligner alone, with the true version.
3. A synthetic history (--history COPIES COMMITS): relabelled copies of those pages edited by
   many commits (prose edits, new and deleted paragraphs, equations, code cells, renames), a
   synthetic fork of the middle commit, the whole import: fork point, versions, pairs, the
   share of messages the Chinese edition shows in Chinese (outdated translations shown, the
   default, or not) and the code comments carried from the fork's code cells.

Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python bench/bench_fork_import.py [--repeat N] [--seeds N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fork_book import FORK, _git, evaluate, make_book, truth  # noqa: E402
from synthetic_fork import make_fork, make_history  # noqa: E402

from d2lbook.commands.fork_import import import_fork  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3, help="synthetic forks per page")
    parser.add_argument("--rates", type=float, nargs=5,
                        default=(0.05, 0.05, 0.03, 0.03, 0.03),
                        metavar=("MERGE", "SPLIT", "OMIT", "NOTE", "SECTION"))
    parser.add_argument("--sigma", type=float, default=0.2,
                        help="spread of the synthetic paragraphs' length ratio (log-normal)")
    parser.add_argument("--history", type=int, nargs=2, default=(2, 60),
                        metavar=("COPIES", "COMMITS"), help="0 0 to skip")
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
    import synthetic_fork

    synthetic_fork.SIGMA = args.sigma
    synthetic(args.seeds, args.rates)
    if args.history[0] and args.history[1]:
        history(*args.history)


def synthetic(seeds: int, rates: tuple[float, ...]) -> None:
    from d2lbook.i18n.fork.align import align_pages
    from d2lbook.i18n.fork.structure import read_structure
    from d2lbook.i18n.segment import normalize

    keys = ("mxnet", "pytorch")  # the sample book's frameworks
    root = Path(__file__).resolve().parent.parent / "source" / "en"
    pages = sorted(root.rglob("*.md"))
    confident = right = found = total = blocks = 0
    started = time.perf_counter()
    for seed in range(seeds):
        for path in pages:
            english = path.read_text(encoding="utf-8")
            fork = make_fork(english, seed * 1000 + sum(map(ord, path.name)),
                             merge=rates[0], split=rates[1], omit=rates[2], note=rates[3],
                             section=rates[4])
            en, zh = read_structure(english, keys), read_structure(fork.text, keys)
            blocks += len(zh.blocks)
            aligned = align_pages(en, zh, 0.3)
            true = set(fork.pairs)
            got = set()
            for pair in aligned.pairs:
                if pair.identical:
                    continue
                key = (tuple(en.blocks[i].text for i in pair.english),
                       normalize(pair.translation))
                got.add(key)
                if pair.confident:
                    confident += 1
                    right += key in true
            total += len(true)
            found += len(true & got)
    seconds = time.perf_counter() - started
    import synthetic_fork

    print(f"synthetic: {len(pages)} pages x {seeds} seed(s), rates merge/split/omit/note/"
          f"section {'/'.join(f'{r:g}' for r in rates)}, length spread "
          f"{synthetic_fork.SIGMA:g}: {blocks} fork blocks")
    print(f"  confident pairs: {confident}, precision {right / max(confident, 1):.1%}; "
          f"true pairs: {total}, recall {found / max(total, 1):.1%}; "
          f"{seconds:.2f} s ({1000 * seconds / max(blocks, 1):.2f} ms per block)")


def history(copies: int, commits: int) -> None:
    from d2lbook.i18n.segment import normalize, segment

    with tempfile.TemporaryDirectory() as tmp:
        book, fork = Path(tmp) / "book", Path(tmp) / "fork" / "source" / "en"
        root = Path(__file__).resolve().parent.parent / "source" / "en"
        made = make_history(book, root, copies=copies, commits=commits, seed=1, git=_git)
        for path, page in made.forks.items():
            (fork / path).parent.mkdir(parents=True, exist_ok=True)
            (fork / path).write_text(page.text, encoding="utf-8")
        started = time.perf_counter()
        result = import_fork(fork.parent.parent, "zh", root=book, write=True)
        seconds = time.perf_counter() - started
        shown = shown_in_chinese(book)
        right_version = confident = right = found = total = 0
        for page in result.pages:
            name = page.fork_file.removeprefix("source/en/")
            true = set(made.forks[name].pairs)
            total += len(true)
            if page.english is None:
                continue
            text = _git(book, "show", f"{page.version_commit}:source/en/{page.version_path}")
            # the right version: the same messages as the page at the fork commit (versions
            # differing only in code or toctree entries make the same catalog)
            right_version += [x.msgid for x in segment(text)] == \
                [x.msgid for x in segment(made.at_fork[name])]
            got = set()
            for pair in page.pairs:
                key = (tuple(pair["english"]), normalize(pair["translation"]))
                got.add(key)
                confident += pair["confident"]
                right += pair["confident"] and key in true
            found += len(true & got)
    point = made.shas.index(result.fork_point) if result.fork_point in made.shas else None
    print(f"history: {len(made.at_fork)} pages, {commits} commits, fork of commit "
          f"{made.fork_commit}: fork point found {point}, "
          f"right version for {right_version}/{len(result.pages)} pages")
    print(f"  confident pairs: {confident}, precision {right / max(confident, 1):.1%}; "
          f"true pairs: {total}, recall {found / max(total, 1):.1%}; import {seconds:.1f} s")
    print(f"  shown in Chinese: {shown['outdated shown']:.1%} of {shown['messages']} messages "
          f"(outdated translations shown, the default), {shown['english']:.1%} with "
          f"`outdated = \"english\"`; code comments: {result.totals['comments']} carried, "
          f"{shown['comments']} of {shown['comment lines']} comment lines shown in Chinese")


def shown_in_chinese(book: Path) -> dict[str, float]:
    """What the Chinese edition made from the imported catalogs shows: the share of today's
    English messages shown translated, with outdated (fuzzy) translations shown or not, and
    the code comment lines shown translated."""
    from d2lbook.i18n.apply import apply_catalog, load_catalog_safely
    from d2lbook.i18n.comments import code_comments

    totals = {"messages": 0, "outdated shown": 0, "english": 0, "comment lines": 0,
              "comments": 0}
    source = book / "source" / "en"
    for page in sorted(source.rglob("*.md")):
        name = page.relative_to(source).with_suffix("").as_posix()
        text = page.read_text(encoding="utf-8")
        catalog, _ = load_catalog_safely(book / "locale" / "zh_CN" / "LC_MESSAGES" /
                                         f"{name}.po")
        shown = apply_catalog(text, catalog, use_fuzzy=True)
        strict = apply_catalog(text, catalog, use_fuzzy=False)
        totals["messages"] += shown.translated + shown.fuzzy_used + shown.untranslated
        totals["outdated shown"] += shown.translated + shown.fuzzy_used
        totals["english"] += strict.translated
        totals["comment lines"] += len(code_comments(text))
        totals["comments"] += shown.comments
    messages = max(totals["messages"], 1)
    return {**totals, "outdated shown": totals["outdated shown"] / messages,
            "english": totals["english"] / messages}


if __name__ == "__main__":
    main()
