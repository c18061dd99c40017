"""update_catalogs: GNU msgmerge semantics, byte stability, and no translation ever lost."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.errors import I18nError
from d2lbook.i18n.catalog import Catalog, read_catalog, render_catalog
from d2lbook.i18n.extract import extract_page, write_templates
from d2lbook.i18n.update import update_catalogs
from d2lbook.layout import catalog_file

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext missing")

PAGE = "chapter_linear-networks/linear-regression"
SHA1 = "1111111111111111111111111111111111111111"
SHA2 = "2222222222222222222222222222222222222222"

P1 = "Regression problems pop up whenever we want to predict a numerical value."
P2 = ("The *loss* function quantifies the distance between the real and the predicted value "
      "of the target, see {eq}`eq-loss`.")
P3 = "Linear regression is a single-layer neural network, as {numref}`fig-neuron` shows."

TEXT = f"""---
kernelspec:
  name: python3
---

(sec-lr)=
# Linear Regression

{P1}

## Loss

{P2}

```{{code-cell}} ipython3
# a comment, not a heading
x = 1
```

{P3}
"""


def update(tmp_path: Path, text: str = TEXT, commit: str | None = SHA1, **more: str):
    pages = {PAGE: text, **more}
    commits = {PAGE: commit} if commit else None
    return update_catalogs(pages, tmp_path / "locale", "zh_CN", commits, project="Book",
                           language_team="zh <zh@example.org>")


def po(tmp_path: Path, page: str = PAGE) -> Path:
    return catalog_file(tmp_path / "locale", "zh_CN", page)


def translate_everything(path: Path) -> Catalog:
    cat = read_catalog(path)
    for entry in cat.entries:
        if not entry.obsolete and not entry.msgstr:
            entry.msgstr = f"译：{entry.msgid}"
    path.write_text(render_catalog(cat), encoding="utf-8")
    return cat


def translations(path: Path) -> set[str]:
    return {e.msgstr for e in read_catalog(path).entries if e.msgstr}


def assert_msgfmt_ok(path: Path) -> None:
    """msgfmt --check passes, and the file is already in GNU gettext's canonical form."""
    proc = subprocess.run(["msgfmt", "--check-format", "--check-header", "-o", "/dev/null",
                           str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    canonical = subprocess.run(["msgcat", "--force-po", str(path)], capture_output=True,
                               text=True, check=True).stdout
    assert path.read_text(encoding="utf-8") == canonical
    assert render_catalog(read_catalog(path)) == canonical


def assert_nothing_lost(before: set[str], path: Path) -> None:
    assert before <= translations(path)


def assert_second_update_is_noop(tmp_path: Path, text: str, commit: str | None = SHA1) -> None:
    path = po(tmp_path)
    data = path.read_bytes()
    (result,) = update(tmp_path, text, commit)
    assert result.status == "unchanged"
    assert path.read_bytes() == data


@pytest.fixture()
def translated(tmp_path: Path) -> Path:
    (result,) = update(tmp_path)
    assert result.status == "created"
    translate_everything(result.path)
    return result.path


def test_create(tmp_path: Path) -> None:
    (result,) = update(tmp_path)
    assert (result.page, result.status, result.new) == (PAGE, "created", 6)
    assert result.path == tmp_path / "locale/zh_CN/LC_MESSAGES" / f"{PAGE}.po"
    cat = read_catalog(result.path)
    assert [e.msgid for e in cat.entries] == ["Linear Regression", P1, "Loss", P2, P3,
                                              "a comment, not a heading"]
    assert [e.msgctxt for e in cat.entries] == [None] * 5 + ["code comment"]
    assert cat.header["Language"] == "zh_CN"
    assert cat.header["Plural-Forms"] == "nplurals=1; plural=0;"
    assert cat.header["X-Source-Commit"] == SHA1
    assert cat.header["Project-Id-Version"] == "Book"
    assert f"#: {PAGE}.md:7\n" in result.path.read_text(encoding="utf-8")  # the heading
    assert_msgfmt_ok(result.path)
    assert_second_update_is_noop(tmp_path, TEXT)


def test_unchanged_page_is_not_rewritten(tmp_path: Path, translated: Path) -> None:
    data = translated.read_bytes()
    os.utime(translated, ns=(1_000_000_000, 1_000_000_000))
    (result,) = update(tmp_path)
    assert result.status == "unchanged"
    assert translated.read_bytes() == data
    assert translated.stat().st_mtime_ns == 1_000_000_000


def test_edit_makes_fuzzy_with_previous(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    edited = TEXT.replace(P1, P1.replace("numerical value", "numeric value"))
    (result,) = update(tmp_path, edited, SHA2)
    assert (result.status, result.fuzzy, result.new, result.obsolete) == ("updated", 1, 0, 0)
    entry = read_catalog(translated).find(P1.replace("numerical value", "numeric value"))
    assert entry is not None and entry.fuzzy
    assert entry.previous_msgid == P1
    assert entry.msgstr == f"译：{P1}"
    assert "#| msgid" in translated.read_text(encoding="utf-8")
    assert read_catalog(translated).header["X-Source-Commit"] == SHA2
    assert_nothing_lost(before, translated)
    assert_msgfmt_ok(translated)
    assert_second_update_is_noop(tmp_path, edited, SHA2)


def test_rewrite_gives_new_entry_and_obsolete_old(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    rewritten = TEXT.replace(P3, "Completely different words about gradient descent and trains.")
    (result,) = update(tmp_path, rewritten)
    assert (result.status, result.new, result.obsolete) == ("updated", 1, 1)
    cat = read_catalog(translated)
    new = cat.find("Completely different words about gradient descent and trains.")
    assert new is not None and new.msgstr == "" and not new.fuzzy
    old = [e for e in cat.entries if e.obsolete]
    assert [(e.msgid, e.msgstr) for e in old] == [(P3, f"译：{P3}")]
    assert translated.read_text(encoding="utf-8").count("#~ msgid") == 1
    assert_nothing_lost(before, translated)
    assert_msgfmt_ok(translated)
    assert_second_update_is_noop(tmp_path, rewritten)


def test_delete_keeps_obsolete(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    deleted = TEXT.replace(P2 + "\n", "")
    (result,) = update(tmp_path, deleted)
    assert (result.status, result.obsolete) == ("updated", 1)
    cat = read_catalog(translated)
    assert cat.find(P2) is None
    assert [e.msgid for e in cat.entries if e.obsolete] == [P2]
    assert_nothing_lost(before, translated)
    assert_msgfmt_ok(translated)
    # the paragraph comes back: its translation is revived, not fuzzy
    (again,) = update(tmp_path, TEXT)
    entry = read_catalog(translated).find(P2)
    assert again.status == "updated" and entry is not None
    assert entry.msgstr == f"译：{P2}" and not entry.fuzzy
    assert_nothing_lost(before, translated)


def test_move_keeps_translation(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    moved = TEXT.replace(f"{P1}\n", "").replace(f"{P3}\n", f"{P3}\n\n{P1}\n")
    (result,) = update(tmp_path, moved)
    assert (result.status, result.new, result.fuzzy, result.obsolete) == ("updated", 0, 0, 0)
    cat = read_catalog(translated)
    assert [e.msgid for e in cat.entries] == ["Linear Regression", "Loss", P2, P3, P1,
                                              "a comment, not a heading"]
    assert all(e.msgstr and not e.fuzzy for e in cat.entries if e.msgctxt is None)
    assert_nothing_lost(before, translated)
    assert_msgfmt_ok(translated)


def test_duplicate_paragraph_shares_translation(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    doubled = TEXT.replace(f"{P3}\n", f"{P3}\n\n{P1}\n")
    (result,) = update(tmp_path, doubled)
    assert result.status == "updated"  # same distinct messages, one more reference
    cat = read_catalog(translated)
    assert sum(1 for e in cat.entries if e.msgid == P1) == 1
    assert len(cat.find(P1).references) == 2
    assert cat.lookup(P1) == f"译：{P1}"
    assert_nothing_lost(before, translated)


def test_commit_is_recorded_and_kept(tmp_path: Path, translated: Path) -> None:
    (kept,) = update(tmp_path, TEXT, commit=None)
    assert kept.status == "unchanged"
    assert read_catalog(translated).header["X-Source-Commit"] == SHA1
    data = translated.read_bytes()
    (same,) = update(tmp_path, TEXT, commit=SHA2)  # a commit that changed no message
    assert same.status == "unchanged" and translated.read_bytes() == data
    (moved,) = update(tmp_path, TEXT + "\nA new paragraph.\n", commit=SHA2)
    assert moved.status == "updated"
    assert read_catalog(translated).header["X-Source-Commit"] == SHA2
    assert_msgfmt_ok(translated)


def test_malformed_catalog_is_refused(tmp_path: Path, translated: Path) -> None:
    broken = translated.read_text(encoding="utf-8").replace('msgstr "译：Loss"',
                                                            'msgstr "译：Loss')
    translated.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index('msgstr "译：Loss') + 1
    other = "chapter_preface/index"
    with pytest.raises(I18nError) as info:
        update(tmp_path, TEXT.replace(P1, "Edited."), **{other: "# Preface\n\nHello there.\n"})
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == (translated, line)
    assert f"{translated}:{line}:" in str(info.value)
    assert translated.read_text(encoding="utf-8") == broken  # nothing written
    results = info.value.results  # type: ignore[attr-defined]
    assert [(r.page, r.status) for r in results] == [(other, "created")]


def test_orphaned_catalogs_are_left_alone(tmp_path: Path, translated: Path) -> None:
    data = translated.read_bytes()
    results = update_catalogs({"chapter_preface/index": "# Preface\n\nHi there.\n"},
                              tmp_path / "locale", "zh_CN")
    statuses = {(r.page, r.status) for r in results}
    assert statuses == {("chapter_preface/index", "created"), (PAGE, "orphaned")}
    assert translated.read_bytes() == data


def test_fuzzy_entry_edited_again_keeps_first_english(tmp_path: Path, translated: Path) -> None:
    before = translations(translated)
    once = TEXT.replace("numerical value", "numeric value")
    twice = TEXT.replace("numerical value", "numeric quantity")
    update(tmp_path, once)
    update(tmp_path, twice)
    entry = read_catalog(translated).find(P1.replace("numerical value", "numeric quantity"))
    assert entry is not None and entry.fuzzy and entry.msgstr == f"译：{P1}"
    assert_nothing_lost(before, translated)
    assert_msgfmt_ok(translated)


def test_page_without_messages_gets_a_header_only_catalog(tmp_path: Path) -> None:
    code_only = "```{code-cell} ipython3\n#@save\nx = 1  # noqa\n```\n"  # directives only
    (result,) = update(tmp_path, code_only)
    assert result.status == "created"
    cat = read_catalog(result.path)
    assert cat.entries == [] and cat.header["X-Source-Commit"] == SHA1
    assert_msgfmt_ok(result.path)
    assert_second_update_is_noop(tmp_path, code_only)


def test_write_templates(tmp_path: Path) -> None:
    out = tmp_path / "pot"
    (path,) = write_templates({PAGE: TEXT}, out)
    assert path == out / f"{PAGE}.pot"
    data = path.read_bytes()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    write_templates({PAGE: TEXT}, out)
    assert path.read_bytes() == data and path.stat().st_mtime_ns == 1_000_000_000
    assert [e.msgid for e in read_catalog(path).entries] == \
        [e.msgid for e in extract_page(TEXT, PAGE).entries]


def test_extract_merges_duplicates_and_records_kinds() -> None:
    text = "# Title\n\nSame words.\n\n- Same words.\n\nSame words.\n"
    cat = extract_page(text, "p", now="2024-01-01 00:00+0000")
    assert [(e.msgid, e.extracted) for e in cat.entries] == [
        ("Title", ["heading"]), ("Same words.", ["paragraph, list-item"])]
    assert cat.header["POT-Creation-Date"] == "2024-01-01 00:00+0000"


SOURCE = Path(__file__).parent.parent / "source" / "en"


def source_pages() -> dict[str, str]:
    if not SOURCE.is_dir():
        return {}
    return {p.relative_to(SOURCE).with_suffix("").as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(SOURCE.rglob("*.md"))}


@pytest.mark.skipif(not source_pages(), reason="no pages under source/en yet")
def test_real_pages_create_valid_catalogs(tmp_path: Path) -> None:
    pages = source_pages()
    results = update_catalogs(pages, tmp_path, "zh_CN", {p: SHA1 for p in pages})
    assert {r.status for r in results} == {"created"}
    for result in results:
        assert_msgfmt_ok(result.path)
        translate_everything(result.path)
        assert_msgfmt_ok(result.path)
    again = update_catalogs(pages, tmp_path, "zh_CN", {p: SHA1 for p in pages})
    assert {r.status for r in again} == {"unchanged"}
