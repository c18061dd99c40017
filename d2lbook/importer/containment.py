"""Keeping an import inside its folders: every path read resolves inside SRC, every path written
inside DEST.

A path given by the book (an image, a bibliography, a resource glob, a ``lib_file``) is checked
twice: as written (no absolute path, no ``..`` climbing out) and as resolved (no symbolic link
leading out). Each refusal is a :class:`~d2lbook.errors.Problem` located at the file (and line)
that named the path; the importer collects them all and writes nothing when there is one.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from pathlib import Path

from d2lbook.errors import Problem


def climbs_out(rel: str) -> bool:
    """``rel`` (as the book wrote it, ``/`` separated) is absolute or leaves its folder."""
    if not rel or rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return bool(rel)
    norm = posixpath.normpath(rel.replace("\\", "/"))
    return norm == ".." or norm.startswith("../")


def outside(root: Path, path: Path) -> bool:
    """``path`` (symbolic links followed) is not ``root`` nor inside it (``root`` resolved)."""
    return not path.resolve().is_relative_to(root)


def link_problem(root: Path, path: Path, where: str, line: int, what: str) -> Problem | None:
    """A problem when ``path`` is (or passes through) a symbolic link leading out of ``root``."""
    if not outside(root, path):
        return None
    rel = os.path.relpath(path, root)
    return Problem(where, line, f"{what} {rel} is a symbolic link to {path.resolve()}, outside "
                   f"the book's folder {root}; the import reads only the book's own files: copy "
                   "the file into the book", "import-outside")


IGNORED = ("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


def walk_files(root: Path, top: Path, skip: Path | None, where: str,
               problems: list[Problem]) -> list[Path]:
    """Every file under the folder ``top`` (sorted; caches and editor files left out),
    following symbolic links only while they stay inside ``root``; a link leading out is a
    problem located at ``where``. ``skip`` (the destination, when it lies inside the source) is
    never entered."""
    found: list[Path] = []
    seen: set[Path] = set()
    todo = [top]
    while todo:
        folder = todo.pop()
        real = folder.resolve()
        if real in seen or (skip is not None and real.is_relative_to(skip)):
            continue
        seen.add(real)
        for entry in sorted(folder.iterdir()):
            if any(fnmatch.fnmatch(entry.name, pattern) for pattern in IGNORED):
                continue
            if entry.is_symlink():
                problem = link_problem(root, entry, where, 0, "resource")
                if problem is not None:
                    problems.append(problem)
                    continue
            if entry.is_dir():
                todo.append(entry)
            elif entry.is_file():
                found.append(entry)
    return sorted(found)


def decode_page(data: bytes, where: str) -> str | Problem:
    """The text of a page or bibliography (UTF-8, with or without a byte order mark), or a
    problem saying where it is not text and what to do."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(where, 1, "is UTF-16 text; save it as UTF-8 (or leave it out of [build] "
                       "notebooks / add it to exclusions)", "import-encoding")
    nul = data.find(b"\0")
    if nul >= 0:
        return Problem(where, data.count(b"\n", 0, nul) + 1, "is a binary file (a NUL byte), "
                       "not text; remove it or add it to [build] exclusions", "import-encoding")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return Problem(where, data.count(b"\n", 0, err.start) + 1, f"is not UTF-8 text (byte "
                       f"0x{data[err.start]:02x}); save it as UTF-8 or add it to [build] "
                       "exclusions", "import-encoding")
