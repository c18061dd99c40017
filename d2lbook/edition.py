"""An edition's source tree: the English pages, or their translation plus the language overlay.

For the source language the pages are read as they are. For a translated language each English
page goes through its catalog (``locale/<locale>/LC_MESSAGES/<page>.po``); then files under
``source/<code>/`` overlay the result: a page there replaces the translated page wholesale or
adds a page, an asset there replaces the English asset. The tree is written to
``_build/<code>/source/`` and from then on every language is treated identically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.errors import Problem
from d2lbook.files import prune, write_if_changed
from d2lbook.source import Page, asset_files, page_name, read_page_text, read_pages


@dataclass
class Edition:
    lang: Language
    tree: Path
    """``_build/<code>/source``: the edition's pages (MyST markdown) and assets."""
    pages: list[Page]
    assets: list[Path]
    """Asset paths relative to the tree."""
    origin: dict[str, Path] = field(default_factory=dict)
    """Page name -> the file a user edits for it (English page, overlay page)."""
    problems: list[Problem] = field(default_factory=list)
    translated: int = 0
    untranslated: int = 0
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    """Translated editions: page -> messages current / outdated / untranslated."""
    generated: set[str] = field(default_factory=set)
    """Pages made by the build (the translation-status page): not offered as notebooks."""
    english: dict[str, str] = field(default_factory=dict)
    """Page name -> the English page's text (code is never translated, so errors in a cell
    are reported against it)."""


def replaced_pages(cfg: BookConfig, lang: Language, names: Iterable[str]) -> set[str]:
    """The pages among ``names`` that ``lang`` replaces wholesale (``source/<code>/<page>.md``):
    translated in that file, not in a catalog."""
    overlay = cfg.overlay_dir(lang)
    return {name for name in names if (overlay / f"{name}.md").is_file()}


def prepare_edition(cfg: BookConfig, lang: Language) -> Edition:
    """Write the edition's tree under ``_build/<code>/source`` and describe it."""
    src = cfg.source_dir
    english = read_pages(src)
    edition = Edition(lang, cfg.build_dir / lang.code / "source", [], [])
    texts = {page.name: page.text for page in english}
    edition.origin = {page.name: page.path for page in english}
    edition.english = dict(texts)
    assets = {rel: src / rel for rel in asset_files(src)}
    if lang != cfg.source_language:
        overlay = cfg.overlay_dir(lang)
        _translate(cfg, lang, english, texts, edition)
        if overlay.is_dir():
            for path in sorted(overlay.rglob("*.md")):
                name = page_name(overlay, path)
                texts[name] = read_page_text(path)
                edition.origin[name] = path
            assets.update({rel: overlay / rel for rel in asset_files(overlay)})
        from d2lbook.i18n.progress import STATUS_PAGE, status_page

        texts[STATUS_PAGE] = status_page(lang.code, list(texts), edition.progress)
        edition.generated.add(STATUS_PAGE)
    _write_tree(edition.tree, texts, assets)
    edition.pages = read_pages(edition.tree)
    edition.assets = sorted(assets)
    return edition


def _translate(cfg: BookConfig, lang: Language, english: list[Page], texts: dict[str, str],
               edition: Edition) -> None:
    """Apply each page's catalog (pages the overlay replaces wholesale are left to it), mark
    the paragraphs still in English and count the progress."""
    from d2lbook.i18n.apply import apply_catalog, load_catalog_safely
    from d2lbook.i18n.marks import mark_paragraphs, refine
    from d2lbook.i18n.update import catalog_path

    by_line, replaced = _git_status(cfg, lang)
    wholesale = replaced_pages(cfg, lang, (page.name for page in english))
    for page in english:
        if page.name in wholesale:
            continue
        path = catalog_path(cfg.locale_path, lang.locale, page.name)
        catalog, load_problems = load_catalog_safely(path) if path.is_file() else (None, [])
        result = apply_catalog(page.text, catalog, page=page.name,
                               use_fuzzy=lang.apply_fuzzy, catalog_path=path)
        edition.problems += [Problem(p.file, p.line, p.message, p.code)
                             for p in (*load_problems, *result.problems)]
        statuses = refine(result.statuses, page.text, by_line.get(page.name, {}))
        texts[page.name], edition.progress[page.name] = mark_paragraphs(result.text, statuses)
        edition.translated += result.translated
        edition.untranslated += result.untranslated
        if path.is_file():
            edition.origin[page.name] = path
    edition.progress.update(replaced)


def _write_tree(tree: Path, texts: dict[str, str], assets: dict[Path, Path]) -> None:
    keep: set[Path] = set()
    for name, text in texts.items():
        write_if_changed(tree / f"{name}.md", text)
        keep.add(Path(f"{name}.md"))
    for rel, path in assets.items():
        write_if_changed(tree / rel, path.read_bytes())
        keep.add(rel)
    prune(tree, keep, {".md"} | {p.suffix for p in keep})


def _git_status(cfg: BookConfig, lang: Language
                ) -> tuple[dict[str, dict[int, str]], dict[str, dict[str, int]]]:
    """From the git-aware status: per page, English line -> status; and the message counts of
    whole-file replacements. Empty without git history (the catalogs alone then decide)."""
    from d2lbook.errors import D2lbookError
    from d2lbook.i18n.status_command import compute_status

    try:
        report = compute_status(cfg, lang)
    except D2lbookError:
        return {}, {}
    prefix = cfg.source_dir.relative_to(cfg.root).as_posix() + "/"
    by_line: dict[str, dict[int, str]] = {}
    replaced: dict[str, dict[str, int]] = {}
    for doc in report.documents:
        name = doc.source.split(prefix, 1)[-1].removesuffix(".md")
        if doc.kind == "replacement":
            replaced[name] = dict(doc.counts)
        by_line[name] = {m.line: m.status for m in doc.messages if m.line is not None}
    return by_line, replaced
