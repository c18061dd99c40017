"""The renderer's steps for one edition, in order: the site's HTML, the reader notebooks,
the slides, then LaTeX and the PDF of each framework. Each Sphinx, bundle and latexmk step is
a ``render.steps.Step``: not started when its inputs are unchanged."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from d2lbook.config import Framework
from d2lbook.edition import Edition
from d2lbook.jsondata import Notebook
from d2lbook.layout import BookLayout
from d2lbook.render.sphinx_run import SphinxRun
from d2lbook.render.steps import (
    Made,
    SphinxRuns,
    Step,
    StepLog,
    make_or_skip,
    run_step,
    stored_warnings,
    timed,
)
from d2lbook.render.uptodate import Stamps


class RenderLog(StepLog, Protocol):
    """What the renderer fills in (an edition's build result)."""

    html: Path | None
    pdf: Path | None
    notebooks: Path | None
    pdfs: dict[str, Path]
    zips: dict[str, Path]
    decks: list[Path]


@dataclass
class EditionRender:
    """One edition's rendering: its inputs and where it goes."""

    layout: BookLayout
    edition: Edition
    notebooks: dict[str, Notebook]
    """The website's (every framework, as tabs)."""
    fw_notebooks: dict[str, dict[str, Notebook]]
    """Page -> framework key -> the page for that framework alone (PDF, reader notebooks)."""
    library: dict[str, str]
    """The ``#@save`` library (package-relative path -> text)."""
    jobs: int
    runs: SphinxRuns
    only: str = ""
    """The one framework whose PDF and notebooks are made (empty: every framework)."""

    @property
    def frameworks(self) -> list[Framework]:
        return [fw for fw in self.layout.cfg.frameworks
                if not self.only or fw.key == self.only]


def render_edition(job: EditionRender, formats: tuple[str, ...], log: RenderLog) -> None:
    """Make ``formats`` of the edition, each step skipped when its inputs are unchanged."""
    from d2lbook.render.decks import write_decks
    from d2lbook.render.uptodate import sphinx_digest

    layout, edition = job.layout, job.edition
    tree = website_tree(job)
    stamps = Stamps(layout.edition(edition.lang))
    digest = sphinx_digest(layout, tree, extra=sorted(job.library.items()))
    if "html" in formats or "notebooks" in formats:
        site_steps(job, tree, digest, stamps, "notebooks" in formats, log)
    if "slides" in formats:
        with timed(log, "slides"):
            log.decks = write_decks(layout, edition.lang, job.fw_notebooks)
    if "pdf" in formats:
        with timed(log, "pdf"):
            for fw in job.frameworks:
                log.pdfs[fw.key] = pdf_steps(job, fw, tree, stamps, log)
            log.pdf = log.pdfs[job.frameworks[0].key]


def website_tree(job: EditionRender) -> Path:
    """The website's Sphinx tree, its notebooks marked for the templates."""
    from d2lbook.render.tree import write_sphinx_tree
    from d2lbook.render.website_notebooks import (
        complete_prose_tabs,
        for_sphinx,
        mark_progress,
        mark_slides,
    )

    cfg, edition = job.layout.cfg, job.edition
    mark_progress(job.notebooks, edition)
    mark_slides(job.notebooks)
    complete_prose_tabs(cfg, edition.lang, job.notebooks)
    return write_sphinx_tree(job.layout, edition.lang, edition.tree,
                             for_sphinx(cfg, edition, job.notebooks), edition.assets)


def site_steps(job: EditionRender, tree: Path, digest: str, stamps: Stamps, notebooks: bool,
               log: RenderLog) -> None:
    """The site's HTML, then (``notebooks``) the reader notebooks, which resolve their
    references with the HTML's Sphinx run: a fresh HTML step runs again when the bundle must
    be made and no run of the same inputs is remembered (``SphinxRuns``)."""
    from d2lbook.render.edition_sphinx import placer
    from d2lbook.render.reader_bundle import reader_bundles

    layout, lang = job.layout, job.edition.lang
    html = layout.html(lang)

    def make_html() -> Made[SphinxRun]:
        run, stored = _sphinx(job, tree, html, layout.doctrees(lang, "html"), "html")
        job.runs.keep(html, digest, run)
        return Made(run, stored, [html])

    def clear_html() -> None:
        if stamps.tampered("html", digest):
            shutil.rmtree(html, ignore_errors=True)

    def make_bundle() -> Made[dict[str, Path]]:
        assert run is not None  # made above, or remembered
        return reader_bundles(layout, job.edition, job.fw_notebooks, job.library,
                              job.frameworks, run)

    # One framework's bundle is a step of its own: it does not stand for all of them.
    bundle = Step(f"notebooks-{job.only}" if job.only else "notebooks", digest, make_bundle,
                  reported=False)
    with timed(log, "html"):
        log.html = html / "index.html"
        bundled = stored_warnings(stamps, bundle) if notebooks else []
        run = job.runs.get(html, digest)
        html_step = Step("html", digest, make_html, before=clear_html,
                         place=placer(layout, job.edition, tree))
        needed = bundled is None and run is None  # the bundle needs a run of these inputs
        made = make_or_skip(stamps, log, html_step,
                            None if needed else stored_warnings(stamps, html_step))
        run = made.value or run
    if not notebooks:
        return
    if bundled is None:
        with timed(log, "notebooks"):
            zips = make_or_skip(stamps, log, bundle, None).value or {}
    else:
        make_or_skip(stamps, log, bundle, bundled)
        zips = {fw.key: layout.notebook_zip(lang, fw.key) for fw in job.frameworks}
    log.zips.update(zips)
    log.notebooks = log.zips[job.frameworks[0].key]


def pdf_steps(job: EditionRender, fw: Framework, site_tree: Path, stamps: Stamps,
              log: RenderLog) -> Path:
    """The framework's LaTeX (Sphinx) and PDF (latexmk); returns the PDF."""
    from d2lbook.files import atomic_path
    from d2lbook.render.edition_sphinx import placer, source_page
    from d2lbook.render.latex import build_pdf
    from d2lbook.render.tree import write_sphinx_tree
    from d2lbook.render.uptodate import latex_digest, sphinx_digest
    from d2lbook.render.website_notebooks import for_sphinx, mark_progress, one_framework

    layout, edition = job.layout, job.edition
    lang = edition.lang
    tree = site_tree
    if fw.key:
        nbs = mark_progress(one_framework(job.fw_notebooks, fw.key), edition)
        tree = write_sphinx_tree(layout, lang, edition.tree,
                                 for_sphinx(layout.cfg, edition, nbs), edition.assets, fw)
    latex, stem = layout.latex(lang, fw.key), layout.stem(lang, fw.key)
    suffix = f"-{fw.key}" if fw.key else ""
    target = layout.pdf(lang, fw.key)

    def make_latex() -> Made[None]:
        _, stored = _sphinx(job, tree, latex, layout.doctrees(lang, "latex", fw.key),
                            "latex", fw.key)
        return Made(None, stored, [latex / f"{stem}.tex"])

    def make_pdf() -> Made[None]:
        pages = {name: source_page(layout, edition, name) for name in edition.origin}
        pdf = build_pdf(latex, stem, lang.latex_engine, pages)
        with atomic_path(target) as tmp:
            shutil.copyfile(pdf, tmp)
        return Made(None, [], [target])

    run_step(stamps, log, Step(f"latex{suffix}", sphinx_digest(layout, tree), make_latex,
                               place=placer(layout, edition, tree)))
    run_step(stamps, log, Step(f"latexmk{suffix}", latex_digest(latex, stem), make_pdf,
                               stamp=f"pdf{suffix}"))
    return target


def _sphinx(job: EditionRender, tree: Path, outdir: Path, doctrees: Path, builder: str,
            framework: str = "") -> tuple[SphinxRun, list[str]]:
    """The Sphinx run and its warnings as stored (``edition_sphinx``)."""
    from d2lbook.render.edition_sphinx import edition_sphinx

    return edition_sphinx(job.layout, job.edition, tree, outdir, doctrees, builder, job.jobs,
                          framework)
