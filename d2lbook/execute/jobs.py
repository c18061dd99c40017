"""What the build asks to execute (:class:`Job`) and what it hears back while it runs
(:class:`ExecutionEvent`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.jsondata import Notebook
from d2lbook.source import PageKey


@dataclass(frozen=True)
class Job:
    """One notebook to execute."""

    page: PageKey
    """(language, page, framework), for messages and the cache listing."""
    source: Path
    """The file a user edits (named in error messages)."""
    notebook: Notebook
    cwd: Path
    """The page's folder: the kernel runs in a scratch copy of it (``execute.scratch``)."""
    cell_lines: list[int] = field(default_factory=list)
    """Source line of each code cell, for error messages."""
    kernel: str = ""
    """The kernel to run it in (its framework's); empty: ``Execution.kernel``."""
    depends: str = ""
    """What else the outputs depend on, added to the cache key (the hash of the ``#@save``
    library when the notebook imports it)."""
    pythonpath: str = ""
    """Prepended to the kernel's ``PYTHONPATH`` (the generated library's folder; shipped to
    remote workers)."""


@dataclass(frozen=True)
class ExecutionEvent:
    """What happened to a page's notebook: ``cached`` (found in the cache), ``queued``
    (waiting for a kernel), ``done`` (executed), ``failed``, ``skipped`` (not executed:
    ``--no-execute``)."""

    kind: str
    page: PageKey
    seconds: float = 0.0
    where: str = ""
    """Where it ran: ``local`` or a Dask worker's address."""
