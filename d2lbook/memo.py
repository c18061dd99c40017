"""Per-page results remembered on disk, by the digest of everything they are computed from.

A build does the same work for every page each time (reading a page as a notebook, checking
its fences, applying its catalog) although most pages did not change since the last build.
That work is a pure function of a few inputs (the page's text, its catalog, the settings it
uses) and of d2lbook's own code: :class:`PageMemo` keeps its result in a file named by the
SHA-256 of those inputs, so that a fresh process pays only for hashing them. Being named by
its inputs, an entry serves whichever edition or request asks next (another language, another
format, the request before the last one).

An entry is written atomically; one that cannot be read or parsed (a damaged disk, a killed
writer of an older version) is a miss, and the work is done again. Values are JSON. A result
as large as the book (the ``#@save`` library) keeps only its latest entry, in a named slot.

A page's entries add up as it is edited (a few kilobytes each), and a new d2lbook or new
packages make a whole new set. The memo is kept under :data:`LIMIT` bytes: an entry's time is
refreshed when it is used (at most once an hour), and at most once an hour a build that wrote
entries removes the least recently used ones, never one this build used, until the folder
holds three quarters of the limit (``d2lbook clean`` removes them all).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from stat import S_ISREG
from typing import TypeVar, cast

from d2lbook.files import write_atomic

MEMO_FORMAT = 1
LIMIT = 256 * 1024 * 1024
"""Bytes the memo may hold before its least recently used entries are removed."""
HOUR = 3600.0
PRUNED = "pruned"
"""The file whose time says when the memo was last pruned."""

T = TypeVar("T")


class PageMemo:
    """``folder/<kind>/<digest[:2]>/<digest>.json``; ``salt``: what every entry depends on
    besides its own inputs (the build gives the digest of d2lbook's code and of the
    installed packages)."""

    def __init__(self, folder: Path, salt: str):
        self.folder = folder
        self.salt = salt
        self.hits = 0
        self.misses = 0

    def digest(self, kind: str, inputs: tuple[str | bytes | None, ...]) -> str:
        h = hashlib.sha256(f"d2lbook-memo-{MEMO_FORMAT}\0{kind}\0{self.salt}".encode())
        for item in inputs:
            data = b"\1" if item is None else (item if isinstance(item, bytes)
                                                 else item.encode("utf-8"))
            h.update(hashlib.sha256(data).digest())
        return h.hexdigest()

    def path(self, kind: str, inputs: tuple[str | bytes | None, ...],
             slot: str | None = None) -> Path:
        """Where the entry lives: named by its digest, or ``slot`` (one entry per slot, the
        latest, for a result as large as the book's)."""
        if slot is not None:
            return self.folder / kind / f"{slot}.json"
        digest = self.digest(kind, inputs)
        return self.folder / kind / digest[:2] / f"{digest}.json"

    def get(self, kind: str, inputs: tuple[str | bytes | None, ...],
            slot: str | None = None) -> object | None:
        """The remembered value, or None (never remembered, or unreadable: a miss)."""
        try:
            with open(self.path(kind, inputs, slot), encoding="utf-8") as f:
                entry = json.load(f)
                if os.fstat(f.fileno()).st_mtime < time.time() - HOUR:
                    os.utime(f.fileno())  # used: the last to be pruned
            if isinstance(entry, dict) and "value" in entry and \
                    entry.get("digest", "") == (self.digest(kind, inputs) if slot else ""):
                self.hits += 1
                value: object = entry["value"]
                return value
        except (OSError, ValueError, UnicodeDecodeError):
            pass
        self.misses += 1
        return None

    def put(self, kind: str, inputs: tuple[str | bytes | None, ...], value: object,
            slot: str | None = None) -> None:
        path = self.path(kind, inputs, slot)
        entry = {"value": value}
        if slot is not None:
            entry["digest"] = self.digest(kind, inputs)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(entry, ensure_ascii=False))
        except OSError:
            pass  # an optimisation: a build does not fail for it (a full disk)

    def remember(self, kind: str, inputs: tuple[str | bytes | None, ...],
                 make: Callable[[], T], slot: str | None = None) -> T:
        """``make()``'s value (JSON-safe), remembered under ``inputs`` (in ``slot``: only the
        latest). The value returned is always a fresh copy: callers may change it."""
        value = self.get(kind, inputs, slot)
        if value is None:
            value = make()
            self.put(kind, inputs, value, slot)
            return cast(T, json.loads(json.dumps(value)))
        return cast(T, value)  # what make() returned, as JSON keeps it

    def prune(self, started: float, limit: int = LIMIT) -> int:
        """At most once an hour: while the memo holds more than ``limit`` bytes, remove the
        least recently used entries (none used since ``started``, this build's start) until it
        holds three quarters of it. Returns how many were removed."""
        marker = self.folder / PRUNED
        try:
            if marker.stat().st_mtime > time.time() - HOUR:
                return 0
        except OSError:
            pass  # never pruned
        entries, total = [], 0
        for path in self.folder.rglob("*"):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed meanwhile
            if S_ISREG(stat.st_mode) and path != marker:
                entries.append((stat.st_mtime, stat.st_size, path))
                total += stat.st_size
        removed = 0
        for mtime, size, path in sorted(entries) if total > limit else []:
            if total <= limit * 3 // 4 or mtime >= started:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # an optimisation, as put
        return removed
