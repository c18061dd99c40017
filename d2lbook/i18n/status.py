"""Translation status: a pure function of segments, translations and history.

For one page, :func:`document_status` takes the English as it is now (its segments), the
translations (from the page's catalog, or None for a whole-file replacement) and the page's
history since the translation's sync commit (:class:`PageHistory`, plain data built from git by
``drift``), and says for every message and every section whether it is *current*,
*outdated* or *untranslated*, which commits changed it and how.

How history is read: the sync version of the page and today's are split into messages and
aligned (equal runs kept, replaced runs paired by position and word similarity), which says for
each message now whether it changed and what it was. Which commits changed it is read on
lines, like ``git blame`` but keeping every commit: each version between the sync commit and
now is diffed line by line against its parent(s) (a merge against each parent), and each line
carries the commits that changed it. A version seen before (an edit reverted, a merge taking
one side) keeps the labels it had, so an edit undone is no change; a commit that only re-wraps
lines adds nothing, and messages are compared normalized, so re-wrapping is never a change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from d2lbook.jsondata import JSONDict

from .segment import Segment, normalize, segment

if TYPE_CHECKING:
    from .catalog import Catalog

__all__ = [
    "STATUSES",
    "count_messages",
    "Status",
    "WORKTREE",
    "Change",
    "CommitRef",
    "DocumentStatus",
    "MessageStatus",
    "OrphanedCatalog",
    "PageHistory",
    "SectionStatus",
    "StatusReport",
    "Translation",
    "align",
    "document_status",
    "line_commits",
    "trace",
    "translations_from_catalog",
    "word_diff",
]



class Status(StrEnum):
    """The status of a translated message (a ``str``: JSON and counts use the value)."""

    CURRENT = "current"
    """Translated, and the English has not changed since."""
    OUTDATED = "outdated"
    """A translation exists, but for an earlier English (fuzzy, or changed since the sync)."""
    UNTRANSLATED = "untranslated"
    """No usable translation: the page shows the English."""
    REJECTED = "rejected"
    """A translation exists but the build refuses it (it drops a role, a link or math, or
    adds markup: :mod:`d2lbook.i18n.validate`, :mod:`d2lbook.i18n.sanitize`): the page shows
    the English until the translation is fixed."""


STATUSES = tuple(Status)

WORKTREE = "WORKTREE"
"""The sha reported for uncommitted changes of the English page."""

SECTION_SEPARATOR = " › "


# ----------------------------------------------------------------------------------------------
# Input data.


@dataclass(frozen=True)
class CommitRef:
    """A commit as reported: ``sha`` is ``WORKTREE`` for uncommitted changes (then ``date``
    and ``author`` are None)."""

    sha: str
    date: str | None
    author: str | None
    subject: str

    def to_json(self) -> JSONDict:
        return {"sha": self.sha, "date": self.date, "author": self.author,
                "subject": self.subject}


@dataclass(frozen=True)
class Change:
    """One commit's effect on the page: its text at each parent and after the commit
    (None where the page does not exist)."""

    commit: CommitRef
    before: tuple[str | None, ...]
    after: str | None


@dataclass(frozen=True)
class PageHistory:
    """The page's history since the translation's sync commit, as data."""

    base: str | None
    """The English page at the sync commit (None if it did not exist there)."""
    changes: tuple[Change, ...] = ()
    """Every change since, parents before children (uncommitted changes last)."""


@dataclass(frozen=True)
class Translation:
    """What the catalog holds for one English message."""

    msgstr: str
    fuzzy: bool = False
    previous: str | None = None
    """For a fuzzy entry: the English the translation was made for (``#| msgid``)."""


# ----------------------------------------------------------------------------------------------
# Output data.


@dataclass
class MessageStatus:
    status: Status
    english: str
    """The English now (empty for a message deleted from the English)."""
    previous_english: str | None = None
    """The English the translation was made for, when it differs from now."""
    translation: str | None = None
    reason: str | None = None
    """Why outdated: ``fuzzy`` (the catalog says so), ``changed`` (English edited since the
    sync commit), ``added`` / ``deleted`` (English added or removed since a whole-file
    replacement was translated). None for current and untranslated messages."""
    commits: list[CommitRef] = field(default_factory=list)
    line: int | None = None
    """Line of the message in the English page now."""
    msgstr_line: int | None = None
    """For a rejected translation: the line of its ``msgstr`` in the catalog."""

    @property
    def diff(self) -> list[tuple[str, str]] | None:
        if self.previous_english is None:
            return None
        return word_diff(self.previous_english, self.english)

    def to_json(self) -> JSONDict:
        diff = self.diff
        return {
            "status": self.status,
            "english": self.english,
            "previous_english": self.previous_english,
            "translation": self.translation,
            "reason": self.reason,
            "line": self.line,
            "msgstr_line": self.msgstr_line,
            "commits": [c.to_json() for c in self.commits],
            "diff": None if diff is None else [list(op) for op in diff],
        }


def _counts(messages: Sequence[MessageStatus]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for m in messages:
        counts[m.status] += 1
    return counts


_RANK = {Status.CURRENT: 0, Status.UNTRANSLATED: 1, Status.OUTDATED: 2, Status.REJECTED: 3}


def count_messages(pairs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The one message count of the book (``i18n status``, ``i18n stats`` and the site's
    translation-status page all call it): from ``(English, status)`` pairs, one per occurrence
    in the page, each distinct English message counted once, as gettext tools count catalog
    entries, with the worst status of its occurrences (rejected, outdated, untranslated)."""
    worst: dict[str, str] = {}
    for english, status in pairs:
        key = normalize(english)
        old = worst.get(key)
        if old is None or _RANK[Status(status)] > _RANK[Status(old)]:
            worst[key] = status
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for status in worst.values():
        counts[status] += 1
    return counts


def _overall(counts: Mapping[str, int]) -> str:
    if counts[Status.REJECTED]:
        return Status.REJECTED
    if counts[Status.OUTDATED]:
        return Status.OUTDATED
    if counts[Status.UNTRANSLATED]:
        return Status.UNTRANSLATED
    return Status.CURRENT


@dataclass
class SectionStatus:
    path: tuple[str, ...]
    """Heading path (``("Linear Regression", "Loss Function")``); empty before the first
    heading."""
    messages: list[MessageStatus] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def label(self) -> str:
        return SECTION_SEPARATOR.join(self.path)

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.messages)

    @property
    def status(self) -> str:
        """outdated if any message is, else untranslated if any is, else current."""
        return _overall(self.counts)

    def to_json(self) -> JSONDict:
        return {"title": self.title, "path": list(self.path), "status": self.status,
                "counts": self.counts, "messages": [m.to_json() for m in self.messages]}


@dataclass
class DocumentStatus:
    source: str
    """The English page, relative to the repository root (``source/en/x/y.md``)."""
    catalog: str | None
    """The translation: the catalog (``locale/zh_CN/LC_MESSAGES/x/y.po``) or the whole-file
    replacement (``source/zh/x/y.md``); None when the page has none."""
    kind: str = "catalog"
    """``catalog``, ``replacement`` or ``none``."""
    sync_commit: str | None = None
    """The English commit the translation was synced to (full sha when known)."""
    renamed_from: str | None = None
    """The English path the translation was made for, when the page moved since."""
    sections: list[SectionStatus] = field(default_factory=list)
    error: str | None = None
    """Why the history could not be read (unknown sync commit...): the statuses then come
    from the catalog alone."""
    by_segment: list[MessageStatus] = field(default_factory=list, repr=False)
    """The status of each message of the English page now, in page order (the same messages
    as in ``sections``, deleted ones excepted): what a translated page marks."""

    @property
    def messages(self) -> list[MessageStatus]:
        return [m for s in self.sections for m in s.messages]

    @property
    def counts(self) -> dict[str, int]:
        """The page's messages now, each distinct English counted once
        (:func:`count_messages`); deleted paragraphs are listed in ``sections``, not
        counted."""
        live = self.by_segment or [m for m in self.messages if m.english]
        return count_messages((m.english, m.status) for m in live)

    @property
    def status(self) -> str:
        return _overall(_counts(self.messages))

    def to_json(self) -> JSONDict:
        return {"source": self.source, "catalog": self.catalog, "kind": self.kind,
                "sync_commit": self.sync_commit, "renamed_from": self.renamed_from,
                "status": self.status, "counts": self.counts, "error": self.error,
                "sections": [s.to_json() for s in self.sections]}


@dataclass(frozen=True)
class OrphanedCatalog:
    """A translation whose English page no longer exists."""

    catalog: str
    source: str
    """The English page it was made for."""
    deleted_by: CommitRef | None = None
    """The commit that deleted the English page, when found."""

    def to_json(self) -> JSONDict:
        return {"catalog": self.catalog, "source": self.source,
                "deleted_by": None if self.deleted_by is None else self.deleted_by.to_json()}


@dataclass
class StatusReport:
    language: str
    locale: str
    head: JSONDict
    """``{"sha", "branch", "detached", "dirty", "shallow"}``."""
    documents: list[DocumentStatus] = field(default_factory=list)
    orphaned: list[OrphanedCatalog] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{d.source}: {d.error}" for d in self.documents if d.error]

    @property
    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        sections: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for doc in self.documents:
            for key, value in doc.counts.items():
                counts[key] += value
            for sec in doc.sections:
                sections[sec.status] += 1
        return {"documents": len(self.documents), "messages": sum(counts.values()), **counts,
                "sections": sum(sections.values()),
                **{f"sections_{k}": v for k, v in sections.items()},
                "orphaned": len(self.orphaned), "errors": len(self.errors)}

    def to_json(self) -> JSONDict:
        return {"version": 1, "language": self.language, "locale": self.locale,
                "head": self.head, "documents": [d.to_json() for d in self.documents],
                "orphaned": [o.to_json() for o in self.orphaned], "warnings": self.warnings,
                "totals": self.totals}


# ----------------------------------------------------------------------------------------------
# Word-level diff.

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``[(op, text), ...]`` with op ``=`` (kept), ``-`` (removed) or ``+`` (added); joining
    the ``=``/``-`` texts gives ``old``, the ``=``/``+`` texts give ``new``."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    ops: list[tuple[str, str]] = []

    def push(op: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("=", "".join(a[i1:i2]))
        else:
            push("-", "".join(a[i1:i2]))
            push("+", "".join(b[j1:j2]))
    return ops


# ----------------------------------------------------------------------------------------------
# Aligning two versions of a page, message by message.

PAIR_THRESHOLD = 0.4
"""Minimum word similarity to pair messages of a replaced run of unequal length (runs of
equal length pair by position whatever the similarity: a rewritten paragraph stays the same
paragraph)."""


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _opcodes(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes, with the common head and tail matched first (edits are local, so this
    keeps the quadratic part of the matcher small)."""
    n, m = len(old), len(new)
    head = 0
    while head < n and head < m and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and old[n - 1 - tail] == new[m - 1 - tail]:
        tail += 1
    ops: list[tuple[str, int, int, int, int]] = []
    if head:
        ops.append(("equal", 0, head, 0, head))
    matcher = difflib.SequenceMatcher(None, old[head:n - tail], new[head:m - tail],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ops.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        ops.append(("equal", n - tail, n, m - tail, m))
    return ops


def align(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, int | None]]:
    """For each message of ``new``: ``("equal", i)`` (same text as ``old[i]``), ``("pair",
    i)`` (``old[i]`` edited into it) or ``("insert", None)``."""
    result: list[tuple[str, int | None]] = [("insert", None)] * len(new)
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag == "equal":
            for k in range(i2 - i1):
                result[j1 + k] = ("equal", i1 + k)
        elif tag == "replace":
            for j, i in _pair_run(old, new, i1, i2, j1, j2).items():
                result[j] = ("pair", i)
    return result


def _pair_run(old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int
              ) -> dict[int, int]:
    if i2 - i1 == j2 - j1:
        return {j1 + k: i1 + k for k in range(j2 - j1)}
    pairs: dict[int, int] = {}
    for j in range(j1, j2):
        best, score = None, PAIR_THRESHOLD
        for i in range(i1, i2):
            s = similarity(old[i], new[j])
            if s >= score and (best is None or s > score):
                best, score = i, s
        if best is not None:
            pairs[j] = best
    return pairs


# ----------------------------------------------------------------------------------------------
# Following lines through the history.
#
# Which commits changed a message is read line by line, like ``git blame`` but keeping every
# commit, not only the last: each line of each version carries the commits that changed it
# since the sync commit. A commit that only re-wraps or re-indents lines adds nothing; one that
# inserts or removes blank lines (joining or splitting paragraphs) counts for the lines around.
# Whether a message changed, and from what, is decided once, on messages: the sync commit's
# messages aligned to today's.

_NO_COMMITS: tuple[int, ...] = ()


@dataclass
class _Lines:
    lines: list[str]
    labels: list[tuple[int, ...]]
    """Per line: indexes (into the tracer's commit list) of the commits that changed it."""
    origins: list[int | None]
    """Per line: the line of the sync version it descends from, unchanged or edited."""
    removed: dict[int, tuple[int, ...]]
    """Lines of the sync version gone or rewritten -> the commits that did it."""


def _union(*labels: tuple[int, ...]) -> tuple[int, ...]:
    merged = set().union(*labels)
    return tuple(sorted(merged)) if merged else _NO_COMMITS


class _Tracer:
    def __init__(self, base: str | None):
        self.commits: list[CommitRef] = []
        lines = base.split("\n") if base is not None else []
        self.base = _Lines(lines, [_NO_COMMITS] * len(lines), list(range(len(lines))), {})
        self.versions: dict[str, _Lines] = {}
        if base is not None:
            self.versions[base] = self.base

    def version(self, text: str | None) -> _Lines:
        """The labelled version of ``text``; a text never reached from the sync commit (a
        parent older than it) is aligned to the sync commit without commits."""
        if text is None:
            return _Lines([], [], [], {})
        found = self.versions.get(text)
        if found is None:
            found = self._derive([self.base], text, None)
            self.versions[text] = found
        return found

    def apply(self, change: Change) -> None:
        if change.after is None or change.after in self.versions:
            return
        parents = [self.version(t) for t in change.before] or [self.version(None)]
        self.commits.append(change.commit)
        self.versions[change.after] = self._derive(parents, change.after,
                                                   len(self.commits) - 1)

    def _derive(self, parents: list[_Lines], text: str, commit: int | None) -> _Lines:
        lines = text.split("\n")
        n = len(lines)
        labels: list[tuple[int, ...] | None] = [None] * n
        origins: list[int | None] = [None] * n
        added = (commit,) if commit is not None else _NO_COMMITS
        all_ops = [_opcodes(p.lines, lines) for p in parents]
        for parent, ops in zip(parents, all_ops, strict=True):
            for tag, i1, i2, j1, _ in ops:
                if tag == "equal":
                    for k in range(i2 - i1):
                        if labels[j1 + k] is None:
                            labels[j1 + k] = parent.labels[i1 + k]
                            origins[j1 + k] = parent.origins[i1 + k]
        first = parents[0]
        touched: list[int] = []
        for tag, i1, i2, j1, j2 in all_ops[0]:
            if tag == "equal":
                continue
            old, new = first.lines[i1:i2], lines[j1:j2]
            cosmetic = normalize(" ".join(old)) == normalize(" ".join(new))
            if not "".join(old + new).strip():  # blank lines only: the neighbours changed
                touched += [j1 - 1, j2]
            inherited = _union(*first.labels[i1:i2])
            label = inherited if cosmetic else _union(inherited, added)
            for k in range(j2 - j1):
                if labels[j1 + k] is None:
                    labels[j1 + k] = label
                    origins[j1 + k] = first.origins[i1 + k] if k < i2 - i1 else None
        for j in touched:
            if 0 <= j < n and labels[j] is not None:
                labels[j] = _union(labels[j], added)  # type: ignore[arg-type]  # not None: above
        return _Lines(lines, [lab or _NO_COMMITS for lab in labels], origins,
                      _removed(first, lines, all_ops[0], added))

    def refs(self, ids: Iterable[int]) -> list[CommitRef]:
        return [self.commits[i] for i in sorted(set(ids))]


def _removed(parent: _Lines, lines: list[str], ops: list[tuple[str, int, int, int, int]],
             added: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
    """The parent's record of sync-version lines deleted or rewritten, plus the ones this
    change deletes or rewrites (used for the commits that removed a message)."""
    removed = parent.removed
    for tag, i1, i2, j1, j2 in ops:
        if tag not in ("replace", "delete"):
            continue
        if removed is parent.removed:
            removed = dict(removed)
        cosmetic = normalize(" ".join(parent.lines[i1:i2])) == normalize(" ".join(lines[j1:j2]))
        for i in range(i1, i2):
            o = parent.origins[i]
            if o is not None:
                removed[o] = _union(removed.get(o, _NO_COMMITS), parent.labels[i],
                                    _NO_COMMITS if cosmetic else added)
    return removed


@dataclass
class _Trace:
    """What the history says about the page now, message by message."""

    base: list[str]
    """Messages at the sync commit."""
    alignment: list[tuple[str, int | None]]
    """For each message now, its counterpart at the sync commit (see :func:`align`)."""
    commits: list[list[CommitRef]]
    """For each message now, the commits that changed its lines since the sync commit."""
    deleted: dict[int, list[CommitRef]]
    """Messages of the sync commit gone now -> the commits that removed them."""
    base_sections: list[tuple[str, ...]]


def _line_span(text: str, seg: Segment) -> range:
    first = seg.line - 1
    return range(first, first + text.count("\n", seg.start, seg.end) + 1)


def line_commits(history: PageHistory, current: str, segments: Sequence[Segment]
                 ) -> list[list[CommitRef]]:
    """For each message of ``current``, the commits of ``history`` that changed its lines."""
    tracer, final = _follow(history, current)
    return [_commits_of(tracer, final, current, seg) for seg in segments]


def _follow(history: PageHistory, current: str) -> tuple[_Tracer, _Lines]:
    tracer = _Tracer(history.base)
    for change in history.changes:
        tracer.apply(change)
    final = tracer.versions.get(current)
    if final is None:  # today's text is not the last version read (line endings converted
        # by git on checkout, say): follow it from that version, adding no commit
        last = next((c.after for c in reversed(history.changes) if c.after is not None), None)
        start = tracer.version(last) if last is not None else tracer.base
        final = tracer._derive([start], current, None)
    return tracer, final


def _commits_of(tracer: _Tracer, final: _Lines, current: str, seg: Segment) -> list[CommitRef]:
    span = _line_span(current, seg)
    return tracer.refs(c for j in span if j < len(final.labels) for c in final.labels[j])


def trace(history: PageHistory, current: str, segments: Sequence[Segment],
          segmenter: Callable[[str], list[Segment]] = segment) -> _Trace:
    """Follow the page from its sync version (``history.base``) to ``current``."""
    tracer, final = _follow(history, current)
    base_segments = segmenter(history.base) if history.base is not None else []
    base = [s.msgid for s in base_segments]
    alignment = align(base, [s.msgid for s in segments])
    commits = [_commits_of(tracer, final, current, seg) for seg in segments]
    used = {i for _, i in alignment if i is not None}
    deleted = {}
    for i, seg in enumerate(base_segments):
        if i not in used and history.base is not None:
            span = _line_span(history.base, seg)
            deleted[i] = tracer.refs(c for o in span for c in final.removed.get(o, ()))
    return _Trace(base, alignment, commits, deleted, [s.section for s in base_segments])


# ----------------------------------------------------------------------------------------------
# One document.


@dataclass(frozen=True)
class _Past:
    """One message's past since the sync commit."""

    previous: str | None
    """Its text at the sync commit (None: added since)."""
    changed: bool
    commits: list[CommitRef]


_Item: TypeAlias = tuple[tuple[int, ...], tuple[str, ...], MessageStatus]
"""A message with its sort key (position, kind, origin) and section path."""


def document_status(
    doc: DocumentStatus,
    segments: Sequence[Segment],
    translations: Mapping[str, Translation] | None,
    history: PageHistory | None = None,
    current: str | None = None,
    segmenter: Callable[[str], list[Segment]] = segment,
    earlier: Mapping[str, Sequence[CommitRef]] | None = None,
) -> DocumentStatus:
    """Fill ``doc.sections`` from the page's segments now, its translations (normalized msgid
    -> :class:`Translation`; None for a whole-file replacement) and its history since the
    sync commit (None when unknown or unchanged: statuses then come from the catalog alone).
    ``current`` is the page's text now, needed with a history. ``earlier`` gives, for fuzzy
    entries, the commits before the sync commit that changed their English since the
    translation."""
    pasts: list[_Past | None] = [None] * len(segments)
    traced: _Trace | None = None
    if history is not None and current is not None:
        traced = trace(history, current, segments, segmenter)
        for j, (op, i) in enumerate(traced.alignment):
            previous = traced.base[i] if i is not None else None
            pasts[j] = _Past(previous, op != "equal", traced.commits[j] if op != "equal"
                             else [])
    items: list[_Item] = []
    for j, seg in enumerate(segments):
        if translations is None:
            msg = _replacement_message(seg.msgid, pasts[j])
        else:
            msg = _catalog_message(seg.msgid, pasts[j], translations, earlier or {})
        msg.line = seg.line
        items.append(((j, 0), seg.section, msg))
    doc.by_segment = [msg for _, _, msg in items]
    if translations is None and traced is not None:
        items.extend(_deleted_items(traced))
    doc.sections = _group(items)
    return doc


def _catalog_message(text: str, past: _Past | None, translations: Mapping[str, Translation],
                     earlier: Mapping[str, Sequence[CommitRef]]) -> MessageStatus:
    found = translations.get(text)
    changed = past is not None and past.changed
    commits = past.commits if past is not None and changed else []
    if found is not None and not found.fuzzy:
        return MessageStatus(Status.CURRENT, text, translation=found.msgstr)
    if found is not None:
        before = list(earlier.get(text, ()))
        return MessageStatus(Status.OUTDATED, text, previous_english=found.previous,
                             translation=found.msgstr, reason="fuzzy",
                             commits=before + [c for c in commits if c not in before])
    if changed and past is not None and past.previous is not None:
        before = translations.get(past.previous)
        if before is not None:
            previous = before.previous if before.fuzzy and before.previous else past.previous
            return MessageStatus(Status.OUTDATED, text, previous_english=previous,
                                 translation=before.msgstr, reason="changed",
                                 commits=list(commits))
    return MessageStatus(Status.UNTRANSLATED, text)


def _replacement_message(text: str, past: _Past | None) -> MessageStatus:
    if past is None or not past.changed:
        return MessageStatus(Status.CURRENT, text)
    if past.previous is None:
        return MessageStatus(Status.OUTDATED, text, reason="added", commits=list(past.commits))
    return MessageStatus(Status.OUTDATED, text, previous_english=past.previous, reason="changed",
                         commits=list(past.commits))


def _deleted_items(traced: _Trace) -> list[_Item]:
    """Messages of the sync commit gone from the English now: a whole-file replacement still
    has them. Each goes after the last message now that descends from a message before it,
    in the section it had at the sync commit."""
    items: list[_Item] = []
    for origin, commits in sorted(traced.deleted.items()):
        after = -1
        for j, (_, i) in enumerate(traced.alignment):
            if i is not None and i < origin:
                after = j
        msg = MessageStatus(Status.OUTDATED, "", previous_english=traced.base[origin],
                            reason="deleted", commits=commits)
        items.append(((after, 1, origin), traced.base_sections[origin], msg))
    return items


def _group(items: list[_Item]) -> list[SectionStatus]:
    sections: dict[tuple[str, ...], SectionStatus] = {}
    for _, path, msg in sorted(items, key=lambda item: item[0]):
        if path not in sections:
            sections[path] = SectionStatus(path)
        sections[path].messages.append(msg)
    return list(sections.values())


def catalog_status(text: str, catalog: Catalog | None) -> DocumentStatus:
    """The statuses of a page from its catalog alone (no history): current, outdated (only a
    fuzzy translation) or untranslated, message by message."""
    translations = translations_from_catalog(catalog) if catalog is not None else {}
    return document_status(DocumentStatus("", None), segment(text), translations)


def translations_from_catalog(catalog: Catalog) -> dict[str, Translation]:
    """Normalized msgid -> :class:`Translation` for every live, non-empty entry of a
    :class:`~d2lbook.i18n.catalog.Catalog` (fuzzy ones included, flagged)."""
    found: dict[str, Translation] = {}
    for entry in getattr(catalog, "entries", []):
        if entry.obsolete or not entry.msgstr or entry.msgctxt is not None:
            continue
        previous = _normalized(entry.previous_msgid) if entry.previous_msgid else None
        found.setdefault(_normalized(entry.msgid),
                         Translation(entry.msgstr, entry.fuzzy, previous))
    return found


_UNNORMAL = ("  ", "\n", "\t", "\r", "\f", "\v")


def _normalized(text: str) -> str:
    """:func:`normalize`, skipping the regular expression for text that is already
    normalized (catalogs written by ``i18n update`` hold normalized messages)."""
    if text[:1] == " " or text[-1:] == " " or any(w in text for w in _UNNORMAL):
        return normalize(text)
    return text
