"""``d2lbook build``: editions -> execution (shared, cached) -> HTML, PDF, notebooks."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.edition import Edition, prepare_edition
from d2lbook.errors import Problem
from d2lbook.execute.backends import BackendOptions, make_backend
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import Job, Progress, Settings, execute_notebooks
from d2lbook.notebook import page_notebook
from d2lbook.source import code_cell_lines

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
    unexecuted: int = 0
    """Pages with code shown without outputs: not executed (``--no-execute``), not cached."""
    html: Path | None = None
    pdf: Path | None = None
    notebooks: Path | None = None
    """The notebook zip."""
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Steps not started because their inputs hash the same as last time (``html``,
    ``latex``, ``latexmk``)."""


@dataclass
class BuildResult:
    editions: list[EditionResult]
    executed: int
    """Distinct notebooks executed in this build (shared by all languages)."""

    @property
    def warning_count(self) -> int:
        return sum(len(e.warnings) + len(e.problems) for e in self.editions)


def execution_cache(cfg: BookConfig) -> ExecutionCache:
    return ExecutionCache(cfg.build_dir / "cache" / "execute")


def build(cfg: BookConfig, langs: tuple[Language, ...], formats: tuple[str, ...] = FORMATS,
          jobs: int | None = None,
          progress: Callable[[Progress], None] = lambda e: None) -> BuildResult:
    jobs = jobs or cfg.jobs
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
            english = cfg.source_dir / f"{page.name}.md"
            in_english = page.name in e.english
            source = english if in_english else e.origin.get(page.name, page.path)
            text = e.english[page.name] if in_english else page.text
            cwd = english.parent if english.parent.is_dir() else e.tree / page.folder
            all_jobs.append(Job(f"{e.lang.code}:{page.name}", source,
                                page_notebook(page, cfg.execution.kernel), cwd,
                                code_cell_lines(text)))
    settings = Settings(kernel=cfg.execution.kernel, timeout=cfg.execution.timeout, jobs=jobs,
                        work_dir=cfg.build_dir / "cache")
    ex = cfg.execution
    options = BackendOptions(execute=ex.execute, scheduler=ex.scheduler, jobs=jobs, gpus=ex.gpus,
                             work_dir=settings.work_dir)
    summary = execute_notebooks(all_jobs, execution_cache(cfg), settings, progress,
                                lambda: make_backend(options), ex.fail_fast)
    executed: dict[str, dict] = {}
    for outcome in summary.outcomes:
        code, name = outcome.page.split(":", 1)
        executed.setdefault(code, {})[name] = outcome.notebook
        results[code].executed += int(outcome.executed)
        results[code].cached += int(outcome.has_code and not outcome.executed
                                    and not outcome.skipped)
        results[code].unexecuted += int(outcome.skipped)
        results[code].without_code += int(not outcome.has_code)
    exec_seconds = round(time.perf_counter() - t0, 2)

    for e in editions:
        result = results[e.lang.code]
        result.seconds["execute"] = exec_seconds
        _render(cfg, e, executed[e.lang.code], formats, jobs, result)
    return BuildResult([results[e.lang.code] for e in editions], summary.executed)


def _render(cfg: BookConfig, edition: Edition, notebooks: dict[str, dict],
            formats: tuple[str, ...], jobs: int, result: EditionResult) -> None:
    from d2lbook.render.settings import output_stem
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.tree import write_sphinx_tree
    from d2lbook.render.uptodate import Stamps, latex_digest, sphinx_digest

    lang = edition.lang
    out = cfg.build_dir / lang.code
    for name, counts in edition.progress.items():
        if name in notebooks:  # read by the site's translation notice
            notebooks[name]["metadata"].setdefault("d2lbook", {})["progress"] = counts
    tree = write_sphinx_tree(cfg, lang, edition.tree, notebooks, edition.assets)
    doctrees = out / "doctrees"
    stem = output_stem(cfg, lang)
    # A step whose inputs hash the same as when it last succeeded is not started (uptodate).
    stamps = Stamps(out)
    digest = sphinx_digest(cfg, tree)
    if "html" in formats or "notebooks" in formats:
        t0 = time.perf_counter()
        zip_path = out / "notebooks" / f"{stem}.zip"
        html_warnings = stamps.fresh("html", digest)
        bundle_warnings = stamps.fresh("notebooks", digest) if "notebooks" in formats else []
        if html_warnings is not None and bundle_warnings is not None:
            result.warnings += html_warnings + bundle_warnings
            result.html = out / "html" / "index.html"
            result.notebooks = zip_path if "notebooks" in formats else None
            result.skipped.append("html")
        else:
            stamps.forget("html")
            run = run_sphinx(tree, out / "html", doctrees, "html", jobs)
            result.warnings += run.warnings
            result.html = out / "html" / "index.html"
            stamps.record("html", digest, run.warnings, [result.html])
        result.seconds["html"] = round(time.perf_counter() - t0, 2)
        if "notebooks" in formats and bundle_warnings is None:
            from d2lbook.render.bundle import write_bundle
            from d2lbook.render.references import SphinxResolver

            t0 = time.perf_counter()
            stamps.forget("notebooks")
            folder = out / "notebooks"
            bundle = write_bundle(folder, zip_path, stem, notebooks,
                                  [p.name for p in edition.pages
                                   if p.name not in edition.generated],
                                  SphinxResolver(run.env, run.config), edition.tree,
                                  edition.assets)
            result.warnings += bundle.warnings
            result.notebooks = bundle.zip_path
            stamps.record("notebooks", digest, bundle.warnings, [bundle.zip_path])
            result.seconds["notebooks"] = round(time.perf_counter() - t0, 2)
    if "pdf" in formats:
        from d2lbook.render.latex import build_pdf

        t0 = time.perf_counter()
        target = out / "pdf" / f"{stem}.pdf"
        latex_warnings = stamps.fresh("latex", digest)
        if latex_warnings is None:
            stamps.forget("latex")
            run = run_sphinx(tree, out / "latex", out / "doctrees-latex", "latex", jobs)
            latex_warnings = run.warnings
            stamps.record("latex", digest, run.warnings, [out / "latex" / f"{stem}.tex"])
        else:
            result.skipped.append("latex")
        result.warnings += latex_warnings
        tex = latex_digest(out / "latex", stem)
        if stamps.fresh("pdf", tex) is None:
            stamps.forget("pdf")
            pdf = build_pdf(out / "latex", stem, lang.latex_engine)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pdf, target.with_suffix(".pdf.tmp"))
            target.with_suffix(".pdf.tmp").replace(target)
            stamps.record("pdf", tex, [], [target])
        else:
            result.skipped.append("latexmk")
        result.pdf = target
        result.seconds["pdf"] = round(time.perf_counter() - t0, 2)
