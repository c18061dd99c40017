"""Forks in the old d2lbook dialect go through the book importer first.

A folder whose root holds ``config.ini`` is a book in the old d2lbook dialect (``:label:``,
``:eqlabel:``, ``:begin_tab:``, ``{.python .input}`` cells...). A fork in that dialect is
converted to our MyST layout by the importer (issue 11: ``d2lbook.commands.import_book``) into
a temporary folder, and that copy is read like any fork (line numbers in the report are then
those of the converted copy). An English history in the old dialect (``--english-history``)
is converted page by page (``d2lbook.importer.page.convert_page``) before its structure is
read, so nothing relies on history across the change of dialect.

These two functions are the only places that call the importer; it is imported lazily, so
``i18n import`` works without it for MyST forks. They live with the commands, not in
``d2lbook.i18n.fork``, so that imports keep pointing one way (the importer and its command are
not below ``i18n``): the history reader only receives the ``convert`` function.
"""

from __future__ import annotations

from pathlib import Path

from d2lbook.errors import D2lbookError

__all__ = ["DialectError", "PageConverter", "is_old_dialect", "to_myst", "page_converter"]


class DialectError(D2lbookError):
    """The fork or the history is in the old dialect and the importer is not available."""


def is_old_dialect(folder: Path) -> bool:
    """True for a book in the old d2lbook dialect (a ``config.ini`` at its root)."""
    return (Path(folder) / "config.ini").is_file()


def to_myst(fork_dir: Path, work_dir: Path) -> Path:
    """The folder to read the fork from: ``fork_dir`` itself for a MyST fork, else a MyST
    copy of it made under ``work_dir`` by the importer."""
    fork_dir = Path(fork_dir)
    if not is_old_dialect(fork_dir):
        return fork_dir
    try:
        from d2lbook.commands.import_book import import_book
    except ImportError:
        raise DialectError(
            f"{fork_dir / 'config.ini'}: this fork is in the old d2lbook dialect; converting "
            "it needs the book importer (`d2lbook import`), which this installation lacks: "
            "convert it with `d2lbook import FORK_DIR DEST` and import DEST") from None
    dest = Path(work_dir) / "fork-myst"
    import_book(fork_dir, dest)
    return dest


class PageConverter:
    """``convert(path, text) -> MyST text`` for pages of the old dialect; a version the
    importer cannot convert (years-old versions may defeat it) is read as it is, and its path
    is kept in :attr:`failed`."""

    def __init__(self, root: Path):
        from d2lbook.importer.config_ini import read_config
        from d2lbook.importer.page import PageContext
        from d2lbook.importer.report import Report

        self.report = Report()
        frameworks = read_config(root / "config.ini", self.report).tabs
        self.context = PageContext(frameworks, frozenset(), exists=lambda rel: True)
        self.failed: list[str] = []

    def __call__(self, path: str, text: str) -> str:
        from d2lbook.importer.page import convert_page
        from d2lbook.importer.report import Located

        try:
            return convert_page(path.removesuffix(".md"), text, self.context,
                                Located(self.report, path)).text
        except Exception:  # noqa: BLE001 - most of the structure still shows unconverted
            self.failed.append(path)
            return text


def page_converter(repo_root: Path) -> PageConverter | None:
    """The converter for the pages of an English history in the old dialect (``config.ini``
    at ``repo_root``); None when no conversion is needed."""
    root = Path(repo_root)
    if not is_old_dialect(root):
        return None
    try:
        return PageConverter(root)
    except ImportError:
        raise DialectError(
            f"{root / 'config.ini'}: the English history is in the old d2lbook dialect; "
            "reading it needs the book importer (d2lbook.importer), which this installation "
            "lacks") from None
