"""Build benchmarks: prints figures (never asserts on time). Record them in docs/benchmarks.md.

    .venv/bin/python bench/bench_build.py

English edition: cold full build (html + pdf + notebooks) with its executions, no-op rebuild,
prose-edit rebuild; in the same run a bare ``sphinx-build`` of the same sources with myst-nb
executing the notebooks itself (what one would do without d2lbook), as a ratio. Bilingual: both
editions cold (executions must equal the number of distinct notebooks), and a
translation-only edit. Then ``i18n update`` on a generated 200-page book.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import copy_book  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:52} {seconds:8.1f} s  {extra}")


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
           f"{mem:.0f} GiB, Python {platform.python_version()}"


def bench_english(work: Path) -> None:
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    root = copy_book(work / "en")
    cfg = load_config(root)
    en = cfg.select("en")
    print("English edition (html + pdf + notebooks)")
    cold, result = timed(lambda: build(cfg, en))
    row("cold build", cold, f"{result.executed} notebooks executed")
    noop, result = timed(lambda: build(cfg, en))
    row("no-op rebuild", noop, f"{result.executed} executed")
    page = root / "source" / "en" / "chapter_linear-networks" / "linear-regression.md"
    text = page.read_text()
    cut = text.index("\n## ")
    page.write_text(text[:cut] + "\n\nOne more sentence of prose.\n" + text[cut:])
    prose, result = timed(lambda: build(cfg, en))
    row("prose-edit rebuild", prose, f"{result.executed} executed")

    # The plain alternative: sphinx-build on the same sources, myst-nb executing them.
    plain_src = work / "plain"
    shutil.copytree(root / "source" / "en", plain_src)
    conf = (root / "_build" / "en" / "sphinx" / "conf.py").read_text()
    conf = conf.replace("nb_execution_mode = 'off'", "nb_execution_mode = 'cache'")
    conf += f"nb_execution_cache_path = {str(work / 'plain-cache')!r}\n"
    conf += "nb_execution_timeout = 300\n"
    (plain_src / "conf.py").write_text(conf)

    def sphinx(builder: str, out: str) -> None:
        subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", builder, str(plain_src),
                        str(work / out), "-d", str(work / f"{out}-doctrees")], check=True,
                       stderr=subprocess.DEVNULL)

    plain_html, _ = timed(lambda: sphinx("html", "plain-html"))
    plain_latex, _ = timed(lambda: sphinx("latex", "plain-latex"))
    plain_noop, _ = timed(lambda: sphinx("html", "plain-html"))
    row("bare sphinx-build html (myst-nb executes), cold", plain_html)
    row("bare sphinx-build latex (cache warm), no pdf", plain_latex)
    row("bare sphinx-build html, no-op", plain_noop)
    print(f"  ratio d2lbook cold (3 formats) / bare sphinx html+latex cold: "
          f"{cold / (plain_html + plain_latex):.2f}")
    print(f"  ratio d2lbook no-op / bare sphinx no-op: {noop / plain_noop:.2f}")


def bench_bilingual(work: Path) -> None:
    from d2lbook.commands.build import build
    from d2lbook.config import load_config
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from d2lbook.source import read_pages

    root = copy_book(work / "both")
    cfg = load_config(root)
    distinct = len({p.text.split("```{code-cell}", 1)[-1] for p in read_pages(cfg.source_dir)
                    if "{code-cell}" in p.text})
    print("Both editions (html + pdf + notebooks)")
    cold, result = timed(lambda: build(cfg, cfg.languages))
    row("cold bilingual build", cold,
        f"{result.executed} executed (distinct notebooks with code: {distinct})")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "chapter_linear-networks" / \
        "linear-regression.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.entries if e.msgstr and not e.obsolete)
    entry.msgstr += "（译注：示例）"
    write_catalog(catalog, po)
    edit, result = timed(lambda: build(cfg, cfg.select("zh")))
    row("translation-only edit, zh rebuild", edit, f"{result.executed} executed")


def bench_update(work: Path) -> None:
    from d2lbook.i18n.update import update_catalogs

    pages = {}
    for i in range(200):
        paras = [f"# Page {i}\n"]
        for j in range(50):
            paras.append(f"Paragraph {j} of page {i} explains topic {i * 50 + j} with "
                         f"{{numref}}`fig-{j}` and $x_{j}$ in a sentence of moderate length.\n")
            if j % 10 == 0:
                paras.append(f"## Section {j}\n")
        pages[f"chapter_{i // 20}/page_{i}"] = "\n".join(paras)
    locale = work / "locale"
    print("i18n update on a generated book: 200 pages, 10,800 messages")
    create, _ = timed(lambda: update_catalogs(pages, locale, "zh_CN"))
    row("create every catalog", create)
    again, results = timed(lambda: update_catalogs(pages, locale, "zh_CN"))
    row("update again, nothing changed", again,
        f"{sum(r.status == 'unchanged' for r in results)} unchanged")
    for name in list(pages)[:20]:
        pages[name] = pages[name].replace("moderate length", "considerable length", 5)
    edit, results = timed(lambda: update_catalogs(pages, locale, "zh_CN"))
    row("update after editing 20 pages", edit,
        f"{sum(r.status == 'updated' for r in results)} updated")


def main() -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="d2lbook-bench-") as tmp:
        work = Path(tmp)
        if "--only-update" not in sys.argv:
            bench_english(work)
            bench_bilingual(work)
        bench_update(work)


if __name__ == "__main__":
    main()
