"""The site: per-page links, the root page, assembling and swapping, the preview server; and on
the real book (slow): the layout of ``_build/site/``, the links of every page, no broken link."""

from __future__ import annotations

import html.parser
import json
import re
import time
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from d2lbook.config import Urls, parse_config
from d2lbook.errors import RenderError
from d2lbook.layout import BookLayout
from d2lbook.render.site import assemble_site, page_links, root_index
from tests.helpers import fetch, pyproject, serving, wait
from tests.site_build import PAGE


def make_book(root: Path, urls: Urls | None = None):
    """A tiny two-edition book: English pages, one zh catalog, one zh-only page."""
    (root / "source" / "en" / "ch").mkdir(parents=True)
    (root / "source" / "en" / "index.md").write_text("# Book\n\n```{toctree}\nch/a\n```\n")
    (root / "source" / "en" / "ch" / "a.md").write_text("# A\n")
    (root / "source" / "zh" / "ch").mkdir(parents=True)
    (root / "source" / "zh" / "ch" / "zh-only.md").write_text("# 只有中文\n")
    (root / "source" / "zh" / "ch" / "_draft.md").write_text("# hidden\n")
    urls = urls or Urls(repository="https://github.com/o/book", forum="https://forum.example/t",
                        colab="o/notebooks")
    table = {"name": "bk", "author": "A", "version": "1",
             "languages": {"en": {"title": "Book"},
                           "zh": {"title": "书", "locale": "zh_CN", "html_lang": "zh-CN"}},
             "urls": {k: getattr(urls, k) for k in ("repository", "branch", "forum", "colab")}}
    return parse_config(root, table)


def test_edition_pages_come_from_the_sources(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    en, zh = cfg.languages
    assert BookLayout(cfg).edition_page_names(en) == {"index", "ch/a"}
    assert BookLayout(cfg).edition_page_names(zh) == {"index", "ch/a", "ch/zh-only"}


def test_page_links_of_an_english_page(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    en, zh = cfg.languages
    pages = {lang.code: BookLayout(cfg).edition_page_names(lang) for lang in cfg.languages}
    links = page_links(cfg, en, "ch/a", pages, topic="1234")
    (switch,) = links.languages
    assert (switch.href, switch.text, switch.hreflang) == ("../../zh/ch/a.html", "中文", "zh-CN")
    assert links.notebook.href == "../notebooks/ch/a.ipynb"
    assert links.zip.href == "../notebooks/bk-en.zip"
    assert links.pdf.href == "../pdf/bk-en.pdf"
    assert links.colab.href == ("https://colab.research.google.com/github/o/notebooks/blob/main/"
                                "en/ch/a.ipynb")
    assert links.discuss.href == "https://forum.example/t/1234"
    assert links.edit.href == "https://github.com/o/book/edit/main/source/en/ch/a.md"
    assert links.edit.text == "Edit this page"
    assert page_links(cfg, en, "ch/a", pages).discuss.href == "https://forum.example/t/ch/a"


def test_page_links_of_chinese_pages(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    en, zh = cfg.languages
    pages = {lang.code: BookLayout(cfg).edition_page_names(lang) for lang in cfg.languages}
    links = page_links(cfg, zh, "ch/a", pages)
    assert links.languages[0].href == "../../en/ch/a.html"
    assert links.languages[0].text == "English"
    assert links.notebook.text == "本节的 Jupyter 笔记本（.ipynb）"
    assert links.edit.href == ("https://github.com/o/book/edit/main/locale/zh_CN/LC_MESSAGES/"
                               "ch/a.po")
    assert links.colab.href.endswith("/blob/main/zh/ch/a.ipynb")
    # A page only the Chinese edition has: the switcher falls back to the English index, and
    # the edit link points at the page itself.
    only = page_links(cfg, zh, "ch/zh-only", pages)
    assert only.languages[0].href == "../../en/index.html"
    assert only.edit.href == "https://github.com/o/book/edit/main/source/zh/ch/zh-only.md"
    # Generated pages (search) have no notebook and switch to the other edition's search.
    search = page_links(cfg, zh, "search", pages, is_document=False)
    assert search.notebook is None and search.edit is None and search.colab is None
    assert search.languages[0].href == "../en/search.html"


def test_links_are_left_out_when_urls_are_not_configured(tmp_path: Path) -> None:
    cfg = make_book(tmp_path, Urls())
    en = cfg.languages[0]
    links = page_links(cfg, en, "index", {"en": frozenset({"index"}), "zh": frozenset()})
    assert links.colab is None and links.discuss is None and links.edit is None
    assert links.languages[0].href == "../zh/index.html"


def test_sphinx_settings_place_the_book_partials(tmp_path: Path) -> None:
    from d2lbook.render.settings import sphinx_settings

    cfg = make_book(tmp_path)
    settings = sphinx_settings(cfg, cfg.languages[1])
    options = settings["html_theme_options"]
    assert options["article_header_end"] == ["d2l-page-tools.html",
                                             "article-header-buttons.html"]
    assert options["article_footer_items"] == ["d2l-page-footer.html"]
    assert settings["html_context"] == {"d2lbook_root": str(tmp_path), "default_mode": "light"}
    templates = Path(__file__).parent.parent / "d2lbook" / "render" / "templates"
    for name in ("d2l-page-tools.html", "d2l-page-footer.html", "layout.html",
                 "static/d2lbook.css", "static/favicon.svg"):
        assert (templates / name).is_file()


def test_root_index_picks_the_preferred_language_without_meta_refresh(tmp_path: Path) -> None:
    page = root_index(make_book(tmp_path))
    assert "http-equiv" not in page
    assert "navigator.languages" in page and "location.replace" in page
    assert '<a href="en/index.html" hreflang="en"' in page
    assert '<a href="zh/index.html" hreflang="zh-CN"' in page
    editions = json.loads(re.search(r"var editions = (\{.*\});", page)[1])
    assert editions == {"en": ["en", "en", "en"], "zh": ["zh", "zh-cn", "zh-cn"]}


def fake_outputs(cfg, marker: str, pdf: bool = True) -> None:
    for lang in cfg.languages:
        out = cfg.build_dir / lang.code
        (out / "html" / "ch").mkdir(parents=True, exist_ok=True)
        (out / "html" / "index.html").write_text(f"<p>{marker} {lang.code}</p>")
        (out / "html" / ".buildinfo").write_text("x")
        (out / "notebooks" / "ch").mkdir(parents=True, exist_ok=True)
        (out / "notebooks" / "ch" / "a.ipynb").write_text("{}")
        with zipfile.ZipFile(out / "notebooks" / f"bk-{lang.code}.zip", "w") as zf:
            zf.writestr("x", "y")
        if pdf:
            (out / "pdf").mkdir(exist_ok=True)
            (out / "pdf" / f"bk-{lang.code}.pdf").write_bytes(b"%PDF")


def test_assemble_site_lays_out_editions_and_swaps_the_whole_site(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    with pytest.raises(RenderError, match="HTML is not built"):
        assemble_site(cfg)
    fake_outputs(cfg, "first")
    site = assemble_site(cfg)
    root = cfg.build_dir / "site"
    assert site.root == root and site.missing == []
    assert (root / "index.html").read_text().startswith("<!DOCTYPE html>")
    for code in ("en", "zh"):
        assert (root / code / "index.html").read_text() == f"<p>first {code}</p>"
        assert (root / code / "notebooks" / "ch" / "a.ipynb").is_file()
        assert (root / code / "notebooks" / f"bk-{code}.zip").is_file()
        assert (root / code / "pdf" / f"bk-{code}.pdf").is_file()
        assert not (root / code / ".buildinfo").exists()
    assert [e.pdf for e in site.editions] == [root / "en/pdf/bk-en.pdf", root / "zh/pdf/bk-zh.pdf"]

    # A second assembly replaces the whole site; nothing of the first or of the work is left.
    (root / "en" / "stale.html").write_text("old")
    fake_outputs(cfg, "second")
    assemble_site(cfg)
    assert (root / "en" / "index.html").read_text() == "<p>second en</p>"
    assert not (root / "en" / "stale.html").exists()
    assert sorted(p.name for p in cfg.build_dir.iterdir()) == ["en", "site", "zh"]


def test_a_reassembled_site_shows_what_changed_and_the_build_never_touches_it(
        tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    fake_outputs(cfg, "one")
    assemble_site(cfg)
    served = cfg.build_dir / "site" / "en" / "index.html"
    notebook = cfg.build_dir / "site" / "en" / "notebooks" / "ch" / "a.ipynb"
    # the next build rewrites a page in place (same size) and leaves the notebook as it was
    (cfg.build_dir / "en" / "html" / "index.html").write_text("<p>two en</p>")
    assert served.read_text() == "<p>one en</p>"  # the served site is not the build's files
    assemble_site(cfg)
    assert served.read_text() == "<p>two en</p>"
    assert notebook.read_text() == "{}"
    (cfg.build_dir / "en" / "notebooks" / "ch" / "a.ipynb").write_text('{"cells": []}')
    assemble_site(cfg)
    assert notebook.read_text() == '{"cells": []}'


def test_missing_downloads_are_reported(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    fake_outputs(cfg, "x", pdf=False)
    assert assemble_site(cfg).missing == ["en/pdf/bk-en.pdf", "zh/pdf/bk-zh.pdf"]
    with pytest.raises(RenderError, match="not built: en/pdf/bk-en.pdf"):
        assemble_site(cfg, require_all=True)
    assert (cfg.build_dir / "site" / "en" / "index.html").is_file()  # the last good site stays


def test_a_page_folder_named_like_a_download_folder_is_an_error(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    fake_outputs(cfg, "x")
    (cfg.build_dir / "en" / "html" / "pdf").mkdir()
    with pytest.raises(RenderError, match="page folder named 'pdf'"):
        assemble_site(cfg)


def test_serve_rebuilds_when_a_source_changes(tmp_path: Path) -> None:
    cfg = make_book(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        pyproject(name="bk", title="Book", zh="书"))
    builds: list[str] = []

    def rebuild(config) -> None:
        fake_outputs(config, f"build {len(builds)}")
        builds.append("x")
        assemble_site(config)

    with serving(cfg, start=20, join=10, interval=0.05, rebuild=rebuild) as preview:
        url, events = preview.url, preview.events
        assert fetch(url + "en/index.html").startswith(
            "<p>build 0 en</p><script id=\"d2lbook-live\">")
        time.sleep(0.1)
        page = tmp_path / "source" / "en" / "ch" / "a.md"
        page.write_text("# A, edited\n")
        wait(lambda: len(builds) >= 2 and any(k == "rebuilt" for k, _ in events),
             f"not rebuilt: {events}", 20)
        assert fetch(url + "en/index.html").startswith(
            "<p>build 1 en</p><script id=\"d2lbook-live\">")
    assert [kind for kind, _ in events[:3]] == ["serving", "rebuilding", "rebuilt"]
    assert len(builds) == 2


def test_serve_rebuilds_only_the_editions_a_change_touches(tmp_path: Path) -> None:
    from d2lbook.commands.site import editions_to_rebuild
    from d2lbook.config import load_config

    make_book(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        pyproject(name="bk", title="Book", zh="书",
                  extra='[tool.d2lbook.languages.fr]\ntitle = "Livre"\nlocale = "fr_FR"\n'))
    cfg = load_config(tmp_path)
    po = str(tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "ch" / "a.po")
    overlay = str(tmp_path / "source" / "fr" / "ch" / "a.md")
    english = str(tmp_path / "source" / "en" / "ch" / "a.md")
    old, new = (1, 10, 1, "old"), (2, 11, 2, "new")  # (mtime, size, ctime, content hash)
    before = {po: old, overlay: old, english: old}

    def codes(after: dict[str, tuple[int, int, int, str]]) -> list[str]:
        return [lang.code for lang in editions_to_rebuild(cfg, before, after)]

    assert codes({**before, po: new}) == ["zh"]  # a translation: the English is kept
    assert codes({**before, po: new, overlay: new}) == ["zh", "fr"]
    assert codes({**before, english: new}) == ["en", "zh", "fr"]  # English first
    assert codes({**before, po: new, english: new}) == ["en", "zh", "fr"]
    # a page added or removed changes every edition's language links
    assert codes({**before, overlay[:-4] + "b.md": new}) == ["en", "zh", "fr"]
    assert codes({english: old, overlay: old}) == ["en", "zh", "fr"]


# --------------------------------------------------------------------------------------------
# The real book, built in every format (slow)


@pytest.fixture(scope="session")
def site(built_site):
    return built_site


@pytest.mark.slow
def test_site_layout(site) -> None:
    root = site.root
    assert site.site.missing == []
    assert (root / "index.html").is_file()
    for lang in site.cfg.languages:
        assert (root / lang.code / "index.html").is_file()
        assert (root / lang.code / "search.html").is_file()
        for fw in site.cfg.frameworks:  # every framework's PDF, zip and notebooks
            stem = "-".join(p for p in (site.cfg.name, lang.code, fw.key) if p)
            folder = root / lang.code / "notebooks" / fw.key
            assert (root / lang.code / "pdf" / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
            with zipfile.ZipFile(folder / f"{stem}.zip") as zf:
                assert f"{stem}/{PAGE}.ipynb" in zf.namelist()
            assert (folder / f"{PAGE}.ipynb").is_file()
        assert (root / lang.code / "_static" / "mathjax" / "tex-chtml.js").is_file()


class _Collect(html.parser.HTMLParser):
    """Links (``href``/``src``) and element ids of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.classes: dict[str, list[dict[str, str]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        for cls in a.get("class", "").split():
            if cls.startswith("d2l-"):
                self.classes.setdefault(cls, []).append(a)


def site_pages(root: Path) -> list[Path]:
    """The HTML pages under ``root`` (not the theme's template snippets in ``_static``)."""
    return [p for p in sorted(root.rglob("*.html"))
            if "_static" not in p.relative_to(root).parts]


def parse(path: Path) -> _Collect:
    collector = _Collect()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


@pytest.mark.slow
def test_every_page_has_the_book_links(site) -> None:
    cfg, root = site.cfg, site.root
    for lang in cfg.languages:
        other = next(x for x in cfg.languages if x != lang)
        book_pages = BookLayout(cfg).edition_page_names(lang)
        assert len(book_pages) >= 10
        for path in site_pages(root / lang.code):
            name = path.relative_to(root / lang.code).with_suffix("").as_posix()
            found = parse(path).classes
            if name not in book_pages:  # search, genindex, the translation-status page
                assert "d2l-lang-switch" in found and "d2l-download-notebook" not in found
                continue
            (switch,) = found["d2l-lang-switch"]
            assert switch["hreflang"] == other.html_language
            target = (path.parent / switch["href"]).resolve()
            counterpart = root / other.code / f"{name}.html"
            if not counterpart.is_file():  # a page only this edition has: the other's index
                counterpart = root / other.code / "index.html"
            assert target == counterpart.resolve(), name
            fws = [fw.key for fw in cfg.frameworks]
            assert len(found["d2l-download-notebook"]) == len(fws)
            for fw, notebook, zip_link, pdf_link in zip(
                    fws, found["d2l-download-notebook"], found["d2l-download-zip"],
                    found["d2l-download-pdf"], strict=True):
                stem = "-".join(p for p in (cfg.name, lang.code, fw) if p)
                sub = f"notebooks/{fw}/" if fw else "notebooks/"
                assert notebook["href"].endswith(f"{sub}{name}.ipynb")
                assert zip_link["href"].endswith(f"{sub}{stem}.zip")
                assert pdf_link["href"].endswith(f"pdf/{stem}.pdf")
            sub = f"{fws[0]}/" if fws[0] else ""
            assert found["d2l-colab"][0]["href"].endswith(f"/{lang.code}/{sub}{name}.ipynb")
            assert found["d2l-discuss"][0]["href"].startswith(cfg.urls.forum)
            edit = found["d2l-edit"][0]["href"]
            if lang == cfg.source_language:
                assert edit.endswith(f"/source/en/{name}.md")
            else:
                assert edit.endswith(f"/LC_MESSAGES/{name}.po") or \
                    edit.endswith(f"/source/{lang.code}/{name}.md")
        text = (root / lang.code / f"{PAGE}.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang.html_language}"' in text
        labels = {"en": "Download", "zh": "下载"}
        assert labels[lang.code] in text


SKIP_SCHEMES = ("http:", "https:", "mailto:", "javascript:", "data:", "tel:")


def broken_links(root: Path) -> list[str]:
    """Every ``href``/``src`` of every HTML file that points at a missing local file, or at a
    missing anchor of a local HTML file."""
    parsed: dict[Path, _Collect] = {}

    def page(path: Path) -> _Collect:
        if path not in parsed:
            parsed[path] = parse(path)
        return parsed[path]

    broken: list[str] = []
    for path in site_pages(root):
        for link in page(path).links:
            if link.startswith(SKIP_SCHEMES) or link.startswith("//"):
                continue
            parts = urlsplit(link)
            if parts.scheme:
                continue
            target = path if not parts.path else (
                root / unquote(parts.path).lstrip("/") if parts.path.startswith("/")
                else path.parent / unquote(parts.path))
            target = Path(str(PurePosixPath(*target.parts)))
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(root)}: {link}"
            if not target.resolve().is_file():
                broken.append(where)
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in page(target.resolve()).ids:
                broken.append(where + " (no such anchor)")
    return broken


@pytest.mark.slow
def test_no_broken_internal_links(site) -> None:
    assert broken_links(site.root) == []


def test_the_crawler_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.html").write_text(
        '<a id="top" href="y.html#top">y</a><img src="../img.png"><a href="#top">t</a>'
        '<a href="#nope">n</a><a href="https://example.org/missing">e</a>'
        '<script src="../missing.js"></script>')
    (tmp_path / "a" / "y.html").write_text('<p id="other"></p><a href="x.html#top">x</a>')
    (tmp_path / "img.png").write_bytes(b"")
    assert broken_links(tmp_path) == ["a/x.html: y.html#top (no such anchor)",
                                      "a/x.html: #nope (no such anchor)",
                                      "a/x.html: ../missing.js"]
