"""Catalogs from aligned pairs, brought to today's English.

The pairs translate the English *version* the fork was made from. Today's English is compared
with that version directly (never through the history in between, which may cross a change
of dialect): a message unchanged since the version keeps its translation (translated if the
pair was confident, fuzzy if doubtful); a message rewritten since (paired by position and by
the line diff, :func:`d2lbook.i18n.history.pair_rewrites`) gets the old translation as fuzzy
with the English it was made for as ``#| msgid``; a new message stays untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from d2lbook.layout import page_file_name

from ..catalog import Catalog, Entry
from ..comments import CONTEXT as COMMENT
from ..extract import extract_page, timestamp
from ..history import pair_rewrites
from ..segment import normalize, segment
from ..update import plural_forms
from ..validate import check_translation
from .align import Pair
from .structure import PageStructure

__all__ = ["Carried", "Synthesis", "carried_translations", "rejected_translations",
           "synthesize"]


@dataclass(frozen=True)
class Carried:
    """A translation of the version's English, as found in the fork."""

    msgstr: str
    confident: bool
    note: str
    fork_line: int


@dataclass
class Synthesis:
    catalog: Catalog
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    kept: int = 0
    """Translations of an existing catalog kept as they were."""
    obsolete: int = 0
    """Fork translations whose English is gone from today's page, kept as obsolete (``#~``)
    entries so that nothing the translators wrote is lost."""
    comments: int = 0
    """Code comments translated (carried from the fork's code cells, or kept)."""


def rejected_translations(version: PageStructure, fork: PageStructure, pairs: list[Pair]
                          ) -> dict[str, Carried]:
    """Version msgid -> the fork's translation that fails the validator (``note``: why)."""
    found: dict[str, Carried] = {}
    for pair in pairs:
        line = fork.blocks[pair.fork[0]].seg.line
        for i in pair.english:
            found.setdefault(version.blocks[i].text, Carried(pair.translation, False,
                                                             pair.note, line))
    return found


def carried_translations(version: PageStructure, fork: PageStructure, pairs: list[Pair],
                         set_aside: dict[str, Carried] | None = None) -> dict[str, Carried]:
    """Version msgid -> its translation from the fork (the first confident one wins). A
    merged translation that cannot stand for one of its messages alone (it fails the
    validator for it) goes to ``set_aside`` instead."""
    found: dict[str, Carried] = {}
    for pair in pairs:
        if pair.identical or not pair.valid:
            continue
        line = fork.blocks[pair.fork[0]].seg.line
        members = [version.blocks[i] for i in pair.english]
        for block in members:
            if len(members) > 1 and check_translation(
                    block.text, pair.translation, table_cell=block.kind == "table-cell"):
                if set_aside is not None:
                    set_aside.setdefault(block.text, Carried(
                        pair.translation, False, "one fork paragraph translates this message "
                        "and its neighbour; split it", line))
                continue
            carried = Carried(pair.translation, pair.confident and len(members) == 1,
                              pair.note, line)
            old = found.get(block.text)
            if old is None or (carried.confident and not old.confident):
                found[block.text] = carried
    return found


def new_header(locale: str, project: str, team: str, commit: str | None) -> dict[str, str]:
    now = timestamp()
    header = {
        "Project-Id-Version": project or "d2lbook",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now,
        "PO-Revision-Date": now,
        "Last-Translator": "",
        "Language-Team": team or "none",
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
    }
    if commit:
        header["X-Source-Commit"] = commit
    return header


def synthesize(page: str, english_now: str, version_text: str, carried: dict[str, Carried],
               *, locale: str, fork_file: str, commit: str | None, project: str = "",
               team: str = "", existing: Catalog | None = None, path: Path | None = None,
               rejected: dict[str, Carried] | None = None,
               comments: dict[str, str] | None = None) -> Synthesis:
    """The catalog of ``page`` for today's English. A message whose fork translation fails
    the validator (``rejected``) stays untranslated, the fork's text in a comment.
    ``comments`` (English code comment -> the fork's) translate the code comments."""
    rejected = rejected or {}
    template = extract_page(english_now, page)
    now_segments = segment(english_now)
    old_segments = segment(version_text)
    previous: dict[str, str] = {}
    for i, j in pair_rewrites(version_text, english_now, old_segments, now_segments):
        old, new = old_segments[i].msgid, now_segments[j].msgid
        if old in carried and new not in carried:
            previous.setdefault(new, old)
    result = Synthesis(Catalog(header=new_header(locale, project, team, commit), path=path,
                               header_comments=[f"Translation of {page_file_name(page)}"]))
    kept = existing.translations(fuzzy=True) if existing is not None else {}
    kept_comments = existing.translations(fuzzy=True, context=COMMENT) \
        if existing is not None else {}
    for entry in template.entries:
        msgid = entry.msgid
        if entry.msgctxt == COMMENT:  # a code comment: kept, else the fork's, else empty
            old_comment = kept_comments.get(normalize(msgid))
            if old_comment is not None:
                result.catalog.entries.append(replace(old_comment, extracted=entry.extracted,
                                                      references=list(entry.references),
                                                      obsolete=False))
            else:
                result.catalog.entries.append(Entry(
                    msgid=msgid, msgctxt=COMMENT, extracted=list(entry.extracted),
                    references=list(entry.references),
                    msgstr=(comments or {}).get(normalize(msgid), "")))
            result.comments += bool(result.catalog.entries[-1].msgstr)
            continue
        old_entry = kept.get(normalize(msgid))
        if old_entry is not None:
            result.catalog.entries.append(replace(old_entry, extracted=entry.extracted,
                                                  references=list(entry.references),
                                                  obsolete=False))
            result.kept += 1
            if old_entry.fuzzy:
                result.fuzzy += 1
            else:
                result.translated += 1
            continue
        found = carried.get(msgid)
        new = Entry(msgid=msgid, extracted=list(entry.extracted),
                    references=list(entry.references))
        if found is not None:
            new.msgstr = found.msgstr
            if not found.confident:
                new.fuzzy = True
                new.comments = [f"imported from the fork ({fork_file}:{found.fork_line}): "
                                f"{found.note or 'doubtful'}"]
        elif msgid in previous:
            old = previous[msgid]
            found = carried[old]
            if not check_translation(old, found.msgstr):
                new.msgstr = found.msgstr
                new.fuzzy = True
                new.previous_msgid = old
                new.comments = [f"imported from the fork ({fork_file}:{found.fork_line}); "
                                "the English changed since"]
        if not new.msgstr and msgid in rejected:
            bad = rejected[msgid]
            new.comments = [f"the fork's translation ({fork_file}:{bad.fork_line}) was not "
                            f"imported: {bad.note}", f"fork: {' '.join(bad.msgstr.split())}"]
        if new.msgstr and new.fuzzy:
            result.fuzzy += 1
        elif new.msgstr:
            result.translated += 1
        else:
            result.untranslated += 1
        result.catalog.entries.append(new)
    used = set(carried) & {e.msgid for e in template.entries} | set(previous.values())
    live_ids = {normalize(e.msgid) for e in result.catalog.entries}
    for msgid, found in carried.items():
        if msgid in used or normalize(msgid) in live_ids:
            continue
        result.catalog.entries.append(Entry(msgid=msgid, msgstr=found.msgstr, obsolete=True,
                                            fuzzy=not found.confident))
        result.obsolete += 1
    if existing is not None:
        live = {normalize(e.msgid) for e in result.catalog.entries}
        for entry in existing.entries:
            if entry.msgstr and entry.msgctxt is None and normalize(entry.msgid) not in live:
                result.catalog.entries.append(replace(entry, obsolete=True, fuzzy=entry.fuzzy))
        for key, value in existing.header.items():
            if key not in ("X-Source-Commit", "POT-Creation-Date", "PO-Revision-Date"):
                result.catalog.header[key] = value
    return result
