"""``d2lbook i18n import FORK_DIR``: a translated fork of the book becomes catalogs."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from d2lbook.config import BookConfig, Language, load_config
from d2lbook.errors import ConfigError, I18nError, Problem, SourceError
from d2lbook.i18n.fork.report import ForkImport, PageImport
from d2lbook.layout import BookLayout

__all__ = ["import_fork", "fork_pages", "DEFAULT_RATIO"]

DEFAULT_RATIO = {"zh": 0.3, "ja": 0.45, "ko": 0.5}
"""Typical translation length / English length, used when the fork is too small to say."""
VERSIONS_TRIED = 3
"""Versions of a page aligned, those live at the likely fork points nearest the structural
fork point first (at most two more from its structurally equal ones)."""
NEAR_FIT = 0.1
"""A version live at a likely fork point is aligned when it fits the page structurally within
this of the best version."""
POINT_BONUS = 3.0
"""Alignment score a version gets for being live at the fork point: another version must
fit the fork's text clearly better (a paragraph it translates, numbers it keeps)."""


def fork_pages(folder: Path) -> tuple[Path, dict[str, str]]:
    """The fork's page folder and its pages (name -> text): ``source/en`` of a fork of our
    layout (the English translated in place), else its one ``source/<lang>`` folder (an
    imported old-dialect fork), else the folder itself."""
    folder = Path(folder)
    sources = sorted(p for p in (folder / "source").glob("*") if p.is_dir()) \
        if (folder / "source").is_dir() else []
    for candidate in (folder / "source" / "en", *sources, folder):
        if candidate.is_dir() and any(candidate.rglob("*.md")):
            pages = {}
            for path in sorted(candidate.rglob("*.md")):
                rel = path.relative_to(candidate)
                if any(part.startswith((".", "_")) for part in rel.parts):
                    continue
                if rel.parts[0] in ("locale", "bench", "tests", "node_modules") or \
                        path.name in ("README.md", "CONTRIBUTING.md", "LICENSE.md"):
                    continue
                if not path.resolve().is_relative_to(folder.resolve()):
                    raise SourceError(f"{path}: a symbolic link to {path.resolve()}, outside "
                                      f"the fork's folder {folder}; the import reads only the "
                                      "fork's own files: replace the link by the file")
                data = path.read_bytes()
                if b"\0" in data:
                    line = data.count(b"\n", 0, data.index(b"\0")) + 1
                    raise SourceError(f"{path}:{line}: "
                                      "a binary file (a NUL byte), not a page; remove it from "
                                      "the fork and import again")
                try:
                    pages[rel.with_suffix("").as_posix()] = data.decode("utf-8-sig")
                except UnicodeDecodeError as err:
                    raise SourceError(f"{path}: not UTF-8 ({err}); save the file as UTF-8 "
                                      "and import again") from None
            return candidate, pages
    raise ConfigError([Problem(folder, 0, "no Markdown pages found: FORK_DIR must be a copy "
                               "of the book (with source/en) or a folder of pages")])


def _title(fork: dict[str, str], cfg: BookConfig) -> str:
    from d2lbook.i18n.segment import segment

    for seg in segment(fork.get("index", "")):
        if seg.kind == "heading":
            return seg.msgid
    return cfg.source_language.title


def _language(root: Path | str | None, code: str, fork: dict[str, str]
              ) -> tuple[BookConfig, Language, bool]:
    """The book's configuration and the language to import into; True when its table must
    be added to pyproject.toml (the import adds it once it succeeded)."""
    from d2lbook.i18n.fork.language import DEFAULTS, has_language

    cfg = load_config(root)
    if has_language(cfg.root / "pyproject.toml", code):
        return cfg, cfg.language(code), False
    settings = dict(DEFAULTS.get(code, {"locale": code}))
    fonts = settings.pop("cjk_fonts", None)
    lang = Language(code=code, title=_title(fork, cfg), **settings,  # type: ignore[arg-type]
                    **({"cjk_fonts": tuple(fonts)} if fonts else {}))
    return cfg, lang, True


def import_fork(fork_dir: Path | str, code: str, *, root: Path | str | None = None,
                english_history: Path | str | None = None, write: bool = True,
                progress: Callable[[str], None] | None = None) -> ForkImport:
    """Import the fork at ``fork_dir`` as the catalogs of language ``code``.

    Writes ``locale/<locale>/LC_MESSAGES/<page>.po`` for every English page the fork
    translates (existing translations are kept), ``source/<code>/<page>.md`` for pages only
    in the fork, and the language table when ``pyproject.toml`` lacks it. Nothing is written
    when ``write`` is false. ``progress`` receives a line per step (the CLI prints them).
    """
    from d2lbook.commands import fork_dialect as dialect

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="d2lbook-fork-") as tmp:
        folder = dialect.to_myst(Path(fork_dir), Path(tmp))
        fork_root, fork = fork_pages(folder)
        prefix = fork_root.relative_to(folder).as_posix()
        cfg, lang, added = _language(root, code, fork)
        if lang == cfg.source_language:
            raise ConfigError([Problem("pyproject.toml", 0, f"{code!r} is the source "
                                       "language; import a fork into a translated language")])
        result = ForkImport(str(fork_dir), lang.code, lang.locale, None,
                            language_added=added, dry_run=not write)
        _run(cfg, lang, fork_root, "" if prefix == "." else prefix + "/", fork, english_history,
             write, result, progress or (lambda line: None))
        if added and write:  # last: a failed import leaves pyproject.toml as it was
            from d2lbook.i18n.fork.language import add_language

            add_language(cfg.root / "pyproject.toml", lang.code, lang.title)
    result.seconds = time.perf_counter() - started
    return result


def _run(cfg: BookConfig, lang: Language, fork_root: Path, prefix: str, fork: dict[str, str],
         english_history: Path | str | None, write: bool, result: ForkImport,
         progress: Callable[[str], None]) -> None:
    from d2lbook.commands import fork_dialect as dialect
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from d2lbook.i18n.fork.align import align_pages, page_ratio
    from d2lbook.i18n.fork.match import candidates, match_pages
    from d2lbook.i18n.fork.structure import features_of, read_structure
    from d2lbook.i18n.fork.synth import (
        carried_translations,
        rejected_translations,
        synthesize,
    )
    from d2lbook.i18n.fork.versions import read_history
    from d2lbook.source import read_pages
    from d2lbook.vcs import Repository

    layout = BookLayout(cfg)
    book_repo = Repository(cfg.root)
    english = {p.name: p.text for p in read_pages(cfg.source_dir)}
    if english_history:
        repo = Repository.for_history(english_history)  # bare, no work tree, or any clone
        folder = "source/en" if repo.object_ids(["HEAD:source/en"]).get("HEAD:source/en") \
            else ""
        converter = dialect.page_converter(repo)
        history = read_history(repo, folder, converter)
        if converter.failed:
            result.warnings.append(f"{len(converter.failed)} version(s) of the English history "
                                   "could not be converted from the old dialect and were read "
                                   f"as they are (first: {converter.failed[0]})")
        by_identity = _map_external(history, english)
    else:
        history = read_history(book_repo, book_repo.relpath(cfg.source_dir))
        by_identity = {history.identity(f"{name}.md"): name for name in english}
    if not history.versions:
        where = english_history or cfg.root
        raise SourceError(f"{where}: the git history holds no version of the English pages; "
                          "commit them first, or pass the repository that holds their "
                          "history with --english-history")
    progress(f"English history: {len(history.versions)} page versions in {history.commits} "
             f"commits; fork: {len(fork)} pages")
    head = book_repo.head().sha
    result.head = head
    sources = {name: book_repo.relpath(layout.source_page(name)) for name in english}
    last = book_repo.last_commits(list(sources.values()))  # the sync commit `update` records
    commits = {name: last.get(path) or head for name, path in sources.items()}

    fork_features = {name: features_of(text) for name, text in fork.items()}
    matched, _unmatched = match_pages(fork_features, history, by_identity)
    progress(f"matched {len(matched)} fork pages to English pages")
    groups = {page: candidates(m, history) for page, m in matched.items()}
    structures: dict[str, object] = {}
    framework_keys = _framework_keys(cfg, fork_root, prefix, result)

    def structure(text: str):
        if text not in structures:
            structures[text] = read_structure(text, framework_keys)
        return structures[text]

    options = _options(matched, groups, history)
    history.load([v.blob for versions in options.values() for v in versions])
    ratios = []
    for page, versions in options.items():
        if versions:
            r = page_ratio(structure(history.texts[versions[0].blob]), structure(fork[page]))
            if r is not None:
                ratios.append(r)
    ratio = statistics.median(ratios) if ratios else DEFAULT_RATIO.get(lang.code, 1.0)
    alignments: dict[str, dict[str, object]] = {}
    for number, (page, versions) in enumerate(sorted(options.items()), start=1):
        progress(f"[{number}/{len(options)}] aligning {prefix}{page}.md with "
                 f"{len(versions)} English version(s)")
        memo: dict = {}
        fork_struct = structure(fork[page])
        alignments[page] = {v.blob: align_pages(structure(history.texts[v.blob]), fork_struct,
                                                ratio, memo) for v in versions}
    point = _fork_point(matched, options, alignments, history)
    if point is not None:
        at = [v for v in history.versions if v.order == point]
        if at:
            result.fork_point, result.fork_point_date = at[0].commit, at[0].date

    for page in sorted(fork):
        fork_file = f"{prefix}{page}.md"
        match = matched.get(page)
        if match is None or not options.get(page):
            result.pages.append(_fork_only(cfg, lang, fork_root, page, fork_file, fork[page],
                                           english, write, result))
            continue
        name = by_identity[match.identity]
        fork_struct = structure(fork[page])
        version, aligned = max(  # the version the fork's text fits best, the fork point's first
            ((v, alignments[page][v.blob]) for v in options[page]),
            key=lambda item: (_fit(item[1]) + (POINT_BONUS if point is not None and
                                               history.live_at(item[0], point) else 0.0),
                              -item[0].order))
        version_struct = structure(history.texts[version.blob])
        rejected = rejected_translations(version_struct, fork_struct, aligned.rejected)
        carried = carried_translations(version_struct, fork_struct, aligned.pairs, rejected)
        path = layout.catalog(lang, name)
        if (layout.overlay(lang) / f"{name}.md").is_file():
            result.warnings.append(f"{fork_file}: {name} is translated as a whole file in "
                                   f"{_rel(layout.overlay(lang), cfg.root)}/{name}.md, which "
                                   "has no catalog; nothing imported for it")
            continue
        existing = None
        if path.is_file():
            try:
                existing = read_catalog(path)
            except I18nError as err:  # a malformed catalog is reported and left alone
                result.warnings.append(f"{_rel(path, cfg.root)} cannot be read, left as it "
                                       f"is: {err}")
                continue
        synth = synthesize(name, english[name], history.texts[version.blob], carried,
                           locale=lang.locale, fork_file=fork_file,
                           commit=commits.get(name) or head, project=cfg.name,
                           team=lang.title, existing=existing, path=path, rejected=rejected,
                           comments=aligned.comments())
        if write and not _unchanged(synth.catalog, existing, path):
            write_catalog(synth.catalog, path)
        report = PageImport(
            fork_file, _rel(layout.source_page(name), cfg.root),
            catalog=_rel(path, cfg.root), version_commit=version.commit,
            version_date=version.date, version_path=version.path,
            confidence=round(match.score, 3), candidates=len(groups[page]),
            anchors=aligned.anchors, translated=synth.translated, fuzzy=synth.fuzzy,
            untranslated=synth.untranslated, kept=synth.kept, obsolete=synth.obsolete,
            comments=synth.comments,
            leftovers=[{"line": x.line, "text": x.text, "reason": x.reason}
                       for x in aligned.leftovers],
            code=[{"fork_line": c.fork_line, "english_line": c.english_line,
                   "detail": c.detail} for c in aligned.code])
        report.pairs = [{"english": [version_struct.blocks[i].text for i in p.english],
                         "translation": p.translation, "confident": p.confident,
                         "note": p.note, "fork_line": fork_struct.blocks[p.fork[0]].seg.line}
                        for p in aligned.pairs if not p.identical]
        if aligned.extra_tabs:
            result.warnings.append(f"{fork_file}: framework(s) "
                                   f"{', '.join(aligned.extra_tabs)} not in the English page; "
                                   "their text is listed as left over, their code cells as "
                                   "code differences")
        if match.score < 0.5 and not match.same_path:
            result.warnings.append(f"{fork_file}: matched to {name} with low confidence "
                                   f"({match.score:.2f}); check the pairing")
        result.pages.append(report)
    done = {by_identity[m.identity] for m in matched.values()}
    result.missing = [_rel(layout.source_page(n), cfg.root) for n in english
                      if n not in done]


def _options(matched: dict, groups: dict, history) -> dict[str, list]:
    """Per fork page, the English versions worth aligning: those live at a commit that is
    structurally about as likely a fork point as the best (``match.window``) and that fit
    the page about as well as its best version, then the structurally equal versions nearest
    the structural fork point."""
    from d2lbook.i18n.fork.match import fork_point, window

    point = fork_point(list(matched.values()), history)
    likely = window(list(matched.values()), history)
    options: dict[str, list] = {}
    for page, match in matched.items():
        best = max(match.scores.values(), default=0.0)
        pool = []
        for version in history.of_identity(match.identity):
            if match.scores.get(version.blob, -1.0) < best - NEAR_FIT:
                continue
            if any(history.live_at(version, order) for order in likely):
                pool.append(version)
        pool.sort(key=lambda v: _nearness(v, point, history))
        near = sorted(groups[page], key=lambda v: _nearness(v, point, history))
        chosen = list(dict.fromkeys(pool[:VERSIONS_TRIED] + near))
        options[page] = chosen[: VERSIONS_TRIED + 2]
    return options


def _nearness(version, point: int | None, history) -> tuple[int, int]:
    """How far the version's live span is from the structural fork point (then its age)."""
    if point is None:
        return (0, version.order)
    end = history.ends.get((history.identity(version.path), version.order), history.commits)
    if version.order <= point < end:
        return (0, version.order)
    return (min(abs(version.order - point), abs(end - 1 - point)), version.order)


def _fit(aligned) -> float:
    """How well a fork page fits an English version: what its sure pairs score, doubtful
    ones counting little (a block the version has and the fork lacks can always be paired
    with something weakly; only sure pairs tell versions apart)."""
    return sum(p.score if p.confident else 0.25 * p.score for p in aligned.pairs)


def _fork_point(matched: dict, options: dict, alignments: dict, history) -> int | None:
    """The commit at which the fork's text fits the English best: among the structurally
    likely commits, the one maximizing the sum over pages of the alignment score of the
    version live there (a page with none of its aligned versions live there counts its
    worst); the oldest on a tie."""
    from d2lbook.i18n.fork.match import window

    likely = window(list(matched.values()), history)
    best, top = None, -float("inf")
    for order in likely:
        total = 0.0
        for page, versions in options.items():
            scores = {v.blob: _fit(alignments[page][v.blob]) for v in versions}
            live = [scores[v.blob] for v in versions if history.live_at(v, order)]
            total += max(live) if live else min(scores.values(), default=0.0)
        if total > top + 1e-6:
            best, top = order, total
    return best


def _unchanged(catalog, existing, path: Path) -> bool:
    """True when ``path`` already holds ``catalog`` but for its header dates (importing the
    same fork again rewrites nothing)."""
    from dataclasses import replace

    from d2lbook.i18n.catalog import render_catalog
    from d2lbook.i18n.extract import DATE_FIELDS

    if existing is None:
        return False
    header = dict(catalog.header)
    for key in DATE_FIELDS:
        if key in existing.header:
            header[key] = existing.header[key]
    return render_catalog(replace(catalog, header=header)).encode("utf-8") == path.read_bytes()


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _framework_keys(cfg: BookConfig, fork_root: Path, prefix: str,
                    result: ForkImport) -> frozenset[str]:
    """The frameworks a code cell's tags may name: the book's, and the fork's own (a fork that
    adds a framework's code configures it in its ``pyproject.toml``)."""
    configs = [cfg]
    folder = fork_root.parents[len(PurePosixPath(prefix).parts) - 1] if prefix else fork_root
    if (folder / "pyproject.toml").is_file():
        try:
            configs.append(load_config(folder))
        except ConfigError as err:
            result.warnings.append(f"{folder / 'pyproject.toml'}: the fork's configuration is "
                                   f"not read ({err}); only the book's frameworks are known")
    return frozenset(fw.key for config in configs for fw in config.frameworks if fw.key)


def _fork_only(cfg: BookConfig, lang: Language, fork_root: Path, page: str, fork_file: str,
               text: str, english: dict[str, str], write: bool,
               result: ForkImport) -> PageImport:
    """A page only in the fork becomes a page of ``source/<code>/`` (never over an English
    page of the same name, which would make it a whole-file replacement), with the images it
    uses that the book does not have; a page with markup a translation may not carry
    (:func:`d2lbook.i18n.sanitize.page_issues`) is refused with the reason. The build publishes
    it only once a toctree of the edition lists it."""
    from d2lbook.i18n.sanitize import page_issues
    from d2lbook.myst import image_paths

    layout = BookLayout(cfg)
    report = PageImport(fork_file, None)
    overlay = layout.overlay(lang)
    target = overlay / f"{page}.md"
    if page in english:
        result.warnings.append(f"{fork_file}: only in the fork, but an English page has its "
                               "name; not written (a file there would replace the English "
                               "page): place it by hand")
        return report
    issues = page_issues(text)
    if issues:  # not the book's authors' text: checked like a translation, refused if unsafe
        result.warnings.append(f"{fork_file}: a page only in the fork, refused (not written): "
                               f"{'; '.join(i.message for i in issues)}; remove that markup "
                               "from the fork's page and import again, or review the page and "
                               f"place it in source/{lang.code}/ by hand")
        return report
    if target.is_file() and target.read_text(encoding="utf-8") != text:
        result.warnings.append(f"{_rel(target, cfg.root)}: exists and differs from the fork's "
                               f"{fork_file}; left as it is")
        return report
    assets = []
    for ref in image_paths(text):
        if "://" in ref:
            continue
        rel = (PurePosixPath(page).parent / ref).as_posix()
        source = (fork_root / rel).resolve()
        if not source.is_file() or not source.is_relative_to(fork_root.resolve()):
            continue
        inside = source.relative_to(fork_root.resolve())
        if not (cfg.source_dir / inside).is_file() and not (overlay / inside).is_file():
            assets.append(inside)
    if write:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        for inside in assets:
            (overlay / inside).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fork_root / inside, overlay / inside)
    report.written = _rel(target, cfg.root)
    result.warnings.append(f"{report.written}: a page only in the fork; it is not built until "
                           f"a table of contents of the {lang.code} edition lists it"
                           + (f" (its images copied: {', '.join(map(str, assets))})"
                              if assets else ""))
    return report


def _map_external(history, english: dict[str, str]) -> dict[str, str]:
    """identity in another repository's history -> the English page today, by structure of
    the identity's latest version (and the same path)."""
    from d2lbook.i18n.fork.structure import features_of, similarity

    latest: dict[str, object] = {}
    for version in history.versions:
        latest[history.identity(version.path)] = version
    now = {name: features_of(text) for name, text in english.items()}
    proposals = []
    for identity, version in latest.items():
        feats = history.features[version.blob]  # type: ignore[attr-defined]
        for name, features in now.items():
            same = f"{name}.md" == version.path  # type: ignore[attr-defined]
            s = similarity(feats, features) + (0.2 if same else 0.0)
            if s >= 0.3:
                proposals.append((s, identity, name))
    proposals.sort(reverse=True)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _s, identity, name in proposals:
        if identity not in mapping and name not in used:
            mapping[identity] = name
            used.add(name)
    return mapping

