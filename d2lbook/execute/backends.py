"""Where notebooks execute: one small interface, three backends, one factory.

A backend takes :class:`Task` s (``submit``), yields a :class:`Result` for each as it finishes
(``results``) and says where each ran (``Result.where``: ``local``, a worker address, or
``not executed``). It never touches the execution cache: the caller writes every result into
its own cache, so remote workers need no shared disk.

- :class:`LocalPool` (default): a process pool on this machine; GPU pages take GPU slots.
- ``DaskBackend`` (``d2lbook.execute.dask_backend``): a Dask distributed cluster.
- :class:`CacheOnly` (``--no-execute``): runs nothing; every miss comes back without outputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from d2lbook.execute.environment import KERNEL_CONFIG


@dataclass(frozen=True)
class Task:
    """One distinct notebook to execute (identical code is one task)."""

    key: str
    """Cache key: results are reported under it."""
    page: str
    notebook: dict[str, Any]
    kernel: str
    """The Jupyter kernel of this task (tasks of one build may use different kernels)."""
    timeout: int
    cwd: Path
    """The page's folder: the kernel's working directory (shipped to remote workers)."""
    gpus: int = 0
    """GPUs the page declares (``d2lbook: {gpus: N}`` in its front matter)."""
    data: tuple[str, ...] = ()
    """Declared data files (paths or globs relative to ``cwd``) a remote worker needs."""
    expected: float | None = None
    """Seconds the last run of this page took (None: never ran); for ordering."""


@dataclass(frozen=True)
class Result:
    key: str
    where: str
    """``local``, a worker address (``tcp://10.0.0.5:40123``) or ``not executed``."""
    outputs: list[list[dict[str, Any]]] | None = None
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
    def from_worker(cls, key: str, data: dict[str, Any]) -> Result:
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


# --------------------------------------------------------------------------------------------
# the factory


@dataclass(frozen=True)
class BackendOptions:
    execute: bool = True
    """False: ``--no-execute`` (cache-only)."""
    scheduler: str = ""
    """Dask scheduler address (``tcp://host:8786``); empty: the local pool."""
    jobs: int = 1
    """Local pool size."""
    gpus: int = -1
    """GPUs of this machine for the local pool; -1: count them (``CUDA_VISIBLE_DEVICES``,
    else ``nvidia-smi -L``)."""
    work_dir: Path = Path("/tmp")
    """Scratch space of the local pool (IPython profile of its kernels)."""
    connect_timeout: float = 30.0
    """Seconds to wait for the Dask scheduler and its first worker."""


def make_backend(options: BackendOptions) -> Backend:
    """The one place that decides where notebooks execute."""
    if not options.execute:
        return CacheOnly()
    if options.scheduler:
        from d2lbook.execute.dask_backend import DaskBackend

        return DaskBackend(options.scheduler, options.connect_timeout)
    gpus = options.gpus if options.gpus >= 0 else local_gpus()
    return LocalPool(options.jobs, gpus, options.work_dir)


def local_gpus() -> int:
    """GPUs visible on this machine: ``CUDA_VISIBLE_DEVICES`` if set, else ``nvidia-smi -L``."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip() and d.strip() != "-1"])
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))


# --------------------------------------------------------------------------------------------
# cache-only


class CacheOnly:
    """``--no-execute``: nothing runs; every task comes back without outputs."""

    name = "no-execute"

    def __init__(self) -> None:
        self._tasks: list[Task] = []

    def capacity(self) -> Capacity:
        return Capacity(gpus=1 << 30, where="--no-execute")

    def submit(self, task: Task) -> None:
        self._tasks.append(task)

    def results(self) -> Iterator[Result]:
        while self._tasks:
            yield Result(self._tasks.pop(0).key, "not executed")

    def cancel(self) -> None:
        self._tasks.clear()

    def close(self) -> None:
        self._tasks.clear()


# --------------------------------------------------------------------------------------------
# local pool


class LocalPool:
    """A pool of processes on this machine, each driving one kernel at a time.

    A task that declares GPUs waits until that many GPU slots are free and sees only those
    devices (``CUDA_VISIBLE_DEVICES``); tasks that fit start in submission order.
    """

    name = "local"

    def __init__(self, jobs: int, gpus: int, work_dir: Path):
        self.jobs = max(1, jobs)
        self.gpus = gpus
        self.work_dir = work_dir
        self._pending: list[Task] = []
        self._running: dict[Future, tuple[Task, list[int]]] = {}
        self._free_gpus = list(range(gpus))
        self._pool: ProcessPoolExecutor | None = None

    def capacity(self) -> Capacity:
        return Capacity(self.gpus, f"this machine ({self.gpus} GPU(s); set execution.gpus "
                        "or run on a Dask cluster with --scheduler)")

    def submit(self, task: Task) -> None:
        self._pending.append(task)

    def _start(self) -> None:
        ipython_dir = self.work_dir / "ipython"
        profile = ipython_dir / "profile_default"
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
        workers = max(1, min(self.jobs, len(self._pending)))
        self._threads = str(max(1, (os.cpu_count() or 1) // workers))
        self._ipython_dir = str(ipython_dir)
        self._workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers)

    def _dispatch(self) -> None:
        from d2lbook.execute.worker import run_local

        assert self._pool is not None
        i = 0
        while i < len(self._pending) and len(self._running) < self._workers:
            task = self._pending[i]
            if task.gpus > len(self._free_gpus):
                i += 1  # waits for GPU slots; smaller tasks behind it may start
                continue
            self._pending.pop(i)
            devices, self._free_gpus = self._free_gpus[:task.gpus], self._free_gpus[task.gpus:]
            future = self._pool.submit(run_local, task.notebook, str(task.cwd), task.kernel,
                                       task.timeout, self._ipython_dir, self._threads,
                                       ",".join(map(str, devices)) if task.gpus else None)
            self._running[future] = (task, devices)

    def results(self) -> Iterator[Result]:
        if not self._pending:
            return
        if self._pool is None:
            self._start()
        while self._pending or self._running:
            self._dispatch()
            if not self._running:  # only tasks needing more GPUs than exist: refused earlier
                for task in self._pending:
                    yield Result(task.key, "local", error=f"needs {task.gpus} GPU(s); this "
                                 f"machine has {self.gpus}")
                self._pending.clear()
                return
            finished, _ = wait(self._running, return_when=FIRST_COMPLETED)
            for future in finished:
                task, devices = self._running.pop(future)
                self._free_gpus = sorted(self._free_gpus + devices)
                try:
                    data = future.result()
                except Exception as err:  # noqa: BLE001 - a pool process died
                    data = {"where": "local", "error": f"the pool process died: {err}",
                            "cell": 0, "source": ""}
                yield Result.from_worker(task.key, data)

    def cancel(self) -> None:
        self._pending.clear()
        for future in self._running:
            future.cancel()

    def close(self) -> None:
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
