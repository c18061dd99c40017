"""``d2lbook build lib --check``'s checks of the generated library beyond "is it committed":
each framework's module imports in that framework's own kernel environment, and it still
defines every top-level name the previous (committed) module had that a page uses.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from d2lbook.config import BookConfig
from d2lbook.library import Library, LibraryResult, library_files, top_names

IMPORT_TIMEOUT = 600
"""Seconds one framework's import may take (a framework's first import can be slow)."""


@dataclass
class LibraryProblem:
    framework: str
    """The framework's key."""
    message: str
    fatal: bool = True
    """False: said as a warning (the check could not be made), the check does not fail."""


def kernel_installed(kernel: str) -> bool:
    """Whether Jupyter knows the kernelspec (``python3`` always exists)."""
    if kernel == "python3":
        return True
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return False
    return any((Path(folder) / kernel.lower() / "kernel.json").is_file()
               for folder in jupyter_path("kernels"))


def import_problems(cfg: BookConfig, libs: list[Library]) -> list[LibraryProblem]:
    """Import each framework's generated module with its kernel's interpreter (the package
    written to a scratch folder first on ``sys.path``), the frameworks side by side; one
    problem per module that fails."""
    from concurrent.futures import ThreadPoolExecutor

    problems: list[LibraryProblem] = []
    checked = []
    for lib in libs:
        fw = lib.framework
        if kernel_installed(fw.kernel):
            checked.append(lib)
        else:
            problems.append(LibraryProblem(fw.key, f"kernel {fw.kernel} is not installed: "
                                           f"cannot check that {fw.library} imports "
                                           "(make setup installs the frameworks' kernels)",
                                           fatal=False))
    with tempfile.TemporaryDirectory(prefix="d2lbook-lib-") as tmp:
        folder = Path(tmp)
        for path, text in library_files(cfg, dest=folder, libs=_moved(libs, folder)).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        with ThreadPoolExecutor(max_workers=max(1, len(checked))) as pool:
            found = list(pool.map(lambda lib: _import_problem(lib, folder), checked))
    return problems + [p for p in found if p is not None]


def _import_problem(lib: Library, folder: Path) -> LibraryProblem | None:
    """Import one module from ``folder`` in its framework's kernel interpreter."""
    from d2lbook.execute.environment import kernel_python

    fw = lib.framework
    python = kernel_python(fw.kernel)
    env = {**os.environ, "PYTHONPATH": str(folder), "MPLBACKEND": "Agg",
           "PYTHONDONTWRITEBYTECODE": "1"}
    code = f"import importlib; importlib.import_module({fw.library!r})"
    try:
        done = subprocess.run([python, "-c", code], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=IMPORT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        return LibraryProblem(fw.key, f"{fw.library} could not be imported with {python} "
                              f"({err})")
    if done.returncode == 0:
        return None
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    where = [x.strip() for x in lines if x.strip().startswith('File "') and str(folder) in x]
    at = ""
    m = re.search(r'File "([^"]+)", line (\d+)', where[-1]) if where else None
    if m:
        at = f" (at {Path(m.group(1)).relative_to(folder).as_posix()}:{m.group(2)})"
    last = lines[-1] if lines else f"exit status {done.returncode}"
    return LibraryProblem(fw.key, f"{fw.library} does not import in the {fw.kernel} kernel's "
                          f"environment: {last}{at}")


def _moved(libs: list[Library], folder: Path) -> list[Library]:
    from dataclasses import replace

    return [replace(lib, module_path=folder / lib.framework.package / f"{lib.framework.module}.py")
            for lib in libs]


def lost_names(cfg: BookConfig, result: LibraryResult) -> list[LibraryProblem]:
    """Top-level names the previous module of a framework defined that the new one does not,
    and that a page still uses (``d2l.name``), with the first page line using it."""
    from d2lbook.source import read_pages

    pages = read_pages(cfg.source_dir)
    problems = []
    for lib in result.libraries:
        before = result.previous.get(lib.module_path)
        if before is None:
            continue
        fw = lib.framework
        gone = sorted(top_names(before) - top_names(lib.text))
        for name in gone:
            use = re.compile(rf"\b{re.escape(fw.package)}\.{re.escape(name)}\b")
            for page in pages:
                m = use.search(page.text)
                if m:
                    line = page.text.count("\n", 0, m.start()) + 1
                    problems.append(LibraryProblem(fw.key, f"{fw.library} no longer defines "
                                                   f"{name}, which the previous library had and "
                                                   f"{page.path}:{line} uses"))
                    break
    return problems
