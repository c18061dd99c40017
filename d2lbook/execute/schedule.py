"""Running the cache misses of a build on a backend: what each page needs, in which order,
whether anything can run it at all, and what happens when notebooks fail.

- Needs come from the page's front matter, never from its code::

      ---
      d2lbook:
        gpus: 2                 # GPUs the page's kernel needs (Dask resource ``GPU``)
        data: [../data/*.csv]   # files a remote worker needs besides the page's folder
      ---

- Order: longest first, by the seconds the cache recorded for the page's last run; pages that
  never ran go first (they may be long, and nothing is known).
- A page asking for more GPUs than the largest worker (or this machine) offers is refused with
  its ``file:line`` before anything runs.
- Keep going: every success is cached as it arrives; the failures are raised together at the
  end (:class:`~d2lbook.errors.ExecutionFailures`). ``fail_fast`` stops at the first one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from d2lbook.config import Execution
from d2lbook.errors import ExecutionError, ExecutionFailures, Problem, SchedulingError
from d2lbook.execute.cache import ExecutionCache, Record
from d2lbook.execute.jobs import ExecutionEvent, Job
from d2lbook.execute.protocol import Backend, Result, Task
from d2lbook.jsondata import JSONDict

METADATA_KEY = "d2lbook"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Needs:
    gpus: int = 0
    data: tuple[str, ...] = ()


def page_needs(job: Job) -> Needs:
    """What the page's front matter declares under ``d2lbook:``; a malformed value is an
    error naming the front-matter line."""
    meta = job.notebook.get("metadata", {}).get(METADATA_KEY) or {}
    if not isinstance(meta, dict):
        return Needs()
    gpus = meta.get("gpus", 0)
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
        raise SchedulingError("invalid page metadata", [Problem(
            job.source, front_matter_line(job.source, "gpus"),
            f"d2lbook.gpus must be a whole number of GPUs (0, 1, 2, ...), not {gpus!r}")])
    data = meta.get("data", [])
    if isinstance(data, str):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, str) for d in data):
        raise SchedulingError("invalid page metadata", [Problem(
            job.source, front_matter_line(job.source, "data"),
            "d2lbook.data must be a list of paths or globs relative to the page's folder")])
    return Needs(gpus, tuple(data))


def front_matter_line(source: Path, key: str) -> int:
    """The 1-based line of ``key:`` in the page's YAML front matter (0 if not found)."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    if not lines or lines[0].strip() != "---":
        return 0
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        if pattern.match(line):
            return number
    return 0


def past_durations(cache: ExecutionCache) -> dict[str, float]:
    """Seconds of the most recent recorded run of each page (any version of its code)."""
    latest: dict[str, tuple[float, float]] = {}
    for entry in cache.entries():
        if entry.created >= latest.get(entry.page, (-1.0, 0.0))[0]:
            latest[entry.page] = (entry.created, entry.seconds)
    return {page: seconds for page, (_, seconds) in latest.items()}


def longest_first(tasks: list[Task]) -> list[Task]:
    """Never-run pages first (in their given order), then by recorded seconds, longest first."""
    return sorted(tasks, key=lambda t: (t.expected is not None, -(t.expected or 0.0)))


def plan(todo: dict[str, Job], settings: Execution, durations: dict[str, float]) -> list[Task]:
    tasks = []
    for key, job in todo.items():
        needs = page_needs(job)
        tasks.append(Task(key, str(job.page), job.notebook, job.kernel or settings.kernel,
                          settings.timeout, job.cwd, needs.gpus, needs.data,
                          durations.get(str(job.page)), job.pythonpath))
    return longest_first(tasks)


def check_capacity(tasks: list[Task], todo: dict[str, Job], backend: Backend) -> None:
    """Refuse, before anything runs, every page that asks for more than anything offers.
    (Asking a Dask backend also waits for its first worker, or fails saying there is none.)"""
    capacity = backend.capacity()
    problems = [Problem(todo[t.key].source, front_matter_line(todo[t.key].source, "gpus"),
                        f"the page asks for {t.gpus} GPU(s) (d2lbook.gpus in its front "
                        f"matter); at most {capacity.gpus} available")
                for t in tasks if t.gpus > capacity.gpus]
    if problems:
        raise SchedulingError(f"{len(problems)} page(s) need more GPUs than "
                              f"{capacity.where} offer(s); nothing was executed", problems)


@dataclass
class Ran:
    records: dict[str, Record]
    """Executed and cached, by key."""
    skipped: set[str]
    """Keys not executed (``--no-execute``): their pages show code without outputs."""


def run_misses(todo: dict[str, Job], cache: ExecutionCache, settings: Execution,
               make_backend: Callable[[], Backend],
               progress: Callable[[ExecutionEvent], None] = lambda e: None,
               fail_fast: bool = False) -> Ran:
    """Execute ``todo`` (distinct cache misses by key) on a backend made for the occasion."""
    tasks = plan(todo, settings, past_durations(cache) if len(todo) > 1 else {})
    backend = make_backend()
    records: dict[str, Record] = {}
    skipped: set[str] = set()
    failures: list[ExecutionError] = []
    try:
        check_capacity(tasks, todo, backend)
        for task in tasks:
            if backend.name != "no-execute":
                progress(ExecutionEvent("queued", todo[task.key].page))
            backend.submit(task)
        for result in backend.results():
            job = todo[result.key]
            if result.error is not None:
                progress(ExecutionEvent("failed", job.page, where=result.where))
                error = execution_error(job, result)
                if fail_fast:
                    backend.cancel()
                    raise error
                failures.append(error)
            elif not result.executed:
                skipped.add(result.key)
                progress(ExecutionEvent("skipped", job.page, where=result.where))
            else:
                record = Record(key=result.key, page=str(job.page),
                                outputs=result.outputs or [], execution_counts=result.counts,
                                seconds=result.seconds, created=time.time())
                cache.put(record)
                records[result.key] = record
                progress(ExecutionEvent("done", job.page, result.seconds, where=result.where))
    finally:
        backend.close()
    if failures:
        raise ExecutionFailures(failures)
    return Ran(records, skipped)


def execution_error(job: Job, result: Result | JSONDict) -> ExecutionError:
    """The located error of a failed notebook: page file:line of the cell, cell, error."""
    if isinstance(result, dict):
        result = Result.from_worker("", result)
    index = result.cell
    line = job.cell_lines[index] if index < len(job.cell_lines) else 0
    where = f"{job.source}:{line}" if line else str(job.source)
    detail = _ANSI.sub("", result.error or "").strip()
    if result.where not in ("local", "", "?"):
        detail += f"\n(ran on {result.where})"
    return ExecutionError(where, index + 1, result.source, detail)
