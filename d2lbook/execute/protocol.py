"""What a backend is given and gives back: :class:`Task` in, :class:`Result` out, the
:class:`Capacity` it offers, and the :class:`Backend` protocol every backend follows (the local
pool, Dask, cache-only: ``execute.backends``, ``execute.dask_backend``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from d2lbook.jsondata import JSONDict, Notebook, Output


@dataclass(frozen=True)
class Task:
    """One distinct notebook to execute (identical code is one task)."""

    key: str
    """Cache key: results are reported under it."""
    page: str
    notebook: Notebook
    kernel: str
    """The Jupyter kernel of this task (tasks of one build may use different kernels)."""
    timeout: int
    cwd: Path
    """The page's folder: the kernel runs in a scratch copy of it (``execute.scratch``)."""
    gpus: int = 0
    """GPUs the page declares (``d2lbook: {gpus: N}`` in its front matter)."""
    data: tuple[str, ...] = ()
    """Declared data files (paths or globs relative to ``cwd``): what the scratch copy holds."""
    expected: float | None = None
    """Seconds the last run of this page took (None: never ran); for ordering."""
    pythonpath: str = ""
    """A folder prepended to the kernel's ``PYTHONPATH`` (the ``#@save`` library; remote
    workers get its ``.py`` files shipped)."""


@dataclass(frozen=True)
class Result:
    key: str
    where: str
    """``local``, a worker address (``tcp://10.0.0.5:40123``) or ``not executed``."""
    outputs: list[list[Output]] | None = None
    """Per code cell, its outputs; None when the task failed or was not executed."""
    counts: list[int | None] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    """What went wrong (cell error, timeout, dead kernel, lost workers); None on success."""
    cell: int = 0
    """0-based index of the failing code cell."""
    source: str = ""
    """Source of the failing cell."""

    @property
    def executed(self) -> bool:
        return self.outputs is not None

    @classmethod
    def from_worker(cls, key: str, data: JSONDict) -> Result:
        where = data.get("where", "?")
        if "error" in data:
            return cls(key, where, error=data["error"], cell=data.get("cell", 0),
                       source=data.get("source", ""))
        return cls(key, where, outputs=data["outputs"], counts=data["counts"],
                   seconds=data["seconds"])


@dataclass(frozen=True)
class Capacity:
    """The most any single place of execution offers."""

    gpus: int
    where: str
    """For messages: ``this machine (execution.gpus = 0)``, ``the workers of tcp://…``."""


class Backend(Protocol):
    name: str

    def capacity(self) -> Capacity:
        """What the largest worker (or this machine) offers; checked before anything runs."""

    def submit(self, task: Task) -> None:
        """Queue a task; tasks submitted first start first when resources allow."""

    def results(self) -> Iterator[Result]:
        """Yield one result per submitted task, as they finish."""

    def cancel(self) -> None:
        """Drop every task that has not started (``--fail-fast``)."""

    def close(self) -> None:
        """Release processes and connections."""
