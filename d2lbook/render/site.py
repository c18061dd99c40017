"""The published site: every edition side by side, with its downloads, behind one root page.

Layout of ``_build/site/`` (``<stem>`` is ``<book>-<lang>``)::

    index.html                       sends the browser to its preferred edition
    <lang>/index.html ...            the edition's HTML (a copy of _build/<lang>/html/)
    <lang>/notebooks/<page>.ipynb    this edition's executed notebooks, one per page
    <lang>/notebooks/<stem>.zip      all of them (with their images)
    <lang>/pdf/<stem>.pdf            the edition's PDF
    lib/<name>-<version>-py3-none-any.whl   the book's #@save library, for the notebooks'
                                     set-up cells (``render.wheel``)

In a book with frameworks, notebooks and zips are per framework
(``<lang>/notebooks/<framework>/``, ``<stem>`` = ``<book>-<lang>-<framework>``), one PDF each.

The per-page links (language switcher, downloads, Colab, discussion, edit) are computed here as
pure functions of the configuration, so the Sphinx extension and the tests agree on them.
The site is assembled in a temporary folder and swapped in, so a server never shows half a site.
"""

from __future__ import annotations

import ctypes
import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import cast

from d2lbook.config import BookConfig, Language
from d2lbook.errors import RenderError
from d2lbook.layout import BookLayout
from d2lbook.render.wheel import WHEEL_FOLDER, package_files, write_wheel
from d2lbook.ui import native_name, ui_strings

NOTEBOOKS = "notebooks"
"""Folder of an edition's notebooks inside the site (``<lang>/notebooks/``)."""
PDF = "pdf"
"""Folder of an edition's PDF inside the site (``<lang>/pdf/``)."""
SLIDES = "slides"
"""Folder of an edition's slide decks inside the site (``<lang>/slides/``)."""
COLAB = "https://colab.research.google.com/github"

@dataclass(frozen=True)
class Link:
    href: str
    text: str
    title: str = ""
    hreflang: str = ""


@dataclass(frozen=True)
class PageLinks:
    """What the theme shows around one page."""

    languages: tuple[Link, ...]
    """The same page in each other edition (that edition's index when it lacks the page)."""
    notebook: Link | None
    zip: Link
    pdf: Link
    colab: Link | None
    discuss: Link | None
    edit: Link | None
    frameworks: tuple[FrameworkLinks, ...] = ()
    """In a book with frameworks: the downloads and Colab link of each framework (the fields
    above are the default framework's)."""
    slides: Link | None = None
    """The page's slide deck (the default framework's), for pages with slide marks."""


@dataclass(frozen=True)
class FrameworkLinks:
    key: str
    name: str
    notebook: Link | None
    zip: Link
    pdf: Link
    colab: Link | None
    slides: Link | None = None
    """The page's slide deck (pages with slide marks)."""


def _up(page: str) -> str:
    """Relative path from a page to its edition's root folder."""
    return "../" * page.count("/")


def page_links(cfg: BookConfig, lang: Language, page: str,
               pages: dict[str, frozenset[str]], topic: str = "",
               is_document: bool = True, slides: bool = False,
               layout: BookLayout | None = None) -> PageLinks:
    """The links of ``page`` of edition ``lang``; ``pages`` maps each language code to its page
    names. ``is_document`` is False for generated pages (search, index) that have no notebook;
    ``slides``: the page has a slide deck; ``layout``: the book's (the Sphinx extension passes
    the one it keeps)."""
    text = ui_strings(lang.code)
    up = _up(page)
    others = []
    for other in cfg.languages:
        if other == lang:
            continue
        target = page if is_document and page in pages.get(other.code, ()) else "index"
        if not is_document and page in ("search", "genindex"):
            target = page
        name = native_name(other.code)
        others.append(Link(f"{up}../{other.code}/{target}.html", name,
                           text["switch"].format(name=name), other.html_language))
    urls = cfg.urls
    layout = layout or BookLayout(cfg)
    per_fw = []
    for fw in cfg.frameworks:
        stem = layout.stem(lang, fw.key)
        folder = f"{NOTEBOOKS}/{fw.key}" if fw.key else NOTEBOOKS
        sub = f"{lang.code}/{fw.key}" if fw.key else lang.code
        per_fw.append(FrameworkLinks(
            fw.key, fw.name,
            Link(f"{up}{folder}/{page}.ipynb", text["notebook"]) if is_document else None,
            Link(f"{up}{folder}/{stem}.zip", text["zip"]),
            Link(f"{up}{PDF}/{stem}.pdf", text["pdf"]),
            Link(f"{COLAB}/{urls.colab.strip('/')}/blob/{cfg.publish.notebooks_branch}/"
                 f"{sub}/{page}.ipynb", text["colab"])
            if is_document and urls.colab else None,
            Link(f"{up}{SLIDES}/{fw.key + '/' if fw.key else ''}{page}.slides.html",
                 text["slides"]) if is_document and slides else None))
    first = per_fw[0]
    notebook, colab = first.notebook, first.colab
    discuss = edit = None
    if is_document and urls.forum:
        discuss = Link(f"{urls.forum.rstrip('/')}/{topic or page}", text["discuss"])
    if is_document and urls.repository:
        base = f"{urls.repository.rstrip('/')}/edit/{urls.branch}"
        edit = Link(f"{base}/{edit_path(cfg, lang, page, layout)}",
                    text["edit"] if lang == cfg.source_language else text["edit_translation"])
    return PageLinks(tuple(others), notebook, first.zip, first.pdf, colab, discuss, edit,
                     tuple(per_fw) if cfg.multi_framework else (), first.slides)


def edit_path(cfg: BookConfig, lang: Language, page: str, layout: BookLayout | None = None
              ) -> str:
    """The repository file a contributor edits for ``page`` of edition ``lang``: the English
    source, the edition's own page in its overlay folder, or the page's catalog."""
    layout = layout or BookLayout(cfg)
    return layout.relative(layout.edit_file(lang, page))


# --------------------------------------------------------------------------------------------
# The root page


def root_index(cfg: BookConfig) -> str:
    """The site's ``index.html``: sends the browser to the first edition matching one of its
    preferred languages (``navigator.languages``), else to the first edition. Works on any
    static host; without JavaScript it is a list of the editions."""
    first = cfg.source_language
    codes = {lang.code: [lang.code.lower(), lang.html_language.lower(),
                         lang.sphinx_lang.lower().replace("_", "-")] for lang in cfg.languages}
    items = "\n".join(
        f'    <li><a href="{lang.code}/index.html" hreflang="{lang.html_language}" '
        f'lang="{lang.html_language}">{html.escape(lang.title)} ({native_name(lang.code)})</a></li>'
        for lang in cfg.languages)
    script = (
        "(function () {\n"
        f"  var editions = {json.dumps(codes, ensure_ascii=False)};\n"
        "  var wanted = navigator.languages && navigator.languages.length ?\n"
        "    navigator.languages : [navigator.language || ''];\n"
        f"  var chosen = {json.dumps(first.code)};\n"
        "  outer: for (var i = 0; i < wanted.length; i++) {\n"
        "    var tag = String(wanted[i]).toLowerCase();\n"
        "    for (var code in editions) {\n"
        "      var names = editions[code];\n"
        "      for (var j = 0; j < names.length; j++) {\n"
        "        var base = names[j].split('-')[0];\n"
        "        if (tag === names[j] || tag.split('-')[0] === base) {\n"
        "          chosen = code; break outer;\n"
        "        }\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "  window.location.replace(chosen + '/index.html' + window.location.hash);\n"
        "})();\n"
    )
    title = " · ".join(html.escape(lang.title) for lang in cfg.languages)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{first.html_language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<link rel="icon" href="{first.code}/_static/favicon.svg">\n'
        + "".join(f'<link rel="alternate" hreflang="{lang.html_language}" '
                  f'href="{lang.code}/index.html">\n' for lang in cfg.languages)
        + f"<script>\n{script}</script>\n"
        "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;"
        "padding:0 1em;line-height:1.6}</style>\n"
        "</head>\n<body>\n"
        f"<h1>{title}</h1>\n"
        f"<p>{' / '.join(ui_strings(lang.code)['choose'] for lang in cfg.languages)}:</p>\n"
        f"<ul>\n{items}\n</ul>\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------------
# Assembling


@dataclass
class SiteEdition:
    lang: str
    html: Path
    notebooks: list[Path] = field(default_factory=list)
    zip: Path | None = None
    pdf: Path | None = None


@dataclass
class Site:
    root: Path
    editions: list[SiteEdition]
    missing: list[str] = field(default_factory=list)
    """Outputs the site links to but that were not built (e.g. a PDF): the links are broken."""
    files: int = 0
    bytes: int = 0
    wheel: Path | None = None
    """The library's wheel (``lib/<name>-<version>-py3-none-any.whl``), for the notebooks'
    set-up cells."""


def assemble_site(cfg: BookConfig, require_all: bool = False) -> Site:
    """Copy every edition's HTML, notebooks and PDF into ``_build/site/`` (see the module
    docstring) and swap it in atomically. Each edition's HTML must have been built; missing
    downloads are listed in ``Site.missing`` (an error when ``require_all``)."""
    layout = BookLayout(cfg)
    target = layout.site
    layout.build.mkdir(parents=True, exist_ok=True)
    missing: list[str] = []
    for lang in cfg.languages:
        if not (layout.html(lang) / "index.html").is_file():
            raise RenderError(f"the {lang.code} edition's HTML is not built "
                             f"({layout.html(lang)}); run "
                             f"`d2lbook build html --lang {lang.code}` first")
    for stale in layout.build.glob(".site-*"):  # left by a killed build (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=layout.build))
    try:
        (tmp / "index.html").write_text(root_index(cfg), encoding="utf-8")
        (tmp / ".nojekyll").write_text("", encoding="utf-8")  # GitHub Pages: keep _static/
        editions = [_copy_edition(layout, lang, tmp / lang.code, missing)
                    for lang in cfg.languages]
        wheel = library_wheel(cfg, layout.library, tmp / WHEEL_FOLDER)
        if require_all and missing:
            raise RenderError("the site links to outputs that were not built: "
                             + ", ".join(missing))
        files = [p for p in tmp.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        world_readable(tmp)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for e in editions:
        e.html = target / e.html.relative_to(tmp)
        e.notebooks = [target / p.relative_to(tmp) for p in e.notebooks]
        e.zip = target / e.zip.relative_to(tmp) if e.zip else None
        e.pdf = target / e.pdf.relative_to(tmp) if e.pdf else None
    return Site(target, editions, missing, len(files), size,
                target / wheel.relative_to(tmp) if wheel else None)


def library_wheel(cfg: BookConfig, lib: Path, dest: Path) -> Path | None:
    """The wheel of the library package(s) found under ``lib`` (``_build/lib``: the library
    as the pages define it now), written into ``dest``; None for a book without a library."""
    files: dict[str, str] = {}
    for package in sorted({fw.package for fw in cfg.frameworks if fw.package}):
        files.update(package_files(lib, package))
    return write_wheel(cfg, dest, files) if files else None


def _copy_edition(layout: BookLayout, lang: Language, dest: Path, missing: list[str]
                  ) -> SiteEdition:
    html_dir = layout.html(lang)
    for name in (NOTEBOOKS, PDF, SLIDES):
        if (html_dir / name).exists():
            raise RenderError(f"{html_dir / name}: the book has a page folder named {name!r}, "
                             "which the site uses for downloads; rename the folder")
    current = layout.site / lang.code
    shutil.copytree(html_dir, dest, ignore=shutil.ignore_patterns(".buildinfo*"),
                    copy_function=_reuse_or_copy(current, dest))
    edition = SiteEdition(lang.code, dest / "index.html")
    for fw in layout.cfg.frameworks:
        zip_path = layout.notebook_zip(lang, fw.key)
        rel = zip_path.relative_to(layout.notebooks(lang))
        if zip_path.is_file():
            shutil.copytree(layout.notebooks(lang, fw.key), dest / NOTEBOOKS / rel.parent,
                            ignore=shutil.ignore_patterns(".tmp-*", "*.tmp"),
                            dirs_exist_ok=True,
                            copy_function=_reuse_or_copy(current / NOTEBOOKS / rel.parent,
                                                         dest / NOTEBOOKS / rel.parent))
            edition.zip = edition.zip or dest / NOTEBOOKS / rel
        else:
            missing.append(f"{lang.code}/{NOTEBOOKS}/{rel.as_posix()}")
        pdf = layout.pdf(lang, fw.key)
        if pdf.is_file():
            (dest / PDF).mkdir(exist_ok=True)
            shutil.copyfile(pdf, dest / PDF / pdf.name)
            edition.pdf = edition.pdf or dest / PDF / pdf.name
        else:
            missing.append(f"{lang.code}/{PDF}/{pdf.name}")
    if layout.slides(lang).is_dir():
        shutil.copytree(layout.slides(lang), dest / SLIDES, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".tmp-*", "*.tmp"))
    if (dest / NOTEBOOKS).is_dir():
        edition.notebooks = sorted((dest / NOTEBOOKS).rglob("*.ipynb"))
    return edition


def _reuse_or_copy(current: Path, dest_root: Path) -> Callable[[str, str], str]:
    """A ``copytree`` copy function: a file the site being served holds unchanged (same size
    and modification time as the built file; ``copy2`` keeps the time) is hard-linked from it
    instead of copied. Safe because a site's files are never written in place: a new site is
    assembled beside it and swapped in."""
    def copy(src: str, dst: str) -> str:
        old = current / Path(dst).relative_to(dest_root)
        try:
            built, served = os.stat(src), os.lstat(old)
            if (built.st_size, built.st_mtime_ns) == (served.st_size, served.st_mtime_ns) \
                    and old.is_file() and not old.is_symlink():
                os.link(old, dst)
                return dst
        except OSError:  # not served yet, or no hard links here: copy
            pass
        return shutil.copy2(src, dst)

    return copy


_RENAME_EXCHANGE = 2


def world_readable(root: Path) -> None:
    """Files 0644 and folders 0755 under ``root`` (itself included): a web server running as
    another user must be able to read the site."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _swap_in(new: Path, target: Path) -> None:
    """Make ``new`` become ``target``. When ``target`` exists, both are exchanged in one step
    (Linux ``renameat2(RENAME_EXCHANGE)``) where the system allows it, else by two renames."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)  # now holds the previous site
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return cast(int, result) == 0


def site_pages(root: Path) -> list[PurePosixPath]:
    """Every HTML file of a built site, relative to it."""
    return sorted(PurePosixPath(p.relative_to(root).as_posix()) for p in root.rglob("*.html"))
