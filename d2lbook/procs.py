"""Child processes end with the build, even when the build is killed with ``kill -9``.

* :func:`die_with_parent` (Linux ``PR_SET_PDEATHSIG``): a forked worker (execution pool, Sphinx's
  parallel readers and writers) receives SIGKILL when the build process dies. The Jupyter
  kernels a worker started notice their parent is gone (ipykernel polls it every second) and
  exit too.
* :func:`run_guarded` runs an external program (latexmk and the TeX engines it starts) in a
  process group of its own, watched by a tiny guard process that kills the whole group if the
  build dies before the program ends.

Elsewhere than Linux these are no-ops or plain ``subprocess.run``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TypedDict, Unpack

__all__ = ["die_with_parent", "die_with_parent_on_fork", "run_guarded"]

_PR_SET_PDEATHSIG = 1
_registered = False


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent exits."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def die_with_parent_on_fork() -> None:
    """Every process forked from now on (by this thread or another) dies with its parent."""
    global _registered
    if not _registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=die_with_parent)
        _registered = True


_GUARD = r"""
import ctypes, os, signal, sys
group, parent = int(sys.argv[1]), int(sys.argv[2])
def reap(*_):
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
    os._exit(0)
signal.signal(signal.SIGTERM, reap)
try:
    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)
except Exception:
    pass
if os.getppid() != parent:
    reap()
if sys.stdin.buffer.read() != b"done":
    reap()
"""


class _Options(TypedDict, total=False):
    """What callers pass on to ``subprocess.Popen``."""

    cwd: Path | str
    errors: str
    env: dict[str, str]


def run_guarded(cmd: list[str], **kwargs: Unpack[_Options]) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(cmd, capture_output=True, text=True, **kwargs)`` in a new process
    group that is killed as a whole if this process dies first."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kwargs)
    guard = None
    if sys.platform.startswith("linux"):
        guard = subprocess.Popen([sys.executable, "-c", _GUARD, str(proc.pid), str(os.getpid())],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        if guard is not None:
            try:
                guard.communicate(b"done", timeout=10)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                guard.kill()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
