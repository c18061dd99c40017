"""Apply a catalog to an English page: the translated page, ready for the same rendering.

Every message found by the segmenter is replaced by its translation, if the catalog has one
and it passes :func:`d2lbook.i18n.validate.check_translation`; otherwise the English stays and
a located problem says why. Everything that is not a message (code cells, math blocks,
directive options, labels) is left byte for byte. Finally the translated page is segmented
again (a translation that changed the page structure is taken back) and parsed as MyST parses
it (a translation that, in its place, adds markup the English page lacks is taken back).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import I18nError, Problem

from .catalog import Catalog, Entry, read_catalog
from .comments import CONTEXT as COMMENT_CONTEXT
from .comments import apply_comments
from .sanitize import describe, inventory, page_references, plain_formula
from .segment import Segment, normalize, segment
from .validate import check_translation

__all__ = ["ApplyResult", "apply_catalog", "load_catalog_safely"]


@dataclass
class ApplyResult:
    text: str
    """The translated page."""
    translated: int = 0
    """Messages replaced by a (non-fuzzy) translation."""
    fuzzy_used: int = 0
    """Messages replaced by an outdated translation: a fuzzy one (only with ``use_fuzzy``) or
    one made for an earlier English (``earlier``)."""
    untranslated: int = 0
    """Messages left in English (no translation, or a rejected one)."""
    problems: list[Problem] = field(default_factory=list)
    """Translations not applied (codes ``i18n-markup``, ``i18n-unsafe``)."""
    applied: dict[int, bool] = field(default_factory=dict)
    """Index of each English segment the page shows translated -> whether the translation
    used is fuzzy. The others show the English."""
    comments: int = 0
    """Code comments translated (:mod:`d2lbook.i18n.comments`)."""


def load_catalog_safely(path: Path) -> tuple[Catalog | None, list[Problem]]:
    """Read a catalog; a missing file is (None, []), a malformed one (None, its problems)."""
    path = Path(path)
    if not path.is_file():
        return None, []
    try:
        return read_catalog(path), []
    except I18nError as err:
        return None, [Problem(p.file, p.line, f"{p.message}; the page is shown in English "
                              "until the catalog is fixed", "i18n-catalog")
                      for p in err.problems]


@dataclass
class _Choice:
    """A translation chosen for one segment."""

    entry: Entry
    placed: str
    """The text put into the span (re-indented)."""
    msgid: str
    """What the segmenter must find there afterwards."""


def apply_catalog(text: str, catalog: Catalog | None, *, page: str = "",
                  use_fuzzy: bool = False, catalog_path: Path | None = None,
                  earlier: Mapping[int, str] | None = None) -> ApplyResult:
    """The page with every valid translation of ``catalog`` applied.

    ``use_fuzzy`` places fuzzy translations too; ``earlier`` (segment index -> the translation
    of an earlier English, from the git-aware status) fills segments the catalog has no entry
    for: both count as outdated (``fuzzy_used``, ``applied[index] is True``)."""
    segments = segment(text)
    table = catalog.translations(fuzzy=use_fuzzy) if catalog is not None else {}
    if earlier:
        table = dict(table)
        for index, translation in earlier.items():
            if 0 <= index < len(segments) and segments[index].msgid not in table \
                    and translation.strip():
                table[segments[index].msgid] = Entry(segments[index].msgid, translation,
                                                     fuzzy=True)
    if not table:
        found: dict[tuple[int, str], Problem] = {}
        result, comments = _comments(text, catalog, use_fuzzy, found,
                                     catalog_path or (catalog.path if catalog else None)
                                     or page or "<catalog>")
        return ApplyResult(result, untranslated=len(segments), comments=comments,
                           problems=list(found.values()))
    where: Path | str = catalog_path or (catalog.path if catalog else None) or page or "<catalog>"
    newline = "\r\n" if "\r\n" in text else "\n"
    problems: dict[tuple[int, str], Problem] = {}
    choices: dict[int, _Choice] = {}
    references = page_references(text)
    for index, seg in enumerate(segments):
        entry = table.get(seg.msgid)
        if entry is None:
            continue
        issues = check_translation(seg.msgid, entry.msgstr,
                                   table_cell=seg.kind == "table-cell" and seg.inline,
                                   references=references)
        for issue in issues:
            problems.setdefault((entry.line, issue.message), _problem(where, entry, issue.message,
                                                                      issue.code))
        if not issues:
            choices[index] = _place(seg, entry, newline)
    result = _guarded(text, segments, choices, problems, where) if choices else text
    fuzzy_used = sum(1 for c in choices.values() if c.entry.fuzzy)
    result, comments = _comments(result, catalog, use_fuzzy, problems, where)
    return ApplyResult(result, translated=len(choices) - fuzzy_used, fuzzy_used=fuzzy_used,
                       untranslated=len(segments) - len(choices),
                       problems=list(problems.values()),
                       applied={index: c.entry.fuzzy for index, c in choices.items()},
                       comments=comments)


def _comments(text: str, catalog: Catalog | None, use_fuzzy: bool,
              problems: dict[tuple[int, str], Problem], where: Path | str) -> tuple[str, int]:
    """The code comments translated (after the prose: code cells are untouched by it)."""
    entries = catalog.translations(fuzzy=use_fuzzy, context=COMMENT_CONTEXT) \
        if catalog is not None else {}
    if not entries:
        return text, 0
    applied = apply_comments(text, {msgid: e.msgstr for msgid, e in entries.items()})
    for msgid, _ in applied.rejected or []:
        entry = entries[msgid]
        message = ("a code comment's translation must be one line of text, and leave the "
                   "code as it is")
        problems.setdefault((entry.line, message), _problem(where, entry, message,
                                                            "i18n-markup"))
    return applied.text, applied.translated


def _problem(where: Path | str, entry: Entry, message: str, code: str) -> Problem:
    english = entry.msgid if len(entry.msgid) <= 60 else entry.msgid[:57] + "..."
    return Problem(where, entry.msgstr_line or entry.line,
                   f"translation of {english!r} not applied: {message}", code)


def _settle(text: str, segments: list[Segment], choices: dict[int, _Choice],
            problems: dict[tuple[int, str], Problem], where: Path | str) -> str:
    """Splice the translations in; while the result does not segment back into the expected
    messages, take back the translation responsible."""
    while True:
        result = _splice(text, segments, choices)
        culprit = _first_mismatch(result, segments, choices)
        if culprit is None:
            return result
        blamed = max((i for i in choices if i <= culprit), default=None)
        if blamed is None:
            return text  # cannot happen unless the segmenter is unstable: keep the English
        entry = choices.pop(blamed).entry
        message = ("it changes the structure of the page (it would merge, split or re-kind "
                   "blocks); keep the markup at the start and end of the English")
        problems.setdefault((entry.line, message), _problem(where, entry, message, "i18n-markup"))


def _guarded(text: str, segments: list[Segment], choices: dict[int, _Choice],
             problems: dict[tuple[int, str], Problem], where: Path | str) -> str:
    """:func:`_settle`, then a second line of defence on the whole page: the translated page,
    parsed as MyST parses it, must carry no markup the English page does not (each message
    was checked alone; this catches what only the page around it could make of it). A
    translation that adds markup by itself is taken back; if none does alone, all are."""
    english = inventory(text)
    while True:
        result = _settle(text, segments, choices, problems, where)
        extra = Counter({m: n for m, n in (inventory(result) - english).items()
                         if not plain_formula(m)})  # a number or letter as math: nothing
        if not extra:
            return result
        culprits = [i for i in choices
                    if any(not plain_formula(m) for m in
                           inventory(_splice(text, segments, {i: choices[i]})) - english)]
        for index in culprits or list(choices):
            entry = choices.pop(index).entry
            message = (f"in the page it adds markup the English page does not have "
                       f"({describe(extra)}); keep only the English's markup")
            problems.setdefault((entry.line, message),
                                _problem(where, entry, message, "i18n-unsafe"))


def _splice(text: str, segments: list[Segment], choices: dict[int, _Choice]) -> str:
    out: list[str] = []
    position = 0
    for index, seg in enumerate(segments):
        choice = choices.get(index)
        if choice is None:
            continue
        out.append(text[position : seg.start])
        out.append(choice.placed)
        position = seg.end
    out.append(text[position:])
    return "".join(out)


def _first_mismatch(result: str, segments: list[Segment],
                    choices: dict[int, _Choice]) -> int | None:
    found = segment(result)
    for index, seg in enumerate(segments):
        if index >= len(found):
            return index
        expected = choices[index].msgid if index in choices else seg.msgid
        if found[index].kind != seg.kind or found[index].msgid != expected:
            return index
    return len(segments) if len(found) > len(segments) else None


def _place(seg: Segment, entry: Entry, newline: str) -> _Choice:
    """The translation as it goes into the span. Line breaks the translator wrote are kept
    (continuation lines get the container's prefix) except between two CJK characters, where
    a line break would show as a space; one-line contexts are joined."""
    lines = [line.strip() for line in entry.msgstr.strip().splitlines() if line.strip()]
    placed = logical = lines[0]
    for line in lines[1:]:
        if _wide(placed[-1]) and _wide(line[0]):
            placed, logical = placed + line, logical + line
        else:
            placed += (" " if seg.inline else newline + seg.indent) + line
            logical += " " + line
    return _Choice(entry, placed, normalize(logical))


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")
