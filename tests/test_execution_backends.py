"""Execution backends: the local pool, Dask (a LocalCluster and a real `dask scheduler` with
`dask worker` processes on loopback), GPU refusal, keep-going, and `--no-execute` builds.

Notebooks are tiny; clusters are started with bounded timeouts and always torn down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from d2lbook.config import Execution
from d2lbook.errors import ExecutionError, ExecutionFailures, SchedulingError
from d2lbook.execute.backends import BackendOptions, LocalPool, make_backend
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import ExecutionEvent as Progress
from d2lbook.execute.runner import Job, execute_notebooks
from tests.helpers import make_book

DASK = Path(sys.executable).with_name("dask")


def notebook(*sources: str, meta: dict | None = None) -> dict:
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
              "execution_count": None, "id": f"c{i}"} for i, s in enumerate(sources)]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"},
                                          **({"d2lbook": meta} if meta else {})},
            "nbformat": 4, "nbformat_minor": 5}


def page(folder: Path, name: str, *sources: str, meta: str = "", nb_meta=None) -> Job:
    """A job for page ``folder/name.md``, whose file holds a front matter and the cells."""
    folder.mkdir(parents=True, exist_ok=True)
    front = f"---\nkernelspec:\n  name: python3\n{meta}---\n"
    body = "".join(f"\n```{{code-cell}} ipython3\n{s}\n```\n" for s in sources)
    path = folder / f"{name}.md"
    path.write_text(front + body)
    lines = [i + 1 for i, line in enumerate((front + body).splitlines())
             if line.startswith("```{code-cell}")]
    return Job(name, path, notebook(*sources, meta=nb_meta), folder, lines)


def texts(summary) -> dict[str, list[str]]:
    """Per page, the text of every output of every cell (what a reader sees)."""
    seen = {}
    for o in summary.outcomes:
        seen[o.page] = ["".join(out.get("text", "")) + str(out.get("data", {}).get("text/plain",
                        "")) for cell in o.notebook["cells"] for out in cell.get("outputs", [])]
    return seen


def book_jobs(root: Path) -> list[Job]:
    """Pages that read a file of their folder and a declared data file beside it."""
    chapter = root / "src" / "chapter"
    chapter.mkdir(parents=True)
    (chapter / "numbers.txt").write_text("3 4 5\n")
    (root / "src" / "data").mkdir()
    (root / "src" / "data" / "table.csv").write_text("a,b\n1,2\n")
    return [
        page(chapter, "sum", "print(sum(map(int, open('numbers.txt').read().split())))",
             "x = [i * i for i in range(5)]\nx"),
        page(chapter, "csv", "print(open('../data/table.csv').read().splitlines()[1])",
             meta="d2lbook:\n  data: [../data/*.csv]\n", nb_meta={"data": ["../data/*.csv"]}),
        page(chapter, "plain", "print('hello from a page')"),
    ]


def settings(tmp: Path, jobs: int = 2) -> tuple[Execution, Path]:
    """Execution settings and the scratch folder (the two arguments after the cache)."""
    return Execution(kernel="python3", timeout=60, jobs=jobs), tmp / "work"


# --------------------------------------------------------------------------------------------
# clusters


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)


@contextmanager
def dask_cluster(tmp: Path, resources: list[str],
                 extra_path: Path | None = None) -> Iterator[tuple[str, list]]:
    """A real `dask scheduler` and one `dask worker` (no nanny, one thread) per entry of
    ``resources`` ("" for none), on 127.0.0.1. The workers cannot import d2lbook: they get
    only what the client ships. ``extra_path`` goes on the workers' PYTHONPATH."""
    poison = tmp / "no-d2lbook"
    (poison / "d2lbook").mkdir(parents=True, exist_ok=True)
    (poison / "d2lbook" / "__init__.py").write_text(
        "raise ImportError('a worker must not need d2lbook')\n")
    from d2lbook.procs import die_with_parent

    path = os.pathsep.join(str(p) for p in (poison, extra_path) if p)
    env = {**os.environ, "PYTHONPATH": path, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    address = f"tcp://127.0.0.1:{free_port()}"
    procs: list[subprocess.Popen] = []
    log = open(tmp / "cluster.log", "w")  # noqa: SIM115 - closed below
    try:
        procs.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], env=env, stdout=log, stderr=log, start_new_session=True,
            preexec_fn=die_with_parent))  # gone with the test run, even a killed one
        for res in resources:
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                 "--no-nanny", "--no-dashboard", "--death-timeout", "60",
                 *(["--resources", res] if res else [])],
                env=env, stdout=log, stderr=log, start_new_session=True,
                preexec_fn=die_with_parent))
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as client:
            if resources:
                client.wait_for_workers(len(resources), timeout=60)
        yield address, procs
    finally:
        for proc in reversed(procs):
            _kill(proc)
        log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """Two workers: one offers a GPU, one does not."""
    with dask_cluster(tmp_path_factory.mktemp("cluster"), ["GPU=1", ""]) as (address, _):
        yield address


# --------------------------------------------------------------------------------------------
# equal results everywhere


def test_dask_workers_compute_what_the_local_pool_computes(tmp_path: Path, cluster: str):
    from distributed import LocalCluster

    from d2lbook.execute.dask_backend import DaskBackend

    jobs = book_jobs(tmp_path)
    events: list[Progress] = []
    local = execute_notebooks(jobs, ExecutionCache(tmp_path / "c1"), *settings(tmp_path),
                              events.append)
    assert texts(local)["sum"] == ["12\n", "[0, 1, 4, 9, 16]"]
    assert texts(local)["csv"] == ["1,2\n"]
    assert {e.where for e in events if e.kind == "done"} == {"local"}

    remote_events: list[Progress] = []
    remote = execute_notebooks(jobs, ExecutionCache(tmp_path / "c2"), *settings(tmp_path),
                               remote_events.append, lambda: DaskBackend(cluster))
    assert texts(remote) == texts(local)
    ran_on = {e.where for e in remote_events if e.kind == "done"}
    assert ran_on and all(w.startswith("tcp://127.0.0.1:") for w in ran_on)
    # The client wrote the results into its own cache: a second build executes nothing.
    again = execute_notebooks(jobs, ExecutionCache(tmp_path / "c2"), *settings(tmp_path),
                              backend=lambda: DaskBackend(cluster))
    assert again.executed == 0 and texts(again) == texts(local)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as lc:
        in_process = execute_notebooks(jobs, ExecutionCache(tmp_path / "c3"),
                                       *settings(tmp_path),
                                       backend=lambda: DaskBackend(lc.scheduler_address))
    assert texts(in_process) == texts(local)


def test_the_factory_picks_the_backend(tmp_path: Path, cluster: str):
    assert make_backend(BackendOptions(jobs=2, gpus=0)).name == "local"
    assert make_backend(BackendOptions(execute=False, scheduler=cluster)).name == "no-execute"
    backend = make_backend(BackendOptions(scheduler=cluster))
    try:
        assert backend.name == "dask" and backend.capacity().gpus == 1
    finally:
        backend.close()


def test_an_unreachable_scheduler_is_a_clear_error():
    from d2lbook.execute.dask_backend import DaskBackend

    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(SchedulingError) as info:
        DaskBackend(address, timeout=2)
    assert f"cannot reach the Dask scheduler at {address}" in str(info.value)


def test_workers_and_client_fingerprint_an_environment_alike():
    from d2lbook.execute import worker
    from d2lbook.execute.environment import KERNEL_CONFIG, fingerprint

    packages = worker.kernel_packages("python3")
    assert worker.environment_fingerprint("python3", packages, KERNEL_CONFIG) == \
        fingerprint("python3")


def test_a_worker_whose_kernel_has_other_packages_is_refused(tmp_path: Path):
    from d2lbook.execute.dask_backend import DaskBackend

    fake = tmp_path / "site"
    (fake / "extra_package-9.9.dist-info").mkdir(parents=True)
    (fake / "extra_package-9.9.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: extra-package\nVersion: 9.9\n")
    cache = ExecutionCache(tmp_path / "c")
    with dask_cluster(tmp_path, [""], extra_path=fake) as (address, _):
        with pytest.raises(SchedulingError) as info:
            execute_notebooks([page(tmp_path / "p", "p", "print(1)")], cache,
                              *settings(tmp_path), backend=lambda: DaskBackend(address))
    message = str(info.value)
    assert "the kernel 'python3' on the Dask worker tcp://127.0.0.1:" in message
    assert "on the worker extra-package==9.9" in message
    assert "nothing from that worker was cached" in message
    assert cache.entries() == []


# --------------------------------------------------------------------------------------------
# GPUs


def gpu_page(tmp: Path, name: str, gpus: int) -> Job:
    return page(tmp / "gpu", name,
                f"import os  # {name}\nprint(os.environ.get('CUDA_VISIBLE_DEVICES'))",
                meta=f"d2lbook:\n  gpus: {gpus}\n", nb_meta={"gpus": gpus})


def test_gpu_pages_run_only_on_workers_offering_gpus(tmp_path: Path, cluster: str):
    from distributed import Client

    from d2lbook.execute.dask_backend import DaskBackend

    with Client(cluster, set_as_default=False) as client:
        info = client.scheduler_info(n_workers=-1)["workers"]
    gpu_worker = next(a for a, w in info.items() if w.get("resources", {}).get("GPU"))
    events: list[Progress] = []
    execute_notebooks([gpu_page(tmp_path, f"g{i}", 1) for i in range(3)],
                      ExecutionCache(tmp_path / "c"), *settings(tmp_path), events.append,
                      lambda: DaskBackend(cluster))
    assert {e.where for e in events if e.kind == "done"} == {gpu_worker}


def test_a_page_asking_for_more_gpus_than_any_worker_is_refused_before_anything_runs(
        tmp_path: Path, cluster: str):
    from d2lbook.execute.dask_backend import DaskBackend

    jobs = [page(tmp_path / "p", "fine", "print(1)"), gpu_page(tmp_path, "big", 2)]
    events: list[Progress] = []
    with pytest.raises(SchedulingError) as info:
        execute_notebooks(jobs, ExecutionCache(tmp_path / "c"), *settings(tmp_path),
                          events.append, lambda: DaskBackend(cluster))
    message = str(info.value)
    assert f"{tmp_path / 'gpu' / 'big.md'}:5: the page asks for 2 GPU(s)" in message
    assert "at most 1 available" in message and "nothing was executed" in message
    assert not [e for e in events if e.kind in ("queued", "done")]

    # The local pool: this machine's GPU slots (none configured here).
    with pytest.raises(SchedulingError) as info:
        execute_notebooks(jobs, ExecutionCache(tmp_path / "c"), *settings(tmp_path),
                          backend=lambda: LocalPool(2, 0, tmp_path / "w"))
    assert "big.md:5: the page asks for 2 GPU(s)" in str(info.value)


def test_local_gpu_slots_are_shared_out(tmp_path: Path):
    jobs = [gpu_page(tmp_path, "one", 1), gpu_page(tmp_path, "two", 2)]
    summary = execute_notebooks(jobs, ExecutionCache(tmp_path / "c"), *settings(tmp_path),
                                backend=lambda: LocalPool(2, 2, tmp_path / "w"))
    seen = texts(summary)
    assert seen["two"] == ["0,1\n"] and seen["one"][0] in ("0\n", "1\n")


def test_malformed_gpu_metadata_names_its_line(tmp_path: Path):
    job = page(tmp_path, "bad", "print(1)", meta="d2lbook:\n  gpus: many\n",
               nb_meta={"gpus": "many"})
    with pytest.raises(SchedulingError) as info:
        execute_notebooks([job], ExecutionCache(tmp_path / "c"), *settings(tmp_path))
    assert f"{tmp_path / 'bad.md'}:5: d2lbook.gpus must be a whole number" in str(info.value)


# --------------------------------------------------------------------------------------------
# a worker dies mid-run


def test_a_killed_worker_s_notebook_runs_again_elsewhere(tmp_path: Path):
    import psutil
    from distributed import Client

    from d2lbook.execute.dask_backend import DaskBackend

    slow = page(tmp_path / "p", "slow", "import time\ntime.sleep(4)\nprint('slept')")
    quick = page(tmp_path / "p", "quick", "print('quick')")
    with dask_cluster(tmp_path, ["", ""]) as (address, procs):
        pids = {p.pid for p in procs[1:]}
        killed: dict[str, object] = {}
        kernels: list = []

        def kill_the_slow_one() -> None:
            with Client(address, timeout=10, set_as_default=False) as client:
                worker_pids = client.run(os.getpid)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    busy = {w: keys for w, keys in client.processing().items()
                            if any(k.startswith("d2lbook-") for k in keys)}
                    for w in busy:
                        pid = worker_pids[w]
                        proc = psutil.Process(pid)
                        # wait until its kernel is up and sleeping, then kill -9 the worker
                        kids = proc.children(recursive=True)
                        if kids and pid in pids and "slow" not in killed:
                            time.sleep(1.0)
                            kernels.extend(proc.children(recursive=True))
                            os.kill(pid, signal.SIGKILL)
                            killed["slow"] = w
                            return
                    time.sleep(0.1)

        events: list[Progress] = []
        killer = threading.Thread(target=kill_the_slow_one, daemon=True)
        killer.start()
        try:
            summary = execute_notebooks([slow], ExecutionCache(tmp_path / "c"),
                                        *settings(tmp_path), events.append,
                                        lambda: DaskBackend(address))
            quick_summary = execute_notebooks([quick], ExecutionCache(tmp_path / "c"),
                                              *settings(tmp_path),
                                              backend=lambda: DaskBackend(address))
        finally:
            killer.join(timeout=70)
            for kernel in kernels:
                try:
                    kernel.kill()
                except psutil.NoSuchProcess:
                    pass
    assert "slow" in killed, "the test never saw the notebook running"
    assert texts(summary)["slow"] == ["slept\n"]
    done = [e for e in events if e.kind == "done"]
    assert len(done) == 1 and done[0].where != killed["slow"]
    assert texts(quick_summary)["quick"] == ["quick\n"]


# --------------------------------------------------------------------------------------------
# keep going


def test_every_failure_is_reported_and_every_success_cached(tmp_path: Path):
    folder = tmp_path / "p"
    jobs = [page(folder, "ok1", "print('one')"),
            page(folder, "bad1", "x = 1", "1 / 0"),
            page(folder, "ok2", "print('two')"),
            page(folder, "bad2", "undefined_thing")]
    cache = ExecutionCache(tmp_path / "c")
    with pytest.raises(ExecutionFailures) as info:
        execute_notebooks(jobs, cache, *settings(tmp_path, jobs=1))
    message = str(info.value)
    assert message.startswith("2 notebooks failed")
    assert f"{folder / 'bad1.md'}:10: code cell 2 failed" in message
    assert "1 / 0" in message and "ZeroDivisionError" in message
    assert f"{folder / 'bad2.md'}:6: code cell 1 failed" in message and "NameError" in message
    assert sorted(e.page for e in cache.entries()) == ["ok1", "ok2"]


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path):
    folder = tmp_path / "p"
    jobs = [page(folder, "bad", "1 / 0"), page(folder, "later", "print('later')")]
    cache = ExecutionCache(tmp_path / "c")
    with pytest.raises(ExecutionError) as info:
        execute_notebooks(jobs, cache, *settings(tmp_path, jobs=1), fail_fast=True)
    assert not isinstance(info.value, ExecutionFailures)
    assert "bad.md:6: code cell 1 failed" in str(info.value)
    assert cache.entries() == []


def test_longest_recorded_pages_start_first(tmp_path: Path):
    from d2lbook.execute.cache import Record

    folder = tmp_path / "p"
    cache = ExecutionCache(tmp_path / "c")
    # What earlier versions of these pages took, as the cache recorded it.
    for i, (name, seconds) in enumerate((("short", 1.0), ("long", 30.0), ("mid", 9.0))):
        cache.put(Record(f"{i:064x}", name, [], [], seconds, 100.0 + i))
    jobs = [page(folder, "new", "print('new')")] + [
        page(folder, name, f"print('{name}')") for name in ("short", "long", "mid")]
    events: list[Progress] = []
    execute_notebooks(jobs, cache, *settings(tmp_path, jobs=1), events.append)
    # Never-run pages first (nothing is known), then the longest.
    assert [e.page for e in events if e.kind == "done"] == ["new", "long", "mid", "short"]


# --------------------------------------------------------------------------------------------
# --no-execute


FRONT = "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n"


def test_no_execute_builds_html_with_cached_outputs_and_without_for_the_rest(tmp_path: Path):
    root = make_book(tmp_path / "book", {
        "index": FRONT + "# Tiny\n\n```{toctree}\nold\nnew\n```\n",
        "old": FRONT + "# Old\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n",
        "new": FRONT + "# New\n\nProse.\n"})
    src = root / "source" / "en"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}

    def d2lbook(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "d2lbook.cli", "--root", str(root),
                               "build", "html", "--lang", "en", *args], env=env,
                              capture_output=True, text=True, timeout=300)

    first = d2lbook()
    assert first.returncode == 0, first.stderr
    (src / "new.md").write_text(FRONT + "# New\n\n```{code-cell} ipython3\n"
                                "print('never' + 'run')\n```\n")
    run = d2lbook("--no-execute")
    assert run.returncode == 0, run.stderr
    assert "0 executed, 1 from the cache" in run.stdout
    assert "1 with code shown without outputs (not executed)" in run.stdout
    html = root / "_build" / "en" / "html"
    old = (html / "old.html").read_text()
    assert "print" in old and "42" in old
    new = (html / "new.html").read_text()
    assert "never" in new and "neverrun" not in new
    assert [e.page for e in ExecutionCache(root / "_build" / "cache" / "execute").entries()] \
        == ["en:old"]


def test_a_book_executes_on_the_scheduler_its_configuration_names(tmp_path: Path, cluster: str):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config
    from tests.test_errors import small_book

    root = small_book(tmp_path, "# Page\n\n```{code-cell} ipython3\n"
                      "print(open('greeting.txt').read().upper())\n```\n")
    (root / "source" / "en" / "greeting.txt").write_text("hello from the page's folder")
    with (root / "pyproject.toml").open("a") as f:  # the [tool.d2lbook.execution] table
        f.write(f'scheduler = "{cluster}"\ngpus = 0\nfail_fast = true\n')
    cfg = load_config(root)
    assert (cfg.execution.scheduler, cfg.execution.gpus, cfg.execution.fail_fast) == \
        (cluster, 0, True)
    events: list[Progress] = []
    result = build(cfg, cfg.select("en"), ("html",), progress=events.append)
    assert result.executed == 1
    assert [e.where.startswith("tcp://127.0.0.1:") for e in events if e.kind == "done"] == [True]
    html = (root / "_build" / "en" / "html" / "page.html").read_text()
    assert "HELLO FROM THE PAGE" in html


def test_execute_false_in_the_configuration_runs_nothing(tmp_path: Path):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config
    from tests.test_errors import small_book

    root = small_book(tmp_path, "# Page\n\n```{code-cell} ipython3\nprint('x' * 3)\n```\n")
    with (root / "pyproject.toml").open("a") as f:
        f.write("execute = false\n")
    cfg = load_config(root)
    result = build(cfg, cfg.select("en"), ("html",))
    assert result.executed == 0 and result.editions[0].unexecuted == 1
    assert "xxx" not in (root / "_build" / "en" / "html" / "page.html").read_text()


def test_a_scheduler_without_workers_is_a_clear_error_not_a_hang(tmp_path: Path):
    from d2lbook.execute.dask_backend import DaskBackend

    with dask_cluster(tmp_path, []) as (address, _):
        with pytest.raises(SchedulingError) as info:
            execute_notebooks([page(tmp_path / "p", "p", "print(1)")],
                              ExecutionCache(tmp_path / "c"), *settings(tmp_path),
                              backend=lambda: DaskBackend(address, timeout=3))
    assert f"the Dask scheduler at {address} has no workers after 3 s" in str(info.value)
