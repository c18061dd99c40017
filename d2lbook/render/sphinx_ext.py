"""Sphinx extension loaded into every edition's build (see ``settings.sphinx_settings``).

For HTML it adds, through the theme's template slots (``templates/``): the language switcher,
the downloads of the page (its notebook, the edition's zip and PDF), "Open in Colab", the
discussion and edit links (all computed by ``d2lbook.render.site.page_links``); the book's CSS
(long outputs scroll); and a local MathJax, so pages typeset math without any CDN.
"""

from __future__ import annotations

import json
import logging
import shutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from d2lbook.jsondata import JSONDict
from d2lbook.layout import is_page_file

if TYPE_CHECKING:
    from collections.abc import Iterable

    from docutils import nodes
    from docutils.parsers.rst.states import Inliner
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

    from d2lbook.config import BookConfig
    from d2lbook.layout import BookLayout
    from d2lbook.render.site import PageLinks

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = TEMPLATES / "static"
MATHJAX = "mathjax/tex-chtml.js"
"""``mathjax_path`` (relative to ``_static``) when the offline MathJax package is installed."""
# What the page needs of MathJax 3: the TeX+CHTML component, its fonts, and the pieces it may
# load on demand (TeX packages through autoload, the menu, accessibility).
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui",
                 "a11y", "sre/mathmaps/en.json", "sre/mathmaps/base.json")


def offline_mathjax() -> Path | None:
    """The MathJax 3 files shipped by the ``sphinx-mathjax-offline`` package, if installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("sphinx-mathjax-offline")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "static" / "mathjax"
        if (folder / "tex-chtml.js").is_file():
            return folder
    return None


def _config_inited(app: Sphinx, config: Config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    from sphinx.ext.mathjax import MATHJAX_URL

    if getattr(config, "mathjax_path", None) == MATHJAX_URL:
        if offline_mathjax():
            config.mathjax_path = MATHJAX
        else:
            from sphinx.util import logging

            logging.getLogger(__name__).warning(
                "the sphinx-mathjax-offline package is not installed: pages load MathJax "
                "from %s (run ci/setup.sh)", MATHJAX_URL, type="d2lbook", subtype="mathjax")


@cache
def _book(root: str) -> tuple[BookConfig, BookLayout, dict[str, frozenset[str]]]:
    """The book's configuration and layout, and each edition's page names."""
    from d2lbook.config import load_config
    from d2lbook.layout import BookLayout

    cfg = load_config(root)
    layout = BookLayout(cfg)
    return cfg, layout, {lang.code: layout.edition_page_names(lang) for lang in cfg.languages}


def _root(app: Sphinx) -> str:
    root: str | None = app.config.html_context.get("d2lbook_root")
    if root:
        return root
    from d2lbook.config import find_root

    return str(find_root(Path(app.srcdir)))


def _metadata(app: Sphinx, pagename: str) -> JSONDict:
    """The page's notebook metadata (front matter, and what the build added under
    ``d2lbook``)."""
    path = Path(app.srcdir) / f"{pagename}.ipynb"
    try:
        return cast(JSONDict, json.loads(path.read_text(encoding="utf-8")).get("metadata", {}))
    except (OSError, ValueError):
        return {}


def _topic(meta: JSONDict) -> str:
    """The page's discussion topic: front matter ``discussion``."""
    topic = meta.get("discussion", "")
    return str(topic) if topic not in (None, "") else ""


def _notice(meta: JSONDict, links: PageLinks, ui: dict[str, str], pagename: str
            ) -> dict[str, str] | None:
    """For a translated page that still shows English paragraphs: the notice's text and links
    (the same page in English, the edition's translation-status page)."""
    from d2lbook.i18n.status import Status
    from d2lbook.i18n.status_page import STATUS_PAGE

    counts = meta.get("d2lbook", {}).get("progress") or {}
    count = sum(counts.get(s, 0) for s in (Status.OUTDATED, Status.UNTRANSLATED,
                                             Status.REJECTED))
    if not count or not links.languages:
        return None
    english = links.languages[0].href
    status = "../" * pagename.count("/") + f"{STATUS_PAGE}.html"
    return {"text": ui["notice"].format(count=count), "english": english,
            "english_text": ui["read_english"], "status": status, "status_text": ui["status"]}


def _page_context(app: Sphinx, pagename: str, templatename: str, context: JSONDict,
                  doctree: nodes.document | None) -> None:
    # Sphinx writes <html lang="zh_CN">; browsers and search engines expect a BCP 47 tag.
    context["lang_attr"] = app.config.d2lbook_html_lang
    if app.builder.format != "html":
        return
    from d2lbook.render.site import page_links
    from d2lbook.ui import ui_strings

    try:
        cfg, layout, pages = _book(_root(app))
    except Exception:  # noqa: BLE001 - a tree built by hand outside a book: no book links
        return
    lang = cfg.language(app.config.d2lbook_language)
    # A page of the book (it has a reader notebook), rather than one made by Sphinx (search)
    # or by the build (the translation-status page).
    is_document = doctree is not None and pagename in pages.get(lang.code, ())
    meta = _metadata(app, pagename) if is_document else {}
    links = page_links(cfg, lang, pagename, pages, _topic(meta), is_document,
                       bool(meta.get("d2lbook", {}).get("slides")), layout)
    ui = ui_strings(lang.code)
    colab = {fw.key: fw.colab.href for fw in links.frameworks if fw.colab}
    context["d2lbook"] = {"links": links, "ui": ui, "lang": lang.code,
                          "colab": json.dumps(colab) if colab else "",
                          "notice": _notice(meta, links, ui, pagename)
                          if lang != cfg.source_language else None}


def _assets_before_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Copy the stylesheet myst-nb and the scripts MathJax copy only when the build ends before
    any page is written: Sphinx adds ``?v=<checksum>`` to a page's link to a static file only
    when the file is already there, so otherwise the pages of a first build would link them
    without it and those of every later build with it (warm would not equal clean)."""
    if app.builder.format == "html":
        from myst_nb.sphinx_ext import add_global_html_resources

        (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)
        _copy_mathjax(app, None)
    return []  # no page to read again


def _copy_mathjax(app: Sphinx, exception: BaseException | None) -> None:
    if exception or app.builder.format != "html" or app.config.mathjax_path != MATHJAX:
        return
    source = offline_mathjax()
    if source is None:
        return
    dest = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = source / part
        if not src.exists() or (dest / part).exists():
            continue
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / part)


def _fix_chinese_search(app: Sphinx) -> None:
    """Sphinx 9.0's Chinese search ships the English stemmer (for Latin words) but its
    ``language_data.js`` ends ``window.Stemmer = ChineseStemmer``, a class that does not exist:
    the search page throws and finds nothing. Name the stemmer that is actually there."""
    from sphinx.search.zh import SearchChinese

    if SearchChinese.js_stemmer_rawcode != "english-stemmer.js" or \
            SearchChinese.language_name == "English":
        return

    class ChineseSearch(SearchChinese):
        language_name = "English"  # -> window.Stemmer = EnglishStemmer

    app.add_search_language(ChineseSearch)


def quiet_jieba() -> None:
    """jieba (Chinese word splitting for the search index) logs its dictionary loading at DEBUG
    level on every build; keep it to warnings."""
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


TAB_SYNC_GROUP = "tab"
"""sphinx-design's default sync group: framework code tabs and prose tabs written with
``:sync: <framework>`` switch together (the choice is kept in the browser's localStorage, which
every page and both editions share, being served from one origin)."""


_UNNUMBERED = r"\edef\dtwolbooksecnumdepth{\the\value{secnumdepth}}\setcounter{secnumdepth}{-1}"
_NUMBERED = r"\setcounter{secnumdepth}{\dtwolbooksecnumdepth}"


def _unnumbered_chapters(app: Sphinx, doctree: nodes.document) -> None:
    """A numbered book's root page may list chapters in a toctree without ``:numbered:`` (a
    preface before the numbered chapters, references after them): the website shows them
    without a number, and so does the PDF now, whose chapter numbers (and so its figure and
    equation numbers) then match the website's. LaTeX numbers no heading while its
    ``secnumdepth`` is below 0; the root page's toctrees become the chapters in place."""
    from docutils import nodes
    from sphinx import addnodes

    if app.env.docname != app.config.root_doc:
        return
    toctrees = list(doctree.findall(addnodes.toctree))
    if not any(t.get("numbered") for t in toctrees):
        return  # an unnumbered book stays as it is
    for toctree in toctrees:
        if toctree.get("numbered"):
            continue
        wrapper = toctree.parent if isinstance(toctree.parent, nodes.compound) else toctree
        parent = wrapper.parent
        at = parent.index(wrapper)
        parent.insert(at + 1, nodes.raw("", _NUMBERED, format="latex"))
        parent.insert(at, nodes.raw("", _UNNUMBERED, format="latex"))


def _framework_tabs(app: Sphinx, doctree: nodes.document, docname: str = "") -> None:
    """Consecutive code cells marked for one framework each (``frameworks.combined_notebook``)
    become one sphinx-design tab set: a tab per framework with its code and outputs."""
    from docutils import nodes
    from sphinx_design.shared import create_component

    names = dict(app.config.d2lbook_frameworks)
    if not names:
        return

    def framework(node: nodes.Node) -> str:
        if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
            return ""
        meta = node.get("cell_metadata") or {}
        return cast(str, (meta.get("d2lbook") or {}).get("framework", ""))

    parents = {cell.parent for cell in doctree.findall(nodes.container) if framework(cell)}
    for parent in parents:
        children = list(parent.children)
        new: list[nodes.Node] = []
        i = 0
        while i < len(children):
            if not framework(children[i]):
                new.append(children[i])
                i += 1
                continue
            run = []
            while i < len(children) and framework(children[i]):
                run.append(children[i])
                i += 1
            by_key: dict[str, list[nodes.Node]] = {}
            for cell in run:
                by_key.setdefault(framework(cell), []).append(cell)
            tab_set = create_component("tab-set", classes=["sd-tab-set", "d2l-framework-tabs"])
            for key in [k for k in names if k in by_key] + \
                    [k for k in by_key if k not in names]:
                label = nodes.rubric(names.get(key, key), nodes.Text(names.get(key, key)),
                                     classes=["sd-tab-label"])
                label["sync_id"] = key
                label["sync_group"] = TAB_SYNC_GROUP
                content = create_component("tab-content", classes=["sd-tab-content"],
                                           children=by_key[key])
                tab_set += create_component("tab-item", classes=["sd-tab-item"],
                                            children=[label, content])
            tab_set.source, tab_set.line = run[0].source, run[0].line
            new.append(tab_set)
        parent.children = []
        parent.extend(new)


def _missing_images_transform() -> type:
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class DropMissingImages(SphinxPostTransform):
        """An image whose file does not exist (Sphinx already warned, naming the page and
        line) becomes a visible placeholder, instead of a KeyError in Sphinx's image
        converter or a LaTeX error far from the cause."""

        default_priority = 5  # before the image converters (10)

        def run(self, **kwargs: object) -> None:
            for node in list(self.document.findall(nodes.image)):
                uri = node.get("uri", "")
                if "://" in uri or uri.startswith("data:"):
                    continue
                candidates: dict[str, str] = node.get("candidates", {})
                paths = [p for k, p in candidates.items() if k != "?"]
                if paths and all(p in self.env.images for p in paths):
                    continue
                node.replace_self(nodes.inline("", f"[missing image: {uri}]",
                                               classes=["d2lbook-missing-image"]))

    return DropMissingImages


def _page_links_transform() -> type:
    import posixpath

    from sphinx import addnodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class PageLinks(SphinxPostTransform):
        """A link to another page written as its source file (``[text](../ch/page.md)``)
        points at that page. Sphinx reads executed notebooks (``page.ipynb``), so MyST, which
        looks for the ``.md`` file the link names, would call it a missing target."""

        default_priority = 5  # before MyST resolves its references (10)

        def run(self, **kwargs: object) -> None:
            for node in self.document.findall(addnodes.pending_xref):
                if node.get("reftype") != "myst" or node.get("refdomain") == "doc":
                    continue
                path, _, anchor = node.get("reftarget", "").partition("#")
                if "://" in path or not is_page_file(path):
                    continue
                refdoc = node.get("refdoc", self.env.docname)
                base = "" if path.startswith("/") else posixpath.dirname(refdoc)
                docname = posixpath.normpath(posixpath.join(base, path.lstrip("/")[:-3]))
                if docname in self.env.all_docs:
                    node["refdomain"], node["reftarget"] = "doc", docname
                    node["reftargetid"] = anchor or None

    return PageLinks


SLIDE_ROLES = ("slide", "slide-more")
"""Roles marking text that is in the book and on the slides (``render.slides``)."""
SLIDE_ONLY_ROLES = ("slide-only", "slide-only-more")
"""Roles marking text for the slides alone: the book drops it."""


def _slide_role(name: str, rawtext: str, text: str, lineno: int, inliner: Inliner,
                options: JSONDict | None = None, content: list[str] | None = None
                ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """A slide mark shows its text as the surrounding prose (MyST markup inside is parsed);
    a slide-only mark shows nothing."""
    if name in SLIDE_ONLY_ROLES:
        return [], []
    # MyST's inliner serves as its own memo (docutils' stubs want a SimpleNamespace)
    return inliner.parse(text, lineno, inliner, inliner.parent)  # type: ignore[arg-type]


def _search_terms_of_kept_pages_only() -> None:
    """Sphinx's search index, when pages are written again, drops them from every term's
    pages but keeps a term no page has any longer (``"walk": []``), which a first build does
    not have: such terms are dropped, so the index of every build is a first build's."""
    from sphinx.search import IndexBuilder

    prune = IndexBuilder.prune
    if getattr(prune, "d2lbook", False):
        return

    def pruned(self: IndexBuilder, docnames: Iterable[str]) -> None:
        prune(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for word in [w for w, pages in mapping.items() if not pages]:
                del mapping[word]

    pruned.d2lbook = True  # type: ignore[attr-defined]  # marks the method as ours, once
    IndexBuilder.prune = pruned  # type: ignore[method-assign]  # the one change: drop empties


def setup(app: Sphinx) -> ExtensionMetadata:
    _search_terms_of_kept_pages_only()
    for name in SLIDE_ROLES + SLIDE_ONLY_ROLES:
        app.add_role(name, _slide_role)
    app.add_post_transform(_missing_images_transform())
    app.add_post_transform(_page_links_transform())
    app.add_config_value("d2lbook_frameworks", [], "env")
    app.add_config_value("d2lbook_framework", "", "env")
    app.connect("doctree-read", _framework_tabs)
    app.connect("doctree-read", _unnumbered_chapters)
    app.add_config_value("d2lbook_language", "en", "env")
    app.add_config_value("d2lbook_html_lang", "en", "html")
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _copy_mathjax)
    app.connect("env-updated", _assets_before_pages)
    app.add_css_file("d2lbook.css")
    app.add_js_file("d2lbook-frameworks.js")
    app.add_js_file("d2lbook-search.js")
    _fix_chinese_search(app)
    quiet_jieba()
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2",
            "env_version": code_version()}


def code_version() -> int:
    """A number that changes with d2lbook's code: Sphinx keeps its pickled environment (and
    the pages it wrote) only while the extensions' ``env_version`` are those it was made
    with, so a d2lbook that reads or writes pages otherwise reads and writes every page
    again, as a clean build would, instead of keeping what the older one made."""
    from d2lbook.render.uptodate import code_digest

    return int(code_digest()[:12], 16) | 1
