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
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.util.typing import ExtensionMetadata


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


def _own_modules(own: set[str]) -> dict[str, ModuleType]:
    return {m: mod for m, mod in sys.modules.items() if m.split(".")[0] in own}


def _on_config(app: Sphinx, config: Config) -> None:
    folder = Path(config.d2lbook_library_path or "")
    if not config.d2lbook_library_path or not folder.is_dir():
        return
    own = {p.stem for p in folder.iterdir() if p.is_dir() or p.suffix == ".py"}
    # Sphinx runs in the build's process: for the build, the library is importable and a
    # module of the same name imported before (an earlier build's) is out of the way; both
    # are put back when the build ends (_on_finished).
    saved = _own_modules(own)
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    # the extension's state rides on the app until build-finished (_on_finished)
    app.d2lbook_apidoc = (str(folder), own, saved)  # type: ignore[attr-defined]
    config.autodoc_mock_imports = [*config.autodoc_mock_imports,
                                   *_missing(library_imports(folder), own)]


def _on_finished(app: Sphinx, exception: Exception | None) -> None:
    state = getattr(app, "d2lbook_apidoc", None)
    if state is None:
        return
    folder, own, saved = state
    if folder in sys.path:
        sys.path.remove(folder)
    for name in _own_modules(own):
        del sys.modules[name]
    sys.modules.update(saved)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_config_value("d2lbook_library_path", "", "env")
    app.connect("config-inited", _on_config)
    app.connect("build-finished", _on_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
