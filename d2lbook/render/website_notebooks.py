"""The executed notebooks as the website and the PDFs show them: page metadata read by the
templates (translation progress, slides), the website's prose tabs completed, outputs limited
for Sphinx."""

from __future__ import annotations

from d2lbook.config import BookConfig, Language
from d2lbook.edition import Edition
from d2lbook.jsondata import Notebook


def one_framework(fw_notebooks: dict[str, dict[str, Notebook]], key: str
                  ) -> dict[str, Notebook]:
    """Page -> its notebook for the framework ``key`` alone."""
    return {name: by_fw[key] for name, by_fw in fw_notebooks.items()}


def mark_progress(notebooks: dict[str, Notebook], edition: Edition
                  ) -> dict[str, Notebook]:
    """Each page's translation counts in its metadata (read by the translation notice)."""
    for name, counts in edition.status_counts.items():
        if name in notebooks:
            notebooks[name]["metadata"].setdefault("d2lbook", {})["progress"] = counts
    return notebooks


def mark_slides(notebooks: dict[str, Notebook]) -> None:
    """Pages with slide marks say so in their metadata (the page links to its deck)."""
    from d2lbook.render.slides import has_slides

    for nb in notebooks.values():
        if has_slides(nb):
            nb["metadata"].setdefault("d2lbook", {})["slides"] = True


def complete_prose_tabs(cfg: BookConfig, lang: Language,
                        notebooks: dict[str, Notebook]) -> None:
    """The website's prose tab sets get a tab for every framework: a note only for PyTorch
    must not stay on screen while the reader follows MXNet (``frameworks.website_view``)."""
    from d2lbook.frameworks import website_view
    from d2lbook.ui import ui_strings

    nothing = ui_strings(lang.code)["tab_nothing"]
    for nb in notebooks.values():
        website_view(nb, cfg.frameworks, lambda fw: nothing.format(name=fw.name))


def for_sphinx(cfg: BookConfig, edition: Edition, notebooks: dict[str, Notebook]
               ) -> dict[str, Notebook]:
    """Outputs limited for the page, cells mapped to their lines in the edition's page."""
    from d2lbook.render.outputs import sphinx_notebooks

    return sphinx_notebooks(notebooks, {p.name: p.text for p in edition.pages},
                            cfg.execution.output_limit)
