"""Translations follow the English: renamed pages take their catalog along, and translations of
paragraphs that moved to another page are carried to that page's catalog.

Two mechanisms, both used by ``i18n update``:

* :func:`renamed_to` reads git history (``git diff-tree -M`` as :class:`d2lbook.vcs.History`
  gives it) and tells where the English page of an orphaned catalog went, following chained
  renames and moves to another folder; :func:`move_catalog` then moves the catalog file.
* :func:`homeless_translations` + :func:`carry` work without git: a translation whose English
  paragraph left its page (split, merge, a paragraph moved, a rename git did not detect) is
  obsolete in that page's catalog or sits in an orphaned catalog; an entry anywhere else with
  exactly that English and no translation receives it.

Pure apart from :func:`move_catalog`; nothing here removes a translation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from d2lbook.layout import CATALOG_FOLDER
from d2lbook.vcs import FileChange, History, WorktreeChange

from .catalog import Catalog, Entry

__all__ = ["Homeless", "carry", "homeless_translations", "move_catalog", "renamed_to"]


def renamed_to(history: History, path: str, exists: set[str],
               staged: Sequence[WorktreeChange] = ()) -> str | None:
    """The existing path the file at ``path`` (gone now) was renamed or moved to, following
    chained renames (committed ones from ``history``, then a staged ``git mv``); None when it
    was deleted or git knows nothing about it."""
    position = history.position()
    removals: dict[str, list[tuple[int, FileChange]]] = {}
    for (sha, _parent), changes in history.changes.items():
        for fc in changes:
            if fc.status in "RD" and fc.old_path is not None:
                removals.setdefault(fc.old_path, []).append((position[sha], fc))
    current = path
    seen = {path}
    since: int | None = None  # position of the rename that brought the page to `current`
    while True:
        candidates = [(pos, fc) for pos, fc in removals.get(current, ())
                      if since is None or pos < since]
        if not candidates:
            break
        # the first removal after the page arrived here (for the start: the latest one)
        pos, fc = min(candidates, key=lambda c: c[0]) if since is None else \
            max(candidates, key=lambda c: c[0])
        if fc.status != "R" or fc.new_path is None or fc.new_path in seen:
            return None
        current, since = fc.new_path, pos
        seen.add(current)
    for w in staged:
        if w.status == "R" and w.old_path == current and w.path not in seen:
            current = w.path
            break
    return current if current in exists and current != path else None


def move_catalog(old: Path, new: Path) -> None:
    """Move a catalog file (an existing target without translations is replaced)."""
    from d2lbook.files import move

    new.parent.mkdir(parents=True, exist_ok=True)
    move(old, new)  # also to a folder on another file system
    folder = old.parent
    while folder.name != CATALOG_FOLDER and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()  # the page's old folder of catalogs, now empty
        folder = folder.parent


@dataclass(frozen=True)
class Homeless:
    """A translation whose English is not (or no longer) a live message of its catalog."""

    entry: Entry
    catalog: Path


def homeless_translations(catalogs: Iterable[tuple[Catalog, bool]]) -> dict[str, Homeless]:
    """msgid -> translation, from obsolete entries of every catalog and from every entry of
    orphaned catalogs (``(catalog, orphaned)`` pairs). An exact (non-fuzzy) translation wins
    over a fuzzy one."""
    found: dict[str, Homeless] = {}
    for catalog, orphaned in catalogs:
        for entry in catalog.entries:
            if (not entry.msgstr or entry.msgctxt is not None or entry.msgid_plural is not None
                    or not (entry.obsolete or orphaned)):
                continue
            old = found.get(entry.msgid)
            if old is None or (old.entry.fuzzy and not entry.fuzzy):
                found[entry.msgid] = Homeless(entry, catalog.path or Path())
    return found


def carry(catalog: Catalog, pool: dict[str, Homeless]) -> tuple[Catalog, int]:
    """``catalog`` with each live entry that has no translation (or only a fuzzy guess from
    another paragraph) given the translation made for exactly its English elsewhere; the
    number of entries filled. A displaced fuzzy guess is kept as an obsolete entry."""
    entries = list(catalog.entries)
    msgids = {(e.msgctxt, e.msgid) for e in entries}
    extra: list[Entry] = []
    filled = 0
    for k, entry in enumerate(entries):
        if entry.obsolete or entry.msgctxt is not None or entry.msgid_plural is not None:
            continue
        found = pool.get(entry.msgid)
        if found is None or found.entry.msgstr == entry.msgstr:
            continue
        source = found.entry
        if entry.msgstr and not (entry.fuzzy and not source.fuzzy):
            continue  # keep a translation unless it is a guess and this one is exact
        if entry.msgstr and not any(e.msgstr == entry.msgstr for e in entries + extra
                                    if e is not entry):
            if not entry.previous_msgid or (None, entry.previous_msgid) in msgids:
                continue  # the guess would be lost: leave it to the translator
            extra.append(Entry(msgid=entry.previous_msgid, msgstr=entry.msgstr, obsolete=True,
                               comments=list(entry.comments)))
            msgids.add((None, entry.previous_msgid))
        entries[k] = replace(entry, msgstr=source.msgstr, fuzzy=source.fuzzy,
                             previous_msgid=source.previous_msgid if source.fuzzy else None,
                             comments=list(entry.comments or source.comments))
        filled += 1
    if not filled:
        return catalog, 0
    return replace(catalog, entries=entries + extra, header=dict(catalog.header)), filled
