"""Keep the translation catalogs in step with the English pages.

The merge itself is GNU ``msgmerge --previous``: exact matches keep their translation, changed
English gets the old translation marked fuzzy with the previous English in ``#| msgid``, and
translations whose English disappeared stay in the file as obsolete ``#~`` entries. On top of
that this module guarantees that a catalog is only rewritten when something really changed, that
no translation ever disappears, and that a malformed catalog is never overwritten.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from d2lbook.errors import I18nError, Problem
from d2lbook.files import write_atomic
from d2lbook.layout import (
    catalog_file,
    catalog_files_under,
    catalog_folder,
    page_file_name,
    page_name,
)

from .catalog import Catalog, parse_catalog, read_catalog, render_catalog, run_gettext
from .extract import extract_page, same_ignoring_dates, timestamp

__all__ = ["UpdateResult", "update_catalogs", "plural_forms"]


@dataclass(frozen=True)
class UpdateResult:
    """What happened to one page's catalog."""

    page: str
    path: Path
    status: str
    """``created``, ``updated``, ``unchanged`` or ``orphaned`` (the page no longer exists;
    the catalog is left alone)."""
    new: int = 0
    """Entries added without a translation."""
    fuzzy: int = 0
    """Entries that became fuzzy (their English changed; the old translation is kept)."""
    obsolete: int = 0
    """Translations that became obsolete (``#~``) because their English disappeared."""
    carried: int = 0
    """Translations carried over from another catalog (the paragraph moved between pages)."""
    suggested: int = 0
    """Entries given a fuzzy suggestion from the translation memory (the same English
    translated in another catalog)."""


_PLURALS = {
    **dict.fromkeys(("zh", "ja", "ko", "vi", "th", "id", "ms", "tr"), "nplurals=1; plural=0;"),
    **dict.fromkeys(("fr", "pt_BR"), "nplurals=2; plural=(n > 1);"),
    **dict.fromkeys(
        ("ru", "uk"),
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    ),
}


def plural_forms(locale: str) -> str:
    """The ``Plural-Forms`` header value for a locale (``zh_CN`` -> one form)."""
    return _PLURALS.get(locale) or _PLURALS.get(locale.split("_")[0]) or \
        "nplurals=2; plural=(n != 1);"


def update_catalogs(
    pages: dict[str, str],
    locale_dir: Path,
    locale: str,
    source_commits: dict[str, str] | None = None,
    *,
    project: str = "",
    language_team: str = "",
    resync: set[str] | frozenset[str] = frozenset(),
) -> list[UpdateResult]:
    """Create or update the catalog of every page (``pages``: page name -> English text).

    ``source_commits[page]`` is recorded as ``X-Source-Commit`` (the old value is kept when
    the page is missing from the mapping); a recorded commit is only moved forward when the
    page's messages changed, or for the pages in ``resync`` (their recorded commit is unknown
    to the repository). Catalogs of pages that no longer exist are reported
    as ``orphaned`` and left alone. If some existing catalogs are malformed, every other page
    is still updated, nothing is written for the malformed ones and an :class:`I18nError`
    naming ``file:line`` is raised at the end; its ``results`` attribute holds the results.
    """
    commits = source_commits or {}
    results: list[UpdateResult] = []
    problems: list[Problem] = []
    for page, text in pages.items():
        path = catalog_file(locale_dir, locale, page)
        header = _new_header(locale, project, language_team)
        try:
            results.append(_update_page(page, text, path, header, commits.get(page),
                                        page in resync))
        except I18nError as err:
            problems.extend(err.problems)
    orphans = _orphans(pages, Path(locale_dir), locale)
    if not problems:
        results = _carry_moved(results, orphans)
        results = _suggest_from_memory(results)
    results.extend(orphans)
    if problems:
        error = I18nError(problems)
        error.results = results  # type: ignore[attr-defined]  # the pages that were updated
        raise error
    return results


def _new_header(locale: str, project: str, language_team: str) -> dict[str, str]:
    now = timestamp()
    return {
        "Project-Id-Version": project or "d2lbook",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now,
        "PO-Revision-Date": now,
        "Last-Translator": "",
        "Language-Team": language_team or "none",
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
    }


def _update_page(page: str, text: str, path: Path, header: dict[str, str],
                 commit: str | None, resync: bool = False) -> UpdateResult:
    template = extract_page(text, page)
    if not path.is_file():
        created = Catalog(header=dict(header), entries=template.entries, path=path,
                          header_comments=[f"Translation of {page_file_name(page)}"])
        if commit:
            created.header["X-Source-Commit"] = commit
        _write(path, render_catalog(created))
        return UpdateResult(page, path, "created", new=len(created.entries))
    old = read_catalog(path)
    if _already_in_sync(old, template, header, commit, resync):
        return UpdateResult(page, path, "unchanged")  # msgmerge would change nothing
    merged = _msgmerge(path, template)
    _fill_header(merged, header, commit)
    _check_nothing_lost(old, merged, path)
    if same_ignoring_dates(old, merged):
        return UpdateResult(page, path, "unchanged")
    _write(path, render_catalog(merged))
    return UpdateResult(page, path, "updated", *_counts(old, merged))


def _already_in_sync(old: Catalog, template: Catalog, header: dict[str, str],
                     commit: str | None, resync: bool = False) -> bool:
    """True when the catalog already holds exactly the template's messages, in order, with
    their comments and source references and every required header field. A recorded
    ``X-Source-Commit`` is not moved forward for a commit that changed none of the page's
    messages (a toctree edit, code): the translation is as current as before, and the catalog
    stays byte-identical."""
    live = [(e.msgid, e.msgctxt, e.extracted, e.references) for e in old.entries
            if not e.obsolete]
    wanted = [(e.msgid, e.msgctxt, e.extracted, e.references) for e in template.entries]
    return (live == wanted and all(key in old.header for key in header)
            and (not commit or ("X-Source-Commit" in old.header and not resync))
            and "fuzzy" not in old.header_flags)


def _msgmerge(path: Path, template: Catalog) -> Catalog:
    with tempfile.TemporaryDirectory(prefix="d2lbook-i18n-") as tmp:
        pot = Path(tmp) / "page.pot"
        pot.write_text(render_catalog(template), encoding="utf-8")
        args = ["msgmerge", "--previous", "--quiet", "--force-po", "-o", "-", str(path), str(pot)]
        out = run_gettext(args, None, path)
    return parse_catalog(out, path)


def _fill_header(catalog: Catalog, defaults: dict[str, str], commit: str | None) -> None:
    """Add the header fields a catalog must have (existing values are kept) and record the
    English commit."""
    for key, value in defaults.items():
        if key not in catalog.header:
            catalog.header[key] = value
    if commit:
        catalog.header["X-Source-Commit"] = commit
    if "fuzzy" in catalog.header_flags:
        catalog.header_flags = [f for f in catalog.header_flags if f != "fuzzy"]


def _check_nothing_lost(old: Catalog, merged: Catalog, path: Path) -> None:
    """Refuse to write if a translation of the old catalog is nowhere in the merged one."""
    kept = {e.msgstr for e in merged.entries if e.msgstr}
    lost = [e for e in old.entries if e.msgstr and e.msgstr not in kept]
    if lost:
        raise I18nError([Problem(path, e.line, "the merge would drop this translation; nothing "
                                 "was written: fix the catalog by hand (msgmerge --previous)",
                                 "i18n-catalog") for e in lost])


def _counts(old: Catalog, merged: Catalog) -> tuple[int, int, int]:
    old_live = {e.msgid for e in old.entries if not e.obsolete}
    old_fuzzy = {e.msgid for e in old.entries if not e.obsolete and e.fuzzy}
    old_obsolete = {e.msgid for e in old.entries if e.obsolete}
    live = [e for e in merged.entries if not e.obsolete]
    new = sum(1 for e in live if e.msgid not in old_live and not e.translated)
    fuzzy = sum(1 for e in live if e.fuzzy and e.msgid not in old_fuzzy)
    obsolete = sum(1 for e in merged.entries if e.obsolete and e.msgid not in old_obsolete)
    return new, fuzzy, obsolete


def _write(path: Path, text: str) -> None:
    write_atomic(path, text)


def _carry_moved(results: list[UpdateResult], orphans: list[UpdateResult]
                 ) -> list[UpdateResult]:
    """Give entries without a translation the one made for exactly their English in another
    catalog (obsolete there, or in an orphaned catalog): a paragraph moved between pages, a
    page split or merged, a rename git did not see."""
    from dataclasses import replace

    from .moves import carry, homeless_translations

    def load(path: Path) -> Catalog | None:
        try:
            return read_catalog(path)
        except I18nError:
            return None  # reported where it belongs (update, stats); never written here

    live = {r.path: load(r.path) for r in results}
    gone = [(c, True) for o in orphans if (c := load(o.path)) is not None]
    pool = homeless_translations(gone + [(c, False) for c in live.values() if c is not None])
    if not pool:
        return results
    out: list[UpdateResult] = []
    for r in results:
        catalog = live[r.path]
        if catalog is not None:
            catalog, filled = carry(catalog, pool)
            if filled:
                _write(r.path, render_catalog(catalog))
                r = replace(r, status="created" if r.status == "created" else "updated",
                            carried=filled)
        out.append(r)
    return out


def _suggest_from_memory(results: list[UpdateResult]) -> list[UpdateResult]:
    """Give the untranslated entries of the catalogs written in this run a fuzzy suggestion
    from the book's other catalogs (:mod:`d2lbook.i18n.memory`); catalogs left unchanged
    are not touched."""
    from dataclasses import replace

    from .memory import build_memory, suggest

    written = [r for r in results if r.status in ("created", "updated")]
    if not written:
        return results
    ordered = sorted(results, key=lambda r: r.page)
    catalogs: dict[Path, Catalog] = {}
    for r in ordered:
        try:
            catalogs[r.path] = read_catalog(r.path)
        except I18nError:
            continue  # reported where it belongs; never written here
    memory = build_memory((r.page, catalogs[r.path]) for r in ordered if r.path in catalogs)
    out: list[UpdateResult] = []
    for r in results:
        if r in written and r.path in catalogs:
            catalog, made = suggest(r.page, catalogs[r.path], memory)
            if made:
                _write(r.path, render_catalog(catalog))
                r = replace(r, suggested=made)
        out.append(r)
    return out


def _orphans(pages: dict[str, str], locale_dir: Path, locale: str) -> list[UpdateResult]:
    root = catalog_folder(locale_dir, locale)
    if not root.is_dir():
        return []
    found: list[UpdateResult] = []
    for path in catalog_files_under(root):
        page = page_name(root, path)
        if page not in pages:
            found.append(UpdateResult(page, path, "orphaned"))
    return found

