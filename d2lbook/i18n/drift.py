"""How far each translation drifted from the English: gather pages, translations and git
history (for ``d2lbook i18n status`` and the build), then call the pure
:func:`~d2lbook.i18n.status.document_status` on each page.

Git cost is a constant number of processes per run, whatever the number of pages, messages
or commits: ``rev-parse`` and ``symbolic-ref`` (HEAD), ``status`` (uncommitted English edits),
one ``cat-file --batch-check`` resolving every sync commit, ``merge-base`` of the sync commits,
one path-limited ``log`` and one ``diff-tree --stdin`` over the English folder since that merge
base, and one ``cat-file --batch`` for every version of every page needed (only pages changed
since their sync commit have any). Fuzzy entries add one ``log`` + ``diff-tree`` back from the
sync commits over the files of their pages and at most three more ``cat-file --batch``. A sync
commit that is not among the logged commits (not reachable from HEAD) adds one ``rev-list``
for all of them.

Work overlaps on several cores: git runs in a worker thread (its processes run while Python
works); with many pages, a forked child parses the catalogs while this process segments the
pages, and later a second child computes most statuses (see ``i18n.forked``; both only on
POSIX and while the process runs a single thread, otherwise everything runs in-process).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.config import BookConfig, Language
from d2lbook.errors import D2lbookError
from d2lbook.layout import CATALOG_SUFFIX, BookLayout, page_file_name, page_of_file
from d2lbook.myst import front_matter
from d2lbook.vcs import UNSHALLOW_HINT, FileChange, History, Repository, WorktreeChange

from .forked import Forked
from .segment import Segment, normalize
from .status import (
    WORKTREE,
    Change,
    CommitRef,
    DocumentStatus,
    OrphanedCatalog,
    PageHistory,
    StatusReport,
    Translation,
    document_status,
    translations_from_catalog,
)

__all__ = ["compute_status", "read_source_commit", "SOURCE_COMMIT_KEY", "SYNC_HEADER"]

SYNC_HEADER = "X-Source-Commit"
"""Catalog header field: the English commit the catalog was synced to."""
SOURCE_COMMIT_KEY = "source_commit"
"""Front-matter key of a whole-file replacement: the English commit it was translated from."""

WORKTREE_COMMIT = CommitRef(WORKTREE, None, None, "uncommitted changes")

_FRONT_KEY = re.compile(rf"^{SOURCE_COMMIT_KEY}[ \t]*:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)


def read_source_commit(text: str) -> str | None:
    """``source_commit`` from a page's YAML front matter (None when absent)."""
    yaml = front_matter(text)
    found = _FRONT_KEY.search(yaml) if yaml is not None else None
    return found.group(1) if found else None


class _Segmenter:
    """:func:`~d2lbook.i18n.segment.segment` remembering its results for the run: the same
    version of a page (the sync version, today's) is often needed twice."""

    def __init__(self) -> None:
        from .segment import segment

        self._segment = segment
        self._seen: dict[str, list[Segment]] = {}

    def __call__(self, text: str) -> list[Segment]:
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = self._segment(text)
        return found


# ----------------------------------------------------------------------------------------------
# What is on disk.


@dataclass
class _Doc:
    """One page to report, before the history is read."""

    page: str
    """Page name (path under source/en without ``.md``)."""
    source: str
    """English path relative to the repository root (the page now)."""
    kind: str
    translation: str | None
    """Catalog or replacement path relative to the repository root."""
    sync: str | None = None
    sync_sha: str | None = None
    translations: dict[str, Translation] | None = None
    renamed_from: str | None = None
    error: str | None = None
    aliases: list[str] = field(default_factory=list)
    """Every path the English page had since the sync commit, newest first."""


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


_Loaded = tuple[dict[str, Translation], str | None, str | None]
"""What the status needs of a catalog: translations, sync revision, error."""


def _load_catalog(path: Path) -> _Loaded:
    from .catalog import read_catalog

    try:
        catalog = read_catalog(path)
    except D2lbookError as err:
        return {}, None, f"cannot read the catalog: {err}"
    sync = (catalog.header.get(SYNC_HEADER) or "").strip() or None
    return translations_from_catalog(catalog), sync, None


def _load_catalogs(paths: dict[str, Path]) -> dict[str, _Loaded]:
    return {page: _load_catalog(path) for page, path in paths.items()}


FORK_MIN_CATALOGS = 16
"""From this many catalogs (pages) on, they are parsed (half of the statuses are computed) in a
forked child process (POSIX, and only while the process runs a single thread), in parallel with
git and with this process's own work."""


# ----------------------------------------------------------------------------------------------
# The history, indexed.


@dataclass
class _Graph:
    history: History
    position: dict[str, int]
    masks: dict[str, int]
    """sync sha -> bitmask of the logged commits that are its ancestors (bit = position)."""
    by_path: dict[str, list[tuple[int, str, str | None, FileChange]]]
    """path (old or new) -> (position, commit, parent, change)."""

    def commit(self, sha: str) -> CommitRef:
        c = self.history.commits[self.position[sha]]
        return CommitRef(c.sha, c.date, c.author, c.subject)

    def in_range(self, sync: str, position: int) -> bool:
        """The commit at ``position`` came after ``sync`` (is not one of its ancestors)."""
        return not (self.masks.get(sync, 0) >> position) & 1


def _ancestor_masks(history: History, position: dict[str, int], syncs: Iterable[str],
                    repo: Repository) -> dict[str, int]:
    wanted = set(syncs)
    masks: dict[str, int] = {}
    logged = [s for s in wanted if s in position]
    if logged:
        full: dict[str, int] = {}
        for pos in range(len(history.commits) - 1, -1, -1):
            c = history.commits[pos]
            mask = 1 << pos
            for p in c.parents:
                mask |= full.get(p, 0)
            full[c.sha] = mask
        masks = {s: full[s] for s in logged}
    missing = [s for s in wanted if s not in position and s not in history.excluded]
    if missing:
        graph = repo.ancestors(missing, history.excluded)
        for sync in missing:
            mask = 0
            stack, seen = [sync], {sync}
            while stack:
                sha = stack.pop()
                if sha in position:
                    mask |= 1 << position[sha]
                for p in graph.get(sha, ()):
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
            masks[sync] = mask
    return masks


def _index(history: History) -> dict[str, list[tuple[int, str, str | None, FileChange]]]:
    position = history.position()
    by_path: dict[str, list[tuple[int, str, str | None, FileChange]]] = defaultdict(list)
    for (sha, parent), changes in history.changes.items():
        for fc in changes:
            item = (position[sha], sha, parent, fc)
            for path in {fc.old_path, fc.new_path}:
                if path is not None:
                    by_path[path].append(item)
    return by_path


def _aliases(graph: _Graph, path: str, keep: Callable[[int], bool]) -> list[str]:
    """``path`` and every path the page was renamed from in the kept commits, newest first."""
    aliases = [path]
    k = 0
    while k < len(aliases):
        for pos, _, _, fc in graph.by_path.get(aliases[k], ()):
            if (fc.status == "R" and fc.new_path == aliases[k] and fc.old_path not in aliases
                    and keep(pos)):
                aliases.append(fc.old_path)  # type: ignore[arg-type]  # a rename has one
        k += 1
    return aliases


def _renamed_to(graph: _Graph, sync: str, path: str, exists: set[str]) -> str | None:
    """Where the page at ``path`` moved since ``sync`` (following chained renames)."""
    seen = {path}
    current = path
    while True:
        targets = [(pos, fc.new_path) for pos, _, _, fc in graph.by_path.get(current, ())
                   if fc.status == "R" and fc.old_path == current and graph.in_range(sync, pos)]
        if not targets:
            return current if current in exists and current != path else None
        _, nxt = min(targets)  # the newest rename
        if nxt is None or nxt in seen:
            return None
        if nxt in exists:
            return nxt
        seen.add(nxt)
        current = nxt


def _deletion(graph: _Graph, sync: str, path: str) -> CommitRef | None:
    for pos, sha, _, fc in sorted(graph.by_path.get(path, ())):
        if fc.status == "D" and fc.old_path == path and graph.in_range(sync, pos):
            return graph.commit(sha)
    return None


@dataclass
class _Plan:
    """The versions of one page to read: (commit, [before spec per parent], after spec)."""

    base_specs: list[str]
    steps: list[tuple[CommitRef, list[str | None], str | None]]
    worktree_spec: str | None = None
    """``HEAD:<path>`` when the page has uncommitted changes."""


_Step = tuple[CommitRef, list[str | None], str | None]
"""A commit's effect on a page: (commit, blob at each parent, blob after); None: no page."""


def _steps(graph: _Graph, aliases: Sequence[str], keep: Callable[[int], bool]) -> list[_Step]:
    """The kept commits that changed the page (known by ``aliases``), oldest first."""
    per_commit: dict[str, dict[str | None, FileChange]] = defaultdict(dict)
    order: dict[str, int] = {}
    for alias in aliases:
        for pos, sha, parent, fc in graph.by_path.get(alias, ()):
            if fc.new_path in aliases or (fc.status == "D" and fc.old_path in aliases):
                if keep(pos):
                    per_commit[sha][parent] = fc
                    order[sha] = pos
    steps: list[_Step] = []
    for sha in sorted(per_commit, key=lambda s: -order[s]):
        changes = per_commit[sha]
        after = next(iter(changes.values())).new_blob
        commit = graph.history.commits[order[sha]]
        parents: Sequence[str | None] = commit.parents or (None,)
        before = [changes[p].old_blob if p in changes else after for p in parents]
        steps.append((graph.commit(sha), before, after))
    return steps


def _plan(graph: _Graph, doc: _Doc) -> _Plan:
    assert doc.sync_sha is not None
    sync = doc.sync_sha
    doc.aliases = _aliases(graph, doc.source, lambda pos: graph.in_range(sync, pos))
    steps = _steps(graph, doc.aliases, lambda pos: graph.in_range(sync, pos))
    if doc.renamed_from and doc.renamed_from not in doc.aliases:  # a rename not committed
        doc.aliases.append(doc.renamed_from)
    base_specs = [f"{sync}:{alias}" for alias in reversed(doc.aliases)]
    return _Plan(base_specs, steps)


# ----------------------------------------------------------------------------------------------
# Fuzzy entries: the English changed before the sync commit (msgmerge marked them). Which
# commits did it is found by walking back from the sync commit until a version of the page
# holds the English the translation was made for (``#| msgid``), reading versions in a few
# growing batches, then following the lines forward from there.

SEARCH_ROUNDS: tuple[int | None, ...] = (4, 16, None)
SURE_LENGTH = 40
"""A translated English text this long found in a version's normalized text is taken to be
one of its messages without segmenting the version (a shorter one could be part of another
message)."""
_QUOTE_LINE = re.compile(r"^[ \t]*>", re.MULTILINE)
"""A message's text is a run of the page's normalized text except in block quotes, whose
``>`` line prefixes the segmenter strips: only then must a version be segmented to know."""
"""Versions read per page in each batch of the backward search (None: all the rest)."""


@dataclass
class _Search:
    fuzzy: dict[str, str]
    """msgid (the English at the sync commit) -> the English translated (previous msgid)."""
    steps: list[_Step]
    """Commits up to the sync commit that changed the page, newest first."""
    cursor: int = 0
    found: dict[str, int] = field(default_factory=dict)
    """previous msgid -> index of the newest step whose version holds it."""
    done: bool = False

    def next_specs(self, size: int | None) -> list[str]:
        chunk = self.steps[self.cursor:None if size is None else self.cursor + size]
        return [b for _, before, after in chunk for b in (*before, after) if b]

    def scan(self, texts: dict[str, str | None], size: int | None, segment: _Segmenter
             ) -> None:
        end = len(self.steps) if size is None else min(len(self.steps), self.cursor + size)
        pending = set(self.fuzzy.values()) - set(self.found)
        for k in range(self.cursor, end):
            after = self.steps[k][2]
            text = texts.get(after) if after else None
            if text is None:  # the page did not exist before this
                pending.clear()
                break
            flat = normalize(text)
            inside = [p for p in pending if p in flat]
            if not inside and not _QUOTE_LINE.search(text):
                continue  # none of them can be a message of this version: skip segmenting
            if any(len(p) < SURE_LENGTH for p in inside) or len(inside) < len(pending) and \
                    _QUOTE_LINE.search(text):
                ids = {s.msgid for s in segment(text)}
                inside = [p for p in pending if p in ids]
            for previous in inside:
                self.found[previous] = k
                pending.discard(previous)
            if not pending:
                break
        self.cursor = end
        self.done = not pending or self.cursor >= len(self.steps)

    def attribute(self, texts: dict[str, str | None], segment: _Segmenter
                  ) -> dict[str, list[CommitRef]]:
        from .status import line_commits

        if not self.found:
            return {}
        oldest = max(self.found.values())
        base = texts.get(self.steps[oldest][2] or "")
        now = texts.get(self.steps[0][2] or "")
        if base is None or now is None:
            return {}
        changes = tuple(
            Change(commit, tuple(texts.get(b) if b else None for b in before),
                   texts.get(after) if after else None)
            for commit, before, after in reversed(self.steps[:oldest]))
        segments = [s for s in segment(now) if self.fuzzy.get(s.msgid) in self.found]
        commits = line_commits(PageHistory(base, changes), now, segments)
        result: dict[str, list[CommitRef]] = {}
        for seg, found in zip(segments, commits, strict=True):
            allowed = {self.steps[k][0].sha for k in range(self.found[self.fuzzy[seg.msgid]])}
            result[seg.msgid] = [c for c in found if c.sha in allowed]
        return result


def _graph(repo: Repository, en_rel: str, syncs: Sequence[str], exclude: Sequence[str] = (),
           revision: str | Sequence[str] = "HEAD") -> _Graph:
    history = repo.history([en_rel], exclude=exclude, revision=revision)
    position = history.position()
    graph = _Graph(history, position, {}, _index(history))
    graph.masks = _ancestor_masks(history, position, syncs, repo)
    return graph


def _searches(graph: _Graph | None, docs: Sequence[_Doc]) -> dict[str, _Search]:
    """page -> the backward search for its fuzzy entries' translated English, in ``graph``
    (the history back from the sync commits of the pages with fuzzy entries)."""
    if graph is None:
        return {}
    searches: dict[str, _Search] = {}
    for doc in docs:
        sync = doc.sync_sha
        if doc.kind != "catalog" or sync is None or sync not in graph.position:
            continue
        fuzzy = {m: t.previous for m, t in (doc.translations or {}).items()
                 if t.fuzzy and t.previous and t.previous != m}
        if not fuzzy:
            continue
        keep = lambda pos, s=sync: not graph.in_range(s, pos)  # noqa: E731
        path = doc.aliases[-1] if doc.aliases else doc.source
        steps = _steps(graph, _aliases(graph, path, keep), keep)
        searches[doc.page] = _Search(fuzzy, list(reversed(steps)))
    return searches


def _earlier(repo: Repository, searches: dict[str, _Search], texts: dict[str, str | None],
             segment: _Segmenter) -> dict[str, dict[str, list[CommitRef]]]:
    """page -> fuzzy msgid -> the commits before the sync commit that changed its English
    since the translation. ``texts`` holds the versions already read (the first batch is
    read with the pages' other versions); at most ``len(SEARCH_ROUNDS) - 1`` more
    ``cat-file`` batches."""
    for size in SEARCH_ROUNDS:
        active = [s for s in searches.values() if not s.done]
        if not active:
            break
        specs = [b for s in active for b in s.next_specs(size) if b not in texts]
        if specs:
            texts.update(repo.read_texts(specs))
        for search in active:
            search.scan(texts, size, segment)
    return {page: search.attribute(texts, segment) for page, search in searches.items()}


# ----------------------------------------------------------------------------------------------
# The command.
#
# Git runs in a worker thread while the main thread parses catalogs and segments pages (git is
# another process, so the two overlap even under the GIL): first the history, started from the
# sync commits read from the catalog headers, then the versions of the changed pages.

_HEADER_SYNC = re.compile(rf'^"{SYNC_HEADER}:[ \t]*([^\\"\s]*)', re.MULTILINE)


@dataclass
class _Layout:
    """The files: English pages, translations (paired by page name or left loose)."""

    en_rel: str
    english: dict[str, Path]
    page_of: dict[str, str]
    """English path (repository-relative) -> page name."""
    docs: dict[str, _Doc]
    loose: list[_Doc]
    """Translations whose English page is not there (moved or deleted)."""
    catalog_files: dict[str, Path]
    fuzzy_pages: set[str]
    """Pages whose catalog holds a previous msgid (``#|``): candidates for fuzzy entries."""

    @property
    def translated(self) -> list[_Doc]:
        return [*self.docs.values(), *self.loose]


def _layout(book: BookLayout, lang: Language, root: Path) -> _Layout:
    def rel(path: Path) -> str:
        return path.resolve().relative_to(root).as_posix()

    en_rel = rel(book.english)
    english = book.english_pages()
    layout = _Layout(en_rel, english, {rel(p): name for name, p in english.items()}, {}, [],
                     {}, set())
    for name, path in book.catalog_files(lang).items():
        doc = _Doc(name, f"{en_rel}/{page_file_name(name)}", "catalog", rel(path))
        data = path.read_bytes()
        found = _HEADER_SYNC.search(data[:4096].decode("utf-8", errors="replace"))
        doc.sync = found.group(1) if found and found.group(1) else None  # checked when parsed
        if b"\n#| msgid" in data:
            layout.fuzzy_pages.add(name)
        layout.catalog_files[name] = path
        _place(layout, doc)
    for name, path in book.overlay_pages(lang).items():
        sync = read_source_commit(_read(path))
        if name not in english and sync is None:
            continue  # a language-only extra page, not a replacement
        doc = _Doc(name, f"{en_rel}/{page_file_name(name)}", "replacement", rel(path),
                   sync=sync)
        if sync is None:
            doc.error = f"no `{SOURCE_COMMIT_KEY}:` in the front matter of {doc.translation}"
        layout.docs.pop(name, None)  # a replacement wins over a catalog
        _place(layout, doc)
    return layout


def _place(layout: _Layout, doc: _Doc) -> None:
    if doc.page in layout.english:
        layout.docs[doc.page] = doc
    else:
        layout.loose.append(doc)


@dataclass
class _GitData:
    """What git says, read while the catalogs are parsed (from the sync commits in their
    headers, checked once they are parsed)."""

    worktree: list[WorktreeChange] = field(default_factory=list)
    graph: _Graph | None = None
    """History of the English folder since the sync commits."""
    orphaned: list[OrphanedCatalog] = field(default_factory=list)
    selected: list[_Doc] = field(default_factory=list)
    """The pages to report, in order."""
    plans: dict[str, _Plan] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)
    """The versions the plans need."""
    early: _Graph | None = None
    """History back from the sync commits of the pages with fuzzy entries."""


def _read_git(repo: Repository, layout: _Layout, has_head: bool,
              select: Callable[[_Doc], bool], fuzzy_pages: set[str]) -> _GitData:
    """Resolve the sync commits, read the history, pair moved pages, choose the pages and read
    the versions of the changed ones: everything git can do before the catalogs are parsed."""
    resolved = repo.resolve_many(d.sync for d in layout.translated if d.sync and not d.error)
    _apply_resolution(repo, layout.translated, resolved)
    data = _GitData()
    if has_head:
        data.worktree = repo.worktree_changes([layout.en_rel])
        known = sorted({d.sync_sha for d in layout.translated if d.sync_sha})
        if known:
            data.graph = _graph(repo, layout.en_rel, known, exclude=repo.merge_bases(known))
    data.orphaned = _pair_moved(layout, data)
    data.selected = [layout.docs[name] for name in sorted(layout.docs,
                                                          key=lambda n: layout.docs[n].source)
                     if select(layout.docs[name])]
    data.plans, specs = _plans(data, data.selected)
    data.texts = repo.read_texts(specs) if specs else {}
    if has_head:
        data.early = _read_early(repo, [d for d in data.selected
                                        if d.page in fuzzy_pages and d.kind == "catalog"])
    return data


def _read_early(repo: Repository, docs: Sequence[_Doc]) -> _Graph | None:
    """The history of the pages whose catalogs hold fuzzy entries, back from their sync
    commits (limited to their files: renames older than a sync commit are not followed)."""
    known = sorted({d.sync_sha for d in docs if d.sync_sha})
    if not known:
        return None
    paths = sorted({d.aliases[-1] if d.aliases else d.source for d in docs})
    history = repo.history(paths, revision=known)
    position = history.position()
    graph = _Graph(history, position, {}, _index(history))
    graph.masks = _ancestor_masks(history, position, known, repo)
    return graph


def compute_status(config: BookConfig | BookLayout, lang: Language,
                   paths: list[str] | None = None) -> StatusReport:
    """The translation status of ``lang``: data only, nothing printed.

    Raises :class:`~d2lbook.vcs.NotARepositoryError` outside a git working tree. Problems
    with one page (an unknown sync commit, an unreadable catalog) are reported on that page
    (``DocumentStatus.error``) and the others are still computed. ``config``: the book's
    configuration, or its layout (a command passes the one it built)."""
    book = BookLayout.of(config)
    repo = Repository(book.root)
    report = _compute(repo, book, lang, paths, trust_headers=True)
    if report is None:  # a header read before parsing disagreed with the parsed catalog
        report = _compute(repo, book, lang, paths, trust_headers=False)
    assert report is not None
    return report


def _compute(repo: Repository, book: BookLayout, lang: Language, paths: list[str] | None,
             trust_headers: bool) -> StatusReport | None:
    head = repo.head()
    root = repo.root.resolve()
    layout = _layout(book, lang, root)
    segment = _Segmenter()
    files = {d.page: layout.catalog_files[d.page] for d in layout.translated
             if d.kind == "catalog"}
    prescanned = {d.page: d.sync for d in layout.translated}
    loaded: dict[str, _Loaded] | None = None
    if not trust_headers:
        loaded = _load_catalogs(files)
        _apply_loaded(layout, loaded)
    catalogs = Forked(_load_catalogs, files) \
        if loaded is None and len(files) >= FORK_MIN_CATALOGS else None

    def select(doc: _Doc) -> bool:
        return _selected(doc, paths, book.root, root)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_read_git, repo, layout, head.sha is not None, select,
                              set(layout.fuzzy_pages))
        english = {f"{layout.en_rel}/{page_file_name(name)}": _read(path)
                   for name, path in layout.english.items()}
        if catalogs is not None and not paths:  # meanwhile, segment the pages
            for text in english.values():
                segment(text)
        if loaded is None:
            loaded = catalogs.result() if catalogs is not None else _load_catalogs(files)
        git = pending.result()
    if trust_headers:
        if any(loaded[page][1] != prescanned[page] for page in loaded):
            return None
        _apply_loaded(layout, loaded)
    selected = git.selected
    texts_now = {doc.page: english[doc.source] for doc in selected}
    segments_now = {page: segment(text) for page, text in texts_now.items()}
    histories = _assemble(git.plans, git.texts, selected, git.worktree, root)
    searches = _searches(git.early, selected)

    def statuses(docs: Sequence[_Doc], earlier: dict[str, dict[str, list[CommitRef]]]
                 ) -> list[DocumentStatus]:
        result = []
        for doc in docs:
            status = DocumentStatus(doc.source, doc.translation, doc.kind,
                                    doc.sync_sha or doc.sync, doc.renamed_from, error=doc.error)
            translations = None if doc.kind == "replacement" else doc.translations or {}
            document_status(status, segments_now[doc.page], translations,
                            histories.get(doc.page), texts_now[doc.page], segmenter=segment,
                            earlier=earlier.get(doc.page))
            result.append(status)
        return result

    # Two thirds of the pages without fuzzy entries go to a forked child while this process
    # looks for the fuzzy entries' history and does the rest.
    plain = [d for d in selected if d.page not in searches]
    away = {d.page for k, d in enumerate(plain) if k % 3} \
        if len(selected) >= FORK_MIN_CATALOGS else set()
    child = Forked(statuses, [d for d in selected if d.page in away], {}) if away else None
    earlier = _earlier(repo, searches, dict(git.texts), segment)
    here = iter(statuses([d for d in selected if d.page not in away], earlier))
    there = iter(child.result() if child is not None else [])
    documents = [next(there) if d.page in away else next(here) for d in selected]
    dirty = any(w.path.startswith(layout.en_rel + "/") for w in git.worktree)
    head_info = {"sha": head.sha, "branch": head.branch, "detached": head.detached,
                 "dirty": dirty, "shallow": repo.shallow}
    orphaned = [o for o in git.orphaned
                if _selected_path(o.catalog, o.source, paths, book.root, root)]
    return StatusReport(lang.code, lang.locale, head_info, documents, orphaned,
                        _warnings(repo, layout))


def _apply_loaded(layout: _Layout, loaded: dict[str, _Loaded]) -> None:
    """Put the parsed catalogs on their documents (an unreadable one keeps its error)."""
    for doc in layout.translated:
        if doc.kind == "catalog" and doc.page in loaded:
            doc.translations, doc.sync, error = loaded[doc.page]
            doc.error = error or doc.error


def _warnings(repo: Repository, layout: _Layout) -> list[str]:
    warnings: list[str] = []
    unsynced = sorted(d.translation or "" for d in layout.translated
                      if d.kind == "catalog" and not d.sync and not d.error)
    if unsynced:
        more = f" and {len(unsynced) - 3} more" if len(unsynced) > 3 else ""
        warnings.append(f"no {SYNC_HEADER} header in {', '.join(unsynced[:3])}{more}: their "
                        "statuses come from the catalogs alone (d2lbook i18n update records it)")
    if repo.shallow:
        warnings.append(f"shallow clone: history before the clone depth is missing; "
                        f"{UNSHALLOW_HINT}")
    return warnings


def _apply_resolution(repo: Repository, docs: Sequence[_Doc],
                      resolved: dict[str, str | None]) -> None:
    for doc in docs:
        if not doc.sync or doc.error:
            continue
        doc.sync_sha = resolved.get(doc.sync)
        if doc.sync_sha is None:
            where = f"{SYNC_HEADER} of {doc.translation}" if doc.kind == "catalog" else \
                f"{SOURCE_COMMIT_KEY} of {doc.translation}"
            hint = UNSHALLOW_HINT if repo.shallow else \
                "fetch it (git fetch) or re-sync the translation (d2lbook i18n update)"
            doc.error = f"unknown sync commit {doc.sync} ({where}); {hint}"


def _pair_moved(layout: _Layout, git: _GitData) -> list[OrphanedCatalog]:
    """Give each loose translation the page it moved to, or report it orphaned; pages with
    no translation at all get a ``none`` document."""
    orphaned: list[OrphanedCatalog] = []
    exists = set(layout.page_of)
    for doc in layout.loose:
        target = None
        if git.graph is not None and doc.sync_sha is not None:
            target = _renamed_to(git.graph, doc.sync_sha, doc.source, exists)
        target = target or _staged_rename(git.worktree, doc.source, exists)
        if target is not None and layout.page_of[target] not in layout.docs:
            doc.renamed_from, doc.source = doc.source, target
            layout.docs[layout.page_of[target]] = doc
            continue
        deleted_by = None
        if git.graph is not None and doc.sync_sha is not None:
            deleted_by = _deletion(git.graph, doc.sync_sha, doc.source)
        orphaned.append(OrphanedCatalog(doc.translation or "", doc.source, deleted_by))
    for name in layout.english:
        if name not in layout.docs:
            layout.docs[name] = _Doc(name, f"{layout.en_rel}/{page_file_name(name)}", "none",
                                     None)
    return orphaned


def _stem(name: str) -> str:
    """A page's or a catalog's file name without its suffix."""
    return page_of_file(name).removesuffix(CATALOG_SUFFIX)


def _staged_rename(worktree: Sequence[WorktreeChange], source: str, exists: set[str]
                   ) -> str | None:
    for w in worktree:
        if w.status == "R" and w.old_path == source and w.path in exists:
            return w.path
    return None


def _plans(git: _GitData, docs: Sequence[_Doc]) -> tuple[dict[str, _Plan], list[str]]:
    """The pages changed since their sync commit (committed or not), with the versions to
    read; pages unchanged since need none: the catalog alone says everything."""
    dirty = {w.path: w for w in git.worktree}
    plans: dict[str, _Plan] = {}
    specs: list[str] = []
    for doc in docs:
        if doc.sync_sha is None or git.graph is None or doc.kind == "none":
            continue
        plan = _plan(git.graph, doc)
        change = dirty.get(doc.source)
        if not (plan.steps or change is not None or doc.renamed_from):
            continue
        if change is not None:
            plan.worktree_spec = f"HEAD:{change.old_path or doc.source}"
        plans[doc.page] = plan
        specs += plan.base_specs
        specs += [b for _, before, after in plan.steps for b in (*before, after) if b]
        specs += [plan.worktree_spec] if plan.worktree_spec else []
    return plans, specs


def _assemble(plans: dict[str, _Plan], texts: dict[str, str | None], docs: Sequence[_Doc],
              worktree: Sequence[WorktreeChange], root: Path) -> dict[str, PageHistory]:
    """page -> its history since the sync commit, from the versions read."""
    source_of = {d.page: d.source for d in docs}
    result: dict[str, PageHistory] = {}
    for page, plan in plans.items():
        base = next((texts[s] for s in plan.base_specs if texts.get(s) is not None), None)
        changes = [Change(commit, tuple(texts.get(b) if b else None for b in before),
                          texts.get(after) if after else None)
                   for commit, before, after in plan.steps]
        if plan.worktree_spec:
            path = root / source_of[page]
            now = _read(path) if path.is_file() else None
            changes.append(Change(WORKTREE_COMMIT, (texts.get(plan.worktree_spec),), now))
        result[page] = PageHistory(base, tuple(changes))
    return result


def _selected(doc: _Doc, paths: list[str] | None, book_root: Path, root: Path) -> bool:
    return _selected_path(doc.translation or "", doc.source, paths, book_root, root, doc.page)


def _selected_path(translation: str, source: str, paths: list[str] | None, book_root: Path,
                   root: Path, page: str | None = None) -> bool:
    """True when no filter is given, or one filter names the page, its English or its
    translation file, or a folder holding one of them."""
    if not paths:
        return True
    names = [n for n in (translation, source, page) if n]
    for given in paths:
        p = Path(given)
        candidates = {given.strip("/")}
        for anchor in (Path.cwd(), book_root):
            full = (anchor / p) if not p.is_absolute() else p
            if full.exists():
                try:
                    candidates.add(full.resolve().relative_to(root).as_posix())
                except ValueError:
                    pass
        for cand in candidates:
            cand = _stem(cand) if cand else cand
            for name in names:
                stem = _stem(name)
                if cand in ("", ".") or stem == cand or stem.startswith(cand + "/"):
                    return True
    return False
