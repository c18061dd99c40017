"""Sphinx over an edition's tree: its warnings kept per page (reported until fixed) and named
by the source page an author edits, at that page's line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from d2lbook.edition import Edition
from d2lbook.layout import CATALOG_SUFFIX, BookLayout
from d2lbook.render.sphinx_run import SphinxRun


def edition_sphinx(layout: BookLayout, edition: Edition, tree: Path, outdir: Path,
                   doctrees: Path, builder: str, jobs: int, framework: str = "") -> SphinxRun:
    """Run Sphinx on ``tree``; its warnings name the source pages."""
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.warnings_store import WarningStore, with_suggestions

    cfg = layout.cfg
    store = WarningStore(layout.warnings(edition.lang, builder, framework))
    origins = warning_origins(layout, edition)
    run = run_sphinx(tree, outdir, doctrees, builder, jobs, reread=store.pending(origins),
                     template_cache=layout.template_cache)
    files = cfg.source_dir  # where the tree's other files (the .bib) come from
    files = files.relative_to(cfg.root) if files.is_relative_to(cfg.root) else files
    run.warnings = store.update(with_suggestions(run.warnings, run.targets), run.processed,
                                run.docnames, tree, origins, english_lines(layout, edition),
                                str(files))
    return run


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


def warning_places(layout: BookLayout, edition: Edition) -> str:
    """What the places :func:`edition_sphinx` gives its warnings depend on besides the
    Sphinx tree: each page's source file, and the English text of each page the edition
    shows otherwise (a digest; a step whose digest holds it relocates its warnings anew)."""
    import hashlib
    import json

    texts = {p.name: p.text for p in edition.pages}
    h = hashlib.sha256(json.dumps(warning_origins(layout, edition), sort_keys=True).encode())
    for name, english in sorted(edition.english.items()):
        if texts.get(name, english) != english:
            h.update(f"\0{name}\0{hashlib.sha256(english.encode()).hexdigest()}".encode())
    return h.hexdigest()


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
