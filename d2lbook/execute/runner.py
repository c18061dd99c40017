"""Execute notebooks, reusing cached results.

``execute_notebooks`` takes notebooks (nbformat dicts), looks each one up in the cache by its
key, executes the distinct misses on a backend (``execute.backends``: the local process pool by
default, a Dask cluster, or nothing at all under ``--no-execute``; ordering, resources and
failures are ``execute.schedule``'s) and returns every notebook with its outputs filled in.
Identical code executes once, whichever page or language it belongs to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from d2lbook.config import Execution
from d2lbook.execute.cache import ExecutionCache, Record, cache_key
from d2lbook.execute.environment import fingerprint
from d2lbook.execute.jobs import ExecutionEvent, Job
from d2lbook.jsondata import Cell, Notebook
from d2lbook.source import PageKey

if TYPE_CHECKING:
    from d2lbook.execute.protocol import Backend

__all__ = ["ExecutionEvent", "Job", "Outcome", "Summary", "code_cells", "execute_notebooks",
           "with_outputs"]


@dataclass
class Outcome:
    page: PageKey
    key: str
    executed: bool
    seconds: float
    notebook: Notebook
    has_code: bool = True
    skipped: bool = False
    """Not in the cache and not executed (``--no-execute``): shown without outputs."""


@dataclass
class Summary:
    outcomes: list[Outcome]

    @property
    def executed(self) -> int:
        """Kernel runs: distinct notebooks that were not in the cache."""
        return len({o.key for o in self.outcomes if o.executed})

    @property
    def skipped(self) -> int:
        """Pages with code shown without outputs (``--no-execute`` and nothing cached)."""
        return sum(o.skipped for o in self.outcomes)


def code_cells(nb: Notebook) -> list[Cell]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def with_outputs(nb: Notebook, record: Record) -> Notebook:
    """A copy of ``nb`` with the record's outputs in its code cells."""
    out = copy.deepcopy(nb)
    cells = code_cells(out)
    for cell, outputs, count in zip(cells, record.outputs, record.execution_counts, strict=True):
        cell["outputs"] = copy.deepcopy(outputs)
        cell["execution_count"] = count
    return out


def execute_notebooks(jobs: list[Job], cache: ExecutionCache, settings: Execution,
                      work_dir: Path,
                      progress: Callable[[ExecutionEvent], None] = lambda e: None,
                      backend: Callable[[], Backend] | None = None,
                      fail_fast: bool = False,
                      environments: Path | None = None) -> Summary:
    """Fill in every job's outputs from the cache, executing the misses on ``backend()``
    (called only when something misses; default: the local pool of ``settings.jobs``
    kernels, 0 = one per core, with ``work_dir`` as scratch space). A job may name its own
    kernel (its framework's). Failures are raised after every other notebook ran
    (``fail_fast``: at the first). ``environments``: where the kernels' package listings
    are remembered (``execute.environment``)."""
    from d2lbook.execute.schedule import run_misses

    keys = []
    prints: dict[str, str] = {}  # one listing check per kernel and build
    for job in jobs:
        kernel = job.kernel or settings.kernel
        if kernel not in prints:
            prints[kernel] = fingerprint(kernel, environments)
        keys.append(cache_key(job.notebook["cells"], kernel, prints[kernel] + job.depends))
    records: dict[str, Record] = {}
    todo: dict[str, Job] = {}
    for job, key in zip(jobs, keys, strict=True):
        if not code_cells(job.notebook):
            records[key] = Record(key, str(job.page), [], [], 0.0, 0.0)  # nothing to run
            continue
        record = cache.get(key)
        if record is not None:
            records[key] = record
        elif key not in todo:
            todo[key] = job
    for job, key in zip(jobs, keys, strict=True):
        if key in records and code_cells(job.notebook):
            progress(ExecutionEvent("cached", job.page))
    skipped: set[str] = set()
    if todo:
        ran = run_misses(todo, cache, settings, backend or _local(settings, work_dir),
                         progress, fail_fast)
        records.update(ran.records)
        skipped = ran.skipped
    outcomes = []
    seen: set[str] = set()
    for job, key in zip(jobs, keys, strict=True):
        if key in skipped:
            outcomes.append(Outcome(job.page, key, False, 0.0, copy.deepcopy(job.notebook),
                                    True, skipped=True))
            continue
        first_run = key in records and key in todo and key not in seen
        seen.add(key)
        record = records[key]
        outcomes.append(Outcome(job.page, key, first_run, record.seconds if first_run else 0.0,
                                with_outputs(job.notebook, record),
                                bool(code_cells(job.notebook))))
    return Summary(outcomes)


def _local(settings: Execution, work_dir: Path) -> Callable[[], Backend]:
    import os

    from d2lbook.execute.backends import BackendOptions, make_backend

    jobs = settings.jobs or os.cpu_count() or 1
    return lambda: make_backend(BackendOptions(jobs=jobs, work_dir=work_dir))
