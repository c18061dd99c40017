"""docs/execution.md's Dask recipe on one machine: a `dask scheduler` and a `dask worker`
started from this environment, as the document says, run a book whose framework kernel is
another environment (the PyTorch kernel); a scheduler lost in the middle of a build is one
infrastructure error naming it, not a failing cell per page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_execution_backends import _kill, free_port

DASK = Path(sys.executable).with_name("dask")

FRONT = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n"

PYPROJECT = """
[tool.d2lbook]
name = "recipe"
author = "T"
version = "1"
[tool.d2lbook.languages.en]
title = "Recipe"
[tool.d2lbook.execution]
timeout = 120
[tool.d2lbook.frameworks.pytorch]
name = "PyTorch"
kernel = "d2l-pytorch"
requirements = []
[tool.d2lbook.frameworks.plain]
name = "Plain"
kernel = "python3"
requirements = []
"""


def book(root: Path, pages: dict[str, str]) -> Path:
    (root / "source" / "en").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    toc = "\n".join(pages)
    (root / "source" / "en" / "index.md").write_text(
        f"{FRONT}# Recipe\n\n```{{toctree}}\n{toc}\n```\n")
    for name, body in pages.items():
        (root / "source" / "en" / f"{name}.md").write_text(FRONT + body)
    return root


def plain_env() -> dict[str, str]:
    """This environment as a user's shell has it (no test PYTHONPATH: a kernel started by the
    client would see it and the worker's would not)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def d2lbook(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).with_name("d2lbook")), "--root",
                             str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=plain_env())


@contextmanager
def documented_cluster(log: Path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """``dask scheduler --port P`` and ``dask worker tcp://HOST:P --nthreads 1`` (with its
    nanny, as documented), both from this environment; only loopback and no dashboards
    added, so that test runs do not meet."""
    from d2lbook.procs import die_with_parent

    env = plain_env()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    out = open(log, "w")  # noqa: SIM115 - closed below
    try:
        for argv in ([str(DASK), "scheduler", "--port", str(port), "--host", "127.0.0.1",
                      "--no-dashboard"],
                     [str(DASK), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                      "--no-dashboard"]):
            procs.append(subprocess.Popen(argv, env=env, stdout=out, stderr=out,
                                          start_new_session=True, preexec_fn=die_with_parent))
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, procs
    finally:
        for proc in reversed(procs):
            _kill(proc)
        out.close()


@pytest.fixture
def pytorch_kernel() -> None:
    from d2lbook.execute.environment import kernel_python

    if kernel_python("d2l-pytorch") == sys.executable:
        pytest.skip("the framework kernels are not registered (make setup)")


def test_the_documented_recipe_runs_another_environment_s_kernel(
        tmp_path: Path, pytorch_kernel: None) -> None:
    root = book(tmp_path / "book", {"page": (
        "# Page\n\n"
        "```{code-cell} ipython3\n:tags: [pytorch]\nimport sys\n"
        "print('kernel in', sys.prefix.rsplit('/', 2)[-2:])\n```\n\n"
        "```{code-cell} ipython3\n:tags: [plain]\nprint('plain', 6 * 7)\n```\n")})
    with documented_cluster(tmp_path / "cluster.log") as (address, _):
        build = d2lbook(root, "build", "html", "--scheduler", address)
        out, err = build.communicate(timeout=300)
    assert build.returncode == 0, out + err
    assert "another environment" not in err
    html = (root / "_build" / "en" / "html" / "page.html").read_text()
    assert "kernel in [" in html and "'pytorch']" in html and "plain 42" in html


def test_a_scheduler_lost_mid_build_is_one_infrastructure_error(tmp_path: Path) -> None:
    started = tmp_path / "started"
    pages = {f"p{i}": (f"# P{i}\n\n```{{code-cell}} ipython3\nimport time\n"
                       f"open({str(started)!r}, 'a').write('p{i}')\ntime.sleep(60)\n```\n")
             for i in range(3)}
    root = book(tmp_path / "book", pages)
    (root / "pyproject.toml").write_text(PYPROJECT.split("[tool.d2lbook.frameworks")[0])
    with documented_cluster(tmp_path / "cluster.log") as (address, procs):
        build = d2lbook(root, "build", "html", "--scheduler", address)
        try:
            deadline = time.monotonic() + 120
            while not started.exists():
                assert build.poll() is None and time.monotonic() < deadline, build.stderr
                time.sleep(0.1)
            _kill(procs[0])  # the scheduler, while a notebook runs
            out, err = build.communicate(timeout=120)
        finally:
            _kill(build)
    assert build.returncode == 2, out + err
    assert f"lost the Dask scheduler at {address}" in err
    assert err.count("Dask scheduler") == 1, err
    assert "Fix the cell" not in err and "code cell" not in err, err
    assert "Traceback" not in err
    assert not list((root / "_build" / "cache").glob("exec*/*/*.json"))
