"""Every version of every English page in git history, grouped into pages across renames.

One ``git log`` + one ``git diff-tree --stdin`` (:meth:`d2lbook.vcs.Repository.history`) list
the blobs each commit wrote, and one ``git cat-file --batch`` reads them all: no git process
per page or per commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Protocol

from d2lbook.layout import PAGE_SUFFIX, is_page_file

from .structure import features_of

if TYPE_CHECKING:
    from d2lbook.vcs import Repository

__all__ = ["Converter", "Version", "EnglishHistory", "read_history"]

CHUNK = 256
"""Versions read per ``git cat-file --batch`` while fingerprinting the history."""


@dataclass(frozen=True)
class Version:
    """One English page as a commit left it."""

    path: str
    """Path relative to the English folder (``chapter_x/page.md``)."""
    blob: str
    commit: str
    date: str
    order: int
    """Position of the commit, oldest first (0 is the first commit that touched the folder)."""

    @property
    def page(self) -> str:
        return str(PurePosixPath(self.path).with_suffix(""))


@dataclass
class EnglishHistory:
    """The versions of the English pages, oldest first, and which paths are one page."""

    versions: list[Version] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """blob -> text (converted to MyST when the history is in the old dialect), for the
    versions loaded (:meth:`load`); the others were read once for their features only."""
    features: dict[str, Counter[str]] = field(default_factory=dict)
    """blob -> structural fingerprint."""
    lineage: dict[str, str] = field(default_factory=dict)
    """path -> the identity of the page (paths joined by renames share one)."""
    ends: dict[tuple[str, int], int] = field(default_factory=dict)
    """(identity, order of a version) -> order of the commit that replaced or deleted it
    (absent while the version is still live)."""
    commits: int = 0
    repo: Repository | None = None
    convert: Converter | None = None
    """``convert(path, text, commit)``: the page as that commit left it, as MyST."""

    def load(self, blobs: list[str]) -> None:
        """Make the texts of these versions available in :attr:`texts` (one git process)."""
        missing = [b for b in dict.fromkeys(blobs) if b not in self.texts]
        if missing and self.repo is not None:
            first = self._first_versions()
            for blob, text in self.repo.read_texts(missing).items():
                self.texts[blob] = self._converted(first.get(blob), text or "")

    def _first_versions(self) -> dict[str, Version]:
        first: dict[str, Version] = {}
        for version in self.versions:
            first.setdefault(version.blob, version)
        return first

    def _converted(self, version: Version | None, text: str) -> str:
        if self.convert is None or version is None:
            return text
        return self.convert(version.path, text, version.commit)

    def identity(self, path: str) -> str:
        return self.lineage.get(path, path)

    def of_identity(self, identity: str) -> list[Version]:
        return [v for v in self.versions if self.identity(v.path) == identity]

    def live_at(self, version: Version, order: int) -> bool:
        end = self.ends.get((self.identity(version.path), version.order))
        return version.order <= order and (end is None or order < end)


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


class Converter(Protocol):
    """Turns a page as one commit left it into MyST: each version's dialect is decided from
    that commit's own files (a history may change dialect)."""

    def prepare(self, commits: list[str]) -> None:
        """Called once with every commit of the history, before any page is converted."""

    def __call__(self, path: str, text: str, commit: str) -> str: ...


def read_history(repo: Repository, folder: str, convert: Converter | None = None) -> EnglishHistory:
    """The history of the ``*.md`` pages under ``folder`` (relative to the repository root;
    empty for the whole repository). ``convert`` turns a page of another dialect into MyST.
    Every version is read once for its fingerprint; texts are loaded on demand (:meth:`load`).
    """
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    log = repo.history([f"{prefix}*{PAGE_SUFFIX}"])  # a git pathspec: pages at any depth
    commits = list(reversed(log.commits))
    result = EnglishHistory(commits=len(commits))
    union = _Union()
    events: list[tuple[str, int, str | None]] = []  # (path, order, blob or None: deleted)
    for order, commit in enumerate(commits):
        parent = commit.parents[0] if commit.parents else None
        for change in log.changes.get((commit.sha, parent), []):
            old = _relative(change.old_path, prefix)
            new = _relative(change.new_path, prefix)
            if change.status == "R" and old and new:
                union.join(old, new)
            if old and change.status in "DR":
                events.append((old, order, None))
            if new and change.new_blob:
                events.append((new, order, change.new_blob))
                result.versions.append(Version(new, change.new_blob, commit.sha, commit.date,
                                               order))
    for path in {v.path for v in result.versions} | {e[0] for e in events}:
        result.lineage[path] = union.find(path)
    by_identity: dict[str, list[tuple[int, str | None]]] = {}
    for path, order, blob in events:
        by_identity.setdefault(result.identity(path), []).append((order, blob))
    for identity, items in by_identity.items():
        items.sort(key=lambda item: (item[0], item[1] is not None))
        for k, (order, blob) in enumerate(items):
            if blob is None:
                continue
            later = [o for o, _ in items[k + 1 :] if o > order]
            if later:
                result.ends[(identity, order)] = later[0]
    result.repo, result.convert = repo, convert
    if convert is not None:
        convert.prepare(list(dict.fromkeys(v.commit for v in result.versions)))
    first = result._first_versions()
    blobs = list(first)
    for start in range(0, len(blobs), CHUNK):  # bounded memory: texts are not kept
        chunk = blobs[start : start + CHUNK]
        texts = repo.read_texts(chunk)
        for blob in chunk:
            result.features[blob] = features_of(result._converted(first[blob],
                                                                  texts.get(blob) or ""))
    return result


def _relative(path: str | None, prefix: str) -> str | None:
    if path is None or not is_page_file(path):
        return None
    if prefix and not path.startswith(prefix):
        return None
    return path[len(prefix):]
