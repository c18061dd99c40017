"""What a failed build leaves behind, said at its end: the notebooks that failed (page and
framework), what was kept (the executions that succeeded are cached), and each output that was
not updated (it still holds the previous build, or was never built)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.layout import BookLayout
from d2lbook.source import PageKey


@dataclass
class FailureSummary:
    failed: list[str] = field(default_factory=list)
    """``source/en/page.md [pytorch] (en)`` per failed notebook."""
    executed: int = 0
    """Notebooks that ran to the end in this build (cached: the next build reuses them)."""
    updated: list[str] = field(default_factory=list)
    """Outputs written by this build before it stopped (a rendering error in a later step)."""
    stale: list[str] = field(default_factory=list)
    """Outputs not updated that hold a previous build's result."""
    absent: list[str] = field(default_factory=list)
    """Outputs not updated that were never built."""

    def lines(self) -> list[str]:
        out = ["build failed; summary:"]
        for page in self.failed:
            out.append(f"  failed:      {page}")
        if self.executed:
            out.append(f"  cached:      {self.executed} notebook(s) that ran to the end "
                       "(the next build reuses them)")
        if self.updated:
            out.append(f"  updated:     {', '.join(self.updated)}")
        if self.stale:
            out.append(f"  not updated: {', '.join(self.stale)} (still the previous build's)")
        if self.absent:
            out.append(f"  not built:   {', '.join(self.absent)}")
        return out


def _written_since(path: Path, started: float) -> bool:
    if path.is_file():
        return path.stat().st_mtime >= started
    return any(p.stat().st_mtime >= started for p in path.rglob("*") if p.is_file())


def failure_summary(cfg: BookConfig, langs: tuple[Language, ...], formats: tuple[str, ...],
                    failed: list[PageKey], executed: int, site: bool,
                    started: float) -> FailureSummary:
    """The summary of a build of ``langs`` in ``formats``, started at ``started`` (a
    ``time.time()``), that stopped with an error after ``failed`` notebooks failed and
    ``executed`` ran. Outputs are rendered only once every notebook succeeded; an output with
    a file written since ``started`` was updated before a later step failed."""
    layout = BookLayout(cfg)
    summary = FailureSummary(executed=executed)
    seen = set()
    for key in failed:
        fw = f" [{key.framework}]" if key.framework else ""
        name = f"{layout.relative(layout.source_page(key.page))}{fw}"
        if name not in seen:  # code is the same in every edition: one line per notebook
            seen.add(name)
            summary.failed.append(name)
    outputs: list[Path] = []
    for lang in langs:
        if "html" in formats:
            outputs.append(layout.html(lang))
        for fw in cfg.frameworks:
            if "pdf" in formats:
                outputs.append(layout.pdf(lang, fw.key))
            if "notebooks" in formats:
                outputs.append(layout.notebook_zip(lang, fw.key))
    if site:
        outputs.append(layout.site)
    for path in outputs:
        kind = (summary.absent if not path.exists() else
                summary.updated if _written_since(path, started) else summary.stale)
        kind.append(layout.relative(path))
    return summary
