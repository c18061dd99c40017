"""What the sanitiser costs: prints figures (never asserts on time).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_sanitize.py

On the book's own Chinese catalogs: applying every catalog to its English page (what a build
does before Sphinx), the per-message check alone (two markdown-it parses per message), and the
page-level guard alone (two parses per page). Best of 5 runs each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def best(fn, runs: int = 5) -> float:
    from d2lbook.i18n import sanitize

    times = []
    for _ in range(runs):
        sanitize._inventory_alone.cache_clear()  # a build parses each message afresh
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from d2lbook.commands.i18n import english_pages
    from d2lbook.config import load_config
    from d2lbook.i18n.apply import apply_catalog
    from d2lbook.i18n.catalog import read_catalog
    from d2lbook.i18n.sanitize import inventory, page_references, parser
    from d2lbook.i18n.segment import segment
    from d2lbook.i18n.validate import check_translation
    from d2lbook.layout import catalog_file as catalog_path

    cfg = load_config(REPO)
    zh = cfg.language("zh")
    work = []
    for name in english_pages(cfg):
        po = catalog_path(cfg.locale_path, zh.locale, name)
        if po.is_file():
            text = (cfg.source_dir / f"{name}.md").read_text(encoding="utf-8")
            work.append((text, read_catalog(po)))
    pairs = [(text, seg.msgid, cat.lookup(seg.msgid))
             for text, cat in work for seg in segment(text) if cat.lookup(seg.msgid)]
    parser()  # building the parser once is not part of the per-page cost

    apply_all = best(lambda: [apply_catalog(t, c) for t, c in work])
    refs = {id(t): page_references(t) for t, _ in work}
    checks = best(lambda: [check_translation(m, s, references=refs[id(t)]) for t, m, s in pairs])
    guard = best(lambda: [inventory(t) for t, _ in work]) * 2
    size = sum(len(t) for t, _ in work) / 1024
    print(f"{len(work)} pages ({size:.0f} KiB), {len(pairs)} translated messages")
    print(f"  apply every catalog (segment, check, place, re-segment, guard)  {apply_all:6.2f} s")
    print(f"  per-message check alone                                         {checks:6.2f} s "
          f"({checks / len(pairs) * 1000:.2f} ms per message)")
    print(f"  page-level guard alone (English + translated page)              {guard:6.2f} s")


if __name__ == "__main__":
    main()
