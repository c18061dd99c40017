"""An edition's source tree: the English pages, or their translation plus the language overlay.

For the source language the pages are read as they are. For a translated language each English
page goes through its catalog (``locale/<locale>/LC_MESSAGES/<page>.po``); then files under
``source/<code>/`` overlay the result: a page there replaces the translated page wholesale or
adds a page, an asset there replaces the English asset. The tree is written to
``_build/<code>/source/`` and from then on every language is treated identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from d2lbook.config import BookConfig, Language
from d2lbook.errors import Problem
from d2lbook.files import prune, write_if_changed
from d2lbook.jsondata import JSONDict
from d2lbook.layout import PAGE_SUFFIX, BookLayout, page_file, page_file_name, page_of_file
from d2lbook.source import Page, asset_files, read_page_text, read_pages

if TYPE_CHECKING:
    from d2lbook.i18n.apply import ApplyResult
    from d2lbook.i18n.catalog import Catalog
    from d2lbook.i18n.status import DocumentStatus, MessageStatus
    from d2lbook.memo import PageMemo


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
    status_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Translated editions: page -> messages current / outdated / untranslated."""
    generated: set[str] = field(default_factory=set)
    """Pages made by the build (the translation-status page): not offered as notebooks."""
    english: dict[str, str] = field(default_factory=dict)
    """Page name -> the English page's text (code is never translated, so errors in a cell
    are reported against it)."""


def prepare_edition(cfg: BookConfig, lang: Language, memo: PageMemo | None = None
                    ) -> Edition:
    """Write the edition's tree under ``_build/<code>/source`` and describe it. ``memo``:
    where per-page work is remembered between builds (a page's checks, its catalog applied)."""
    layout = BookLayout(cfg)
    src = layout.english
    english = _read_pages(src, memo)
    edition = Edition(lang, layout.edition_source(lang), [], [])
    texts = {page.name: page.text for page in english}
    edition.origin = {page.name: page.path for page in english}
    edition.english = dict(texts)
    assets = {rel: src / rel for rel in asset_files(src)}
    if lang != cfg.source_language:
        overlay = layout.overlay(lang)
        _translate(layout, lang, english, texts, edition, memo)
        for name, path in layout.overlay_pages(lang).items():
            texts[name] = read_page_text(path)
            edition.origin[name] = path
        for name in sorted(set(texts) - set(edition.english) - _listed(texts)):
            del texts[name]  # a page the overlay adds and no toctree lists: not published
            edition.problems.append(Problem(
                edition.origin.pop(name), 0, f"a page of the {lang.code} edition that no "
                "toctree lists: not built; list it in a toctree to publish it",
                "unlisted-page"))
        if overlay.is_dir():
            assets.update({rel: overlay / rel for rel in asset_files(overlay)})
        from d2lbook.i18n.status_page import STATUS_PAGE, status_page

        texts[STATUS_PAGE] = status_page(lang.code, list(texts), edition.status_counts)
        edition.generated.add(STATUS_PAGE)
    _write_tree(edition.tree, texts, assets)
    edition.pages = _read_pages(edition.tree, memo)
    edition.assets = sorted(assets)
    return edition


def _read_pages(src: Path, memo: PageMemo | None) -> list[Page]:
    """``source.read_pages``, with each page's check for unclosed blocks (a Markdown parse)
    remembered by its text: a page already found sound is not parsed again."""
    if memo is None:
        return read_pages(src)
    from functools import partial

    from d2lbook.source import page_order, unclosed_fences

    pages = []
    for name in page_order(src):
        path = page_file(src, name)
        text = read_page_text(path)
        if memo.remember("fences", (text,), partial(unclosed_fences, text)):
            return read_pages(src)  # raises the located error
        pages.append(Page(name, path, text))
    return pages


def _listed(texts: dict[str, str]) -> set[str]:
    """The pages the toctrees reach from the root page (``:glob:`` patterns matched)."""
    import fnmatch
    from pathlib import PurePosixPath

    from d2lbook.source import ROOT_PAGE, resolve_entry, toctree_entries

    seen: set[str] = set()
    todo = [ROOT_PAGE]
    while todo:
        name = todo.pop()
        if name in seen or name not in texts:
            continue
        seen.add(name)
        for entry in toctree_entries(texts[name]):
            target = resolve_entry(PurePosixPath(name).parent, entry)
            if any(c in target for c in "*?["):
                todo += [n for n in texts if fnmatch.fnmatch(n, target)]
            else:
                todo.append(target)
    return seen


_APPLIED: dict[tuple[str, str, bool, str, bytes | None, tuple[tuple[int, str], ...]],
               tuple[Catalog | None, list[Problem], ApplyResult]] = {}
"""(page, catalog path, outdated shown, English text, catalog bytes, earlier translations) ->
(catalog, its problems, the applied result): a pure function of these, remembered because
``serve`` prepares every page of the edition on each rebuild. Read only once stored."""


def _translate(layout: BookLayout, lang: Language, english: list[Page], texts: dict[str, str],
               edition: Edition, memo: PageMemo | None = None) -> None:
    """Apply each page's catalog (pages the overlay replaces wholesale are left to it), mark
    the paragraphs still in English and count their statuses (``memo``: each page's result
    remembered by its text, its catalog and its messages' statuses)."""
    drift = _drift(layout, lang)
    wholesale = layout.replaced_pages(lang, (page.name for page in english))
    for page in english:
        if page.name in wholesale:
            continue
        path = layout.catalog(lang, page.name)
        data = path.read_bytes() if path.is_file() else None
        doc = drift.get(page.name)
        messages = doc.by_segment if doc is not None else []

        def work(page: Page = page, path: Path = path, data: bytes | None = data,
                 messages: list[MessageStatus] = messages) -> JSONDict:
            return _translate_page(page, path, data, messages, lang.shows_outdated)

        if memo is None:
            done = work()
        else:
            import json

            said = json.dumps([[m.status, m.translation] for m in messages])
            done = memo.remember("translated", (page.name, str(path), str(lang.shows_outdated),
                                                page.text, data, said), work)
        edition.problems += [Problem(Path(file) if is_path else file, line, message, code)
                             for file, is_path, line, message, code in done["problems"]]
        texts[page.name] = done["text"]
        edition.status_counts[page.name] = done["counts"]
        edition.translated += done["translated"]
        edition.untranslated += done["untranslated"]
        if path.is_file():
            edition.origin[page.name] = path
    edition.status_counts.update({name: dict(doc.counts) for name, doc in drift.items()
                             if doc.kind == "replacement"})


def _translate_page(page: Page, path: Path, data: bytes | None,
                    messages: list[MessageStatus], shows_outdated: bool) -> JSONDict:
    """One page through its catalog (``data``: the catalog's bytes, None without one;
    ``messages``: the page's statuses from the history): the marked text, its counts, the
    problems found and the numbers of messages translated and not, as JSON-safe values."""
    from d2lbook.i18n.apply import apply_catalog, load_catalog_safely
    from d2lbook.i18n.marks import mark_paragraphs, shown_statuses
    from d2lbook.i18n.rejected import rejected_in
    from d2lbook.i18n.segment import segment
    from d2lbook.i18n.status import Status, catalog_status, count_messages

    earlier: dict[int, str] = {}
    if shows_outdated and messages and len(messages) == len(segment(page.text)):
        earlier = {index: msg.translation for index, msg in enumerate(messages)
                   if msg.status == Status.OUTDATED and msg.translation}
    key = (page.name, str(path), shows_outdated, page.text, data,
           tuple(sorted(earlier.items())))
    if key not in _APPLIED:
        catalog, load_problems = load_catalog_safely(path) if data is not None \
            else (None, [])
        if len(_APPLIED) >= 4096:
            _APPLIED.clear()
        _APPLIED[key] = (catalog, load_problems,
                         apply_catalog(page.text, catalog, page=page.name,
                                       use_fuzzy=shows_outdated,
                                       catalog_path=path, earlier=earlier))
    catalog, load_problems, result = _APPLIED[key]
    if len(messages) != result.translated + result.fuzzy_used + result.untranslated:
        messages = catalog_status(page.text, catalog).by_segment
    statuses = shown_statuses(messages, result.applied)
    for index in rejected_in(page.text, catalog, result, use_fuzzy=shows_outdated):
        if index < len(statuses):
            statuses[index] = Status.REJECTED  # shown in English, counted apart
    text, counts = mark_paragraphs(result.text, statuses)
    msgids = [seg.msgid for seg in segment(page.text)]
    if len(msgids) == len(statuses):
        counts = count_messages(zip(msgids, statuses, strict=True))
    return {"text": text, "counts": dict(counts),
            "problems": [[str(p.file), isinstance(p.file, Path), p.line, p.message, p.code]
                         for p in [*load_problems, *result.problems]],
            "translated": result.translated, "untranslated": result.untranslated}


def _write_tree(tree: Path, texts: dict[str, str], assets: dict[Path, Path]) -> None:
    keep: set[Path] = set()
    for name, text in texts.items():
        write_if_changed(page_file(tree, name), text)
        keep.add(Path(page_file_name(name)))
    for rel, path in assets.items():
        write_if_changed(tree / rel, path.read_bytes())
        keep.add(rel)
    prune(tree, keep, {PAGE_SUFFIX} | {p.suffix for p in keep})


def _drift(layout: BookLayout, lang: Language) -> dict[str, DocumentStatus]:
    """The git-aware status of every page of ``lang`` (page name -> its document), computed
    once; empty without git history (each page's catalog alone then decides)."""
    from d2lbook.errors import D2lbookError
    from d2lbook.i18n.drift import compute_status

    try:
        report = compute_status(layout.cfg, lang)
    except D2lbookError:
        return {}
    prefix = layout.relative(layout.english) + "/"
    return {page_of_file(doc.source.split(prefix, 1)[-1]): doc for doc in report.documents}
