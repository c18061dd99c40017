"""A computation run in a forked child process, its result sent back pickled through a pipe.

``i18n.drift`` uses it to parse catalogs and compute statuses on a second core while this
process segments pages and waits for git: ``bench/bench_status.py`` shows the status of a
200-page book with 5,000 commits does not stay under 2 s on two cores without it (see
docs/benchmarks.md). Only on POSIX and while the process runs a single thread; otherwise the
computation runs in this process.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from typing import Generic, TypeVar, TypeVarTuple, cast

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class Forked(Generic[T]):
    """``fn(*args)`` computed in a forked child and sent back pickled through a pipe; computed
    in this process instead where forking is not possible or not safe."""

    def __init__(self, fn: Callable[[*Ts], T], *args: *Ts):
        self.fn, self.args = fn, args
        self.pid: int | None = None
        if hasattr(os, "fork") and threading.active_count() == 1:
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute, send, leave without cleanup handlers
                os.close(read)
                try:
                    payload = pickle.dumps((True, fn(*args)))
                except BaseException as err:  # noqa: BLE001 - sent to the parent
                    payload = pickle.dumps((False, repr(err)))
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
                os._exit(0)
            os.close(write)
            self.pid, self.read = pid, read

    def result(self) -> T:
        if self.pid is None:
            return self.fn(*self.args)
        with os.fdopen(self.read, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self.pid, 0)
        try:
            ok, value = pickle.loads(data)  # value: T when ok
        except Exception:  # the child died before answering
            ok, value = False, "no answer"
        return cast(T, value) if ok else self.fn(*self.args)
