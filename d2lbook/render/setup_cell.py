"""The first cell of every downloaded notebook that has code: it installs the notebook's
framework requirements (pinned) and the book's library wheel where they are missing, and does
nothing where they are present (the book's own kernels, an environment set up from the zip's
``requirements.txt``).

"Missing" is decided in the kernel, without pip: a pinned requirement (``name==version``) is
missing when ``importlib.metadata`` finds no such distribution or another version of it; an
unpinned one when it is absent; the library when ``importlib.util.find_spec`` cannot find its
module (a zip holds the library beside the notebooks, so it is found there). The Jupyter
kernel's own packages are never installed from a running kernel.
"""

from __future__ import annotations

import json

from d2lbook.jsondata import Cell
from d2lbook.ui import ui_strings

NOT_FROM_A_KERNEL = {"ipykernel", "jupyter", "jupyterlab", "notebook", "jupyter-client",
                     "jupyter_client", "nbclient"}
"""Requirements a running kernel must not reinstall (the kernel itself)."""

_BODY = '''\
import importlib.metadata
import importlib.util
import subprocess
import sys


def _setup(requirements, library, wheel):
    def missing(requirement):
        name, _, pinned = requirement.partition("==")
        try:
            return bool(pinned) and importlib.metadata.version(name) != pinned
        except importlib.metadata.PackageNotFoundError:
            return True

    def found(module):
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # its package is missing
            return False

    todo = [r for r in requirements if missing(r)]
    if library and not found(library):
        todo.append(wheel)
    if todo:
        print({installing}, " ".join(todo))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *todo], check=True)
        importlib.invalidate_caches()


_setup({requirements}, {library}, {wheel})
'''


def kernel_requirements(requirements: tuple[str, ...]) -> list[str]:
    """The requirements a set-up cell installs (not the kernel's own packages)."""
    return [r for r in requirements
            if r.split("==")[0].split(">")[0].split("<")[0].strip().lower()
            not in NOT_FROM_A_KERNEL]


def setup_source(lang: str, requirements: tuple[str, ...], library: str, wheel: str) -> str:
    """The set-up cell's code, its comments in the edition's language. ``library``: the
    module to look for (``d2l.torch``), empty when the notebook does not use the library;
    ``wheel``: where pip gets the library (a URL), empty when it is not published."""
    text = ui_strings(lang)
    comment = "".join(f"# {line}\n" for line in text["setup_comment"].splitlines())
    if library and not wheel:
        comment += "".join(f"# {line}\n" for line in
                           text["setup_no_wheel"].format(library=library).splitlines())
        library = ""
    return comment + _BODY.format(
        installing=json.dumps(text["setup_installing"], ensure_ascii=False),
        requirements=json.dumps(kernel_requirements(requirements)),
        library=json.dumps(library), wheel=json.dumps(wheel))


def setup_cell(lang: str, requirements: tuple[str, ...], library: str, wheel: str
               ) -> Cell:
    """The set-up cell as an nbformat 4 code cell (not executed)."""
    return {"cell_type": "code", "id": "d2lbook-setup", "execution_count": None,
            "metadata": {"d2lbook": {"setup": True}}, "outputs": [],
            "source": setup_source(lang, requirements, library, wheel)}
