"""``d2lbook i18n import FORK_DIR``: a translated fork of the book becomes catalogs."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, cast

from d2lbook.config import BookConfig, Language, load_config
from d2lbook.errors import ConfigError, I18nError, Problem, SourceError
from d2lbook.i18n.fork.choose import DEFAULT_RATIO
from d2lbook.i18n.fork.report import ForkImport, PageImport
from d2lbook.layout import PAGE_SUFFIX, BookLayout, page_file_name

if TYPE_CHECKING:
    from d2lbook.i18n.catalog import Catalog
    from d2lbook.i18n.fork.align import Alignment
    from d2lbook.i18n.fork.choose import ForkAlignments
    from d2lbook.i18n.fork.match import PageMatch
    from d2lbook.i18n.fork.synth import Carried, Synthesis
    from d2lbook.i18n.fork.versions import EnglishHistory, Version
    from d2lbook.vcs import Repository

__all__ = ["import_fork", "fork_pages", "DEFAULT_RATIO"]

def fork_pages(folder: Path) -> tuple[Path, dict[str, str]]:
    """The fork's page folder and its pages (name -> text): ``source/en`` of a fork of our
    layout (the English translated in place), else its one ``source/<lang>`` folder (an
    imported old-dialect fork), else the folder itself."""
    folder = Path(folder)
    sources = sorted(p for p in (folder / "source").glob("*") if p.is_dir()) \
        if (folder / "source").is_dir() else []
    for candidate in (folder / "source" / "en", *sources, folder):
        if candidate.is_dir() and any(candidate.rglob(f"*{PAGE_SUFFIX}")):
            pages = {}
            for path in sorted(candidate.rglob(f"*{PAGE_SUFFIX}")):
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
    # DEFAULTS holds Language's own settings, with their types, for the languages it knows;
    # mypy cannot match a ** dict to particular keywords
    lang = Language(code=code, title=_title(fork, cfg), **settings,  # type: ignore[arg-type]
                    **({"cjk_fonts": tuple(cast(list[str], fonts))}  # type: ignore[arg-type]
                       if fonts else {}))
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
    from d2lbook.i18n.fork.choose import align_fork
    from d2lbook.i18n.fork.match import candidates, match_pages
    from d2lbook.i18n.fork.structure import features_of
    from d2lbook.source import read_pages
    from d2lbook.vcs import Repository

    layout = BookLayout(cfg)
    book_repo = Repository(cfg.root)
    english = {p.name: p.text for p in read_pages(layout.english)}
    history, by_identity = _english_history(cfg, book_repo, english, english_history, result)
    progress(f"English history: {len(history.versions)} page versions in {history.commits} "
             f"commits; fork: {len(fork)} pages")
    commits = _sync_commits(layout, book_repo, english, result)
    fork_features = {name: features_of(text) for name, text in fork.items()}
    matched, _unmatched = match_pages(fork_features, history, by_identity)
    progress(f"matched {len(matched)} fork pages to English pages")
    groups = {page: candidates(m, history) for page, m in matched.items()}
    aligned = align_fork(fork, matched, groups, history, lang.code,
                         _framework_keys(cfg, fork_root, prefix, result),
                         lambda number, count, page, versions: progress(
                             f"[{number}/{count}] aligning {prefix}{page}.md with "
                             f"{versions} English version(s)"))
    at = [v for v in history.versions if v.order == aligned.point]
    if aligned.point is not None and at:
        result.fork_point, result.fork_point_date = at[0].commit, at[0].date
    page_import = _PageImport(layout, lang, fork, english, history, by_identity, aligned,
                              commits, write, result)
    for page in sorted(fork):
        fork_file = f"{prefix}{page_file_name(page)}"
        match = matched.get(page)
        if match is None or not aligned.options.get(page):
            result.pages.append(_fork_only(cfg, lang, fork_root, page, fork_file, fork[page],
                                           english, write, result))
            continue
        report = page_import(page, fork_file, match, len(groups[page]))
        if report is not None:
            result.pages.append(report)
    done = {by_identity[m.identity] for m in matched.values()}
    result.missing = [_rel(layout.source_page(n), cfg.root) for n in english
                      if n not in done]


def _english_history(cfg: BookConfig, book_repo: Repository, english: dict[str, str],
                     english_history: Path | str | None, result: ForkImport
                     ) -> tuple[EnglishHistory, dict[str, str]]:
    """Every version of the English pages (this book's history, or ``english_history``'s)
    and which English page of today each page identity of it is."""
    from d2lbook.commands import fork_dialect as dialect
    from d2lbook.i18n.fork.external import map_external
    from d2lbook.i18n.fork.versions import read_history
    from d2lbook.vcs import Repository

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
        by_identity = map_external(history, english)
    else:
        history = read_history(book_repo, book_repo.relpath(cfg.source_dir))
        by_identity = {history.identity(f"{name}{PAGE_SUFFIX}"): name for name in english}
    if not history.versions:
        where = english_history or cfg.root
        raise SourceError(f"{where}: the git history holds no version of the English pages; "
                          "commit them first, or pass the repository that holds their "
                          "history with --english-history")
    return history, by_identity


def _sync_commits(layout: BookLayout, book_repo: Repository, english: dict[str, str],
                  result: ForkImport) -> dict[str, str | None]:
    """Page -> the commit its catalog says it was synchronised with (the page's last commit,
    as ``i18n update`` records it); ``result.head``: the book's HEAD."""
    head = book_repo.head().sha
    result.head = head
    sources = {name: book_repo.relpath(layout.source_page(name)) for name in english}
    last = book_repo.last_commits(list(sources.values()))  # the sync commit `update` records
    return {name: last.get(path) or head for name, path in sources.items()}


@dataclass
class _PageImport:
    """One fork page that translates an English page: its catalog, carried from the version
    it fits best to today's English, and its report."""

    layout: BookLayout
    lang: Language
    fork: dict[str, str]
    english: dict[str, str]
    history: EnglishHistory
    by_identity: dict[str, str]
    aligned: ForkAlignments
    commits: dict[str, str | None]
    write: bool
    result: ForkImport

    def __call__(self, page: str, fork_file: str, match: PageMatch, candidates: int
                 ) -> PageImport | None:
        """The page's report; None when nothing could be imported (said in a warning)."""
        from d2lbook.i18n.fork.choose import best_version
        from d2lbook.i18n.fork.synth import carried_translations, rejected_translations

        name = self.by_identity[match.identity]
        fork_struct = self.aligned.structure(self.fork[page])
        version, aligned = best_version(self.aligned, page, self.history)
        version_struct = self.aligned.structure(self.history.texts[version.blob])
        rejected = rejected_translations(version_struct, fork_struct, aligned.rejected)
        carried = carried_translations(version_struct, fork_struct, aligned.pairs, rejected)
        path = self.layout.catalog(self.lang, name)
        existing = self._existing(fork_file, name, path)
        if existing is False:
            return None
        synth = self._synthesize(name, version, fork_file, path, existing, carried, rejected,
                                 aligned)
        report = _page_report(self.layout, name, fork_file, path, match, candidates, version,
                              aligned, synth)
        report.pairs = [{"english": [version_struct.blocks[i].text for i in p.english],
                         "translation": p.translation, "confident": p.confident,
                         "note": p.note, "fork_line": fork_struct.blocks[p.fork[0]].seg.line}
                        for p in aligned.pairs if not p.identical]
        self._warn(fork_file, name, match, aligned)
        return report

    def _existing(self, fork_file: str, name: str, path: Path
                  ) -> Catalog | None | Literal[False]:
        """The page's catalog as it is (None: none yet); False when the page has no catalog
        to import into (a whole-file translation) or it cannot be read (warned)."""
        from d2lbook.i18n.catalog import read_catalog

        cfg, result = self.layout.cfg, self.result
        whole = self.layout.overlay_page(self.lang, name)
        if whole.is_file():
            result.warnings.append(f"{fork_file}: {name} is translated as a whole file in "
                                   f"{_rel(whole, cfg.root)}, which has no catalog; nothing "
                                   "imported for it")
            return False
        if not path.is_file():
            return None
        try:
            return read_catalog(path)
        except I18nError as err:  # a malformed catalog is reported and left alone
            result.warnings.append(f"{_rel(path, cfg.root)} cannot be read, left as it "
                                   f"is: {err}")
            return False

    def _synthesize(self, name: str, version: Version, fork_file: str, path: Path,
                    existing: Catalog | None, carried: dict[str, Carried],
                    rejected: dict[str, Carried], aligned: Alignment) -> Synthesis:
        """The page's catalog for today's English (written unless only its dates changed)."""
        from d2lbook.i18n.catalog import write_catalog
        from d2lbook.i18n.fork.synth import synthesize

        cfg, lang = self.layout.cfg, self.lang
        synth = synthesize(name, self.english[name], self.history.texts[version.blob], carried,
                           locale=lang.locale, fork_file=fork_file,
                           commit=self.commits.get(name) or self.result.head,
                           project=cfg.name, team=lang.title, existing=existing, path=path,
                           rejected=rejected, comments=aligned.comments())
        if self.write and not _unchanged(synth.catalog, existing, path):
            write_catalog(synth.catalog, path)
        return synth

    def _warn(self, fork_file: str, name: str, match: PageMatch, aligned: Alignment) -> None:
        if aligned.extra_tabs:
            self.result.warnings.append(f"{fork_file}: framework(s) "
                                        f"{', '.join(aligned.extra_tabs)} not in the English "
                                        "page; their text is listed as left over, their code "
                                        "cells as code differences")
        if match.score < 0.5 and not match.same_path:
            self.result.warnings.append(f"{fork_file}: matched to {name} with low confidence "
                                        f"({match.score:.2f}); check the pairing")


def _page_report(layout: BookLayout, name: str, fork_file: str, catalog: Path,
                 match: PageMatch, candidates: int, version: Version, aligned: Alignment,
                 synth: Synthesis) -> PageImport:
    root = layout.root
    return PageImport(
        fork_file, _rel(layout.source_page(name), root),
        catalog=_rel(catalog, root), version_commit=version.commit,
        version_date=version.date, version_path=version.path,
        confidence=round(match.score, 3), candidates=candidates,
        anchors=aligned.anchors, translated=synth.translated, fuzzy=synth.fuzzy,
        untranslated=synth.untranslated, kept=synth.kept, obsolete=synth.obsolete,
        comments=synth.comments,
        leftovers=[{"line": x.line, "text": x.text, "reason": x.reason}
                   for x in aligned.leftovers],
        code=[{"fork_line": c.fork_line, "english_line": c.english_line,
               "detail": c.detail} for c in aligned.code])


def _unchanged(catalog: Catalog, existing: Catalog | None, path: Path) -> bool:
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
    from d2lbook.myst import image_paths

    layout = BookLayout(cfg)
    report = PageImport(fork_file, None)
    overlay = layout.overlay(lang)
    target = layout.overlay_page(lang, page)
    refusal = _refusal(cfg, lang, page, fork_file, text, target, english)
    if refusal:
        result.warnings.append(refusal)
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


def _refusal(cfg: BookConfig, lang: Language, page: str, fork_file: str, text: str,
             target: Path, english: dict[str, str]) -> str:
    """Why a page only in the fork is not written at ``target`` (empty: it is)."""
    from d2lbook.i18n.sanitize import page_issues

    if page in english:
        return (f"{fork_file}: only in the fork, but an English page has its name; not written "
                "(a file there would replace the English page): place it by hand")
    issues = page_issues(text)
    if issues:  # not the book's authors' text: checked like a translation, refused if unsafe
        return (f"{fork_file}: a page only in the fork, refused (not written): "
                f"{'; '.join(i.message for i in issues)}; remove that markup from the fork's "
                "page and import again, or review the page and place it in "
                f"source/{lang.code}/ by hand")
    if target.is_file() and target.read_text(encoding="utf-8") != text:
        return (f"{_rel(target, cfg.root)}: exists and differs from the fork's {fork_file}; "
                "left as it is")
    return ""
