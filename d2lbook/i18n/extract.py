"""Extraction: a page's messages as a gettext template (``.pot``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from d2lbook.layout import page_file_name

from .catalog import Catalog, Entry, read_catalog, render_catalog
from .comments import CONTEXT, code_comments
from .segment import segment

__all__ = ["extract_page", "write_templates", "timestamp", "same_ignoring_dates"]

DATE_FIELDS = ("POT-Creation-Date", "PO-Revision-Date")


def timestamp(now: datetime | None = None) -> str:
    """A gettext header date: ``2024-05-01 12:30+0000``."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M+0000")


def extract_page(text: str, page: str, *, now: str | None = None) -> Catalog:
    """The template of one page: one entry per distinct message, in document order.

    A message occurring several times gets one entry. Its ``#.`` comment names the kinds of
    block it occurs in, and its ``#:`` references give every place it occurs as
    ``<page>.md:<line>`` (what Poedit and other editors show in their source pane; a line
    number changes whenever lines are added above it, as in every gettext project). The
    comments of the code cells follow the prose, one entry per distinct comment, in the
    context ``code comment`` (:mod:`d2lbook.i18n.comments`).
    """
    source = page_file_name(page)
    kinds: dict[str, list[str]] = {}
    places: dict[str, list[str]] = {}
    for seg in segment(text):
        seen = kinds.setdefault(seg.msgid, [])
        if seg.kind not in seen:
            seen.append(seg.kind)
        _add(places.setdefault(seg.msgid, []), f"{source}:{seg.line}")
    entries = [Entry(msgid=msgid, extracted=[", ".join(k)], references=places[msgid])
               for msgid, k in kinds.items()]
    comments: dict[str, list[str]] = {}
    for c in code_comments(text):
        _add(comments.setdefault(c.msgid, []), f"{source}:{c.line}")
    entries += [Entry(msgid=msgid, msgctxt=CONTEXT, extracted=["code comment"], references=refs)
                for msgid, refs in comments.items()]
    header = {
        "Project-Id-Version": "PACKAGE VERSION",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now or timestamp(),
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return Catalog(header=header, entries=entries, header_comments=[f"Messages of {source}"],
                   header_flags=["fuzzy"])


def _add(refs: list[str], ref: str) -> None:
    if ref not in refs:
        refs.append(ref)


def same_ignoring_dates(a: Catalog, b: Catalog) -> bool:
    """True if the two catalogs render identically once the header dates are set equal."""
    return _dateless(a) == _dateless(b)


def _dateless(catalog: Catalog) -> str:
    header = {k: ("" if k in DATE_FIELDS else v) for k, v in catalog.header.items()}
    masked = Catalog(header=header, entries=catalog.entries, path=catalog.path,
                     header_comments=catalog.header_comments, header_flags=catalog.header_flags,
                     has_header=catalog.has_header)
    return render_catalog(masked)


def write_templates(pages: dict[str, str], out_dir: Path) -> list[Path]:
    """Write ``<out_dir>/<page>.pot`` for every page; a template whose messages did not change
    is left untouched (its date included). Returns the paths of all templates."""
    paths: list[Path] = []
    for page, text in pages.items():
        path = Path(out_dir) / f"{page}.pot"
        template = extract_page(text, page)
        if not (path.is_file() and same_ignoring_dates(read_catalog(path), template)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_catalog(template), encoding="utf-8")
        paths.append(path)
    return paths
