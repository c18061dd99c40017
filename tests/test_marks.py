"""What a translated page marks as still in English: one status computation per page (git-aware
when there is history), plus the translations the catalog actually placed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from d2lbook.config import parse_config
from d2lbook.edition import prepare_edition
from d2lbook.i18n.marks import shown_statuses
from d2lbook.i18n.status import MessageStatus, Status
from tests.helpers import git

ENGLISH = "# Title\n\nFirst paragraph here.\n\nSecond paragraph here.\n"


def test_shown_statuses_follow_what_was_placed() -> None:
    messages = [MessageStatus(Status.CURRENT, "a"), MessageStatus(Status.CURRENT, "b"),
                MessageStatus(Status.OUTDATED, "c"), MessageStatus(Status.OUTDATED, "d"),
                MessageStatus(Status.UNTRANSLATED, "e")]
    # a placed; b's translation rejected; c shown in English; d's fuzzy translation placed
    shown = shown_statuses(messages, {0: False, 3: True})
    assert shown == [Status.CURRENT, Status.UNTRANSLATED, Status.OUTDATED, Status.OUTDATED,
                     Status.UNTRANSLATED]



@pytest.mark.skipif(shutil.which("git") is None or shutil.which("msgmerge") is None,
                    reason="git or gettext missing")
@pytest.mark.parametrize("outdated", ["translation", "english"])
def test_an_english_edit_after_the_sync_is_marked_outdated(tmp_path: Path, outdated: str
                                                           ) -> None:
    from d2lbook.commands.i18n import update
    from d2lbook.i18n.catalog import read_catalog, write_catalog
    from d2lbook.layout import BookLayout

    (tmp_path / "source" / "en").mkdir(parents=True)
    page = tmp_path / "source" / "en" / "index.md"
    page.write_text(ENGLISH)
    cfg = parse_config(tmp_path, {"name": "bk", "author": "A", "version": "1", "languages": {
        "en": {"title": "Book"}, "zh": {"title": "书", "locale": "zh_CN",
                                       "outdated": outdated}}})
    zh = cfg.language("zh")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "English")
    update(cfg, zh)
    po = BookLayout(cfg).catalog(zh, "index")
    catalog = read_catalog(po)
    for entry, text in zip(catalog.entries, ("标题", "第一段。", "第二段。"), strict=True):
        entry.msgstr = text
    write_catalog(catalog, po)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Chinese")
    page.write_text(ENGLISH.replace("Second paragraph here.", "Second paragraph here. And more.")
                    + "\nA new paragraph.\n")
    git(tmp_path, "commit", "-q", "-am", "Rewrite")

    edition = prepare_edition(cfg, zh)
    text = (edition.tree / "index.md").read_text()
    assert "第一段。" in text
    if outdated == "translation":  # the default: the last translation, marked
        assert "{.d2l-outdated}\n第二段。" in text and "And more" not in text
    else:
        assert "{.d2l-outdated}\nSecond paragraph here. And more." in text
    assert "{.d2l-untranslated}\nA new paragraph." in text
    assert edition.status_counts["index"] == {"current": 2, "outdated": 1, "untranslated": 1,
                                              "rejected": 0}
    # The status still counts it as outdated, and the gate still fails on it.
    from d2lbook.i18n.drift import compute_status

    report = compute_status(cfg, zh)
    assert [m.status for d in report.documents for m in d.by_segment].count("outdated") == 1
