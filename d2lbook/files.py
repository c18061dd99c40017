"""Writing files: every write is atomic (a killed process leaves the old file or the new one,
never half of one), and build trees are written only where bytes change (Sphinx rebuilds by
mtime). The one place that knows how."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"
"""Name prefix of a file being written (hidden: never a page, never copied to the site)."""

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: Path, *, durable: bool = False) -> Iterator[Path]:
    """A temporary file next to ``path`` to write; on success it replaces ``path`` in one
    step (with the permissions a plain write would give), on error it is removed.
    ``durable``: flushed to disk first (records that must survive a crash)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX, suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
        os.chmod(tmp, mode)
        if durable:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, *, durable: bool = False) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically."""
    blob = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, durable=durable) as tmp:
        tmp.write_bytes(blob)


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` atomically unless the file already holds it; True when written."""
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == blob:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, blob)
    return True


def prune(root: Path, keep: set[Path], suffixes: set[str]) -> list[Path]:
    """Delete files under ``root`` with one of ``suffixes`` that are not in ``keep``
    (pages removed from the source); returns what was removed."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[0] in ("_build", "jupyter_execute") or not path.is_file():
            continue
        if path.suffix in suffixes and rel not in keep:
            path.unlink()
            removed.append(rel)
    return removed


def move(src: Path, dst: Path) -> None:
    """Move the file ``src`` to ``dst`` (replacing it). ``os.replace`` cannot move between
    file systems (``EXDEV``: a folder on another mount): then the file is copied next to
    ``dst`` and put in place in one step, and ``src`` removed after; a crash in between
    leaves both, never neither."""
    import errno
    import shutil

    try:
        os.replace(src, dst)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
            shutil.copystat(src, tmp)
        os.unlink(src)
