"""What an import did: pages matched (English version, confidence), messages translated,
fuzzy and untranslated, fork blocks left over, code differences, warnings. Text and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from d2lbook.jsondata import JSONDict

__all__ = ["PageImport", "ForkImport", "render_text", "render_json"]


@dataclass
class PageImport:
    fork_file: str
    """The fork page (relative to the fork's folder)."""
    english: str | None
    """The English page today (``source/en/...``), or None for a fork-only page."""
    catalog: str | None = None
    """The catalog written (or that would be written)."""
    version_commit: str | None = None
    """The English commit whose version of the page the fork translates."""
    version_date: str | None = None
    version_path: str | None = None
    """The English page's path in that version (differs when renamed since)."""
    confidence: float = 0.0
    """Structural similarity of the fork page and that version (0..1)."""
    candidates: int = 0
    """Versions that fit as well structurally (1: unambiguous)."""
    anchors: tuple[int, int, int] = (0, 0, 0)
    """Aligned anchors, English anchors, fork anchors."""
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    kept: int = 0
    """Translations of an existing catalog kept as they were."""
    obsolete: int = 0
    """Translations of English gone since the fork's version, kept as obsolete entries."""
    comments: int = 0
    """Code comments translated (the fork's comments in aligned code cells, or kept)."""
    leftovers: list[JSONDict] = field(default_factory=list)
    """Fork blocks that found no place: ``{"line", "text", "reason"}``."""
    code: list[JSONDict] = field(default_factory=list)
    """Code cells that differ beyond comments and layout: ``{"fork_line", "english_line",
    "detail"}``."""
    written: str | None = None
    """For a fork-only page: the Chinese-only page written (``source/zh/...``)."""
    pairs: list[JSONDict] = field(default_factory=list)
    """Every pair found: ``{"english", "translation", "confident", "note", "fork_line"}``
    (not in the JSON report)."""


@dataclass
class ForkImport:
    fork: str
    language: str
    locale: str
    head: str | None
    """The English commit the catalogs are synced to."""
    fork_point: str | None = None
    """The English commit most fork pages were translated from."""
    fork_point_date: str | None = None
    pages: list[PageImport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """English pages the fork lacks (left untranslated)."""
    warnings: list[str] = field(default_factory=list)
    language_added: bool = False
    """The language table was added to pyproject.toml."""
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def totals(self) -> dict[str, int]:
        matched = [p for p in self.pages if p.english]
        return {
            "pages": len(self.pages),
            "matched": len(matched),
            "fork_only": len(self.pages) - len(matched),
            "missing": len(self.missing),
            "translated": sum(p.translated for p in matched),
            "fuzzy": sum(p.fuzzy for p in matched),
            "untranslated": sum(p.untranslated for p in matched),
            "kept": sum(p.kept for p in matched),
            "obsolete": sum(p.obsolete for p in matched),
            "comments": sum(p.comments for p in matched),
            "leftovers": sum(len(p.leftovers) for p in self.pages),
            "code_differences": sum(len(p.code) for p in self.pages),
            "warnings": len(self.warnings),
        }

    def to_json(self) -> JSONDict:
        pages = []
        for page in self.pages:
            data = asdict(page)
            data.pop("pairs")
            data["anchors"] = dict(zip(("aligned", "english", "fork"), page.anchors,
                                       strict=True))
            pages.append(data)
        return {"version": 1, "fork": self.fork, "language": self.language,
                "locale": self.locale, "head": self.head, "fork_point": self.fork_point,
                "fork_point_date": self.fork_point_date,
                "language_added": self.language_added, "dry_run": self.dry_run,
                "pages": pages, "missing": self.missing, "warnings": self.warnings,
                "totals": self.totals}


def render_json(result: ForkImport) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(result: ForkImport) -> str:
    out: list[str] = []
    point = f", forked from {result.fork_point[:10]}" if result.fork_point else ""
    point += f" ({result.fork_point_date[:10]})" if result.fork_point_date else ""
    out.append(f"import of {result.fork} ({result.language}, {result.locale}){point}"
               + (" [dry run: nothing written]" if result.dry_run else ""))
    for page in result.pages:
        if page.english is None:
            where = f" -> {page.written}" if page.written else " (not written)"
            out.append(f"  {page.fork_file}: only in the fork{where}")
        else:
            version = (page.version_commit or "?")[:10]
            moved = f" (was {page.version_path})" if page.version_path and \
                not page.english.endswith(page.version_path) else ""
            ambiguous = f", {page.candidates} versions fit" if page.candidates > 1 else ""
            out.append(f"  {page.fork_file} -> {page.english}{moved} @ {version} "
                       f"(confidence {page.confidence:.2f}{ambiguous}): "
                       f"{page.translated} translated, {page.fuzzy} fuzzy, "
                       f"{page.untranslated} untranslated"
                       + (f", {page.kept} kept from the existing catalog" if page.kept else "")
                       + (f", {page.obsolete} obsolete (English gone)" if page.obsolete
                          else "")
                       + (f", {page.comments} code comment(s)" if page.comments else ""))
        for item in page.code:
            english = f" (English version, line {item['english_line']})" \
                if item["english_line"] else ""
            out.append(f"    {page.fork_file}:{item['fork_line']}: {item['detail']}{english}")
        for item in page.leftovers:
            out.append(f"    {page.fork_file}:{item['line']}: left over ({item['reason']}): "
                       f"{_clip(item['text'])}")
    for name in result.missing:
        out.append(f"  {name}: not in the fork (untranslated)")
    for warning in result.warnings:
        out.append(f"warning: {warning}")
    t = result.totals
    out.append(f"{t['matched']} page(s) matched, {t['fork_only']} only in the fork, "
               f"{t['missing']} not in the fork; messages: {t['translated']} translated, "
               f"{t['fuzzy']} fuzzy, {t['untranslated']} untranslated; {t['comments']} code "
               f"comment(s) translated; {t['leftovers']} "
               f"fork block(s) left over, {t['code_differences']} code difference(s)")
    return "\n".join(out) + "\n"
