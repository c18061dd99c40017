"""The book's own catalogs: valid for GNU gettext, canonical, complete, and stable under update."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_book

CATALOGS = sorted((REPO / "locale").rglob("*.po"))


def test_there_is_a_catalog_for_every_translated_page():
    from d2lbook.commands.i18n import english_pages
    from d2lbook.config import load_config
    from d2lbook.layout import BookLayout

    cfg = load_config(REPO)
    zh = cfg.language("zh")
    pages = english_pages(cfg)
    expected = set(pages) - BookLayout(cfg).replaced_pages(zh, pages)
    found = {p.relative_to(REPO / "locale" / "zh_CN" / "LC_MESSAGES").with_suffix("").as_posix()
             for p in CATALOGS}
    assert found == expected


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_catalog_passes_msgfmt_and_is_what_msgcat_writes(po: Path):
    check = subprocess.run(["msgfmt", "--check-format", "--check-header", "-o", "/dev/null",
                            str(po)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    canonical = subprocess.run(["msgcat", "--force-po", str(po)], capture_output=True,
                               check=True).stdout
    assert po.read_bytes() == canonical, f"{po}: run `msgcat --force-po -o {po} {po}`"


def test_every_message_is_translated_and_accepted(tmp_path: Path):
    from d2lbook.commands.i18n import coverage
    from d2lbook.config import load_config
    from d2lbook.edition import prepare_edition

    cfg = load_config(copy_book(tmp_path / "book"))
    zh = cfg.language("zh")
    for page, s in coverage(cfg, zh):
        assert (s.fuzzy, s.untranslated) == (0, 0), page
    edition = prepare_edition(cfg, zh)
    assert edition.problems == []
    assert edition.untranslated == 0


def test_update_and_extract_change_nothing_in_a_synced_book(tmp_path: Path, capsys):
    from d2lbook.cli import main

    root = copy_book(tmp_path / "book")
    before = {p: p.read_bytes() for p in (root / "locale").rglob("*.po")}
    assert main(["--root", str(root), "i18n", "update", "--lang", "zh"]) == 0
    assert "0 catalog(s) written" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in (root / "locale").rglob("*.po")} == before
    assert main(["--root", str(root), "i18n", "extract"]) == 0
    templates = list((root / "_build" / "gettext").rglob("*.pot"))
    assert len(templates) == 13
