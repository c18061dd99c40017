"""``d2lbook build``: editions -> execution (shared, cached) -> HTML, PDF, notebooks."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from d2lbook.commands.page_work import PageWork
from d2lbook.config import BookConfig, Language
from d2lbook.edition import Edition, prepare_edition
from d2lbook.errors import Problem
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import ExecutionEvent, Job, Summary, code_cells, execute_notebooks
from d2lbook.frameworks import (
    combined_notebook,
    imports_library,
    is_tagged,
    misnamed_tags,
    per_framework,
)
from d2lbook.i18n.comments import with_code_from
from d2lbook.jsondata import Notebook
from d2lbook.layout import BookLayout
from d2lbook.lock import locked
from d2lbook.source import PageKey

if TYPE_CHECKING:
    from d2lbook.render.steps import SphinxRuns

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
                   only: str = "", sphinx_runs: SphinxRuns | None = None) -> BuildResult:
    """Prepare, execute and render ``langs`` in ``formats`` (each step is skipped when its
    own inputs are unchanged, ``render.steps``). Call it holding the build lock.
    ``only``: a framework key (see ``build``); ``sphinx_runs``: the Sphinx runs a session of
    several builds remembers (``serve``)."""
    jobs = jobs or cfg.jobs
    layout = BookLayout(cfg)
    started, wall = time.perf_counter(), time.time()
    work = PageWork(layout)
    editions = [prepare_edition(cfg, lang, work.memo) for lang in langs]
    results = {e.lang.code: EditionResult(e.lang.code, len(e.pages), problems=list(e.problems))
               for e in editions}
    for e in editions:
        results[e.lang.code].seconds["prepare"] = round(time.perf_counter() - started, 2)

    # One execution pass for every edition: identical code runs once. The unit is
    # (page, framework); the notebooks of a (page, framework) are identical in every language.
    t0 = time.perf_counter()
    library = _library(layout, work, editions[0].english if editions else {})
    all_jobs, pages_nb = _jobs(layout, work, editions, results, library, only)
    ex = cfg.execution
    if ex.execute and not ex.scheduler:  # Dask workers have their own kernels
        _check_kernels(cfg, {job.kernel for job in all_jobs if code_cells(job.notebook)})
    from d2lbook.execute.backends import BackendOptions, make_backend  # a no-op needs none

    options = BackendOptions(execute=ex.execute, scheduler=ex.scheduler, jobs=jobs, gpus=ex.gpus,
                             work_dir=layout.cache)
    summary = execute_notebooks(all_jobs, ExecutionCache(layout.execution_cache),
                                dataclasses.replace(ex, jobs=jobs), layout.cache, progress,
                                lambda: make_backend(options), ex.fail_fast,
                                layout.environments_memo)
    executed = _tally(summary, pages_nb, results)
    exec_seconds = round(time.perf_counter() - t0, 2)

    from d2lbook.render.steps import SphinxRuns

    for e in editions:
        results[e.lang.code].seconds["execute"] = exec_seconds
        _render(layout, e, pages_nb, executed[e.lang.code], library.files, formats, jobs,
                results[e.lang.code], sphinx_runs or SphinxRuns(), only)
    if work.memo.misses:  # entries were written: the memo may have grown past its limit
        work.memo.prune(wall)
    return BuildResult([results[e.lang.code] for e in editions], summary.executed)


def _jobs(layout: BookLayout, work: PageWork, editions: list[Edition],
          results: dict[str, EditionResult], library: _Library, only: str
          ) -> tuple[list[Job], dict[tuple[str, str], Notebook]]:
    """What to execute: a job per (page, framework) of every edition; and each page's
    notebook (language, page -> notebook)."""
    cfg = layout.cfg
    all_jobs: list[Job] = []
    pages_nb: dict[tuple[str, str], Notebook] = {}
    for e in editions:
        for page in e.pages:
            # Code is never translated: a failing cell is reported in the English page, unless
            # the page exists only in this edition.
            english = layout.source_page(page.name)
            in_english = page.name in e.english
            source = english if in_english else e.origin.get(page.name, page.path)
            text = e.english[page.name] if in_english else page.text
            cwd = english.parent if english.parent.is_dir() else e.tree / page.folder
            nb = work.notebook(page, cfg.default_framework.kernel)
            pages_nb[e.lang.code, page.name] = nb
            lines = work.cell_lines(text)
            if e is editions[0]:  # code is the same in every edition: said once
                results[e.lang.code].problems += _misnamed_tags(cfg, source, lines, nb)
            if in_english and page.text != text:  # translated comments: run the English cells
                nb = with_code_from(nb, work.notebook(dataclasses.replace(page, text=text),
                                                      cfg.default_framework.kernel))
            runs = work.runs(nb)
            if only and is_tagged(nb, cfg.frameworks):
                # The framework's own run; a page without code for it still needs one run
                # (its prose, in every format).
                runs = [r for r in runs if r.framework.key == only] or runs[:1]
            for run in runs:
                fw = run.framework
                imports = imports_library(run.notebook, fw) and fw.key in library.hashes
                all_jobs.append(Job(PageKey(e.lang.code, page.name, fw.key), source,
                                    run.notebook, cwd, _lines(lines, run.notebook, nb),
                                    kernel=fw.kernel,
                                    depends=f"+lib:{library.hashes[fw.key]}" if imports else "",
                                    pythonpath=str(library.folder) if library.hashes else ""))
    return all_jobs, pages_nb


def _tally(summary: Summary, pages_nb: dict[tuple[str, str], Notebook],
           results: dict[str, EditionResult]) -> dict[str, dict[str, dict[str, Notebook]]]:
    """The executed notebooks (language -> page -> framework key -> notebook), each edition's
    counts added to its result."""
    executed: dict[str, dict[str, dict[str, Notebook]]] = {}
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
    return executed


@dataclass
class _Library:
    folder: Path
    """Holds the generated package (put on the kernels' ``PYTHONPATH``)."""
    files: dict[str, str]
    """Package-relative path (``d2l/torch.py``) -> text."""
    hashes: dict[str, str]
    """Framework key -> hash of what importing its module depends on."""


def _library(layout: BookLayout, work: PageWork, english: dict[str, str]) -> _Library:
    """The ``#@save`` library as the English pages define it now, written under
    ``_build/lib`` (remembered by their texts, ``commands.page_work``)."""
    from d2lbook.files import write_if_changed
    from d2lbook.library import library_hashes

    cfg, folder = layout.cfg, layout.library
    if not any(fw.library for fw in cfg.frameworks):
        return _Library(folder, {}, {})
    files = work.library_files(english)
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


def _misnamed_tags(cfg: BookConfig, source: Path, lines: list[int],
                   nb: Notebook) -> list[Problem]:
    """``lines``: the line of each code cell of the page (``source.code_cell_lines``)."""
    keys = ", ".join(fw.key for fw in cfg.frameworks)
    where = source.relative_to(cfg.root) if source.is_relative_to(cfg.root) else source
    return [Problem(where, lines[index] if index < len(lines) else 0,
                    f"code cell tag {tag!r} is not a framework; did you mean {key!r}? "
                    f"(frameworks: {keys}; the cell is now shared by all of them)",
                    "framework-tag")
            for index, tag, key in misnamed_tags(nb, cfg.frameworks)]


def _lines(lines: list[int], run_nb: Notebook, page_nb: Notebook) -> list[int]:
    """Source line of each code cell of a framework's notebook (``lines``: of each code cell
    of the page)."""
    ids = [c["id"] for c in page_nb["cells"] if c["cell_type"] == "code"]
    where = dict(zip(ids, lines, strict=False))
    return [where.get(c["id"], 0) for c in run_nb["cells"] if c["cell_type"] == "code"]


def _render(layout: BookLayout, edition: Edition,
            pages_nb: dict[tuple[str, str], Notebook],
            executed: dict[str, dict[str, Notebook]], library: dict[str, str],
            formats: tuple[str, ...], jobs: int, result: EditionResult, runs: SphinxRuns,
            only: str) -> None:
    """The edition's formats from its executed notebooks (``executed``: page -> framework
    key -> notebook): the website's page (every framework, as tabs) and each framework's
    (PDF, reader notebooks)."""
    from d2lbook.render.edition_steps import EditionRender, render_edition

    cfg, code = layout.cfg, edition.lang.code
    site_nbs = {name: combined_notebook(pages_nb[code, name], by_fw, cfg)
                for name, by_fw in executed.items()}
    fw_nbs = {name: per_framework(pages_nb[code, name], by_fw, cfg)
              for name, by_fw in executed.items()}
    render_edition(EditionRender(layout, edition, site_nbs, fw_nbs, library, jobs, runs, only),
                   formats, result)
