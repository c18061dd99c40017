"""Translation memory: the book's own translations proposed for the same English elsewhere.

When a page's catalog is created or updated, each message without any translation whose exact
English (same context) is already translated in another catalog of the same language gets that
translation as a *fuzzy* suggestion, with a translator comment naming where it came from. A
fuzzy entry is never shown to readers and is counted as outdated, so a suggestion only saves
typing: the translator checks it and removes the ``fuzzy`` flag. Nothing here replaces a
translation, fuzzy or not. Pure: the caller reads and writes the catalogs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from d2lbook.layout import catalog_file_name

from .catalog import Catalog

__all__ = ["MEMORY_NOTE", "Memory", "build_memory", "suggest"]

MEMORY_NOTE = "translation memory: same English translated in "
"""Start of the translator comment on a suggestion (followed by the catalog it came from)."""


@dataclass(frozen=True)
class Memory:
    """A reviewed (non-fuzzy, live) translation of one English message."""

    msgstr: str
    source: str
    """The page whose catalog holds it (``chapter_x/page``)."""


def build_memory(catalogs: Iterable[tuple[str, Catalog]]) -> dict[tuple[str | None, str], Memory]:
    """(msgctxt, msgid) -> the first reviewed translation found, over ``(page, catalog)``
    pairs (pass them in a stable order: the first page wins)."""
    found: dict[tuple[str | None, str], Memory] = {}
    for page, catalog in catalogs:
        for entry in catalog.entries:
            if entry.obsolete or entry.fuzzy or not entry.msgstr or \
                    entry.msgid_plural is not None:
                continue
            found.setdefault((entry.msgctxt, entry.msgid), Memory(entry.msgstr, page))
    return found


def suggest(page: str, catalog: Catalog,
            memory: dict[tuple[str | None, str], Memory]) -> tuple[Catalog, int]:
    """``catalog`` with a fuzzy suggestion on every live entry that has no translation and
    whose English the memory knows from another page; the number of suggestions."""
    entries = list(catalog.entries)
    made = 0
    for k, entry in enumerate(entries):
        if entry.obsolete or entry.msgstr or entry.msgid_plural is not None:
            continue
        known = memory.get((entry.msgctxt, entry.msgid))
        if known is None or known.source == page:
            continue
        note = f"{MEMORY_NOTE}{catalog_file_name(known.source)}"
        entries[k] = replace(entry, msgstr=known.msgstr, fuzzy=True,
                             comments=[*entry.comments, note])
        made += 1
    if not made:
        return catalog, 0
    return replace(catalog, entries=entries), made
