"""An edition's Sphinx tree: executed notebooks, assets and the generated ``conf.py``."""

from __future__ import annotations

from pathlib import Path

from d2lbook.config import Framework, Language
from d2lbook.files import prune, write_if_changed
from d2lbook.jsondata import Notebook
from d2lbook.layout import PAGE_SUFFIX, BookLayout
from d2lbook.notebook import dumps
from d2lbook.render.settings import conf_py, sphinx_settings


def write_sphinx_tree(layout: BookLayout, lang: Language, edition_tree: Path,
                      notebooks: dict[str, Notebook], assets: list[Path],
                      fw: Framework | None = None) -> Path:
    """The website's tree (``fw`` None), or one framework's (its PDF)."""
    root = layout.sphinx(lang, fw.key if fw else None)
    keep: set[Path] = {Path("conf.py")}
    settings = sphinx_settings(layout.cfg, lang, fw, layout)
    if Path("references.bib") not in assets:  # a book without citations: no bibliography file
        settings["bibtex_bibfiles"] = []
    write_if_changed(root / "conf.py", conf_py(settings))
    for name, nb in notebooks.items():
        write_if_changed(root / f"{name}.ipynb", dumps(nb))
        keep.add(Path(f"{name}.ipynb"))
    for rel in assets:
        write_if_changed(root / rel, (edition_tree / rel).read_bytes())
        keep.add(rel)
    prune(root, keep, {".ipynb", PAGE_SUFFIX} | {p.suffix for p in keep})
    return root
