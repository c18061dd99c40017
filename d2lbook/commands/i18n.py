"""``d2lbook i18n``: extract templates, update catalogs (with git repairs), coverage, status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.layout import BookLayout
from d2lbook.source import read_pages


def english_pages(cfg: BookConfig) -> dict[str, str]:
    return {p.name: p.text for p in read_pages(BookLayout(cfg).english)}


def translated_languages(cfg: BookConfig, code: str) -> tuple[Language, ...]:
    return tuple(lang for lang in cfg.select(code) if lang != cfg.source_language)


def extract(cfg: BookConfig) -> list[Path]:
    from d2lbook.i18n.extract import write_templates

    return write_templates(english_pages(cfg), BookLayout(cfg).templates)


@dataclass
class UpdateReport:
    lang: str
    results: list = field(default_factory=list)
    """``d2lbook.i18n.update.UpdateResult`` per page."""
    recovered: dict[str, int] = field(default_factory=dict)
    """Page -> translations carried over a rewrite thanks to git history."""
    replaced: list[str] = field(default_factory=list)
    """Pages with a whole-file replacement: no catalog is kept for them."""
    note: str = ""


def update(cfg: BookConfig, lang: Language) -> UpdateReport:
    """Merge every page's English into its catalog; then let git link rewritten paragraphs to
    their old translations (offered as fuzzy) where msgmerge could not."""
    from d2lbook.i18n.catalog import read_catalog
    from d2lbook.i18n.update import update_catalogs
    from d2lbook.vcs import GitError, Repository

    layout = BookLayout(cfg)
    english = english_pages(cfg)
    replaced = layout.replaced_pages(lang, english)
    pages = {name: text for name, text in english.items() if name not in replaced}
    report = UpdateReport(lang.code, replaced=sorted(replaced))
    try:
        repo = Repository(cfg.root)
        paths = {name: repo.relpath(layout.source_page(name)) for name in pages}
        last = repo.last_commits(list(paths.values()))
        commits = {name: sha for name, path in paths.items() if (sha := last.get(path))}
        dirty = {c.path for c in repo.worktree_changes(list(paths.values()))}
        for name, path in paths.items():
            if path in dirty:  # uncommitted English: the sync point is not a commit yet
                commits.pop(name, None)
    except GitError as err:
        repo, paths, commits = None, {}, {}
        report.note = f"no git history ({err}); X-Source-Commit left as it was"

    before: dict[str, str] = {}
    for name in pages:
        path = layout.catalog(lang, name)
        if path.is_file():
            sync = read_catalog(path).header.get("X-Source-Commit", "")
            if sync:
                before[name] = sync
    report.results = update_catalogs(pages, layout.locale, lang.locale, commits,
                                     project=cfg.name, language_team=f"{lang.title}")
    if repo is not None:
        report.recovered = _repair(repo, cfg, lang, pages, paths, before, report.results)
    return report


def _repair(repo, cfg: BookConfig, lang: Language, pages: dict[str, str],
            paths: dict[str, str], before: dict[str, str], results: list) -> dict[str, int]:
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from d2lbook.i18n.history import recover_rewrites

    updated = [r for r in results if r.status == "updated" and r.page in before]
    specs = {r.page: f"{before[r.page]}:{paths[r.page]}" for r in updated}
    old_texts = repo.read_texts(specs.values()) if specs else {}
    recovered: dict[str, int] = {}
    for r in updated:
        old = old_texts.get(specs[r.page])
        if old is None:
            continue
        repair = recover_rewrites(old, pages[r.page], read_catalog(r.path))
        if repair.recovered:
            write_catalog(repair.catalog, r.path)
            recovered[r.page] = len(repair.recovered)
    return recovered


def coverage(cfg: BookConfig, lang: Language) -> list[tuple[str, object]]:
    """(page, ``Coverage``) for every page, in reading order."""
    from d2lbook.i18n.apply import load_catalog_safely
    from d2lbook.i18n.coverage import page_coverage

    layout = BookLayout(cfg)
    rows = []
    english = english_pages(cfg)
    replaced = layout.replaced_pages(lang, english)
    for name, text in english.items():
        if name in replaced:
            continue
        path = layout.catalog(lang, name)
        catalog = load_catalog_safely(path)[0] if path.is_file() else None
        rows.append((name, page_coverage(text, catalog)))
    return rows


def status(cfg: BookConfig, lang: Language, paths: list[str] | None = None):
    """The git-aware translation status of ``lang`` (``d2lbook.i18n.status.StatusReport``),
    limited to ``paths`` when given."""
    from d2lbook.i18n.drift import compute_status

    return compute_status(cfg, lang, paths)
