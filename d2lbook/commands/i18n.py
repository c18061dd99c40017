"""``d2lbook i18n``: extract templates, update catalogs (with git repairs), coverage, status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from d2lbook.config import BookConfig, Language
from d2lbook.layout import BookLayout, page_file_name, page_of_file
from d2lbook.source import read_pages

if TYPE_CHECKING:
    from d2lbook.i18n.catalog import Catalog
    from d2lbook.i18n.coverage import Coverage
    from d2lbook.i18n.status import StatusReport
    from d2lbook.i18n.update import UpdateResult
    from d2lbook.jsondata import JSONDict
    from d2lbook.vcs import Repository

Book = BookConfig | BookLayout
"""What the commands take: the book's configuration, or the layout the caller built from it
(each command builds its layout once and passes it down)."""


def english_pages(book: Book) -> dict[str, str]:
    return {p.name: p.text for p in read_pages(BookLayout.of(book).english)}


def translated_languages(cfg: BookConfig, code: str) -> tuple[Language, ...]:
    return tuple(lang for lang in cfg.select(code) if lang != cfg.source_language)


def extract(book: Book) -> list[Path]:
    from d2lbook.i18n.extract import write_templates

    layout = BookLayout.of(book)
    return write_templates(english_pages(layout), layout.templates)


@dataclass
class UpdateReport:
    lang: str
    results: list[UpdateResult] = field(default_factory=list)
    """``d2lbook.i18n.update.UpdateResult`` per page."""
    recovered: dict[str, int] = field(default_factory=dict)
    """Page -> translations carried over a rewrite thanks to git history."""
    replaced: list[str] = field(default_factory=list)
    """Pages with a whole-file replacement: no catalog is kept for them."""
    moved: dict[str, str] = field(default_factory=dict)
    """Old page -> new page, for catalogs moved because git says their page was renamed."""
    note: str = ""


def update(book: Book, lang: Language) -> UpdateReport:
    """Merge every page's English into its catalog; then let git link rewritten paragraphs to
    their old translations (offered as fuzzy) where msgmerge could not."""
    from d2lbook.i18n.update import update_catalogs
    from d2lbook.vcs import UNSHALLOW_HINT, GitError, Repository

    layout = BookLayout.of(book)
    cfg = layout.cfg
    english = english_pages(layout)
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
        unverified = _shallow_boundary(repo, commits)
        if unverified:
            report.note = (f"cannot verify X-Source-Commit of {len(unverified)} page(s) "
                           f"({', '.join(unverified[:3])}{', ...' if len(unverified) > 3 else ''}"
                           f"): their last English change is older than this shallow clone's "
                           f"history, so X-Source-Commit was left as it was; {UNSHALLOW_HINT}")
    except GitError as err:
        repo, paths, commits = None, {}, {}
        report.note = f"no git history ({err}); X-Source-Commit left as it was"

    if repo is not None:
        report.moved = _follow_renames(repo, layout, lang, pages)

    before, unknown = _recorded_syncs(layout, lang, pages, repo)
    report.results = update_catalogs(pages, layout.locale, lang.locale, commits,
                                     project=cfg.name, language_team=f"{lang.title}",
                                     resync=unknown)
    if repo is not None:
        en_rel = repo.relpath(cfg.source_dir)
        old_paths = {**paths, **{new: f"{en_rel}/{page_file_name(old)}"
                                 for old, new in report.moved.items()}}
        report.recovered = _repair(repo, pages, old_paths, before, report.results)
    return report


def _recorded_syncs(layout: BookLayout, lang: Language, pages: dict[str, str],
                    repo: Repository | None) -> tuple[dict[str, str], set[str]]:
    """Page -> the sync commit its catalog records (``X-Source-Commit``); and the pages whose
    recorded commit this repository does not have (their sync commit is replaced)."""
    from d2lbook.i18n.catalog import read_catalog

    before: dict[str, str] = {}
    for name in pages:
        path = layout.catalog(lang, name)
        if path.is_file():
            sync = read_catalog(path).header.get("X-Source-Commit", "")
            if sync:
                before[name] = sync
    unknown: set[str] = set()
    if repo is not None and before:  # a sync commit this repository does not have: replace it
        known = repo.resolve_many(set(before.values()))
        unknown = {name for name, sync in before.items() if known.get(sync) is None}
    return before, unknown


def _shallow_boundary(repo: Repository, commits: dict[str, str]) -> list[str]:
    """Pages whose last commit found is a shallow clone's boundary commit (git shows every
    file as added there, so it is not the commit that last changed the page): removed from
    ``commits`` and returned."""
    if not repo.shallow:
        return []
    try:
        boundary = set((repo.git_dir / "shallow").read_text(encoding="utf-8").split())
    except OSError:
        return []
    pages = [name for name, sha in commits.items() if sha in boundary]
    for name in pages:
        commits.pop(name)
    return pages


def _follow_renames(repo: Repository, layout: BookLayout, lang: Language, pages: dict[str, str]
                    ) -> dict[str, str]:
    """Move the catalog of every page git saw renamed (committed, or staged with ``git mv``;
    chained renames and moves to another folder included) to the page's new name, unless the
    new name already has a catalog with translations. Old page -> new page."""
    from d2lbook.i18n.catalog import read_catalog
    from d2lbook.i18n.moves import move_catalog, renamed_to
    from d2lbook.vcs import History

    catalogs = layout.catalog_files(lang)
    orphans = {name: path for name, path in catalogs.items()
               if name not in pages and not layout.source_page(name).exists()}
    if not orphans:
        return {}
    en_rel = repo.relpath(layout.english)
    history = repo.history([en_rel]) if repo.head().sha else History()
    staged = repo.worktree_changes([en_rel])
    exists = {f"{en_rel}/{page_file_name(name)}" for name in pages}
    moved: dict[str, str] = {}
    for name, path in orphans.items():
        target = renamed_to(history, f"{en_rel}/{page_file_name(name)}", exists, staged)
        if target is None:
            continue
        new = page_of_file(target.removeprefix(en_rel + "/"))
        dest = layout.catalog(lang, new)
        if new in moved.values() or (dest.is_file() and _has_translations(dest, read_catalog)):
            continue
        move_catalog(path, dest)
        moved[name] = new
    return moved


def _has_translations(path: Path, read: Callable[[Path], Catalog]) -> bool:
    from d2lbook.errors import I18nError

    try:
        return any(e.msgstr for e in read(path).entries)
    except I18nError:
        return True  # never replace a catalog we cannot read


def _repair(repo: Repository, pages: dict[str, str], paths: dict[str, str],
            before: dict[str, str], results: list[UpdateResult]) -> dict[str, int]:
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


def coverage(book: Book, lang: Language) -> list[tuple[str, Coverage]]:
    """(page, ``Coverage``) for every page, in reading order. A catalog that cannot be read
    raises an :class:`I18nError` naming it once every page was counted (its ``rows``
    attribute holds the rows; such a page counts as untranslated)."""
    from d2lbook.errors import I18nError
    from d2lbook.i18n.catalog import read_catalog
    from d2lbook.i18n.coverage import page_coverage

    layout = BookLayout.of(book)
    rows = []
    problems = []
    english = english_pages(layout)
    replaced = layout.replaced_pages(lang, english)
    for name, text in english.items():
        if name in replaced:
            continue
        path = layout.catalog(lang, name)
        catalog = None
        if path.is_file():
            try:
                catalog = read_catalog(path)
            except I18nError as err:
                problems.extend(err.problems)
        rows.append((name, page_coverage(text, catalog, use_fuzzy=lang.shows_outdated)))
    if problems:
        error = I18nError(problems)
        error.rows = rows  # type: ignore[attr-defined]  # what could be counted, for the CLI
        raise error
    return rows


def status(book: Book, lang: Language, paths: list[str] | None = None) -> StatusReport:
    """The git-aware translation status of ``lang`` (``d2lbook.i18n.status.StatusReport``),
    limited to ``paths`` when given."""
    from d2lbook.i18n.drift import compute_status

    layout = BookLayout.of(book)
    report = compute_status(layout, lang, paths)
    _mark_rejected(layout, lang, report)
    return report


def _mark_rejected(layout: BookLayout, lang: Language, report: StatusReport) -> None:
    """Give the messages whose translation the build refuses the status ``rejected``, with
    the reason and the catalog line of their ``msgstr``. The check applies each catalog as
    the build does (about 0.1 s a page): from 16 pages on, a forked child checks half."""
    from d2lbook.i18n.forked import Forked
    from d2lbook.i18n.status import Status
    from d2lbook.vcs import Repository

    top = Repository(layout.root).root
    docs = [d for d in report.documents
            if d.kind == "catalog" and d.catalog is not None and d.by_segment]
    cache_path = layout.rejections_cache
    cached = _read_json(cache_path)
    salt = _checker_version(lang.shows_outdated)
    keys: dict[str, str] = {}
    for d in docs:  # each has a catalog (filtered above)
        try:
            keys[d.source] = _content_key(salt, top / d.source, top / cast(str, d.catalog))
        except OSError:
            continue
    found = {d.source: {int(i): tuple(v) for i, v in cached[keys[d.source]].items()}
             for d in docs if d.source in keys and keys[d.source] in cached}
    jobs = [(d.source, str(top / d.source), str(top / cast(str, d.catalog))) for d in docs
            if d.source in keys and d.source not in found]
    away = jobs[1::2] if len(jobs) >= 16 else []
    child = Forked(_rejections, away, lang.shows_outdated) if away else None
    fresh = _rejections([j for j in jobs if j not in away], lang.shows_outdated)
    if child is not None:
        fresh.update(child.result())
    if jobs:
        for source, *_ in jobs:
            found[source] = fresh.get(source, {})
        _write_json(cache_path, {keys[s]: v for s, v in found.items()})
    for doc in docs:
        for index, (reason, line, msgstr) in found.get(doc.source, {}).items():
            if index < len(doc.by_segment):
                msg = doc.by_segment[index]
                msg.status, msg.reason, msg.msgstr_line = Status.REJECTED, reason, line
                msg.translation = msgstr


def _rejections(jobs: list[tuple[str, str, str]], use_fuzzy: bool
                ) -> dict[str, dict[int, tuple[str, int, str]]]:
    """English source -> segment index -> (reason, msgstr line, translation)."""
    from d2lbook.errors import I18nError
    from d2lbook.i18n.catalog import read_catalog
    from d2lbook.i18n.rejected import rejected_messages

    found: dict[str, dict[int, tuple[str, int, str]]] = {}
    for source, page, catalog_path in jobs:
        try:
            text = Path(page).read_text(encoding="utf-8")
            catalog = read_catalog(Path(catalog_path))
        except (OSError, UnicodeDecodeError, I18nError):
            continue  # reported by the status itself
        rejected = rejected_messages(text, catalog, use_fuzzy=use_fuzzy)
        found[source] = {i: (r.reason, r.line, r.entry.msgstr) for i, r in rejected.items()}
    return found


def _checker_version(use_fuzzy: bool) -> str:
    """Changes whenever the code that decides what the build refuses changes."""
    import hashlib

    import d2lbook.i18n as package

    h = hashlib.sha256(str(use_fuzzy).encode())
    folder = Path(package.__file__).parent
    for name in ("apply", "validate", "sanitize", "segment", "comments", "rejected", "catalog"):
        h.update((folder / f"{name}.py").read_bytes())
    return h.hexdigest()


def _content_key(salt: str, page: Path, catalog: Path) -> str:
    import hashlib

    h = hashlib.sha256(salt.encode())
    h.update(page.read_bytes())
    h.update(b"\0")
    h.update(catalog.read_bytes())
    return h.hexdigest()


def _read_json(path: Path) -> JSONDict:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: JSONDict) -> None:
    """Best effort: a cache that cannot be written (read-only _build) is only slower."""
    import json

    from d2lbook.files import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, ensure_ascii=False, sort_keys=True))
    except OSError:
        pass
