"""The readers' notebooks: one clean, executed ``.ipynb`` per page and a zip per edition."""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from d2lbook.files import atomic_path, prune, write_if_changed
from d2lbook.jsondata import Notebook
from d2lbook.notebook import dumps

if TYPE_CHECKING:
    from d2lbook.render.references import SphinxResolver

READER_ASSETS = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".csv", ".txt", ".json"}


@dataclass
class Bundle:
    folder: Path
    zip_path: Path
    notebooks: list[Path]
    warnings: list[str] = field(default_factory=list)


def reader_notebook(nb: Notebook, docname: str, resolver: SphinxResolver
                    ) -> tuple[Notebook, list[str]]:
    """A copy of an executed notebook whose markdown is plain Jupyter markdown."""
    from d2lbook.render.reader_markdown import to_reader_markdown

    out = copy.deepcopy(nb)
    warnings: list[str] = []
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        text, cell_warnings = to_reader_markdown(source, docname, resolver)
        cell["source"] = text
        warnings += [f"{docname}: {w}" for w in cell_warnings]
    for cell in out["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    return out, warnings


def zip_extras(lang: str, title: str, framework: str, package: str,
               requirements: tuple[str, ...]) -> dict[str, str]:
    """``README.md`` (in the edition's language) and ``requirements.txt`` (the framework's
    pinned requirements) at the top of a notebook zip."""
    from d2lbook.ui import ui_strings

    text = ui_strings(lang)
    library = text["readme_library"].format(package=package) if package else ""
    readme = text["readme"].format(title=title, framework=framework, library=library)
    return {"README.md": readme, "requirements.txt": "".join(f"{r}\n" for r in requirements)}


def write_bundle(folder: Path, zip_path: Path, top: str, notebooks: dict[str, Notebook],
                 docnames: list[str], resolver: SphinxResolver, assets_root: Path,
                 assets: list[Path], library: dict[str, str] | None = None,
                 setup: Callable[[Notebook], Notebook | None] | None = None,
                 extras: dict[str, str] | None = None) -> Bundle:
    """``library``: the ``#@save`` package's files (``d2l/torch.py`` -> text), copied next to
    every notebook so that each runs standalone wherever the zip is unpacked. ``setup``: the
    set-up cell a notebook starts with (``render.setup_cell``), or None for none; ``extras``:
    files at the top of the folder and zip (``zip_extras``)."""
    import nbformat

    written: list[Path] = []
    warnings: list[str] = []
    keep: set[Path] = set()
    for rel, text in (extras or {}).items():
        write_if_changed(folder / rel, text)
        keep.add(Path(rel))
    for name in docnames:
        clean, page_warnings = reader_notebook(notebooks[name], name, resolver)
        first = setup(notebooks[name]) if setup else None
        if first is not None:
            clean["cells"].insert(0, first)
        nbformat.validate(nbformat.from_dict(clean))
        path = folder / f"{name}.ipynb"
        write_if_changed(path, dumps(clean))
        written.append(path)
        keep.add(Path(f"{name}.ipynb"))
        warnings += page_warnings
    reader_assets = [rel for rel in assets if rel.suffix.lower() in READER_ASSETS]
    for rel in reader_assets:
        write_if_changed(folder / rel, (assets_root / rel).read_bytes())
        keep.add(rel)
    for sub in sorted({Path(name).parent for name in docnames}) if library else ():
        for rel, text in cast(dict[str, str], library).items():  # set: the loop runs
            write_if_changed(folder / sub / rel, text)
            keep.add(sub / rel)
    prune(folder, keep, {".ipynb", ".py"} | READER_ASSETS)
    with atomic_path(zip_path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(keep):
            info = zipfile.ZipInfo(f"{top}/{rel.as_posix()}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16  # a regular file, world-readable when unzipped
            zf.writestr(info, (folder / rel).read_bytes())
    return Bundle(folder, zip_path, written, warnings)
