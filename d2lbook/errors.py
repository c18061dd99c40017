"""Typed errors. Every error a user can act on names the file, the line and what to do.

Only the CLI turns these into messages and exit codes (see ``cli.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class D2lbookError(Exception):
    """Base class: an error the user can act on. ``str(err)`` is the full message."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One located problem: ``file:line: message`` (line 0 when the whole file is concerned)."""

    file: Path | str
    line: int
    message: str
    code: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {self.message} [{self.code}]"


class ConfigError(D2lbookError):
    """The configuration is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "invalid configuration:\n" + "\n".join(f"  {p}" for p in problems)
        )


class SourceError(D2lbookError):
    """A page of the book cannot be read (bad front matter, missing file in the toc, ...)."""


class ExecutionError(D2lbookError):
    """A code cell raised or timed out while executing a page."""

    def __init__(self, page: str, cell_index: int, cell_source: str, detail: str):
        self.page = page
        self.cell_index = cell_index
        self.cell_source = cell_source
        self.detail = detail
        head = "\n".join("    " + line for line in cell_source.splitlines()[:6])
        super().__init__(
            f"{page}: code cell {cell_index} failed\n{head}\n{detail}\n"
            "Fix the cell, or tag it `raises-exception` if the error is intended."
        )


class ExecutionFailures(ExecutionError):
    """Several notebooks failed in one build (each as an :class:`ExecutionError`); the others
    ran to the end and were cached. With one failure the message is that failure's."""

    def __init__(self, errors: list[ExecutionError]):
        first = errors[0]
        self.errors = errors
        super().__init__(first.page, first.cell_index, first.cell_source, first.detail)
        if len(errors) > 1:
            self.args = (f"{len(errors)} notebooks failed (the others ran and were cached):\n\n"
                         + "\n\n".join(str(e) for e in errors),)


class SchedulingError(D2lbookError):
    """Execution cannot start: the cluster is unreachable, or pages ask for more resources
    (GPUs) than any worker offers. Carries every located problem."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        super().__init__("\n".join([message, *(f"  {p}" for p in self.problems)]))


class RenderError(D2lbookError):
    """Sphinx or LaTeX failed."""


class MissingToolError(D2lbookError):
    """A system tool or TeX package is missing; the message says how to install it."""


class I18nError(D2lbookError):
    """A catalog cannot be read or written; carries the located problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class NotWritable(D2lbookError):
    """A folder the command writes into cannot be written (read-only file system, no
    permission, full disk): the path, the folder and what to do."""

    def __init__(self, err: OSError):
        import errno

        path = Path(str(err.filename or "?"))
        if path.name.startswith(".tmp-"):  # files.TEMPORARY_PREFIX: the file being replaced
            path = path.parent
        folder = next((p for p in (path, *path.parents) if p.name in ("_build", "locale")),
                      path.parent)
        self.path, self.folder = path, folder
        reason = err.strerror or str(err)
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            todo = f"free some space on the disk holding {folder} and run the command again"
        else:
            todo = (f"make {folder} writable (`chmod -R u+w {folder}`; on a read-only mount, "
                    "work on a writable copy of the book) and run the command again")
        super().__init__(f"{path}: cannot write ({reason}); {todo}. Nothing was left half "
                         "written: every file is replaced in one step.")


WRITE_ERRNOS = frozenset({1, 13, 28, 30, 122})
"""EPERM, EACCES, ENOSPC, EROFS, EDQUOT: an ``OSError`` with one of these is a
:class:`NotWritable`."""


class UsageError(D2lbookError):
    """A command was asked for something it cannot do as asked (``d2lbook new`` into a folder
    that is not empty); the message says what to do instead."""
