"""The reader notebooks of an edition, one bundle (folder and zip) per framework: references
resolved against the website's Sphinx run, the ``#@save`` library beside them, a set-up cell
first, a README and requirements at the top."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from d2lbook.config import Framework, Language
from d2lbook.edition import Edition
from d2lbook.jsondata import Notebook
from d2lbook.layout import BookLayout
from d2lbook.render.sphinx_run import SphinxRun
from d2lbook.render.steps import Made


def reader_bundles(layout: BookLayout, edition: Edition,
                   fw_notebooks: dict[str, dict[str, Notebook]],
                   library: dict[str, str], frameworks: list[Framework],
                   run: SphinxRun) -> Made[dict[str, Path]]:
    """Each framework's bundle (framework key -> its zip); the warnings are those the
    website's Sphinx ``run`` did not already give."""
    from d2lbook.render.bundle import write_bundle
    from d2lbook.render.edition_sphinx import warning_origins
    from d2lbook.render.references import SphinxResolver
    from d2lbook.render.warnings_store import reader_warnings
    from d2lbook.render.website_notebooks import one_framework

    lang = edition.lang
    resolver = SphinxResolver(run.env, run.config)
    docnames = [p.name for p in edition.pages if p.name not in edition.generated]
    warnings: list[str] = []
    zips: dict[str, Path] = {}
    for fw in frameworks:
        nbs = one_framework(fw_notebooks, fw.key)
        lib = {rel: text for rel, text in library.items()
               if rel.endswith(("__init__.py", f"/{fw.module}.py"))} if fw.module else {}
        setup, extras = reader_setup(layout, lang, fw)
        bundle = write_bundle(layout.notebooks(lang, fw.key), layout.notebook_zip(lang, fw.key),
                              layout.stem(lang, fw.key), nbs, docnames, resolver,
                              edition.tree, edition.assets, lib, setup, extras)
        warnings += [w for w in bundle.warnings if w not in warnings]
        zips[fw.key] = bundle.zip_path
    warnings = reader_warnings(warnings, run.warnings, warning_origins(layout, edition))
    return Made(zips, warnings,
                [*zips.values(), *(layout.notebooks(lang, fw.key) for fw in frameworks)])


def reader_setup(layout: BookLayout, lang: Language, fw: Framework
                 ) -> tuple[Callable[[Notebook], Notebook | None], dict[str, str]]:
    """The set-up cell of ``fw``'s downloaded notebooks (for a notebook with code) and the
    files at the top of its zip (README, requirements)."""
    from d2lbook.execute.runner import code_cells
    from d2lbook.frameworks import imports_library
    from d2lbook.render.bundle import zip_extras
    from d2lbook.render.setup_cell import kernel_requirements, setup_cell
    from d2lbook.render.wheel import WHEEL_FOLDER, wheel_filename

    cfg = layout.cfg
    site = cfg.urls.site.rstrip("/")
    wheel = f"{site}/{WHEEL_FOLDER}/{wheel_filename(cfg)}" if site and fw.library else ""

    def setup(nb: Notebook) -> Notebook | None:
        library = fw.library if imports_library(nb, fw) else ""
        if not code_cells(nb) or not (kernel_requirements(fw.requirements) or library):
            return None  # nothing it could install
        return setup_cell(lang.code, fw.requirements, library, wheel)

    return setup, zip_extras(lang.code, lang.title, fw.name, fw.package, fw.requirements)
