"""Execution on a Dask distributed cluster (``--scheduler tcp://HOST:8786``).

The client (the machine running ``d2lbook build``) ships each task — the notebook, the files
of the page's folder or its declared data files, the kernel settings — and the function that
runs it (``d2lbook.execute.worker``, pickled by value), so workers need only ``distributed``
and the kernels' environments. Results come back to the client, which writes its own cache.

A page's GPUs become Dask resources (``resources={"GPU": n}``): it runs only on a worker
started with ``--resources "GPU=n"`` or more. When a worker dies mid-task, the scheduler runs
the task again on another worker (up to ``distributed.scheduler.allowed-failures`` times).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from d2lbook.errors import SchedulingError
from d2lbook.execute.environment import KERNEL_CONFIG, fingerprint, kernel_packages
from d2lbook.execute.protocol import Capacity, Result, Task
from d2lbook.execute.scratch import page_files
from d2lbook.jsondata import JSONDict

if TYPE_CHECKING:
    from distributed import Future

SHIP_LIMIT = 64 * 2**20
"""Bytes of files one task may ship; a page reading more declares its ``data`` files."""


class DaskBackend:
    name = "dask"

    def __init__(self, address: str, timeout: float = 30.0):
        from distributed import Client

        self.address = address
        self.timeout = timeout
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise SchedulingError(
                f"cannot reach the Dask scheduler at {address} within {timeout:.0f} s ({err}); "
                "start one with `dask scheduler` (see docs/execution.md) or drop --scheduler "
                "to execute on this machine") from None
        # The client logs a traceback for every failed attempt to reach a lost scheduler;
        # the build reports the loss once, as a SchedulingError.
        self._quiet = _Quiet("distributed.client", "distributed.core", "distributed.comm")
        self._futures: dict[Future[JSONDict], Task] = {}
        self._refused: list[Result] = []
        self._order = 0

    def capacity(self) -> Capacity:
        try:
            self.client.wait_for_workers(1, timeout=self.timeout)
        except TimeoutError:
            raise SchedulingError(
                f"the Dask scheduler at {self.address} has no workers after {self.timeout:.0f} "
                "s; start some with `dask worker " + self.address + "`") from None
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        gpus = max((int(w.get("resources", {}).get("GPU", 0)) for w in workers.values()),
                   default=0)
        return Capacity(gpus, f"the {len(workers)} worker(s) of {self.address} (the largest "
                        f"offers GPU={gpus}; start workers with --resources \"GPU=N\")")

    def submit(self, task: Task) -> None:
        try:
            files, cwd = shipped_files(task)
        except ValueError as err:  # reported like a failing notebook; the others go on
            self._refused.append(Result(task.key, "client", error=str(err)))
            return
        payload = {"notebook": task.notebook, "kernel": task.kernel, "timeout": task.timeout,
                   "kernel_config": KERNEL_CONFIG, "files": files, "cwd": cwd,
                   "library": library_files(task.pythonpath),
                   "environment": fingerprint(task.kernel)}
        self._order += 1
        # Higher priority starts first: tasks run in the order they were submitted.
        future = self.client.submit(_RUN_SHIPPED, payload, key=f"d2lbook-{task.key}",
                                    resources={"GPU": task.gpus} if task.gpus else None,
                                    priority=-self._order, pure=False)
        self._futures[future] = task

    def results(self) -> Iterator[Result]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        while self._refused:
            yield self._refused.pop(0)
        with self.client.as_current():
            finished = as_completed(list(self._futures))
        for future in finished:
            task = self._futures.pop(future)
            data: JSONDict
            try:
                data = future.result()
            except KilledWorker as err:
                data = {"where": self.address, "cell": 0, "source": "",
                        "error": f"workers kept dying while running it ({err}); the page may "
                        "exhaust a worker's memory"}
            except Exception as err:  # noqa: BLE001 - reported like a failing notebook
                if self.scheduler_lost(err):
                    pending = 1 + len(self._futures)
                    self._futures.clear()
                    raise SchedulingError(
                        f"lost the Dask scheduler at {self.address} during the build "
                        f"({pending} notebook(s) not executed; nothing is wrong with their "
                        "cells). The notebooks that finished before were cached. Restart the "
                        "scheduler and its workers (docs/execution.md) and build again, or "
                        "drop --scheduler to execute on this machine.") from None
                data = {"where": self.address, "cell": 0, "source": "",
                        "error": f"{type(err).__name__}: {err}"}
            if "packages" in data:
                raise other_environment(data["where"], task.kernel, data["packages"])
            yield Result.from_worker(task.key, data)

    def scheduler_lost(self, err: BaseException) -> bool:
        """Whether ``err`` (a task's) means the scheduler is gone, not that the task failed."""
        from distributed.client import FutureCancelledError

        if isinstance(err, FutureCancelledError) and "connection-lost" in err.reason:
            return True
        return self.client.status not in ("running", "connecting", "newly-created")

    def cancel(self) -> None:
        self._refused.clear()
        if self._futures:
            self.client.cancel(list(self._futures))
            self._futures.clear()

    def close(self) -> None:
        try:
            self.cancel()
            self.client.close(timeout=self.timeout)
        except (OSError, TimeoutError):
            pass  # the scheduler is gone: nothing to release there
        finally:
            self._quiet.restore()


class _Quiet:
    """Loggers silenced below CRITICAL until ``restore``."""

    def __init__(self, *names: str):
        import logging

        self._levels = {name: logging.getLogger(name).level for name in names}
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL)

    def restore(self) -> None:
        import logging

        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        self._levels = {}


def library_files(folder: str) -> dict[str, bytes]:
    """The ``.py`` files under ``folder`` (the generated ``#@save`` library), to ship."""
    if not folder:
        return {}
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


class ByValue:
    """A function that travels by value: a worker rebuilds it from its bytes with cloudpickle
    instead of importing its module. (Dask pickles a task graph with the standard pickle
    first, which would send ``d2lbook.execute.worker.run_shipped`` by name; the scheduler and
    the workers would then need d2lbook installed.)"""

    def __init__(self, module_name: str, name: str):
        self.module_name = module_name
        self.name = name
        self._blob: bytes | None = None

    def _function(self) -> Callable[[JSONDict], JSONDict]:
        import importlib

        function: Callable[[JSONDict], JSONDict] = getattr(
            importlib.import_module(self.module_name), self.name)
        return function

    def __call__(self, *args: JSONDict) -> JSONDict:
        return self._function()(*args)

    def __reduce__(self) -> tuple[Callable[[bytes], object], tuple[bytes]]:
        import importlib

        import cloudpickle

        if self._blob is None:
            module = importlib.import_module(self.module_name)
            cloudpickle.register_pickle_by_value(module)
            try:
                self._blob = cloudpickle.dumps(self._function())
            finally:
                cloudpickle.unregister_pickle_by_value(module)
        return cloudpickle.loads, (self._blob,)


_RUN_SHIPPED = ByValue("d2lbook.execute.worker", "run_shipped")


def other_environment(where: str, kernel: str, packages: list[str]) -> SchedulingError:
    """A worker whose kernel has other packages than this machine's: its outputs would be
    cached under this machine's environment, so the build stops."""
    here = list(kernel_packages(kernel))
    theirs = set(packages)
    ours = set(here)
    differences = [f"here {p}" for p in here if p not in theirs] + \
        [f"on the worker {p}" for p in packages if p not in ours]
    shown = "; ".join(differences[:8]) + (f"; and {len(differences) - 8} more"
                                          if len(differences) > 8 else "")
    return SchedulingError(
        f"the kernel {kernel!r} on the Dask worker {where} has another environment than on "
        f"this machine ({shown}). Install the same versions on the workers (outputs are "
        "cached under this machine's environment); nothing from that worker was cached.")


def shipped_files(task: Task) -> tuple[dict[str, bytes], str]:
    """The files a worker needs for ``task`` (``execute.scratch.page_files``, read), relative
    to a common root, and the page's folder relative to that root. Raises ``ValueError`` when
    a declared entry matches nothing or the files exceed ``SHIP_LIMIT``."""
    paths, cwd = page_files(task)
    total = sum(p.stat().st_size for p in paths.values())
    if total > SHIP_LIMIT:
        raise ValueError(f"{total / 2**20:.0f} MiB of files in {task.cwd} would be shipped to "
                         "the worker; declare the files the page reads (`d2lbook: {data: "
                         "[...]}` in its front matter)")
    return {rel: p.read_bytes() for rel, p in paths.items()}, cwd
