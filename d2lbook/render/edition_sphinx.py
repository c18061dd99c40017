"""Sphinx over an edition's tree: its warnings kept per page (reported until fixed) and named
by the source page an author edits, at that page's line, placed anew on every report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from d2lbook.edition import Edition
from d2lbook.layout import CATALOG_SUFFIX, BookLayout
from d2lbook.render.sphinx_run import SphinxRun


def edition_sphinx(layout: BookLayout, edition: Edition, tree: Path, outdir: Path,
                   doctrees: Path, builder: str, jobs: int, framework: str = ""
                   ) -> tuple[SphinxRun, list[str]]:
    """Run Sphinx on ``tree``: the run, its warnings naming the source pages, and the same
    warnings as stored (for :func:`placer` to name the source pages in a later build that
    replays them)."""
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.warnings_store import WarningStore, with_suggestions

    store = WarningStore(layout.warnings(edition.lang, builder, framework))
    place = placer(layout, edition, tree)
    run = run_sphinx(tree, outdir, doctrees, builder, jobs,
                     reread=store.pending(place.origins),
                     template_cache=layout.template_cache)
    stored = store.update(with_suggestions(run.warnings, run.targets), run.processed,
                          run.docnames, tree)
    run.warnings = place(stored)
    return run, stored


@dataclass
class Placer:
    """Names the source page and line in an edition's stored warnings, as the pages are
    now (``warnings_store.place``)."""

    tree: Path
    origins: dict[str, str]
    lines: Callable[[str], list[int] | None]
    files: str
    """Where the tree's other files (the ``.bib``) come from, relative to the book."""

    def __call__(self, warnings: list[str]) -> list[str]:
        from d2lbook.render.warnings_store import place

        return place(warnings, self.tree, self.origins, self.lines, self.files)


def placer(layout: BookLayout, edition: Edition, tree: Path) -> Placer:
    """The :class:`Placer` of the edition's Sphinx folder ``tree``."""
    cfg = layout.cfg
    files = cfg.source_dir
    files = files.relative_to(cfg.root) if files.is_relative_to(cfg.root) else files
    return Placer(tree, warning_origins(layout, edition), english_lines(layout, edition),
                  str(files))


def english_lines(layout: BookLayout, edition: Edition) -> Callable[[str], list[int] | None]:
    """docname -> for each line of the edition's page, the English page's line (None when
    the page is the English one, or an overlay page the author edits as it is): a page
    shown through its catalog, or without one but with its paragraphs marked as English,
    has the English page's lines shifted by the translation and the marks."""
    from d2lbook.render.warnings_store import line_map

    texts = {p.name: p.text for p in edition.pages}
    found: dict[str, list[int] | None] = {}

    def lines(name: str) -> list[int] | None:
        if name not in found:
            text, english = texts.get(name), edition.english.get(name)
            shown_english = name in edition.origin and \
                source_page(layout, edition, name) == layout.source_page(name)
            found[name] = line_map(text, english) if shown_english and text is not None \
                and english is not None and text != english else None
        return found[name]
    return lines


def warning_origins(layout: BookLayout, edition: Edition) -> dict[str, str]:
    """docname -> the source page its warnings name (relative to the book's root)."""
    root = layout.root
    origins = {}
    for name in edition.origin:
        path = source_page(layout, edition, name)
        origins[name] = str(path.relative_to(root) if path.is_relative_to(root) else path)
    return origins


def source_page(layout: BookLayout, edition: Edition, name: str) -> Path:
    """The page a warning about ``name`` points at: the English page for a page translated by
    a catalog (markup, labels and code live there), else the page itself."""
    origin = edition.origin[name]
    return layout.source_page(name) if origin.suffix == CATALOG_SUFFIX else origin
