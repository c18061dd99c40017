"""Where everything lives: the one map from (language, page, format, framework) to paths.

Sources, per edition::

    source/<source code>/<page>.md                  the English page (the single source of truth)
    source/<code>/<page>.md                         a translated edition's own page: it replaces
                                                    the English page wholesale, or adds a page
    locale/<locale>/LC_MESSAGES/<page>.po           the page's catalog (sphinx-intl's layout)

Outputs, under ``_build/`` (``<stem>`` is ``<book>-<code>``, ``<book>-<code>-<framework>`` for a
framework)::

    <code>/source/       the edition's MyST tree (English, or translated + overlay)
    <code>/sphinx/       executed notebooks, assets and the generated conf.py
    <code>/sphinx-<framework>/  the same for one framework (its PDF), with latex-<framework>/
    <code>/html/         <code>/doctrees/       the website and its Sphinx environment
    <code>/latex/        <code>/doctrees-latex/ LaTeX and its environment
    <code>/pdf/<stem>.pdf
    <code>/notebooks/[<framework>/]<page>.ipynb and <stem>.zip
    <code>/slides/[<framework>/]<page>.slides.html   slide decks (pages with slide marks)
    site/                every edition side by side (``render.site``)
    lib/                 the #@save library as the pages define it now (kernels import it)
    dist/                its wheel (``build lib``)
    cache/               execution records (``cache/execute``) and kernel scratch space
    gettext/             message templates (.pot)

A file or folder whose name starts with ``.`` or ``_`` is never a page or an asset.
Every other module asks this one; nobody else joins these path pieces. A new dimension (the
framework a notebook was executed with) is one more optional argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from d2lbook.config import BookConfig, Language

CATALOG_FOLDER = "LC_MESSAGES"
PAGE_SUFFIX = ".md"
CATALOG_SUFFIX = ".po"
DECK_SUFFIX = ".slides.html"


def is_hidden(relative: Path | PurePosixPath) -> bool:
    """True for a path (relative to a source folder) with a part starting with ``.`` or
    ``_``: build folders, editor droppings, drafts. Never a page, never an asset."""
    return any(part.startswith((".", "_")) for part in relative.parts)


LIBRARY_HEADS = "_library"
"""Folder of a source tree holding the library heads (hidden: never a page or an asset)."""


def library_head(source: str, lang: str, module: str) -> PurePosixPath:
    """Where ``d2lbook import`` keeps a framework's hand-written library head, relative to the
    book's root: ``source/<lang>/_library/<module>_head.py`` (``module``: ``torch``). The
    ``library_head`` setting names it; authors may move it."""
    return PurePosixPath(source, lang, LIBRARY_HEADS, f"{module}_head.py")


def page_file_name(page: str) -> str:
    """``a/b`` -> ``a/b.md``: a page's file, relative to its source folder (in git paths and
    messages)."""
    return f"{page}{PAGE_SUFFIX}"


def page_of_file(name: str) -> str:
    """``a/b.md`` -> ``a/b`` (any other name as it is)."""
    return name.removesuffix(PAGE_SUFFIX)


def is_page_file(path: Path | PurePosixPath | str) -> bool:
    """True for a name ending like a page's (``.md``)."""
    return str(path).endswith(PAGE_SUFFIX)


def page_file(folder: Path, page: str) -> Path:
    """``folder/a/b.md``: page ``a/b`` of a source folder."""
    return folder / page_file_name(page)


def catalog_file_name(page: str) -> str:
    """``a/b`` -> ``a/b.po``: a page's catalog, relative to its locale's catalog folder."""
    return f"{page}{CATALOG_SUFFIX}"


def page_files(folder: Path) -> list[Path]:
    """Every ``*.md`` file under ``folder`` (hidden ones included), sorted."""
    return sorted(folder.rglob(f"*{PAGE_SUFFIX}"))


def catalog_files_under(folder: Path) -> list[Path]:
    """Every catalog (``*.po``) under ``folder``, sorted."""
    return sorted(folder.rglob(f"*{CATALOG_SUFFIX}"))


def page_name(folder: Path, path: Path) -> str:
    """``folder/a/b.md`` -> ``a/b`` (Sphinx's docname)."""
    return path.relative_to(folder).with_suffix("").as_posix()


def files_by_page(folder: Path, suffix: str) -> dict[str, Path]:
    """Page name -> file for every visible ``*<suffix>`` file under ``folder``, sorted by
    path; empty when the folder does not exist."""
    if not folder.is_dir():
        return {}
    return {page_name(folder, p): p for p in sorted(folder.rglob(f"*{suffix}"))
            if p.is_file() and not is_hidden(p.relative_to(folder))}


def catalog_folder(locale_dir: Path, locale: str) -> Path:
    """``<locale_dir>/<locale>/LC_MESSAGES``: one locale's catalogs."""
    return Path(locale_dir) / locale / CATALOG_FOLDER


def catalog_file(locale_dir: Path, locale: str, page: str) -> Path:
    """``<locale_dir>/<locale>/LC_MESSAGES/<page>.po`` (sphinx-intl's layout)."""
    return catalog_folder(locale_dir, locale) / catalog_file_name(page)


class BookLayout:
    """Every path of one book, sources and outputs, from its configuration."""

    def __init__(self, cfg: BookConfig):
        self.cfg: BookConfig = cfg
        self.root = cfg.root
        self.build = cfg.build_dir
        """``_build``: every output."""
        self.locale = cfg.locale_path
        """``locale``: every catalog."""

    @classmethod
    def of(cls, book: BookConfig | BookLayout) -> BookLayout:
        """The layout of ``book``: itself when it is one already (a command builds its layout
        once and passes it down; callers holding only the configuration still work)."""
        return book if isinstance(book, BookLayout) else cls(book)

    # -- sources ---------------------------------------------------------------------------

    @property
    def english(self) -> Path:
        """The source language's pages: ``source/<code>``."""
        return self.cfg.source_dir

    @property
    def sources(self) -> Path:
        """``source``: the folder of every language's source folder."""
        return self.root / self.cfg.source

    def source_page(self, page: str) -> Path:
        """The English file of ``page``."""
        return page_file(self.english, page)

    def overlay(self, lang: Language) -> Path:
        """A translated edition's own material (extra pages, wholesale replacements, assets):
        ``source/<code>``."""
        return self.sources / lang.code

    def overlay_page(self, lang: Language, page: str) -> Path:
        return page_file(self.overlay(lang), page)

    def overlay_pages(self, lang: Language) -> dict[str, Path]:
        """Page name -> file of every page in the edition's overlay folder."""
        return files_by_page(self.overlay(lang), PAGE_SUFFIX)

    def english_pages(self) -> dict[str, Path]:
        """Page name -> file of every English page (not in reading order: see ``source``)."""
        return files_by_page(self.english, PAGE_SUFFIX)

    def replaced_pages(self, lang: Language, names: Iterable[str]) -> set[str]:
        """The pages among ``names`` that ``lang`` replaces wholesale (its overlay has a file
        of the same name): translated in that file, not in a catalog."""
        if lang == self.cfg.source_language:
            return set()
        return {name for name in names if self.overlay_page(lang, name).is_file()}

    def edition_page_names(self, lang: Language) -> frozenset[str]:
        """The page names an edition has, from the sources alone: every English page, plus a
        translated edition's own pages."""
        names = set(self.english_pages())
        if lang != self.cfg.source_language:
            names |= set(self.overlay_pages(lang))
        return frozenset(names)

    def catalogs(self, lang: Language) -> Path:
        """``locale/<locale>/LC_MESSAGES``: the edition's catalogs."""
        return catalog_folder(self.locale, lang.locale)

    def catalog(self, lang: Language, page: str) -> Path:
        """``locale/<locale>/LC_MESSAGES/<page>.po``."""
        return catalog_file(self.locale, lang.locale, page)

    def catalog_files(self, lang: Language) -> dict[str, Path]:
        """Page name -> catalog of every catalog the edition has (orphans included)."""
        return files_by_page(self.catalogs(lang), CATALOG_SUFFIX)

    def edit_file(self, lang: Language, page: str) -> Path:
        """The file a contributor edits for ``page`` of edition ``lang``: the English page,
        the edition's own page, or the page's catalog."""
        if lang == self.cfg.source_language:
            return self.source_page(page)
        if self.overlay_page(lang, page).is_file():
            return self.overlay_page(lang, page)
        return self.catalog(lang, page)

    def relative(self, path: Path) -> str:
        """``path`` relative to the book's root, posix (as a repository shows it)."""
        return path.relative_to(self.root).as_posix()

    # -- outputs ---------------------------------------------------------------------------

    def edition(self, lang: Language) -> Path:
        """``_build/<code>``: every output of one edition."""
        return self.build / lang.code

    def edition_source(self, lang: Language) -> Path:
        """``_build/<code>/source``: the edition's MyST pages and assets."""
        return self.edition(lang) / "source"

    def sphinx(self, lang: Language, framework: str | None = None) -> Path:
        """``_build/<code>/sphinx``: executed notebooks, assets and ``conf.py`` (the website's,
        every framework as tabs); ``sphinx-<framework>``: one framework's (its PDF)."""
        return self.edition(lang) / ("-".join(p for p in ("sphinx", framework) if p))

    def output(self, lang: Language, builder: str, framework: str | None = None) -> Path:
        """Where Sphinx's ``builder`` (``html``, ``latex``) writes: ``_build/<code>/<builder>``
        (``<builder>-<framework>`` for one framework's tree)."""
        return self.edition(lang) / ("-".join(p for p in (builder, framework) if p))

    def html(self, lang: Language) -> Path:
        return self.output(lang, "html")

    def latex(self, lang: Language, framework: str | None = None) -> Path:
        return self.output(lang, "latex", framework)

    def doctrees(self, lang: Language, builder: str = "html",
                 framework: str | None = None) -> Path:
        """Sphinx's environment for ``builder`` (one per builder and framework: they differ)."""
        name = "doctrees" if builder == "html" else f"doctrees-{builder}"
        return self.edition(lang) / ("-".join(p for p in (name, framework) if p))

    def stem(self, lang: Language, framework: str | None = None) -> str:
        """File stem of the edition's PDF and notebook zip: ``<book>-<code>[-<framework>]``."""
        return "-".join(part for part in (self.cfg.name, lang.code, framework) if part)

    def pdf_folder(self, lang: Language) -> Path:
        return self.edition(lang) / "pdf"

    def pdf(self, lang: Language, framework: str | None = None) -> Path:
        """``_build/<code>/pdf/<stem>.pdf``."""
        return self.pdf_folder(lang) / f"{self.stem(lang, framework)}.pdf"

    def notebooks(self, lang: Language, framework: str | None = None) -> Path:
        """``_build/<code>/notebooks[/<framework>]``: the readers' notebooks."""
        folder = self.edition(lang) / "notebooks"
        return folder / framework if framework else folder

    def notebook_zip(self, lang: Language, framework: str | None = None) -> Path:
        return self.notebooks(lang, framework) / f"{self.stem(lang, framework)}.zip"

    def slides(self, lang: Language, framework: str | None = None) -> Path:
        """``_build/<code>/slides[/<framework>]``: the edition's slide decks."""
        folder = self.edition(lang) / "slides"
        return folder / framework if framework else folder

    def deck(self, lang: Language, page: str, framework: str | None = None) -> Path:
        """``_build/<code>/slides/<framework>/<page>.slides.html``: one page's slide deck."""
        return self.slides(lang, framework) / f"{page}{DECK_SUFFIX}"

    def warnings(self, lang: Language, builder: str, framework: str | None = None) -> Path:
        """``_build/<code>/warnings-<builder>[-<framework>].json``: Sphinx's warnings kept per
        page, reported by every build until the page is fixed."""
        name = "-".join(p for p in ("warnings", builder, framework) if p)
        return self.edition(lang) / f"{name}.json"

    @property
    def site(self) -> Path:
        """``_build/site``: the published site."""
        return self.build / "site"

    @property
    def cache(self) -> Path:
        """``_build/cache``: kept between builds (execution records, kernel scratch space)."""
        return self.build / "cache"

    @property
    def last_build(self) -> Path:
        """``_build/last-build.pickle``: the last successful build's inputs digest, outputs and
        result (``commands.last_build``)."""
        return self.build / "last-build.pickle"

    @property
    def rejections_cache(self) -> Path:
        """``_build/cache/i18n-rejected.json``: which translations the build refuses, per page
        and catalog content (``i18n status`` reuses it while neither changed)."""
        return self.cache / "i18n-rejected.json"

    @property
    def template_cache(self) -> Path:
        """``_build/cache/templates``: the theme's Jinja templates, compiled (Sphinx runs)."""
        return self.cache / "templates"

    @property
    def environments_memo(self) -> Path:
        """``_build/cache/environments.json``: each interpreter's installed distributions,
        remembered with the times of its ``sys.path`` folders (``execute.environment``)."""
        return self.cache / "environments.json"

    @property
    def execution_cache(self) -> Path:
        return self.cache / "execute"

    @property
    def page_memo(self) -> Path:
        """``_build/cache/pages``: per-page results named by their inputs' digest (``memo``)."""
        return self.cache / "pages"

    @property
    def library(self) -> Path:
        """``_build/lib``: the ``#@save`` library as the pages define it now (on the kernels'
        ``PYTHONPATH``)."""
        return self.build / "lib"

    @property
    def dist(self) -> Path:
        """``_build/dist``: the library's wheel made by ``d2lbook build lib``."""
        return self.build / "dist"

    @property
    def templates(self) -> Path:
        """``_build/gettext``: the message templates (.pot)."""
        return self.build / "gettext"
