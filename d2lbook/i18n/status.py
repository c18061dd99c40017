"""Translation status: a pure function of segments, translations and history.

For one page, :func:`document_status` takes the English as it is now (its segments), the
translations (from the page's catalog, or None for a whole-file replacement) and the page's
history since the translation's sync commit (:class:`PageHistory`, plain data built from git by
``status_command``), and says for every message and every section whether it is *current*,
*outdated* or *untranslated*, which commits changed it and how.

How history is read: every version of the page between the sync commit and now is split into
its messages; each consecutive pair of versions (a commit against each of its parents) is
aligned message by message (equal runs kept, replaced runs paired by position and word
similarity). Each message now therefore carries its *origin* (the message it was at the sync
commit, if any) and the commits that changed it on the way. A version seen before (an edit
reverted, a merge taking one side) keeps the labels it had, so an edit undone is no change.
Messages are compared normalized, so re-wrapping or whitespace edits are no change either.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .segment import Segment, normalize, segment

__all__ = [
    "CURRENT",
    "OUTDATED",
    "UNTRANSLATED",
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
    "translations_from_catalog",
    "word_diff",
]

CURRENT = "current"
OUTDATED = "outdated"
UNTRANSLATED = "untranslated"
STATUSES = (CURRENT, OUTDATED, UNTRANSLATED)

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

    def to_json(self) -> dict:
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
    status: str
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

    @property
    def diff(self) -> list[tuple[str, str]] | None:
        if self.previous_english is None:
            return None
        return word_diff(self.previous_english, self.english)

    def to_json(self) -> dict:
        diff = self.diff
        return {
            "status": self.status,
            "english": self.english,
            "previous_english": self.previous_english,
            "translation": self.translation,
            "reason": self.reason,
            "line": self.line,
            "commits": [c.to_json() for c in self.commits],
            "diff": None if diff is None else [list(op) for op in diff],
        }


def _counts(messages: Sequence[MessageStatus]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for m in messages:
        counts[m.status] += 1
    return counts


def _overall(counts: Mapping[str, int]) -> str:
    if counts[OUTDATED]:
        return OUTDATED
    if counts[UNTRANSLATED]:
        return UNTRANSLATED
    return CURRENT


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

    def to_json(self) -> dict:
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

    @property
    def messages(self) -> list[MessageStatus]:
        return [m for s in self.sections for m in s.messages]

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.messages)

    @property
    def status(self) -> str:
        return _overall(self.counts)

    def to_json(self) -> dict:
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

    def to_json(self) -> dict:
        return {"catalog": self.catalog, "source": self.source,
                "deleted_by": None if self.deleted_by is None else self.deleted_by.to_json()}


@dataclass
class StatusReport:
    language: str
    locale: str
    head: dict
    """``{"sha", "branch", "detached", "dirty", "shallow"}``."""
    documents: list[DocumentStatus] = field(default_factory=list)
    orphaned: list[OrphanedCatalog] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{d.source}: {d.error}" for d in self.documents if d.error]

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        sections = dict.fromkeys(STATUSES, 0)
        for doc in self.documents:
            for key, value in doc.counts.items():
                counts[key] += value
            for sec in doc.sections:
                sections[sec.status] += 1
        return {"documents": len(self.documents), "messages": sum(counts.values()), **counts,
                "sections": sum(sections.values()),
                **{f"sections_{k}": v for k, v in sections.items()},
                "orphaned": len(self.orphaned), "errors": len(self.errors)}

    def to_json(self) -> dict:
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


def align(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, int | None]]:
    """For each message of ``new``: ``("equal", i)`` (same text as ``old[i]``), ``("pair",
    i)`` (``old[i]`` edited into it) or ``("insert", None)``."""
    result: list[tuple[str, int | None]] = [("insert", None)] * len(new)
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
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
# Following messages through the history.


@dataclass(frozen=True)
class _Label:
    origin: int | None
    """Index of the message at the sync commit it descends from (None: added since)."""
    commits: tuple[CommitRef, ...] = ()
    """Commits that changed it since the sync commit, oldest first."""


@dataclass
class _Version:
    msgids: list[str]
    labels: list[_Label]
    deleted: dict[int, tuple[CommitRef, ...]]
    """Messages of the sync commit no longer present -> the commits that touched them."""


class _Tracer:
    def __init__(self, base: str | None, split: Callable[[str], list[str]]):
        self.split = split
        base_ids = split(base) if base is not None else []
        self.base = _Version(base_ids, [_Label(i) for i in range(len(base_ids))], {})
        self.versions: dict[str, _Version] = {}
        if base is not None:
            self.versions[base] = self.base

    def version(self, text: str | None) -> _Version:
        """The labelled version of ``text``; a text never reached from the sync commit (a
        parent older than it) is aligned to the sync commit without commits."""
        if text is None:
            return _Version([], [], {})
        found = self.versions.get(text)
        if found is None:
            found = self._derive([self.base], text, None)
            self.versions[text] = found
        return found

    def apply(self, change: Change) -> None:
        if change.after is None or change.after in self.versions:
            return
        parents = [self.version(t) for t in change.before] or [self.version(None)]
        self.versions[change.after] = self._derive(parents, change.after, change.commit)

    def _derive(self, parents: list[_Version], text: str, commit: CommitRef | None
                ) -> _Version:
        msgids = self.split(text)
        alignments = [align(p.msgids, msgids) for p in parents]
        added = (commit,) if commit is not None else ()
        labels: list[_Label] = []
        for j in range(len(msgids)):
            labels.append(_label_for(j, parents, alignments, added))
        first = parents[0]
        kept = {lab.origin for lab in labels if lab.origin is not None}
        deleted = {o: c for o, c in first.deleted.items() if o not in kept}
        for lab in first.labels:
            if lab.origin is not None and lab.origin not in kept and lab.origin not in deleted:
                deleted[lab.origin] = _extend(lab.commits, added)
        return _Version(msgids, labels, deleted)


def _extend(commits: tuple[CommitRef, ...], added: tuple[CommitRef, ...]
            ) -> tuple[CommitRef, ...]:
    return commits + tuple(c for c in added if c not in commits)


def _label_for(j: int, parents: list[_Version], alignments: list[list[tuple[str, int | None]]],
               added: tuple[CommitRef, ...]) -> _Label:
    for parent, alignment in zip(parents, alignments, strict=True):
        op, i = alignment[j]
        if op == "equal" and i is not None:
            return parent.labels[i]
    for parent, alignment in zip(parents, alignments, strict=True):
        op, i = alignment[j]
        if op == "pair" and i is not None:
            old = parent.labels[i]
            return _Label(old.origin, _extend(old.commits, added))
    return _Label(None, added)


def trace(history: PageHistory, current: str, split: Callable[[str], list[str]]
          ) -> tuple[list[str], list[_Label], dict[int, tuple[CommitRef, ...]]]:
    """Base messages, the labels of ``current``'s messages and the deleted base messages."""
    tracer = _Tracer(history.base, split)
    for change in history.changes:
        tracer.apply(change)
    final = tracer.version(current)
    return tracer.base.msgids, final.labels, final.deleted


def _split(text: str) -> list[str]:
    return [s.msgid for s in segment(text)]


# ----------------------------------------------------------------------------------------------
# One document.


def document_status(
    doc: DocumentStatus,
    segments: Sequence[Segment],
    translations: Mapping[str, Translation] | None,
    history: PageHistory | None = None,
    current: str | None = None,
    split: Callable[[str], list[str]] = _split,
) -> DocumentStatus:
    """Fill ``doc.sections`` from the page's segments now, its translations (normalized msgid
    -> :class:`Translation`; None for a whole-file replacement) and its history since the
    sync commit (None when unknown: statuses then come from the catalog alone). ``current``
    is the page's text now (needed with a history, to find its messages' labels)."""
    base: list[str] = []
    labels: list[_Label | None] = [None] * len(segments)
    deleted: dict[int, tuple[CommitRef, ...]] = {}
    if history is not None and current is not None:
        base, traced, deleted = trace(history, current, split)
        if len(traced) == len(segments):
            labels = list(traced)
    items: list[tuple[tuple, tuple[str, ...], MessageStatus]] = []
    for j, seg in enumerate(segments):
        if translations is None:
            msg = _replacement_message(seg.msgid, labels[j], base)
        else:
            msg = _catalog_message(seg.msgid, labels[j], base, translations)
        msg.line = seg.line
        items.append(((j, 0), seg.section, msg))
    if translations is None and history is not None:
        items.extend(_deleted_items(base, labels, deleted, history))
    doc.sections = _group(items)
    return doc


def _changed(label: _Label | None, text: str, base: Sequence[str]) -> bool:
    if label is None:
        return False
    if label.origin is None:
        return True
    return normalize(base[label.origin]) != normalize(text)


def _catalog_message(text: str, label: _Label | None, base: Sequence[str],
                     translations: Mapping[str, Translation]) -> MessageStatus:
    found = translations.get(text)
    changed = _changed(label, text, base)
    commits = list(label.commits) if label is not None and changed else []
    if found is not None and not found.fuzzy:
        return MessageStatus(CURRENT, text, translation=found.msgstr)
    if found is not None:
        return MessageStatus(OUTDATED, text, previous_english=found.previous,
                             translation=found.msgstr, reason="fuzzy", commits=commits)
    if changed and label is not None and label.origin is not None:
        old = base[label.origin]
        before = translations.get(old)
        if before is not None:
            previous = before.previous if before.fuzzy and before.previous else old
            return MessageStatus(OUTDATED, text, previous_english=previous,
                                 translation=before.msgstr, reason="changed", commits=commits)
    return MessageStatus(UNTRANSLATED, text)


def _replacement_message(text: str, label: _Label | None, base: Sequence[str]
                         ) -> MessageStatus:
    if not _changed(label, text, base):
        return MessageStatus(CURRENT, text)
    assert label is not None
    if label.origin is None:
        return MessageStatus(OUTDATED, text, reason="added", commits=list(label.commits))
    return MessageStatus(OUTDATED, text, previous_english=base[label.origin],
                         reason="changed", commits=list(label.commits))


def _deleted_items(base: Sequence[str], labels: Sequence[_Label | None],
                   deleted: Mapping[int, tuple[CommitRef, ...]], history: PageHistory
                   ) -> list[tuple[tuple, tuple[str, ...], MessageStatus]]:
    """Messages of the sync commit gone from the English now: a whole-file replacement still
    has them. Each goes after the last surviving message that preceded it, in the section it
    had at the sync commit."""
    if not deleted or history.base is None:
        return []
    base_sections = [s.section for s in segment(history.base)]
    if len(base_sections) != len(base):
        base_sections = [()] * len(base)
    items = []
    for origin, commits in sorted(deleted.items()):
        after = -1
        for j, lab in enumerate(labels):
            if lab is not None and lab.origin is not None and lab.origin < origin:
                after = j
        msg = MessageStatus(OUTDATED, "", previous_english=base[origin], reason="deleted",
                            commits=list(commits))
        items.append(((after, 1, origin), base_sections[origin], msg))
    return items


def _group(items: list[tuple[tuple, tuple[str, ...], MessageStatus]]) -> list[SectionStatus]:
    sections: dict[tuple[str, ...], SectionStatus] = {}
    for _, path, msg in sorted(items, key=lambda item: item[0]):
        if path not in sections:
            sections[path] = SectionStatus(path)
        sections[path].messages.append(msg)
    return list(sections.values())


def translations_from_catalog(catalog: object) -> dict[str, Translation]:
    """Normalized msgid -> :class:`Translation` for every live, non-empty entry of a
    :class:`~d2lbook.i18n.catalog.Catalog` (fuzzy ones included, flagged)."""
    found: dict[str, Translation] = {}
    for entry in getattr(catalog, "entries", []):
        if entry.obsolete or not entry.msgstr or entry.msgctxt is not None:
            continue
        previous = normalize(entry.previous_msgid) if entry.previous_msgid else None
        found.setdefault(normalize(entry.msgid), Translation(entry.msgstr, entry.fuzzy, previous))
    return found
