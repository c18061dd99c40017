"""Execute notebooks in parallel kernels, reusing cached results.

``execute_notebooks`` takes notebooks (nbformat dicts), looks each one up in the cache by its
key, executes the distinct misses in a pool of worker processes (each drives one ipykernel with
nbclient) and returns every notebook with its outputs filled in. Identical code executes once,
whichever page or language it belongs to.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d2lbook.config import Execution
from d2lbook.errors import ExecutionError
from d2lbook.execute.cache import ExecutionCache, Record, cache_key
from d2lbook.execute.environment import KERNEL_CONFIG, fingerprint
from d2lbook.source import PageKey

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Job:
    """One notebook to execute."""

    page: PageKey
    """The edition's page, for messages and the cache listing."""
    source: Path
    """The file a user edits (named in error messages)."""
    notebook: dict[str, Any]
    cwd: Path
    """Working directory of the kernel (the page's folder)."""
    cell_lines: list[int] = field(default_factory=list)
    """Source line of each code cell, for error messages."""
    kernel: str = ""
    """The kernel to run it in (its framework's); empty: ``Settings.kernel``."""
    depends: str = ""
    """What else the outputs depend on, added to the cache key (the hash of the ``#@save``
    library when the notebook imports it)."""
    pythonpath: str = ""
    """Prepended to the kernel's ``PYTHONPATH`` (the generated library's folder)."""


@dataclass(frozen=True)
class ExecutionEvent:
    """What happened to a page's notebook: ``cached`` (found in the cache), ``queued``
    (waiting for a kernel), ``done`` (executed)."""

    kind: str
    page: PageKey
    seconds: float = 0.0


@dataclass
class Outcome:
    page: PageKey
    key: str
    executed: bool
    seconds: float
    notebook: dict[str, Any]
    has_code: bool = True


@dataclass
class Summary:
    outcomes: list[Outcome]

    @property
    def executed(self) -> int:
        """Kernel runs: distinct notebooks that were not in the cache."""
        return len({o.key for o in self.outcomes if o.executed})


def code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def with_outputs(nb: dict[str, Any], record: Record) -> dict[str, Any]:
    """A copy of ``nb`` with the record's outputs in its code cells."""
    out = copy.deepcopy(nb)
    cells = code_cells(out)
    for cell, outputs, count in zip(cells, record.outputs, record.execution_counts, strict=True):
        cell["outputs"] = copy.deepcopy(outputs)
        cell["execution_count"] = count
    return out


def execute_notebooks(jobs: list[Job], cache: ExecutionCache, settings: Execution,
                      work_dir: Path,
                      progress: Callable[[ExecutionEvent], None] = lambda e: None) -> Summary:
    """Every job's notebook with its outputs: from the cache, or run with ``settings`` (kernel,
    timeout, parallel kernels: ``jobs``, 0 = one per core); ``work_dir`` is scratch space
    (the kernels' IPython profile). A job may name its own kernel (its framework's)."""
    keys = [cache_key(job.notebook["cells"], job.kernel or settings.kernel,
                      fingerprint(job.kernel or settings.kernel) + job.depends) for job in jobs]
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
    executed_keys = set(todo)
    for job, key in zip(jobs, keys, strict=True):
        if key in records and code_cells(job.notebook):
            progress(ExecutionEvent("cached", job.page))
    if todo:
        records.update(_run_pool(todo, cache, settings, work_dir, progress))
    outcomes = []
    seen: set[str] = set()
    for job, key in zip(jobs, keys, strict=True):
        first_run = key in executed_keys and key not in seen
        seen.add(key)
        record = records[key]
        outcomes.append(Outcome(job.page, key, first_run, record.seconds if first_run else 0.0,
                                with_outputs(job.notebook, record),
                                bool(code_cells(job.notebook))))
    return Summary(outcomes)


def _run_pool(todo: dict[str, Job], cache: ExecutionCache, settings: Execution,
              work_dir: Path, progress: Callable[[ExecutionEvent], None]
              ) -> dict[str, Record]:
    ipython_dir = work_dir / "ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
    workers = max(1, min(settings.jobs or os.cpu_count() or 1, len(todo)))
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    done: dict[str, Record] = {}
    from d2lbook.procs import die_with_parent

    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent) as pool:
        pending: dict[Future, tuple[str, Job]] = {}
        for key, job in todo.items():
            progress(ExecutionEvent("queued", job.page))
            future = pool.submit(_execute_one, job.notebook, str(job.cwd),
                                 job.kernel or settings.kernel, settings.timeout,
                                 str(ipython_dir), threads, job.pythonpath)
            pending[future] = (key, job)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                key, job = pending.pop(future)
                result = future.result()
                if "error" in result:
                    for other in pending:
                        other.cancel()
                    raise _execution_error(job, result)
                record = Record(key=key, page=str(job.page), outputs=result["outputs"],
                                execution_counts=result["counts"], seconds=result["seconds"],
                                created=time.time())
                cache.put(record)
                done[key] = record
                progress(ExecutionEvent("done", job.page, result["seconds"]))
    return done


def _execution_error(job: Job, result: dict[str, Any]) -> ExecutionError:
    index = result["cell"]
    line = job.cell_lines[index] if index < len(job.cell_lines) else 0
    where = f"{job.source}:{line}" if line else str(job.source)
    return ExecutionError(where, index + 1, result.get("source", ""),
                          _ANSI.sub("", result["error"]).strip())


def _execute_one(nb_dict: dict[str, Any], cwd: str, kernel: str, timeout: int,
                 ipython_dir: str, threads: str, pythonpath: str = "") -> dict[str, Any]:
    """Worker: run one notebook; returns outputs or a picklable error description."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    os.environ["IPYTHONDIR"] = ipython_dir
    os.environ["OMP_NUM_THREADS"] = threads
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # Workers are reused: set (or clear) the library's folder for this notebook's kernel.
    base = os.environ.setdefault("D2LBOOK_BASE_PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    paths = [p for p in (pythonpath, base) if p]
    if paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        os.environ.pop("PYTHONPATH", None)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.from_dict(copy.deepcopy(nb_dict))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": cwd}}, allow_errors=False)
    started = time.perf_counter()
    current = {"index": 0}
    cells = [c for c in nb.cells if c.cell_type == "code"]

    def on_cell_start(cell: Any, cell_index: int) -> None:
        current["index"] = next((i for i, c in enumerate(cells) if c is cell), 0)

    client.on_cell_start = on_cell_start
    # The kernel's own stderr (start-up chatter) goes to a log, shown only if the kernel dies.
    log = tempfile.NamedTemporaryFile("w+", prefix="d2lbook-kernel-", suffix=".log",
                                      delete=False)
    try:
        client.execute(stderr=log)
    except CellTimeoutError as err:
        return _failure(cells, current["index"],
                        f"timed out after {timeout} s (execution.timeout in pyproject.toml)\n"
                        f"{err}")
    except CellExecutionError as err:
        return _failure(cells, current["index"], str(err))
    except DeadKernelError as err:
        log.seek(0)
        tail = "\n".join(log.read().splitlines()[-20:])
        return _failure(cells, current["index"], f"the kernel died: {err}\n{tail}")
    except Exception as err:  # noqa: BLE001 - e.g. no such kernel: report, don't hang the pool
        return _failure(cells, current["index"], f"{type(err).__name__}: {err}")
    finally:
        log.close()
        os.unlink(log.name)
    return {"outputs": [c.get("outputs", []) for c in cells],
            "counts": [c.get("execution_count") for c in cells],
            "seconds": round(time.perf_counter() - started, 3)}


def _failure(cells: list[Any], index: int, error: str) -> dict[str, Any]:
    source = cells[index].source if index < len(cells) else ""
    return {"error": error, "cell": index, "source": source}
