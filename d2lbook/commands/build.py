"""``d2lbook build``: editions -> execution (shared, cached) -> HTML, PDF, notebooks."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.edition import Edition, prepare_edition
from d2lbook.errors import Problem
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import ExecutionEvent, Job, execute_notebooks
from d2lbook.files import atomic_path
from d2lbook.layout import BookLayout
from d2lbook.notebook import page_notebook
from d2lbook.source import PageKey, code_cell_lines

FORMATS = ("html", "pdf", "notebooks")


@dataclass
class EditionResult:
    lang: str
    pages: int
    executed: int = 0
    """Kernel runs started for this edition's pages (0 when everything came from the cache)."""
    cached: int = 0
    """Pages with code whose outputs came from the cache."""
    without_code: int = 0
    html: Path | None = None
    pdf: Path | None = None
    notebooks: Path | None = None
    """The notebook zip."""
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildResult:
    editions: list[EditionResult]
    executed: int
    """Distinct notebooks executed in this build (shared by all languages)."""

    @property
    def warning_count(self) -> int:
        return sum(len(e.warnings) + len(e.problems) for e in self.editions)


def execution_cache(cfg: BookConfig) -> ExecutionCache:
    return ExecutionCache(BookLayout(cfg).execution_cache)


def build(cfg: BookConfig, langs: tuple[Language, ...], formats: tuple[str, ...] = FORMATS,
          jobs: int | None = None,
          progress: Callable[[ExecutionEvent], None] = lambda e: None) -> BuildResult:
    jobs = jobs or cfg.jobs
    layout = BookLayout(cfg)
    started = time.perf_counter()
    editions = [prepare_edition(cfg, lang) for lang in langs]
    results = {e.lang.code: EditionResult(e.lang.code, len(e.pages), problems=list(e.problems))
               for e in editions}
    for e in editions:
        results[e.lang.code].seconds["prepare"] = round(time.perf_counter() - started, 2)

    # One execution pass for every edition: identical code runs once.
    t0 = time.perf_counter()
    all_jobs: list[Job] = []
    for e in editions:
        for page in e.pages:
            # Code is never translated: a failing cell is reported in the English page, unless
            # the page exists only in this edition.
            english = layout.source_page(page.name)
            in_english = page.name in e.english
            source = english if in_english else e.origin.get(page.name, page.path)
            text = e.english[page.name] if in_english else page.text
            cwd = english.parent if english.parent.is_dir() else e.tree / page.folder
            all_jobs.append(Job(PageKey(e.lang.code, page.name), source,
                                page_notebook(page, cfg.execution.kernel), cwd,
                                code_cell_lines(text)))
    summary = execute_notebooks(all_jobs, execution_cache(cfg),
                                dataclasses.replace(cfg.execution, jobs=jobs), layout.cache,
                                progress)
    executed: dict[str, dict] = {}
    for outcome in summary.outcomes:
        code, name = outcome.page
        executed.setdefault(code, {})[name] = outcome.notebook
        results[code].executed += int(outcome.executed)
        results[code].cached += int(outcome.has_code and not outcome.executed)
        results[code].without_code += int(not outcome.has_code)
    exec_seconds = round(time.perf_counter() - t0, 2)

    for e in editions:
        result = results[e.lang.code]
        result.seconds["execute"] = exec_seconds
        _render(cfg, e, executed[e.lang.code], formats, jobs, result)
    return BuildResult([results[e.lang.code] for e in editions], summary.executed)


def _render(cfg: BookConfig, edition: Edition, notebooks: dict[str, dict],
            formats: tuple[str, ...], jobs: int, result: EditionResult) -> None:
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.tree import write_sphinx_tree

    lang = edition.lang
    layout = BookLayout(cfg)
    for name, counts in edition.status_counts.items():
        if name in notebooks:  # read by the site's translation notice
            notebooks[name]["metadata"]["d2lbook"] = {"progress": counts}
    tree = write_sphinx_tree(cfg, lang, edition.tree, notebooks, edition.assets)
    if "html" in formats or "notebooks" in formats:
        t0 = time.perf_counter()
        run = run_sphinx(tree, layout.html(lang), layout.doctrees(lang, "html"), "html", jobs)
        result.warnings += run.warnings
        result.html = layout.html(lang) / "index.html"
        result.seconds["html"] = round(time.perf_counter() - t0, 2)
        if "notebooks" in formats:
            from d2lbook.render.bundle import write_bundle
            from d2lbook.render.references import SphinxResolver

            t0 = time.perf_counter()
            bundle = write_bundle(layout.notebooks(lang), layout.notebook_zip(lang),
                                  layout.stem(lang), notebooks,
                                  [p.name for p in edition.pages
                                   if p.name not in edition.generated],
                                  SphinxResolver(run.env, run.config), edition.tree,
                                  edition.assets)
            result.warnings += bundle.warnings
            result.notebooks = bundle.zip_path
            result.seconds["notebooks"] = round(time.perf_counter() - t0, 2)
    if "pdf" in formats:
        from d2lbook.render.latex import build_pdf

        t0 = time.perf_counter()
        run = run_sphinx(tree, layout.latex(lang), layout.doctrees(lang, "latex"), "latex", jobs)
        result.warnings += run.warnings
        pdf = build_pdf(layout.latex(lang), layout.stem(lang), lang.latex_engine)
        target = layout.pdf(lang)
        with atomic_path(target) as tmp:
            shutil.copyfile(pdf, tmp)
        result.pdf = target
        result.seconds["pdf"] = round(time.perf_counter() - t0, 2)
