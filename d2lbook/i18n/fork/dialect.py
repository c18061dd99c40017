"""Forks in the old d2lbook dialect go through the importer first.

A fork whose root holds ``config.ini`` is a copy of a book in the old d2lbook dialect
(``:label:``, ``:eqlabel:``, ``:begin_tab:``...). It is converted to our MyST layout by the
book importer (``d2lbook.importer``, issue 11) into a temporary folder, and that copy is read
like any fork. The English history of such a book (``--english-history``) is in the old dialect
too: each version is converted page by page before its structure is read.

The importer is developed separately; these two functions are the only places that call it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from d2lbook.errors import D2lbookError

__all__ = ["is_old_dialect", "to_myst", "page_converter"]


class DialectError(D2lbookError):
    """The fork is in the old dialect and the importer cannot convert it."""


def is_old_dialect(folder: Path) -> bool:
    """True for a book in the old d2lbook dialect (a ``config.ini`` at its root)."""
    return (Path(folder) / "config.ini").is_file()


def _importer():
    try:
        import d2lbook.importer as importer  # the converter of issue 11
    except ImportError:
        return None
    return importer


def to_myst(fork_dir: Path, work_dir: Path) -> Path:
    """The folder to read the fork from: ``fork_dir`` itself for a MyST fork, else a MyST
    copy of it made under ``work_dir`` by the importer (``convert_book(src, dest)``)."""
    fork_dir = Path(fork_dir)
    if not is_old_dialect(fork_dir):
        return fork_dir
    importer = _importer()
    convert = getattr(importer, "convert_book", None) if importer else None
    if convert is None:
        raise DialectError(
            f"{fork_dir / 'config.ini'}: this fork is in the old d2lbook dialect; converting "
            "it needs the book importer (d2lbook.importer.convert_book), which this "
            "installation lacks: convert it with `d2lbook import` first and pass the result")
    dest = Path(work_dir) / "fork-myst"
    convert(fork_dir, dest)
    return dest


def page_converter(repo_root: Path) -> Callable[[str], str] | None:
    """A function converting one page of the old dialect to MyST when the English history
    at ``repo_root`` is in the old dialect (``config.ini``) and the importer offers
    ``convert_page(text) -> str``; None when no conversion is needed."""
    if not is_old_dialect(repo_root):
        return None
    importer = _importer()
    convert = getattr(importer, "convert_page", None) if importer else None
    if convert is None:
        raise DialectError(
            f"{Path(repo_root) / 'config.ini'}: the English history is in the old d2lbook "
            "dialect; reading it needs the book importer (d2lbook.importer.convert_page), "
            "which this installation lacks")
    return convert
