"""Sphinx extension: the API pages (``autoclass``, ``autofunction``) document the book's own
``#@save`` library as the pages define it now.

The library is generated into ``_build/lib`` (``d2lbook_library_path``); it imports the
frameworks, which live in their own environments, not in the one Sphinx runs in. The imports the
library makes that this environment cannot satisfy are mocked (``autodoc_mock_imports``), so
autodoc reads signatures and docstrings without any framework installed.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from typing import Any


def library_imports(folder: Path) -> set[str]:
    """Top-level names of the modules the library's files import (``torch``, ``matplotlib``)."""
    names: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue  # autodoc reports the import error on the page that asks for the module
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def _missing(names: set[str], own: set[str]) -> list[str]:
    missing = []
    for name in sorted(names - own):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def _on_config(app, config) -> None:
    folder = Path(config.d2lbook_library_path or "")
    if not config.d2lbook_library_path or not folder.is_dir():
        return
    own = {p.stem for p in folder.iterdir() if p.is_dir() or p.suffix == ".py"}
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    # Sphinx runs in the build's process: a module imported by an earlier build is stale.
    for name in [m for m in sys.modules if m.split(".")[0] in own]:
        del sys.modules[name]
    config.autodoc_mock_imports = [*config.autodoc_mock_imports,
                                   *_missing(library_imports(folder), own)]


def setup(app) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_config_value("d2lbook_library_path", "", "env")
    app.connect("config-inited", _on_config)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
