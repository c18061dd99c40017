"""Forks in the old d2lbook dialect go through the book importer first.

A folder whose root holds ``config.ini`` is a book in the old d2lbook dialect (``:label:``,
``:eqlabel:``, ``:begin_tab:``, ``{.python .input}`` cells...). A fork in that dialect is
converted to our MyST layout by the importer (issue 11: ``d2lbook.commands.import_book``) into
a temporary folder, and that copy is read like any fork (line numbers in the report are then
those of the converted copy). The pages of an English history (``--english-history``) are
converted version by version (``d2lbook.importer.page.convert_page``) when that version's own
commit is in the old dialect (``config.ini`` at its root), so a history that changed dialect
is read right on both sides, and a bare repository (no work tree) is enough.

These two functions are the only places that call the importer; it is imported lazily, so
``i18n import`` works without it for MyST forks. They live with the commands, not in
``d2lbook.i18n.fork``, so that imports keep pointing one way (the importer and its command are
not below ``i18n``): the history reader only receives the ``convert`` function.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from d2lbook.errors import D2lbookError
from d2lbook.layout import page_of_file

if TYPE_CHECKING:
    from d2lbook.importer.page import PageContext
    from d2lbook.importer.report import Report
    from d2lbook.vcs import Repository

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
    """``convert(path, text, commit) -> MyST text`` for the pages of an English history: a
    version whose commit has ``config.ini`` at the repository root is in the old dialect and
    is converted with that commit's own ``config.ini`` (its framework tabs); the others are
    MyST already and read as they are. The dialect is decided per version from the history
    (one ``git cat-file --batch-check``), never from a work tree, so a bare repository works
    and a history that changed dialect is read right on both sides of the change. A version
    the importer cannot convert (years-old versions may defeat it) is read as it is, and its
    path is kept in :attr:`failed`."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self.failed: list[str] = []
        self.config_of: dict[str, str | None] = {}
        """commit -> the blob of its ``config.ini`` (None: MyST)."""
        self._contexts: dict[str, PageContext] = {}
        self.report: Report | None = None

    def prepare(self, commits: list[str]) -> None:
        specs = {commit: f"{commit}:config.ini" for commit in commits}
        ids = self.repo.object_ids(specs.values())
        self.config_of = {commit: ids.get(spec) for commit, spec in specs.items()}

    @property
    def old_dialect_versions(self) -> bool:
        return any(self.config_of.values())

    def _context(self, blob: str) -> PageContext:
        if blob not in self._contexts:
            try:
                from d2lbook.importer.config_ini import read_config
                from d2lbook.importer.page import PageContext
                from d2lbook.importer.report import Report
            except ImportError:
                raise DialectError(
                    f"{self.repo.root}: the English history holds versions in the old d2lbook "
                    "dialect (config.ini); reading them needs the book importer "
                    "(d2lbook.importer), which this installation lacks") from None
            self.report = self.report or Report()
            text = self.repo.read_texts([blob]).get(blob) or ""
            with tempfile.TemporaryDirectory(prefix="d2lbook-config-") as tmp:
                path = Path(tmp) / "config.ini"
                path.write_text(text, encoding="utf-8")
                frameworks = read_config(path, self.report).tabs
            self._contexts[blob] = PageContext(frameworks, frozenset(),
                                               exists=lambda rel: True)
        return self._contexts[blob]

    def __call__(self, path: str, text: str, commit: str) -> str:
        config = self.config_of.get(commit)
        if config is None:
            return text
        context = self._context(config)
        from d2lbook.importer.page import convert_page
        from d2lbook.importer.report import Located

        assert self.report is not None  # made with the first context
        try:
            return convert_page(page_of_file(path), text, context,
                                Located(self.report, path)).text
        except Exception:  # noqa: BLE001 - most of the structure still shows unconverted
            self.failed.append(path)
            return text


def page_converter(repo: Repository) -> PageConverter:
    """The converter of the pages of an English history (each version in its own dialect)."""
    return PageConverter(repo)
