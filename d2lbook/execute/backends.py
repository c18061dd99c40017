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
from dataclasses import dataclass
from pathlib import Path

from d2lbook.execute.environment import KERNEL_CONFIG
from d2lbook.execute.protocol import Backend, Capacity, Result, Task
from d2lbook.jsondata import JSONDict

__all__ = ["Backend", "BackendOptions", "CacheOnly", "Capacity", "LocalPool", "Result", "Task",
           "local_gpus", "make_backend"]


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
        self._running: dict[Future[JSONDict], tuple[Task, list[int]]] = {}
        self._free_gpus = list(range(gpus))
        self._pool: ProcessPoolExecutor | None = None
        self._refused: list[Result] = []
        self._files: dict[str, tuple[dict[str, str], str]] = {}

    def capacity(self) -> Capacity:
        return Capacity(self.gpus, f"this machine ({self.gpus} GPU(s); set execution.gpus "
                        "or run on a Dask cluster with --scheduler)")

    def submit(self, task: Task) -> None:
        from d2lbook.execute.scratch import page_files

        try:
            files, cwd = page_files(task)
        except ValueError as err:  # reported like a failing notebook; the others go on
            self._refused.append(Result(task.key, "local", error=str(err)))
            return
        self._files[task.key] = ({rel: str(p) for rel, p in files.items()}, cwd)
        self._pending.append(task)

    def _start(self) -> None:
        # Kernels run in scratch copies of their pages' folders (execute.scratch); a killed
        # build may have left some.
        self._scratch = self.work_dir / "run"
        shutil.rmtree(self._scratch, ignore_errors=True)
        ipython_dir = self.work_dir / "ipython"
        profile = ipython_dir / "profile_default"
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG, encoding="utf-8")
        workers = max(1, min(self.jobs, len(self._pending)))
        self._threads = str(max(1, (os.cpu_count() or 1) // workers))
        self._ipython_dir = str(ipython_dir)
        self._workers = workers
        from d2lbook.procs import die_with_parent

        self._pool = ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent)

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
            files, cwd = self._files.pop(task.key)
            future = self._pool.submit(run_local, task.notebook, files, cwd, task.kernel,
                                       task.timeout, self._ipython_dir, self._threads,
                                       ",".join(map(str, devices)) if task.gpus else None,
                                       task.pythonpath, str(self._scratch))
            self._running[future] = (task, devices)

    def results(self) -> Iterator[Result]:
        while self._refused:
            yield self._refused.pop(0)
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
        self._refused.clear()
        for future in self._running:
            future.cancel()

    def close(self) -> None:
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
