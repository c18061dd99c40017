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
from d2lbook.execute.cache import ExecutionCache
from d2lbook.execute.runner import Job, Progress, Settings, execute_notebooks
from d2lbook.lock import locked
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
    return ExecutionCache(cfg.build_dir / "cache" / "execute")


@locked
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
    summary = execute_notebooks(all_jobs, execution_cache(cfg), settings, progress)
    executed: dict[str, dict] = {}
    for outcome in summary.outcomes:
        code, name = outcome.page.split(":", 1)
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
    from d2lbook.render.settings import output_stem
    from d2lbook.render.tree import write_sphinx_tree

    lang = edition.lang
    out = cfg.build_dir / lang.code
    for name, counts in edition.progress.items():
        if name in notebooks:  # read by the site's translation notice
            notebooks[name]["metadata"]["d2lbook"] = {"progress": counts}
    tree = write_sphinx_tree(cfg, lang, edition.tree, _for_sphinx(cfg, edition, notebooks),
                             edition.assets)
    doctrees = out / "doctrees"
    stem = output_stem(cfg, lang)
    if "html" in formats or "notebooks" in formats:
        t0 = time.perf_counter()
        run = _sphinx(cfg, edition, tree, out / "html", doctrees, "html", jobs)
        result.warnings += run.warnings
        result.html = out / "html" / "index.html"
        result.seconds["html"] = round(time.perf_counter() - t0, 2)
        if "notebooks" in formats:
            from d2lbook.render.bundle import write_bundle
            from d2lbook.render.references import SphinxResolver

            t0 = time.perf_counter()
            folder = out / "notebooks"
            bundle = write_bundle(folder, folder / f"{stem}.zip", stem, notebooks,
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
        run = _sphinx(cfg, edition, tree, out / "latex", out / "doctrees-latex", "latex", jobs)
        result.warnings += run.warnings
        pdf = build_pdf(out / "latex", stem, lang.latex_engine)
        target = out / "pdf" / f"{stem}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, target.with_suffix(".pdf.tmp"))
        target.with_suffix(".pdf.tmp").replace(target)
        result.pdf = target
        result.seconds["pdf"] = round(time.perf_counter() - t0, 2)


def _for_sphinx(cfg: BookConfig, edition: Edition, notebooks: dict[str, dict]) -> dict:
    """Outputs limited for the page, cells mapped to their lines in the edition's page."""
    from d2lbook.render.outputs import sphinx_notebooks

    return sphinx_notebooks(notebooks, {p.name: p.text for p in edition.pages},
                            cfg.execution.output_limit)


def _sphinx(cfg: BookConfig, edition: Edition, tree: Path, outdir: Path, doctrees: Path,
            builder: str, jobs: int):
    """Run Sphinx; its warnings are kept per page (reported until fixed) and name the source
    pages."""
    from d2lbook.render.sphinx_run import run_sphinx
    from d2lbook.render.warnings_store import WarningStore, line_map

    store = WarningStore(cfg.build_dir / edition.lang.code / f"warnings-{builder}.json")
    origins = {}
    for name in edition.origin:
        path = _source_page(cfg, edition, name)
        origins[name] = str(path.relative_to(cfg.root) if path.is_relative_to(cfg.root) else path)
    run = run_sphinx(tree, outdir, doctrees, builder, jobs, reread=store.pending(origins))
    # a translated page: its lines are the English page's, shifted by the translation
    named = "\n".join(run.warnings)
    lines = {p.name: line_map(p.text, edition.english[p.name]) for p in edition.pages
             if edition.origin.get(p.name, Path()).suffix == ".po"
             and f"/{p.name}.ipynb" in named and p.text != edition.english.get(p.name, p.text)}
    run.warnings = store.update(run.warnings, run.processed, run.docnames, tree, origins, lines)
    return run


def _source_page(cfg: BookConfig, edition: Edition, name: str) -> Path:
    """The page a warning about ``name`` points at: the English page for a page translated by
    a catalog (markup, labels and code live there), else the page itself."""
    origin = edition.origin[name]
    return cfg.source_dir / f"{name}.md" if origin.suffix == ".po" else origin
