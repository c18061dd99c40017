"""One build of a book at a time: an advisory lock on ``_build/.lock``.

A second build (another terminal, ``serve`` rebuilding, CI) waits for the first with a clear
message instead of both writing the same Sphinx output and one crashing. The lock is a
``fcntl.flock`` on an open file, so the kernel releases it when the holder exits, even after
``kill -9``: a stale lock cannot exist. Re-entrant within a process (``build_site`` calls
``build``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar, cast

__all__ = ["build_lock", "locked", "LOCK_NAME"]

LOCK_NAME = ".lock"
_held: dict[Path, int] = {}
_mutex = threading.Lock()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def build_lock(build_dir: Path, on_wait: Callable[[str], None] = _stderr) -> Iterator[None]:
    """Hold the build lock of ``build_dir`` (waiting, after telling ``on_wait``, while
    another process holds it)."""
    path = Path(build_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    with _mutex:
        depth = _held.get(key, 0)
        if depth:
            _held[key] = depth + 1
    if depth:
        try:
            yield
        finally:
            with _mutex:
                _held[key] -= 1
        return
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            on_wait(f"another build is running (pid {holder}); waiting for it to finish "
                    f"({path})…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with _mutex:
            _held[key] = 1
        try:
            yield
        finally:
            with _mutex:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


class _Book(Protocol):
    """What the lock needs of a configuration (``config.BookConfig``)."""

    @property
    def build_dir(self) -> Path: ...


B = TypeVar("B", bound=_Book)
P = ParamSpec("P")
R = TypeVar("R")


def locked(func: Callable[Concatenate[B, P], R]) -> Callable[Concatenate[B, P], R]:
    """Run ``func(cfg, ...)`` holding the build lock of ``cfg.build_dir``."""

    @wraps(func)
    def wrapper(cfg: B, *args: P.args, **kwargs: P.kwargs) -> R:
        with build_lock(cfg.build_dir):
            return func(cfg, *args, **kwargs)

    # cfg stays a keyword argument too (hence no "/"), which Concatenate cannot say
    return cast(Callable[Concatenate[B, P], R], wrapper)
