"""Git repairs what gettext loses.

GNU msgmerge matches a changed message to an old translation only when the texts are similar
enough; a paragraph rewritten beyond that becomes a new empty entry next to an obsolete
(``#~``) one holding the translation. Knowing the English page before and after (from git),
:func:`recover_rewrites` links the new paragraph to the old one it replaced, by its position in
the message sequence or by the lines the edit touched, and offers the old translation as a
fuzzy one with the old English as ``#| msgid``, which is what a translator needs to update it.
The obsolete entry goes away since the new entry now carries its translation. Nothing is ever
lost: an obsolete translation is used at most once, and only for an entry that had none.

Pure: text and catalog in, catalog out. ``i18n update`` calls it after merging.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .catalog import Catalog, Entry
from .segment import Segment, normalize, segment
from .status import align

__all__ = ["Recovery", "Repair", "pair_rewrites", "recover_rewrites"]


@dataclass(frozen=True)
class Recovery:
    """One new entry that received an old translation."""

    msgid: str
    """The new English."""
    previous_msgid: str
    """The English the translation was made for."""
    msgstr: str
    line: int
    """Line of the new message in the English page."""


@dataclass
class Repair:
    catalog: Catalog
    """A new catalog (the input is not modified)."""
    recovered: list[Recovery] = field(default_factory=list)


def pair_rewrites(old_text: str, new_text: str, old: Sequence[Segment] | None = None,
                  new: Sequence[Segment] | None = None) -> list[tuple[int, int]]:
    """(old index, new index) for each new message of ``new_text`` that replaced a message of
    ``old_text`` with a different text: first by position in the message sequence (the
    alignment the status uses), then, for messages still unpaired, by the lines they occupy
    in the same changed hunk of the line diff of the two pages."""
    old = segment(old_text) if old is None else old
    new = segment(new_text) if new is None else new
    old_ids = [s.msgid for s in old]
    new_ids = [s.msgid for s in new]
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for j, (op, i) in enumerate(align(old_ids, new_ids)):
        if op == "pair" and i is not None:
            pairs[j] = i
            used.add(i)
        elif op == "equal" and i is not None:
            used.add(i)
    for j, i in _line_pairs(old_text, new_text, old, new, pairs, used):
        pairs[j] = i
        used.add(i)
    return sorted((i, j) for j, i in pairs.items() if old_ids[i] != new_ids[j])


def _line_pairs(old_text: str, new_text: str, old: Sequence[Segment], new: Sequence[Segment],
                paired: dict[int, int], used: set[int]) -> list[tuple[int, int]]:
    """(new, old) for unpaired new messages and unused old messages that overlap the same
    changed hunk of the line diff, paired in order."""
    old_spans = _spans(old_text, old)
    new_spans = _spans(new_text, new)
    matcher = difflib.SequenceMatcher(None, old_text.splitlines(), new_text.splitlines(),
                                      autojunk=False)
    result: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        olds = [k for k, (a, b) in enumerate(old_spans) if a < i2 and b > i1 and k not in used]
        news = [k for k, (a, b) in enumerate(new_spans) if a < j2 and b > j1
                and k not in paired]
        result.extend(zip(news, olds, strict=False))
    return result


def _spans(text: str, segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """[first line, end line) of each message, 0-based like ``splitlines()`` indexes."""
    return [(s.line - 1, s.line + text.count("\n", s.start, s.end)) for s in segments]


def recover_rewrites(old_english: str, new_english: str, catalog: Catalog) -> Repair:
    """``catalog`` (already merged with the new English) with each empty entry that replaced
    a rewritten, translated paragraph given that paragraph's translation, marked fuzzy, with
    the old English as ``previous_msgid``; the obsolete entry it came from is dropped."""
    old_segments = segment(old_english)
    new_segments = segment(new_english)
    live: dict[str, int] = {}
    gone: dict[str, int] = {}
    for k, entry in enumerate(catalog.entries):
        if entry.msgctxt is not None or entry.msgid_plural is not None:
            continue
        (gone if entry.obsolete else live).setdefault(normalize(entry.msgid), k)
    entries = list(catalog.entries)
    dropped: set[int] = set()
    recovered: list[Recovery] = []
    for i, j in pair_rewrites(old_english, new_english, old_segments, new_segments):
        target = live.get(new_segments[j].msgid)
        source = _source_entry(old_segments[i].msgid, entries, live, gone, dropped)
        if target is None or source is None:
            continue
        new_entry = entries[target]
        if new_entry.msgstr or new_entry.fuzzy:
            continue
        k, old_entry = source
        previous = old_entry.previous_msgid if old_entry.fuzzy and old_entry.previous_msgid \
            else old_entry.msgid
        entries[target] = replace(
            new_entry, msgstr=old_entry.msgstr, fuzzy=True, previous_msgid=previous,
            comments=list(new_entry.comments or old_entry.comments),
        )
        if old_entry.obsolete:
            dropped.add(k)
        recovered.append(Recovery(new_entry.msgid, previous, old_entry.msgstr,
                                  new_segments[j].line))
    kept = [e for k, e in enumerate(entries) if k not in dropped]
    return Repair(replace(catalog, entries=kept, header=dict(catalog.header)), recovered)


def _source_entry(msgid: str, entries: list[Entry], live: dict[str, int], gone: dict[str, int],
                  dropped: set[int]) -> tuple[int, Entry] | None:
    """The translated entry for the old English: the obsolete one if any (not used yet),
    else a live one (a paragraph that survives elsewhere; it is then copied, not moved)."""
    for index in (gone.get(msgid), live.get(msgid)):
        if index is not None and index not in dropped and entries[index].msgstr:
            return index, entries[index]
    return None
