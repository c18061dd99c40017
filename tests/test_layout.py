"""The book's layout: every path of sources and outputs comes from ``d2lbook.layout``."""

from __future__ import annotations

from pathlib import Path

from d2lbook.config import parse_config
from d2lbook.edition import prepare_edition
from d2lbook.layout import BookLayout, is_hidden

ZH_A = "# 甲\n\n```{toctree}\nzh-only\n```\n"  # lists the page only the zh edition has


def make_book(root: Path):
    (root / "source" / "en" / "ch").mkdir(parents=True)
    (root / "source" / "en" / "index.md").write_text("# Book\n\n```{toctree}\nch/a\n```\n")
    (root / "source" / "en" / "ch" / "a.md").write_text("# A\n\nSome text.\n")
    (root / "source" / "zh" / "ch").mkdir(parents=True)
    (root / "source" / "zh" / "ch" / "a.md").write_text(ZH_A)
    (root / "source" / "zh" / "ch" / "zh-only.md").write_text("# 只有中文\n")
    (root / "source" / "zh" / "ch" / "_draft.md").write_text("# 草稿\n")
    (root / "source" / "zh" / ".notes" / "x.md").parent.mkdir()
    (root / "source" / "zh" / ".notes" / "x.md").write_text("# notes\n")
    table = {"name": "bk", "author": "A", "version": "1",
             "languages": {"en": {"title": "Book"}, "zh": {"title": "书", "locale": "zh_CN"}}}
    return parse_config(root, table)


def test_sources_and_catalogs(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    en, zh = cfg.languages
    layout = BookLayout(cfg)
    assert layout.source_page("ch/a") == tmp_path / "source/en/ch/a.md"
    assert layout.catalog(zh, "ch/a") == tmp_path / "locale/zh_CN/LC_MESSAGES/ch/a.po"
    assert set(layout.overlay_pages(zh)) == {"ch/a", "ch/zh-only"}
    assert layout.replaced_pages(zh, ["index", "ch/a"]) == {"ch/a"}
    assert layout.replaced_pages(en, ["index", "ch/a"]) == set()
    assert layout.relative(layout.edit_file(zh, "ch/a")) == "source/zh/ch/a.md"
    assert layout.relative(layout.edit_file(zh, "index")) == "locale/zh_CN/LC_MESSAGES/index.po"
    assert layout.relative(layout.edit_file(en, "index")) == "source/en/index.md"
    assert is_hidden(Path("ch/_draft.md")) and is_hidden(Path(".git/x.md"))
    assert not is_hidden(Path("ch/a.md"))


def test_outputs_with_and_without_a_framework(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    _, zh = cfg.languages
    layout = BookLayout(cfg)
    build = tmp_path / "_build"
    assert layout.html(zh) == build / "zh/html"
    assert layout.doctrees(zh) == build / "zh/doctrees"
    assert layout.doctrees(zh, "latex") == build / "zh/doctrees-latex"
    assert layout.sphinx(zh) == build / "zh/sphinx"
    assert layout.pdf(zh) == build / "zh/pdf/bk-zh.pdf"
    assert layout.pdf(zh, "pytorch") == build / "zh/pdf/bk-zh-pytorch.pdf"
    assert layout.notebooks(zh) == build / "zh/notebooks"
    assert layout.notebooks(zh, "mxnet") == build / "zh/notebooks/mxnet"
    assert layout.notebook_zip(zh, "mxnet") == build / "zh/notebooks/mxnet/bk-zh-mxnet.zip"
    assert (layout.site, layout.execution_cache) == (build / "site", build / "cache/execute")


def test_an_edition_has_exactly_the_pages_the_layout_names(tmp_path: Path) -> None:
    """Hidden overlay files (drafts, notes) are not pages of the built edition either."""
    cfg = make_book(tmp_path)
    _, zh = cfg.languages
    edition = prepare_edition(cfg, zh)
    built = {p.name for p in edition.pages} - edition.generated
    assert built == set(BookLayout(cfg).edition_page_names(zh))
    assert not (edition.tree / "ch" / "_draft.md").exists()
    assert (edition.tree / "ch" / "a.md").read_text() == ZH_A
