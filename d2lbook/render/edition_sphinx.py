"""Sphinx over an edition's tree: its warnings kept per page (reported until fixed) and named
by the source page an author edits, at that page's line."""

from __future__ import annotations

from pathlib import Path

from d2lbook.edition import Edition
from d2lbook.layout import CATALOG_SUFFIX, BookLayout
from d2lbook.render.sphinx_run import SphinxRun


def edition_sphinx(layout: BookLayout, edition: Edition, tree: Path, outdir: Path,
                   doctrees: Path, builder: str, jobs: int, framework: str = "") -> SphinxRun:
    """Run Sphinx on ``tree``; its warnings name the source pages."""
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.warnings_store import WarningStore, line_map, with_suggestions

    cfg = layout.cfg
    store = WarningStore(layout.warnings(edition.lang, builder, framework))
    origins = warning_origins(layout, edition)
    run = run_sphinx(tree, outdir, doctrees, builder, jobs, reread=store.pending(origins),
                     template_cache=layout.template_cache)
    # a translated page: its lines are the English page's, shifted by the translation
    named = "\n".join(run.warnings)
    lines = {p.name: line_map(p.text, edition.english[p.name]) for p in edition.pages
             if edition.origin.get(p.name, Path()).suffix == CATALOG_SUFFIX
             and f"/{p.name}.ipynb" in named and p.text != edition.english.get(p.name, p.text)}
    files = cfg.source_dir  # where the tree's other files (the .bib) come from
    files = files.relative_to(cfg.root) if files.is_relative_to(cfg.root) else files
    run.warnings = store.update(with_suggestions(run.warnings, run.targets), run.processed,
                                run.docnames, tree, origins, lines, str(files))
    return run


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
