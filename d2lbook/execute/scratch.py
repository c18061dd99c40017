"""The files a notebook's kernel sees: a scratch copy of its page's folder.

A kernel never runs in the sources: it runs in a fresh folder holding a copy of the files its
page may read, laid out around the page's folder as in the source tree, removed after the
run. What a cell writes (a ``.md`` file, a downloaded data set, a checkpoint) stays out of
``source/`` and never becomes a page. The local pool copies the files, a Dask worker rebuilds
them from the bytes the client ships (``execute.dask_backend``); both get the same files:

- the page's declared ``data`` (paths or globs relative to its folder, ``../data/*.csv``
  allowed) when it declares any (``d2lbook: {data: [...]}`` in its front matter);
- otherwise the files directly in the page's folder, except pages (``.md``) and hidden files.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from d2lbook.execute.protocol import Task
from d2lbook.layout import is_page_file


def page_files(task: Task) -> tuple[dict[str, Path], str]:
    """The files ``task``'s kernel gets, by path relative to a common root, and the page's
    folder relative to that root. Raises ``ValueError`` when a declared entry matches
    nothing."""
    cwd = task.cwd.resolve()
    paths: list[Path] = []
    if task.data:
        for pattern in task.data:
            found = sorted(Path(os.path.normpath(cwd / m)) for m in
                           glob.glob(pattern, root_dir=cwd, recursive=True))
            found = [p for p in found if p.is_file()]
            if not found:
                raise ValueError(f"declared data {pattern!r} matches no file in {cwd}")
            paths += found
    elif cwd.is_dir():
        paths = sorted(p for p in cwd.iterdir() if p.is_file() and not is_page_file(p)
                       and not p.name.startswith("."))
    root = Path(os.path.commonpath([cwd, *paths])) if paths else cwd
    return {p.relative_to(root).as_posix(): p for p in paths}, cwd.relative_to(root).as_posix()
