"""Fingerprint of the execution environment: what a kernel would compute differently with.

It covers the kernel's Python and every installed distribution with its version (so upgrading
matplotlib re-executes the pages) and d2lbook's kernel settings. It does not cover data files
read by pages: pages of this book use synthetic data or data shipped inside packages.

A kernel is known by its own environment: the interpreter its kernelspec names is started by
that very path (never resolved: the ``python`` of every ``python -m venv`` environment is a
symlink to one base interpreter, and only the path started decides ``sys.prefix``) and asked
for the distributions ``importlib.metadata`` finds on its ``sys.path``, as a Dask worker asks
its own (``execute.worker``). Listing reads every distribution's metadata: a third of a second
per kernel, in a new process. The listing is remembered per interpreter in a memo file
(``_build/cache/environments.json``) together with the modification time of the interpreter,
of every folder on its ``sys.path`` and of its ``pyvenv.cfg``: installing, upgrading or
removing a distribution adds or renames a ``*.dist-info`` folder there, which changes that
folder's time, and the listing is made again (also in a process that stays up, ``serve``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from d2lbook.execute.worker import (
    LIST_PACKAGES,
    LIST_PATHS,
    THIS_PYTHON,
    environment_fingerprint,
    kernel_environment,
)
from d2lbook.jsondata import JSONDict

# Kernel settings applied to every execution (IPython config): crisp PNG figures, which both
# the HTML and the LaTeX output can use.
KERNEL_CONFIG = """\
c.InlineBackend.figure_formats = {"png"}
c.InlineBackend.rc = {"figure.dpi": 110, "savefig.dpi": 220, "figure.figsize": (5.0, 3.4)}
"""

MEMO_FORMAT = 1

OUTPUT_VARIABLES = ("SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE", "TZ", "LANG", "LANGUAGE",
                    "LC_ALL", "LC_TIME", "LC_MESSAGES", "PYTHONHASHSEED", "PYTHONPATH",
                    "TEXINPUTS", "TEXMFHOME")
"""Environment variables of the build's process that reach what it publishes: dates (Sphinx's
and TeX's ``SOURCE_DATE_EPOCH``, time zone), locale, what kernels import and hash with, what
TeX reads. Changing one makes the next build work again (``commands.last_build``) and the
Sphinx and LaTeX steps run (``render.uptodate``). The execution cache does not key on them:
a kernel sees this environment, and a page printing one of them is cached as it ran."""


def output_variables() -> str:
    """The values of ``OUTPUT_VARIABLES`` in this process, as one string to hash."""
    return json.dumps({name: os.environ.get(name) for name in OUTPUT_VARIABLES})


_known: dict[str, tuple[list[str], list[list[str | int]] | None, tuple[str, ...]]] = {}
"""Listings made or read by this process: memo key -> (``sys.path``, its times, listing)."""
_saved: set[tuple[str, str, str]] = set()
"""(memo key, memo file, times) of listings this process wrote or read: not written again."""


def kernel_python(kernel: str) -> str:
    """The interpreter a kernelspec runs, or this one when it cannot be told."""
    spec = _kernel_spec(kernel)
    if spec is None:
        return sys.executable
    first = spec[0][0] if spec[0] else "python"
    return sys.executable if first in THIS_PYTHON else first


NATIVE_KERNEL = "python3"
"""The kernel jupyter_client knows without a ``kernel.json`` (ipykernel's, in this Python)."""


def _kernel_spec(kernel: str) -> tuple[list[str], dict[str, str]] | None:
    """The kernelspec's command and the environment variables it sets: its ``kernel.json``
    read from Jupyter's data folders (as jupyter_client finds it, without importing it), else
    jupyter_client's answer (which knows the built-in ``python3``); None without a spec.
    (Importing jupyter_client costs a tenth of a second, a fifth of a no-op build: it is asked
    only for ``python3`` or when the folders cannot be read.)"""
    try:
        from jupyter_core.paths import jupyter_path

        for folder in jupyter_path("kernels"):
            path = Path(folder) / kernel.lower() / "kernel.json"
            if path.is_file():
                data = json.loads(path.read_text(encoding="utf-8"))
                return list(data["argv"]), dict(data.get("env") or {})
        if kernel != NATIVE_KERNEL:
            return None  # jupyter_client looks in the same folders
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        pass
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        found = KernelSpecManager().get_kernel_spec(kernel)
        return list(found.argv), dict(found.env or {})
    except Exception:  # noqa: BLE001 - no spec: the runner will report it properly
        return None


def kernel_packages(kernel: str, memo: Path | None = None) -> tuple[str, ...]:
    """The kernel's Python version and every installed ``name==version`` (``memo``: the file
    remembering listings between processes)."""
    spec = _kernel_spec(kernel)
    return interpreter_packages(kernel_python(kernel), memo, in_process=False,
                                env=spec[1] if spec else None)


def interpreter_packages(python: str, memo: Path | None = None, *, in_process: bool = True,
                         env: dict[str, str] | None = None) -> tuple[str, ...]:
    """What ``kernel_packages`` lists, for an interpreter, as that interpreter sees it.

    The interpreter is named as given, never resolved: a virtual environment's ``python`` is a
    symlink to the base interpreter every other environment links to too, and only the path it
    is started by tells which environment (``sys.prefix``) it is in. This process lists its own
    packages only when ``python`` is the very path it runs (then its ``sys.path`` decides);
    any other interpreter is asked in a child process. A kernel (``in_process=False``) is
    always asked in a child, as a Dask worker asks it: its ``sys.path`` is a child's, not this
    process's. ``env``: variables the kernelspec sets (``PYTHONPATH``...), set for the child
    as for the kernel."""
    exe = os.path.abspath(python)
    here = in_process and not env and exe == os.path.abspath(sys.executable)
    key = json.dumps([exe, sys.path if here else None, *([env] if env else [])])
    known = _known.get(key)
    if known is not None and _stat(exe, known[0]) == known[1]:
        paths, stat, listing = known  # a few stat calls: a process that stays up sees installs
    else:
        entry = _read_memo(memo).get(key)
        if entry is not None and entry.get("stat") == _stat(exe, entry.get("paths", [])):
            listing, paths, stat = tuple(entry["packages"]), entry["paths"], entry["stat"]
            _saved.add((key, str(memo), json.dumps(stat)))
        else:
            if here:
                packages, paths = json.loads(_in_process()), list(sys.path)
            else:
                packages, paths = _ask(exe, kernel_environment(env))
            listing, stat = tuple(packages), _stat(exe, paths)
        # A folder changed in the last second may change again within the same tick of the
        # file system's clock, unseen: such a listing is not kept (git's "racy" rule).
        settled = max(int(t) for _, t in stat) < time.time_ns() - 1_000_000_000
        _known[key] = (paths, stat if settled else None, listing)
        if not settled:
            return listing
    saved = (key, str(memo), json.dumps(stat))
    if memo is not None and saved not in _saved:
        entries = _read_memo(memo)
        entries[key] = {"packages": list(listing), "paths": paths, "stat": stat}
        _write_memo(memo, entries)
        _saved.add(saved)
    return listing


def _ask(python: str, env: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """The interpreter's own listing and ``sys.path`` (and ``sys.prefix`` with its
    ``pyvenv.cfg``, whose time tells an environment re-created in place)."""
    from d2lbook.errors import SchedulingError

    try:
        out = subprocess.run([python, "-c", LIST_PACKAGES + LIST_PATHS], capture_output=True,
                             text=True, check=True, timeout=120, env=env)
        first, second = out.stdout.splitlines()[:2]
        return json.loads(first), json.loads(second)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise SchedulingError(
            f"cannot list the packages of the kernel interpreter {python} ({detail.strip()}); "
            "check the kernel's kernel.json (`jupyter kernelspec list`)") from None


def fingerprint(kernel: str, memo: Path | None = None) -> str:
    """A short hash of the kernel's packages and settings. (``execute.worker`` computes the
    same on Dask workers, to refuse a worker whose kernel differs.)"""
    return environment_fingerprint(kernel, list(kernel_packages(kernel, memo)), KERNEL_CONFIG)


def _stat(exe: str, paths: list[str]) -> list[list[str | int]]:
    """Modification time of the interpreter and of each ``sys.path`` entry (-1: missing), as
    lists (which is how JSON gives them back)."""
    stats: list[list[str | int]] = []
    for path in [exe, *(p for p in paths if p)]:  # "": the working folder, not the env
        full = os.path.abspath(path)
        try:
            stats.append([full, os.stat(full).st_mtime_ns])
        except OSError:
            stats.append([full, -1])
    return stats


def _read_memo(memo: Path | None) -> JSONDict:
    if memo is None:
        return {}
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        return data["entries"] if data.get("format") == MEMO_FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or damaged: listed again


def _write_memo(memo: Path, entries: JSONDict) -> None:
    from d2lbook.files import write_atomic

    keep = dict(list(entries.items())[-16:])
    memo.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(memo, json.dumps({"format": MEMO_FORMAT, "entries": keep}))


def _in_process() -> str:
    import importlib.metadata as m

    names = sorted({f"{d.metadata['Name']}=={d.version}" for d in m.distributions()
                    if d.metadata["Name"]})
    return json.dumps([sys.version, *names])
