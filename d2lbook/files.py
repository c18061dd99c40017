"""Writing build trees: only files whose bytes change are touched (Sphinx rebuilds by mtime),
and every write is atomic."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` atomically unless the file already holds it; True when written."""
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == blob:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; outputs are published
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def prune(root: Path, keep: set[Path], suffixes: set[str]) -> list[Path]:
    """Delete files under ``root`` with one of ``suffixes`` that are not in ``keep``
    (pages removed from the source); returns what was removed."""
    removed = []
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
