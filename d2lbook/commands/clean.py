"""``d2lbook clean``: remove the build outputs, keeping the execution cache unless asked.

Re-executing a book's notebooks is the expensive part of a build; everything else under
``_build/`` is made again from the sources and the cache in minutes. So ``clean`` keeps
``_build/cache/execute`` (and the remembered package listings beside it) unless ``everything``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig
from d2lbook.layout import BookLayout
from d2lbook.lock import LOCK_NAME, build_lock


@dataclass
class Cleaned:
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    bytes: int = 0


def _size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def clean(cfg: BookConfig, everything: bool = False) -> Cleaned:
    """Remove ``_build/`` except the execution cache (all of it when ``everything``), holding
    the build lock so that no build is writing meanwhile."""
    layout = BookLayout(cfg)
    result = Cleaned()
    if not layout.build.is_dir():
        return result
    keep = set() if everything else {layout.execution_cache, layout.environments_memo}
    with build_lock(layout.build):
        for path in sorted(layout.build.rglob("*"), key=lambda p: len(p.parts)):
            if path.name == LOCK_NAME and path.parent == layout.build:
                continue
            if any(path == k or path.is_relative_to(k) for k in keep):
                continue
            if any(k.is_relative_to(path) for k in keep):
                continue  # a folder holding something kept: look inside it
            if not path.exists() and not path.is_symlink():
                continue  # inside a folder already removed
            result.bytes += _size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            result.removed.append(path)
    result.kept = [k for k in sorted(keep) if k.exists()]
    if everything:
        shutil.rmtree(layout.build, ignore_errors=True)
    return result
