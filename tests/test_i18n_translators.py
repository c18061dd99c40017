"""What a translator meets: `#:` references in the catalogs, catalogs untouched by unrelated
updates, and the book's own translations proposed (fuzzy) for the same English elsewhere."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_book

from d2lbook.i18n.catalog import read_catalog, render_catalog
from d2lbook.i18n.extract import extract_page, write_templates
from d2lbook.i18n.memory import MEMORY_NOTE
from d2lbook.i18n.update import update_catalogs
from d2lbook.layout import catalog_file
from tests.helpers import git

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext missing")

PAGE = "chapter_x/page"
TEXT = """---
kernelspec:
  name: python3
---

# A Page

First paragraph of the page.

```{code-cell} ipython3
# make the data
x = 1  # make the data
```

First paragraph of the page.

## Summary

Last words.
"""

NEW_PAGE = """# A New Section

Words nobody translated yet.

## Summary

* One point.
"""



def check_like_a_translator(path: Path) -> None:
    """msgfmt --check accepts it and msgcat (what Poedit's files go through) keeps its bytes."""
    proc = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    canonical = subprocess.run(["msgcat", "--force-po", str(path)], capture_output=True,
                               text=True, check=True).stdout
    assert path.read_text(encoding="utf-8") == canonical


def test_every_message_has_its_page_and_lines(tmp_path: Path) -> None:
    template = extract_page(TEXT, PAGE)
    refs = {(e.msgctxt, e.msgid): e.references for e in template.entries}
    assert refs[(None, "A Page")] == ["chapter_x/page.md:6"]
    assert refs[(None, "First paragraph of the page.")] == ["chapter_x/page.md:8",
                                                            "chapter_x/page.md:15"]
    assert refs[("code comment", "make the data")] == ["chapter_x/page.md:11",
                                                       "chapter_x/page.md:12"]
    assert refs[(None, "Summary")] == ["chapter_x/page.md:17"]

    (pot,) = write_templates({PAGE: TEXT}, tmp_path / "gettext")
    assert "#: chapter_x/page.md:8 chapter_x/page.md:15\n" in pot.read_text(encoding="utf-8")
    (result,) = update_catalogs({PAGE: TEXT}, tmp_path, "zh_CN", None)
    text = result.path.read_text(encoding="utf-8")
    assert "#: chapter_x/page.md:8 chapter_x/page.md:15\n" in text
    check_like_a_translator(result.path)
    assert render_catalog(read_catalog(result.path)) == text

    # a line added above moves the references: the catalog is rewritten, nothing else changes
    moved = TEXT.replace("# A Page\n", "# A Page\n\nAn added paragraph.\n")
    (again,) = update_catalogs({PAGE: moved}, tmp_path, "zh_CN", None)
    assert again.status == "updated"
    assert "#: chapter_x/page.md:10 chapter_x/page.md:17\n" in \
        result.path.read_text(encoding="utf-8")
    check_like_a_translator(result.path)


def test_sphinx_intl_reads_the_catalogs(tmp_path: Path) -> None:
    sphinx_intl = Path(sys.executable).parent / "sphinx-intl"
    if not sphinx_intl.exists():
        pytest.skip("sphinx-intl is not installed")
    update_catalogs({PAGE: TEXT}, tmp_path, "zh_CN", None)
    proc = subprocess.run([str(sphinx_intl), "stat", "-d", str(tmp_path), "-l", "zh_CN"],
                          capture_output=True, text=True)
    # (its exit status is 1 while something is untranslated)
    assert "page.po: 0 translated, 0 fuzzy, 5 untranslated." in proc.stdout, proc.stderr


def test_memory_proposes_fuzzy_and_never_overrides(tmp_path: Path) -> None:
    update_catalogs({PAGE: TEXT}, tmp_path, "zh_CN", None)
    done = catalog_file(tmp_path, "zh_CN", PAGE)
    cat = read_catalog(done)
    for e in cat.entries:
        e.msgstr = {"Summary": "小结", "make the data": "生成数据"}.get(e.msgid, "")
    done.write_text(render_catalog(cat), encoding="utf-8")
    before = done.read_bytes()

    other = "chapter_y/other"
    existing = NEW_PAGE.replace("* One point.", "```{code-cell} ipython3\n# make the data\n```")
    results = update_catalogs({PAGE: TEXT, other: existing}, tmp_path, "zh_CN", None)
    by_page = {r.page: r for r in results}
    assert by_page[other].suggested == 2 and by_page[PAGE].status == "unchanged"
    assert done.read_bytes() == before  # the source catalog is not touched
    new = read_catalog(by_page[other].path)
    summary = next(e for e in new.entries if e.msgid == "Summary")
    assert (summary.msgstr, summary.fuzzy) == ("小结", True)
    assert summary.comments == [f"{MEMORY_NOTE}{PAGE}.po"]
    comment = next(e for e in new.entries if e.msgctxt == "code comment")
    assert (comment.msgstr, comment.fuzzy) == ("生成数据", True)
    assert new.translations(fuzzy=False) == {}  # proposed, never translated
    check_like_a_translator(by_page[other].path)

    # a translator's own choice is kept, even when the memory knows another one
    summary.msgstr, summary.fuzzy, summary.comments = "总结", False, []
    by_page[other].path.write_text(render_catalog(new), encoding="utf-8")
    longer = existing + "\nMore words.\n"
    results = update_catalogs({PAGE: TEXT, other: longer}, tmp_path, "zh_CN", None)
    kept = read_catalog(by_page[other].path)
    assert kept.lookup("Summary") == "总结"
    assert {r.page: r.suggested for r in results}[other] == 0


def test_update_for_one_new_page_writes_only_its_catalog(tmp_path: Path) -> None:
    from d2lbook.cli import main

    root = copy_book(tmp_path / "book")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    assert main(["--root", str(root), "i18n", "update", "--lang", "zh"]) == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "catalogs synced with this history")

    chapter = root / "source/en/chapter_preliminaries"
    (chapter / "calculus.md").write_text(NEW_PAGE, encoding="utf-8")
    index = chapter / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("autograd\n```",
                                                               "autograd\ncalculus\n```"),
                     encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "new page")
    assert main(["--root", str(root), "i18n", "update", "--lang", "zh"]) == 0
    changed = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert changed == ["?? locale/zh_CN/LC_MESSAGES/chapter_preliminaries/calculus.po"]
    new = read_catalog(root / "locale/zh_CN/LC_MESSAGES/chapter_preliminaries/calculus.po")
    summary = next(e for e in new.entries if e.msgid == "Summary")
    assert (summary.msgstr, summary.fuzzy) == ("小结", True)


def test_status_stats_and_site_page_count_the_same_messages(tmp_path: Path, capsys) -> None:
    """The sample book as it is, then with a fuzzy message that occurs five times on its page
    (one message for gettext) and a translation removed: the three counts stay one count."""
    from d2lbook.commands.i18n import coverage, status
    from d2lbook.config import load_config
    from d2lbook.edition import prepare_edition
    from d2lbook.i18n.status import Status

    root = copy_book(tmp_path / "book")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    from d2lbook.cli import main

    assert main(["--root", str(root), "i18n", "update", "--lang", "zh"]) == 0  # sync commits
    git(root, "commit", "-q", "-am", "catalogs synced with this history")
    capsys.readouterr()
    cfg = load_config(root)
    lang = next(x for x in cfg.languages if x.code == "zh")

    def three() -> tuple[dict, dict, dict]:
        report = status(cfg, lang)
        by_status = {d.source.removeprefix("source/en/").removesuffix(".md"): d.counts
                     for d in report.documents if d.kind == "catalog"}
        by_stats = {page: {Status.CURRENT: c.translated, Status.OUTDATED: c.fuzzy,
                           Status.UNTRANSLATED: c.untranslated, Status.REJECTED: c.rejected}
                    for page, c in coverage(cfg, lang)}
        site = prepare_edition(cfg, lang).status_counts
        by_site = {page: {s: site[page].get(s, 0) for s in Status} for page in by_stats}
        return by_status, by_stats, by_site

    synced = three()
    assert synced[0] == synced[1] == synced[2]
    concise = "chapter_linear-networks/linear-regression-concise"
    assert sum(synced[1][concise].values()) == 51

    po = root / "locale/zh_CN/LC_MESSAGES" / f"{concise}.po"
    cat = read_catalog(po)
    for e in cat.entries:
        if e.msgid == "MXNet":
            e.fuzzy = True
        if e.msgid == "Summary":
            e.msgstr = ""
        if e.msgid.startswith("Linear regression is a single fully connected layer"):
            e.msgstr = e.msgstr.replace("{numref}`fig-single-neuron`", "图")  # role dropped
            dropped = e
    po.write_text(render_catalog(cat), encoding="utf-8")
    edited = three()
    assert edited[0] == edited[1] == edited[2]
    assert edited[1][concise] == {Status.CURRENT: 48, Status.OUTDATED: 1,
                                  Status.UNTRANSLATED: 1, Status.REJECTED: 1}
    assert sum(edited[1][concise].values()) == 51

    # what the translator sees: the rejected message, why, and the msgstr line to fix
    line = read_catalog(po).find(dropped.msgid).msgstr_line
    code = main(["--root", str(root), "i18n", "status", "--lang", "zh", "--fail-on",
                 "rejected", "chapter_linear-networks/linear-regression-concise.md"])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 rejected" in out and f"msgstr line {line}: " in out and "fig-single-neuron" in out
    assert main(["--root", str(root), "i18n", "stats", "--lang", "zh"]) == 0
    assert "1 rejected by the build" in capsys.readouterr().out
