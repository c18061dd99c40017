"""``d2lbook build``: editions -> execution (shared, cached) -> HTML, PDF, notebooks."""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d2lbook.config import BookConfig, Language
from d2lbook.edition import Edition, prepare_edition
from d2lbook.errors import Problem
from d2lbook.execute.backends import BackendOptions, make_backend
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import ExecutionEvent, Job, code_cells, execute_notebooks
from d2lbook.files import atomic_path
from d2lbook.frameworks import (
    PageRun,
    combined_notebook,
    imports_library,
    is_tagged,
    misnamed_tags,
    page_runs,
    per_framework,
)
from d2lbook.i18n.comments import with_code_from
from d2lbook.layout import BookLayout
from d2lbook.lock import locked
from d2lbook.memo import PageMemo
from d2lbook.notebook import page_notebook
from d2lbook.source import Page, PageKey, code_cell_lines

FORMATS = ("html", "pdf", "notebooks", "slides")


@dataclass
class EditionResult:
    lang: str
    pages: int
    executed: int = 0
    """Kernel runs started for this edition's pages (0 when everything came from the cache)."""
    cached: int = 0
    """Pages with code whose outputs came from the cache."""
    without_code: int = 0
    unexecuted: int = 0
    """Pages with code shown without outputs: not executed (``--no-execute``), not cached."""
    html: Path | None = None
    pdf: Path | None = None
    notebooks: Path | None = None
    """The notebook zip (the default framework's)."""
    pdfs: dict[str, Path] = field(default_factory=dict)
    """Framework key -> its PDF (key "" in a book without frameworks)."""
    zips: dict[str, Path] = field(default_factory=dict)
    """Framework key -> its notebook zip."""
    decks: list[Path] = field(default_factory=list)
    """Slide decks made (one per page with slide marks and framework)."""
    runs: list[tuple[str, str]] = field(default_factory=list)
    """(page, framework) of every notebook executed for this edition in this build."""
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Steps not started because their inputs hash the same as last time (``html``,
    ``latex``, ``latexmk``)."""
    steps: list[str] = field(default_factory=list)
    """Every step of the build, started or not (named as in ``skipped``)."""

    def outputs(self) -> list[Path]:
        """What the build made (``pdf`` and ``notebooks`` are among ``pdfs`` and ``zips``;
        the HTML folder for ``html``)."""
        return [p for p in (self.html.parent if self.html else None, *self.pdfs.values(),
                            *self.zips.values(), *self.decks) if p]


@dataclass
class BuildResult:
    editions: list[EditionResult]
    executed: int
    """Distinct notebooks executed in this build (shared by all languages)."""
    up_to_date: bool = False
    """Nothing was done: the inputs were those of the last build (``commands.last_build``),
    whose result this is."""

    def outputs(self) -> list[Path]:
        return [p for e in self.editions for p in e.outputs()]

    @property
    def warning_count(self) -> int:
        return sum(len(e.warnings) + len(e.problems) for e in self.editions)


def execution_cache(cfg: BookConfig) -> ExecutionCache:
    return ExecutionCache(BookLayout(cfg).execution_cache)


@locked
def build(cfg: BookConfig, langs: tuple[Language, ...], formats: tuple[str, ...] = FORMATS,
          jobs: int | None = None,
          progress: Callable[[ExecutionEvent], None] = lambda e: None,
          only: str = "") -> BuildResult:
    """Build ``langs`` in ``formats``; at once when nothing changed since the last build
    (``commands.last_build``). ``only``: a framework key: execute and make the PDF and
    notebooks of that framework alone (an author checking one framework)."""
    from d2lbook.commands.last_build import remembered

    what = f"build-{only}" if only else "build"
    result, stored = remembered(cfg, what, langs, formats,
                                lambda: build_editions(cfg, langs, formats, jobs, progress,
                                                       only),
                                BuildResult.outputs)
    return as_up_to_date(result) if stored else result


def as_up_to_date(result: BuildResult) -> BuildResult:
    """A stored result as a build that did nothing reports it: nothing executed, every step
    skipped, the same warnings."""
    editions = [dataclasses.replace(e, executed=0, cached=e.cached + e.executed, runs=[],
                                    seconds={}, skipped=list(e.steps)) for e in result.editions]
    return BuildResult(editions, 0, up_to_date=True)


def build_editions(cfg: BookConfig, langs: tuple[Language, ...],
                   formats: tuple[str, ...] = FORMATS, jobs: int | None = None,
                   progress: Callable[[ExecutionEvent], None] = lambda e: None,
                   only: str = "") -> BuildResult:
    """Prepare, execute and render ``langs`` in ``formats`` (each step is skipped when its
    own inputs are unchanged, ``render.uptodate``). Call it holding the build lock.
    ``only``: a framework key (see ``build``)."""
    jobs = jobs or cfg.jobs
    layout = BookLayout(cfg)
    started = time.perf_counter()
    memo = _page_memo(layout)
    editions = [prepare_edition(cfg, lang, memo) for lang in langs]
    results = {e.lang.code: EditionResult(e.lang.code, len(e.pages), problems=list(e.problems))
               for e in editions}
    for e in editions:
        results[e.lang.code].seconds["prepare"] = round(time.perf_counter() - started, 2)

    # One execution pass for every edition: identical code runs once. The unit is
    # (page, framework); the notebooks of a (page, framework) are identical in every language.
    t0 = time.perf_counter()
    library = _library(cfg, memo, editions[0].english if editions else {})
    all_jobs: list[Job] = []
    pages_nb: dict[tuple[str, str], dict] = {}
    for e in editions:
        for page in e.pages:
            # Code is never translated: a failing cell is reported in the English page, unless
            # the page exists only in this edition.
            english = layout.source_page(page.name)
            in_english = page.name in e.english
            source = english if in_english else e.origin.get(page.name, page.path)
            text = e.english[page.name] if in_english else page.text
            cwd = english.parent if english.parent.is_dir() else e.tree / page.folder
            nb = _notebook(memo, page, cfg.default_framework.kernel)
            pages_nb[e.lang.code, page.name] = nb
            if e is editions[0]:  # code is the same in every edition: said once
                results[e.lang.code].problems += _misnamed_tags(cfg, source, text, nb)
            if in_english and page.text != text:  # translated comments: run the English cells
                nb = with_code_from(nb, _notebook(memo, dataclasses.replace(page, text=text),
                                                  cfg.default_framework.kernel))
            runs = _runs(memo, cfg, nb)
            if only and is_tagged(nb, cfg.frameworks):
                # The framework's own run; a page without code for it still needs one run
                # (its prose, in every format).
                runs = [r for r in runs if r.framework.key == only] or runs[:1]
            for run in runs:
                fw = run.framework
                imports = imports_library(run.notebook, fw) and fw.key in library.hashes
                all_jobs.append(Job(PageKey(e.lang.code, page.name, fw.key), source,
                                    run.notebook, cwd, _lines(text, run.notebook, nb),
                                    kernel=fw.kernel,
                                    depends=f"+lib:{library.hashes[fw.key]}" if imports else "",
                                    pythonpath=str(library.folder) if library.hashes else ""))
    ex = cfg.execution
    if ex.execute and not ex.scheduler:  # Dask workers have their own kernels
        _check_kernels(cfg, {job.kernel for job in all_jobs if code_cells(job.notebook)})
    options = BackendOptions(execute=ex.execute, scheduler=ex.scheduler, jobs=jobs, gpus=ex.gpus,
                             work_dir=layout.cache)
    summary = execute_notebooks(all_jobs, execution_cache(cfg),
                                dataclasses.replace(ex, jobs=jobs), layout.cache, progress,
                                lambda: make_backend(options), ex.fail_fast,
                                layout.environments_memo)
    executed: dict[str, dict[str, dict[str, dict]]] = {}
    for outcome in summary.outcomes:
        code, name, key = outcome.page
        executed.setdefault(code, {}).setdefault(name, {})[key] = \
            with_code_from(outcome.notebook, pages_nb[code, name])  # its own comments back
        results[code].executed += int(outcome.executed)
        results[code].cached += int(outcome.has_code and not outcome.executed
                                    and not outcome.skipped)
        results[code].unexecuted += int(outcome.skipped)
        results[code].without_code += int(not outcome.has_code)
        if outcome.executed:
            results[code].runs.append((name, key))
    exec_seconds = round(time.perf_counter() - t0, 2)

    for e in editions:
        result = results[e.lang.code]
        result.seconds["execute"] = exec_seconds
        runs = executed[e.lang.code]
        site_nbs = {name: combined_notebook(pages_nb[e.lang.code, name], by_fw, cfg)
                    for name, by_fw in runs.items()}
        fw_nbs = {name: per_framework(pages_nb[e.lang.code, name], by_fw, cfg)
                  for name, by_fw in runs.items()}
        _render(cfg, e, site_nbs, fw_nbs, library.files, formats, jobs, result, only)
    return BuildResult([results[e.lang.code] for e in editions], summary.executed)


def _page_memo(layout: BookLayout) -> PageMemo:
    """Per-page work remembered between builds, valid for this d2lbook (all of its code, as
    ``commands.last_build`` hashes it) and these packages."""
    from d2lbook.render.uptodate import toolchain_digest

    return PageMemo(layout.page_memo,
                    toolchain_digest(layout.environments_memo) + _code_digest())


@functools.cache
def _code_digest() -> str:
    from d2lbook.render.uptodate import files_digest

    return files_digest(Path(__file__).resolve().parent.parent,
                        ignore=lambda rel: "__pycache__" in rel.parts)


def _notebook(memo: PageMemo, page: Page, kernel: str) -> dict[str, Any]:
    """The page as a notebook (``notebook.page_notebook``), remembered by its text."""
    return memo.remember("notebook", (kernel, page.text), lambda: page_notebook(page, kernel))


def _runs(memo: PageMemo, cfg: BookConfig, nb: dict[str, Any]) -> list[PageRun]:
    """The page's notebook split into one notebook per framework it runs in
    (``frameworks.page_runs``; the default framework's alone for a page of none), remembered
    by the notebook and the frameworks."""
    by_key = {fw.key: fw for fw in cfg.frameworks}
    made = memo.remember("runs", (repr(cfg.frameworks), json.dumps(nb, sort_keys=True)),
                         lambda: [[run.framework.key, run.notebook]
                                  for run in page_runs(nb, cfg)])
    return [PageRun(by_key[key], run) for key, run in made] or \
        [PageRun(cfg.default_framework, nb)]


@dataclass
class _Library:
    folder: Path
    """Holds the generated package (put on the kernels' ``PYTHONPATH``)."""
    files: dict[str, str]
    """Package-relative path (``d2l/torch.py``) -> text."""
    hashes: dict[str, str]
    """Framework key -> hash of what importing its module depends on."""


def _library(cfg: BookConfig, memo: PageMemo | None = None,
             english: dict[str, str] | None = None) -> _Library:
    """The ``#@save`` library as the pages define it now, written under ``_build/lib``
    (``memo``, ``english``: remembered by the English pages' texts, the configuration and the
    frameworks' hand-written heads)."""
    from d2lbook.files import write_if_changed
    from d2lbook.library import SAVE, Saved, library_files, library_hashes, saved_code

    folder = BookLayout(cfg).library
    if not any(fw.library for fw in cfg.frameworks):
        return _Library(folder, {}, {})
    if memo is None or english is None:
        files = library_files(cfg, dest=folder)
    else:
        heads = [(cfg.root / fw.library_head).read_bytes()
                 if fw.library_head and (cfg.root / fw.library_head).is_file() else None
                 for fw in cfg.frameworks]
        layout = BookLayout(cfg)
        pages = [Page(name, layout.source_page(name), text) for name, text in english.items()]
        kernel = cfg.default_framework.kernel  # the library reads cells only: the build's

        def saved(page: Page, fw: Any, frameworks: Any, nb: Any,
                  warnings: list[str]) -> list[Any]:
            """``library.saved_code``, remembered by the page and the frameworks."""
            if SAVE not in page.text:
                return []

            def find() -> dict[str, Any]:
                said: list[str] = []
                found = saved_code(page, fw, frameworks, nb or _notebook(memo, page, kernel),
                                   said)
                return {"saved": [[s.page, str(s.path), s.line, s.code] for s in found],
                        "warnings": said}

            made = memo.remember("saved", (repr(fw), repr(frameworks), page.name,
                                           str(page.path), page.text), find)
            warnings += made["warnings"]
            return [Saved(name, Path(path), line, code)
                    for name, path, line, code in made["saved"]]

        def make() -> dict[str, str]:
            made = library_files(cfg, dest=folder, pages=pages, saved=saved)
            return {str(path): text for path, text in made.items()}

        made = memo.remember(
            "library", (repr(cfg), str(folder), json.dumps(list(english.items())), *heads),
            make, slot="latest")
        files = {Path(path): text for path, text in made.items()}
    for path, text in files.items():
        write_if_changed(path, text)
    return _Library(folder, {p.relative_to(folder).as_posix(): t for p, t in files.items()},
                    library_hashes(files, cfg))


def _check_kernels(cfg: BookConfig, kernels: set[str]) -> None:
    """Every kernel the build needs is installed, or one error naming them and the fix."""
    from jupyter_client.kernelspec import KernelSpecManager

    from d2lbook.errors import MissingToolError

    installed = set(KernelSpecManager().find_kernel_specs())
    missing = sorted(kernels - installed)
    if missing:
        owners = {fw.kernel: fw.key for fw in cfg.frameworks if fw.key}
        names = ", ".join(f"{k} (framework {owners[k]})" if k in owners else k for k in missing)
        raise MissingToolError(f"Jupyter kernel(s) not installed: {names}. Run `make setup` "
                               "(ci/setup.sh): it makes each framework's environment "
                               "(.venvs/<framework>) and registers its kernel")


def _misnamed_tags(cfg: BookConfig, source: Path, text: str, nb: dict) -> list[Problem]:
    lines = code_cell_lines(text)
    keys = ", ".join(fw.key for fw in cfg.frameworks)
    where = source.relative_to(cfg.root) if source.is_relative_to(cfg.root) else source
    return [Problem(where, lines[index] if index < len(lines) else 0,
                    f"code cell tag {tag!r} is not a framework; did you mean {key!r}? "
                    f"(frameworks: {keys}; the cell is now shared by all of them)",
                    "framework-tag")
            for index, tag, key in misnamed_tags(nb, cfg.frameworks)]


def _lines(text: str, run_nb: dict, page_nb: dict) -> list[int]:
    """Source line of each code cell of a framework's notebook."""
    lines = code_cell_lines(text)
    ids = [c["id"] for c in page_nb["cells"] if c["cell_type"] == "code"]
    where = dict(zip(ids, lines, strict=False))
    return [where.get(c["id"], 0) for c in run_nb["cells"] if c["cell_type"] == "code"]


def _render(cfg: BookConfig, edition: Edition, notebooks: dict[str, dict],
            fw_notebooks: dict[str, dict[str, dict]], library: dict[str, str],
            formats: tuple[str, ...], jobs: int, result: EditionResult, only: str = "") -> None:
    """``notebooks``: the website's (every framework, as tabs); ``fw_notebooks``: page ->
    framework key -> the page for that framework alone (PDF, reader notebooks); ``only``: the
    one framework whose PDF and notebooks are made (empty: every framework)."""
    frameworks = [fw for fw in cfg.frameworks if not only or fw.key == only]
    from d2lbook.render.tree import write_sphinx_tree
    from d2lbook.render.uptodate import Stamps, every_file, latex_digest, sphinx_digest

    lang = edition.lang
    layout = BookLayout(cfg)
    _mark_progress(notebooks, edition)
    _mark_slides(notebooks)
    _complete_prose_tabs(cfg, lang, notebooks)
    tree = write_sphinx_tree(cfg, lang, edition.tree, _for_sphinx(cfg, edition, notebooks),
                             edition.assets)
    # A step whose inputs hash the same as when it last succeeded is not started (uptodate).
    stamps = Stamps(layout.edition(lang))
    digest = sphinx_digest(cfg, tree, extra=sorted(library.items()))
    if "html" in formats or "notebooks" in formats:
        t0 = time.perf_counter()
        result.html = layout.html(lang) / "index.html"
        zips = {fw.key: layout.notebook_zip(lang, fw.key) for fw in frameworks}
        # One framework's bundle is a step of its own: it does not stand for all of them.
        bundle_step = f"notebooks-{only}" if only else "notebooks"
        result.steps.append("html")
        html_warnings = stamps.fresh("html", digest)
        bundle_warnings = stamps.fresh(bundle_step, digest) if "notebooks" in formats else []
        memo = (str(layout.html(lang)), digest)
        run = _HTML_RUNS.get(memo) if html_warnings is not None else None
        if html_warnings is not None and (bundle_warnings is not None or run is not None):
            result.warnings += html_warnings
            if bundle_warnings is not None:
                result.warnings += bundle_warnings
                if "notebooks" in formats:
                    result.zips = zips
                    result.notebooks = zips[frameworks[0].key]
            result.skipped.append("html")
        else:
            if stamps.tampered("html", digest):
                shutil.rmtree(layout.html(lang), ignore_errors=True)
            stamps.forget("html")
            run = _sphinx(cfg, edition, tree, layout.html(lang), layout.doctrees(lang, "html"),
                          "html", jobs)
            result.warnings += run.warnings
            stamps.record("html", digest, run.warnings, every_file(layout.html(lang)))
            if len(_HTML_RUNS) >= 4:
                _HTML_RUNS.clear()
            _HTML_RUNS[memo] = run
        result.seconds["html"] = round(time.perf_counter() - t0, 2)
        if "notebooks" in formats and bundle_warnings is None:
            from d2lbook.render.bundle import write_bundle
            from d2lbook.render.references import SphinxResolver
            from d2lbook.render.warnings_store import reader_warnings

            t0 = time.perf_counter()
            stamps.forget(bundle_step)
            resolver = SphinxResolver(run.env, run.config)
            docnames = [p.name for p in edition.pages if p.name not in edition.generated]
            bundle_warnings = []
            for fw in frameworks:
                nbs = _one_framework(fw_notebooks, fw.key)
                lib = {rel: text for rel, text in library.items()
                       if rel.endswith(("__init__.py", f"/{fw.module}.py"))} if fw.module else {}
                setup, extras = _reader_setup(cfg, lang, fw)
                bundle = write_bundle(layout.notebooks(lang, fw.key),
                                      layout.notebook_zip(lang, fw.key),
                                      layout.stem(lang, fw.key), nbs, docnames, resolver,
                                      edition.tree, edition.assets, lib, setup, extras)
                bundle_warnings += [w for w in bundle.warnings if w not in bundle_warnings]
                result.zips[fw.key] = bundle.zip_path
            bundle_warnings = reader_warnings(bundle_warnings, run.warnings,
                                              _origins(cfg, edition))
            result.warnings += [w for w in bundle_warnings if w not in result.warnings]
            result.notebooks = result.zips[frameworks[0].key]
            stamps.record(bundle_step, digest, bundle_warnings,
                          every_file(*result.zips.values(),
                                     *(layout.notebooks(lang, fw.key) for fw in frameworks)))
            result.seconds["notebooks"] = round(time.perf_counter() - t0, 2)
    if "slides" in formats:
        t0 = time.perf_counter()
        result.decks = _slides(cfg, lang, fw_notebooks)
        result.seconds["slides"] = round(time.perf_counter() - t0, 2)
    if "pdf" in formats:
        from d2lbook.render.latex import build_pdf

        t0 = time.perf_counter()
        for fw in frameworks:
            fw_tree = tree
            if fw.key:
                nbs = _mark_progress(_one_framework(fw_notebooks, fw.key), edition)
                fw_tree = write_sphinx_tree(cfg, lang, edition.tree,
                                            _for_sphinx(cfg, edition, nbs), edition.assets, fw)
            latex = layout.latex(lang, fw.key)
            stem = layout.stem(lang, fw.key)
            step = "-".join(p for p in ("latex", fw.key) if p)
            result.steps += [step, "latexmk" + (f"-{fw.key}" if fw.key else "")]
            fw_digest = sphinx_digest(cfg, fw_tree)
            latex_warnings = stamps.fresh(step, fw_digest)
            if latex_warnings is None:
                stamps.forget(step)
                run = _sphinx(cfg, edition, fw_tree, latex,
                              layout.doctrees(lang, "latex", fw.key), "latex", jobs, fw.key)
                latex_warnings = run.warnings
                stamps.record(step, fw_digest, run.warnings, [latex / f"{stem}.tex"])
            else:
                result.skipped.append(step)
            result.warnings += [w for w in latex_warnings if w not in result.warnings]
            target = layout.pdf(lang, fw.key)
            pdf_step = "-".join(p for p in ("pdf", fw.key) if p)
            tex = latex_digest(latex, stem)
            if stamps.fresh(pdf_step, tex) is None:
                stamps.forget(pdf_step)
                pages = {name: _source_page(cfg, edition, name) for name in edition.origin}
                pdf = build_pdf(latex, stem, lang.latex_engine, pages)
                with atomic_path(target) as tmp:
                    shutil.copyfile(pdf, tmp)
                stamps.record(pdf_step, tex, [], [target])
            else:
                result.skipped.append("latexmk" + (f"-{fw.key}" if fw.key else ""))
            result.pdfs[fw.key] = target
        result.pdf = result.pdfs[frameworks[0].key]
        result.seconds["pdf"] = round(time.perf_counter() - t0, 2)


def _reader_setup(cfg: BookConfig, lang: Language, fw: Any) -> tuple[Callable, dict[str, str]]:
    """The set-up cell of ``fw``'s downloaded notebooks (for a notebook with code) and the
    files at the top of its zip (README, requirements)."""
    from d2lbook.render.bundle import zip_extras
    from d2lbook.render.setup_cell import kernel_requirements, setup_cell
    from d2lbook.render.wheel import WHEEL_FOLDER, wheel_filename

    site = cfg.urls.site.rstrip("/")
    wheel = f"{site}/{WHEEL_FOLDER}/{wheel_filename(cfg)}" if site and fw.library else ""

    def setup(nb: dict) -> dict | None:
        library = fw.library if imports_library(nb, fw) else ""
        if not code_cells(nb) or not (kernel_requirements(fw.requirements) or library):
            return None  # nothing it could install
        return setup_cell(lang.code, fw.requirements, library, wheel)

    return setup, zip_extras(lang.code, lang.title, fw.name, fw.package, fw.requirements)


_HTML_RUNS: dict[tuple[str, str], Any] = {}
"""(HTML folder, inputs digest) -> the Sphinx run that made it, in this process: the notebook
bundle resolves its references with that run's environment, so ``serve``, which shows the
HTML first and bundles the notebooks after, does not start Sphinx twice."""


def _complete_prose_tabs(cfg: BookConfig, lang: Language, notebooks: dict[str, dict]) -> None:
    """The website's prose tab sets get a tab for every framework: a note only for PyTorch
    must not stay on screen while the reader follows MXNet (``frameworks.website_view``)."""
    from d2lbook.frameworks import website_view
    from d2lbook.ui import ui_strings

    nothing = ui_strings(lang.code)["tab_nothing"]
    for nb in notebooks.values():
        website_view(nb, cfg.frameworks, lambda fw: nothing.format(name=fw.name))


def _one_framework(fw_notebooks: dict[str, dict[str, dict]], key: str) -> dict[str, dict]:
    """Page -> its notebook for the framework ``key`` alone."""
    return {name: by_fw[key] for name, by_fw in fw_notebooks.items()}


def _mark_progress(notebooks: dict[str, dict], edition: Edition) -> dict[str, dict]:
    """Each page's translation counts in its metadata (read by the translation notice)."""
    for name, counts in edition.status_counts.items():
        if name in notebooks:
            notebooks[name]["metadata"].setdefault("d2lbook", {})["progress"] = counts
    return notebooks


def _mark_slides(notebooks: dict[str, dict]) -> None:
    """Pages with slide marks say so in their metadata (the page links to its deck)."""
    from d2lbook.render.slides import has_slides

    for nb in notebooks.values():
        if has_slides(nb):
            nb["metadata"].setdefault("d2lbook", {})["slides"] = True


def _slides(cfg: BookConfig, lang: Language, fw_notebooks: dict[str, dict[str, dict]]
            ) -> list[Path]:
    """One deck per page with slide marks and framework; decks of pages that lost their marks
    are removed."""
    from d2lbook.render.slides import REVEAL_URL_PREFIX, deck_notebook, write_deck

    layout = BookLayout(cfg)
    decks = []
    for fw in cfg.frameworks:
        for name, nb in sorted(_one_framework(fw_notebooks, fw.key).items()):
            deck = deck_notebook(nb)
            if deck is not None:
                decks.append(write_deck(deck, layout.deck(lang, name, fw.key),
                                        _reveal_prefix(cfg.urls.reveal, name, fw.key)
                                        or REVEAL_URL_PREFIX))
    kept = set(decks)
    folder = layout.slides(lang)
    for old in folder.rglob("*.slides.html") if folder.is_dir() else ():
        if old not in kept:
            old.unlink()
    return decks


def _reveal_prefix(reveal: str, page: str, framework: str) -> str:
    """``urls.reveal`` as seen from a deck: a URL or absolute path as it is, a relative path
    (relative to the site's root) prefixed with the way up from ``<lang>/slides/[<framework>/]
    <page>.slides.html``."""
    if not reveal or "://" in reveal or reveal.startswith("/"):
        return reveal
    return "../" * (2 + bool(framework) + page.count("/")) + reveal


def _for_sphinx(cfg: BookConfig, edition: Edition, notebooks: dict[str, dict]) -> dict:
    """Outputs limited for the page, cells mapped to their lines in the edition's page."""
    from d2lbook.render.outputs import sphinx_notebooks

    return sphinx_notebooks(notebooks, {p.name: p.text for p in edition.pages},
                            cfg.execution.output_limit)


def _sphinx(cfg: BookConfig, edition: Edition, tree: Path, outdir: Path, doctrees: Path,
            builder: str, jobs: int, framework: str = ""):
    """Run Sphinx; its warnings are kept per page (reported until fixed) and name the source
    pages."""
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.warnings_store import WarningStore, line_map, with_suggestions

    store = WarningStore(BookLayout(cfg).warnings(edition.lang, builder, framework))
    origins = _origins(cfg, edition)
    run = run_sphinx(tree, outdir, doctrees, builder, jobs, reread=store.pending(origins),
                     template_cache=BookLayout(cfg).template_cache)
    # a translated page: its lines are the English page's, shifted by the translation
    named = "\n".join(run.warnings)
    lines = {p.name: line_map(p.text, edition.english[p.name]) for p in edition.pages
             if edition.origin.get(p.name, Path()).suffix == ".po"
             and f"/{p.name}.ipynb" in named and p.text != edition.english.get(p.name, p.text)}
    files = cfg.source_dir  # where the tree's other files (the .bib) come from
    files = files.relative_to(cfg.root) if files.is_relative_to(cfg.root) else files
    run.warnings = store.update(with_suggestions(run.warnings, run.targets), run.processed,
                                run.docnames, tree, origins, lines, str(files))
    return run


def _origins(cfg: BookConfig, edition: Edition) -> dict[str, str]:
    """docname -> the source page its warnings name (relative to the book's root)."""
    origins = {}
    for name in edition.origin:
        path = _source_page(cfg, edition, name)
        origins[name] = str(path.relative_to(cfg.root) if path.is_relative_to(cfg.root) else path)
    return origins


def _source_page(cfg: BookConfig, edition: Edition, name: str) -> Path:
    """The page a warning about ``name`` points at: the English page for a page translated by
    a catalog (markup, labels and code live there), else the page itself."""
    origin = edition.origin[name]
    return cfg.source_dir / f"{name}.md" if origin.suffix == ".po" else origin
