"""Fingerprint of the execution environment: what a kernel would compute differently with.

It covers the kernel's Python and every installed distribution with its version (so upgrading
matplotlib re-executes the pages) and d2lbook's kernel settings. It does not cover data files
read by pages: pages of this book use synthetic data or data shipped inside packages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

from d2lbook.execute.worker import LIST_PACKAGES, environment_fingerprint

# Kernel settings applied to every execution (IPython config): crisp PNG figures, which both
# the HTML and the LaTeX output can use.
KERNEL_CONFIG = """\
c.InlineBackend.figure_formats = {"png"}
c.InlineBackend.rc = {"figure.dpi": 110, "savefig.dpi": 220, "figure.figsize": (5.0, 3.4)}
"""

def kernel_python(kernel: str) -> str:
    """The interpreter a kernelspec runs, or this one when it cannot be told."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel).argv
    except Exception:  # noqa: BLE001 - no spec: the runner will report it properly
        return sys.executable
    first = argv[0] if argv else "python"
    return sys.executable if first in ("python", "python3", "{python}") else first


@cache
def kernel_packages(kernel: str) -> tuple[str, ...]:
    """The kernel's Python version and every installed ``name==version``."""
    python = kernel_python(kernel)
    if Path(python).resolve() == Path(sys.executable).resolve():
        return tuple(json.loads(_in_process()))
    out = subprocess.run([python, "-c", LIST_PACKAGES], capture_output=True, text=True,
                         check=True)
    return tuple(json.loads(out.stdout))


@cache
def fingerprint(kernel: str) -> str:
    """A short hash of the kernel's packages and settings. (``execute.worker`` computes the
    same on Dask workers, to refuse a worker whose kernel differs.)"""
    return environment_fingerprint(kernel, list(kernel_packages(kernel)), KERNEL_CONFIG)


def _in_process() -> str:
    import importlib.metadata as m

    names = sorted({f"{d.metadata['Name']}=={d.version}" for d in m.distributions()
                    if d.metadata["Name"]})
    return json.dumps([sys.version, *names])
