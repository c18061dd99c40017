"""What runs where a notebook executes: in a local pool process or on a Dask worker.

This module is self-contained on purpose: it imports only the standard library at the top
and nbclient inside functions, and it never imports the rest of d2lbook. The Dask backend
ships it to the workers by value (cloudpickle), so a worker needs the kernels' environments
and ``distributed``, not a checkout of the book or d2lbook. Arguments and results are plain
data (dicts, lists, strings, bytes); nothing here writes the execution cache.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from d2lbook.jsondata import JSONDict, Notebook


def run_notebook(nb_dict: Notebook, cwd: str, kernel: str, timeout: int,
                 ipython_dir: str, threads: str, env: dict[str, str] | None = None
                 ) -> JSONDict:
    """Run one notebook in a fresh kernel whose working directory is ``cwd``.

    Returns ``{"outputs", "counts", "seconds"}`` or, when a cell fails, a picklable
    ``{"error", "cell", "source"}`` (the index is that of the code cell, 0-based).
    """
    result = _run_once(nb_dict, cwd, kernel, timeout, ipython_dir, threads, env)
    if _STARTUP_FAILURE in result.get("error", ""):  # the kernel never started: once more
        result = _run_once(nb_dict, cwd, kernel, timeout, ipython_dir, threads, env)
    return result


_STARTUP_FAILURE = "Kernel died before replying to kernel_info"


def _run_once(nb_dict: Notebook, cwd: str, kernel: str, timeout: int,
              ipython_dir: str, threads: str, env: dict[str, str] | None) -> JSONDict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    kernel_env = dict(os.environ if env is None else env)
    kernel_env["IPYTHONDIR"] = ipython_dir
    kernel_env["OMP_NUM_THREADS"] = threads
    kernel_env.setdefault("PYTHONHASHSEED", "0")
    kernel_env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.from_dict(copy.deepcopy(nb_dict))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": cwd}}, allow_errors=False)
    started = time.perf_counter()
    current = {"index": 0}
    cells = [c for c in nb.cells if c.cell_type == "code"]

    def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
        current["index"] = next((i for i, c in enumerate(cells) if c is cell), 0)

    client.on_cell_start = on_cell_start
    # The kernel's own stderr (start-up chatter) goes to a log, shown only if the kernel dies.
    log = tempfile.NamedTemporaryFile("w+", prefix="d2lbook-kernel-", suffix=".log",
                                      delete=False)
    try:
        client.execute(stderr=log, env=kernel_env)
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


def _failure(cells: list[NotebookNode], index: int, error: str) -> JSONDict:
    source = cells[index].source if index < len(cells) else ""
    return {"error": error, "cell": index, "source": source}


def _with_path(env: dict[str, str], folder: str) -> dict[str, str]:
    """``env`` with ``folder`` first on ``PYTHONPATH`` (the ``#@save`` library)."""
    if folder:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (folder, env.get("PYTHONPATH", "")) if p)
    return env


def run_local(nb_dict: Notebook, files: dict[str, str], cwd: str, kernel: str,
              timeout: int, ipython_dir: str, threads: str, devices: str | None = None,
              pythonpath: str = "", scratch_root: str | None = None) -> JSONDict:
    """A local pool process: the kernel runs in a scratch copy of the page's folder (a new
    folder under ``scratch_root``, removed afterwards) holding ``files`` (``{relative posix
    path: the file to copy}``; ``cwd``: the page's folder relative to them); ``devices`` (GPU
    indices, ``"0,1"``) become its ``CUDA_VISIBLE_DEVICES`` when the page declares GPUs;
    ``pythonpath`` goes first on its ``PYTHONPATH``."""
    env = _with_path(dict(os.environ), pythonpath)
    if devices is not None:
        env["CUDA_VISIBLE_DEVICES"] = devices
    if scratch_root:
        Path(scratch_root).mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="d2lbook-job-", dir=scratch_root))
    try:
        # mypy cannot type a lambda that binds its source as a default argument
        folder = _scratch_copy(scratch, cwd, {rel: (lambda target, p=path:  # type: ignore[misc]
                                                    shutil.copyfile(p, target))
                                              for rel, path in files.items()})
        result = run_notebook(nb_dict, str(folder), kernel, timeout, ipython_dir, threads, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["where"] = "local"
    return result


def _scratch_copy(scratch: Path, cwd: str, files: dict[str, Callable[[Path], object]]
                  ) -> Path:
    """Lay ``files`` (relative posix path -> a function writing the file at the path it is
    given) out under ``scratch/book``; returns the page's folder there (``cwd``, relative)."""
    root = scratch / "book"
    folder = root.joinpath(*_inside(cwd or "."))
    folder.mkdir(parents=True)
    for rel, write in files.items():
        target = root.joinpath(*_inside(rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target)
    return folder


LIST_PACKAGES = (
    "import importlib.metadata as m, json, sys; sys.path[:] = [p for p in sys.path if p];"
    "print(json.dumps([sys.version] + sorted({f\"{d.metadata['Name']}=={d.version}\""
    " for d in m.distributions() if d.metadata['Name']})))"
)


THIS_PYTHON = ("python", f"python{sys.version_info[0]}",
               "python{}.{}".format(*sys.version_info[:2]), "{python}")
"""A kernelspec's ``argv[0]`` that jupyter_client replaces by the interpreter starting it."""

LIST_PATHS = ("\nimport json as _j, sys as _s, os as _o;"
              " print(_j.dumps(_s.path + [_o.path.join(_s.prefix, 'pyvenv.cfg')]))")
"""Appended to ``LIST_PACKAGES``: a second line with the folders whose times tell that the
listing may have changed (``sys.path`` and the environment's ``pyvenv.cfg``)."""


_Listing: TypeAlias = tuple[list[str], list[int], list[str]]
"""A kernel's package listing as a worker keeps it: (``sys.path``, their times, packages)."""


def kernel_packages(kernel: str, known: dict[str, _Listing] | None = None) -> list[str]:
    """This machine's view of a kernel's environment, listed as ``execute.environment`` lists
    it on the client: the kernel's Python version and every installed ``name==version``.
    ``known``: listings kept by a long-lived worker, used again while the folders they came
    from keep their modification times (a package installed meanwhile is seen)."""
    python, spec_env = sys.executable, {}
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(kernel)
        spec_env = dict(spec.env or {})
        if spec.argv and spec.argv[0] not in THIS_PYTHON:
            python = spec.argv[0]
    except Exception:  # noqa: BLE001 - no such kernel: running the notebook reports it
        pass
    slot = json.dumps([python, spec_env])
    kept = (known or {}).get(slot)
    if kept is not None and _times(kept[0]) == kept[1]:
        return kept[2]
    out = subprocess.run([python, "-c", LIST_PACKAGES + LIST_PATHS], capture_output=True,
                         text=True, check=True, env=kernel_environment(spec_env))
    first, second = out.stdout.splitlines()[:2]
    packages: list[str]
    packages, paths = json.loads(first), json.loads(second)
    times = _times(paths)
    if known is not None and max(times, default=0) < time.time_ns() - 1_000_000_000:
        known[slot] = (paths, times, packages)  # not while a folder is still changing
    return packages


def kernel_environment(spec_env: dict[str, str] | None) -> dict[str, str] | None:
    """The environment a kernel starts with: this process's, with what its kernelspec sets
    (``${NAME}`` in a value replaced as jupyter_client does); None when the spec sets
    nothing."""
    if not spec_env:
        return None
    from string import Template

    return {**os.environ, **{k: Template(v).safe_substitute(os.environ)
                             for k, v in spec_env.items()}}


def _times(paths: list[str]) -> list[int]:
    """Modification time of each path (-1: missing)."""
    times = []
    for path in paths:
        try:
            times.append(os.stat(path).st_mtime_ns)
        except OSError:
            times.append(-1)
    return times


def environment_fingerprint(kernel: str, packages: list[str], kernel_config: str) -> str:
    """A short hash of a kernel's packages and settings: ``execute.environment.fingerprint`` on
    the client, the same function here on a Dask worker."""
    blob = json.dumps({"kernel": kernel, "packages": packages, "config": kernel_config},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _inside(rel: str) -> tuple[str, ...]:
    """The parts of a relative posix path, refused if it would leave the scratch folder."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"refusing to write {rel!r} outside the job's folder")
    return tuple(p for p in path.parts if p != ".")


def run_shipped(payload: JSONDict) -> JSONDict:
    """A Dask worker: rebuild the page's folder from the shipped files in a scratch folder,
    run the notebook there, remove the folder, return the outputs and the worker's address.

    ``payload``: ``notebook``, ``kernel``, ``timeout``, ``kernel_config`` (IPython kernel
    settings), ``files`` (``{relative posix path: bytes}``), ``cwd`` (the page's folder,
    relative to the shipped files' root: declared data may sit beside it, ``../data``),
    ``library`` (``{relative posix path: bytes}`` of the ``#@save`` library, put first on the
    kernel's ``PYTHONPATH``) and ``environment`` (the client's fingerprint of the kernel's
    environment). When this worker's kernel has other packages, nothing runs: the result says
    so and lists them (``packages``), since the client would cache the outputs under its own
    environment's key.
    """
    where = "worker"
    threads = str(os.cpu_count() or 1)
    known: dict[str, _Listing] = {}
    try:
        from distributed import get_worker

        worker = get_worker()
        where = worker.address
        known = worker.__dict__.setdefault("_d2lbook_kernel_packages", {})
        threads = str(max(1, (os.cpu_count() or 1) // max(1, worker.state.nthreads)))
    except Exception:  # noqa: BLE001 - run outside a worker (tests): still works
        pass
    kernel = payload["kernel"]
    packages = kernel_packages(kernel, known)
    if payload.get("environment") and environment_fingerprint(
            kernel, packages, payload["kernel_config"]) != payload["environment"]:
        return {"where": where, "error": "other kernel environment", "cell": 0, "source": "",
                "packages": packages}
    scratch = Path(tempfile.mkdtemp(prefix="d2lbook-job-"))
    try:
        cwd = _scratch_copy(scratch, payload.get("cwd", "."),
                            {rel: (lambda target, d=data:  # type: ignore[misc]  # as above
                                   target.write_bytes(d))
                             for rel, data in payload["files"].items()})
        profile = scratch / "ipython" / "profile_default"
        profile.mkdir(parents=True)
        (profile / "ipython_kernel_config.py").write_text(payload["kernel_config"],
                                                          encoding="utf-8")
        library = scratch / "lib"
        for rel, data in payload.get("library", {}).items():
            target = library.joinpath(*_inside(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        env = _with_path(dict(os.environ), str(library) if payload.get("library") else "")
        result = run_notebook(payload["notebook"], str(cwd), payload["kernel"],
                              payload["timeout"], str(scratch / "ipython"), threads, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["where"] = where
    return result
