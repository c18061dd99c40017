"""`i18n import --english-history`: any repository that holds the history (bare, without a work
tree, a clone), and each English version read in its own dialect."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.commands.fork_import import import_fork
from d2lbook.config import load_config
from d2lbook.errors import ConfigError
from tests.fork_book import FORK, _git, evaluate, make_book, truth

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("msgcat") is None,
                                reason="git and GNU gettext needed")


def _clone(source: Path, dest: Path, *options: str) -> Path:
    subprocess.run(["git", "clone", "-q", *options, str(source), str(dest)], check=True,
                   capture_output=True)
    return dest


def test_a_bare_repository_or_a_clone_without_work_tree_is_enough(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shas = make_book(old)
    book = tmp_path / "book"
    shutil.copytree(old, book, ignore=shutil.ignore_patterns(".git"))
    _git(book, "init", "-q", "-b", "main")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "imported", date="2024-01-01T00:00:00+00:00")
    bare = _clone(old, tmp_path / "old.git", "--bare")
    no_checkout = _clone(old, tmp_path / "nowt", "--no-checkout")
    assert not (no_checkout / "source").exists()
    results = [import_fork(FORK, "zh", root=book, english_history=where, write=False)
               for where in (bare, no_checkout, old)]
    for result in results:
        assert result.fork_point == shas["C3"]
        figures = evaluate(result, truth(), shas)
        assert figures["precision"] >= 0.98 and figures["recall"] >= 0.90
    # the same answer whichever copy of the history is given
    assert len({tuple((p.fork_file, p.english, p.version_commit) for p in r.pages)
                for r in results}) == 1


def test_not_a_repository_is_said_plainly(tmp_path: Path, capsys) -> None:
    from d2lbook.cli import main

    book = tmp_path / "book"
    make_book(book)
    nowhere = tmp_path / "plain"
    nowhere.mkdir()
    assert main(["--root", str(book), "i18n", "import", str(FORK), "--lang", "zh",
                 "--english-history", str(nowhere), "--dry-run"]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_each_version_is_read_in_its_own_dialect(tmp_path: Path) -> None:
    """A history whose first commit is in the old dialect (config.ini) and whose second
    converted the same pages to MyST in place (config.ini deleted): both versions of every
    page read the same once converted, from a bare clone whose HEAD has no config.ini."""
    pytest.importorskip("d2lbook.importer")
    from d2lbook.commands.fork_dialect import page_converter
    from d2lbook.commands.import_book import import_book
    from d2lbook.i18n.fork.versions import read_history
    from d2lbook.vcs import Repository

    old = REPO / "tests/fixtures/oldbook"
    if not (old / "config.ini").is_file():
        pytest.skip("the importer's old-dialect fixture book is not here")
    history = tmp_path / "history"
    shutil.copytree(old, history)
    _git(history, "init", "-q", "-b", "main")
    _git(history, "add", "-A")
    _git(history, "commit", "-q", "-m", "old dialect", date="2020-01-01T00:00:00+00:00")
    converted = tmp_path / "converted"
    import_book(history, converted)
    pages = sorted(p.relative_to(history) for p in history.rglob("*.md")
                   if ".git" not in p.parts)
    moved = 0
    for rel in pages:
        myst = converted / "source" / "en" / rel
        if myst.is_file():
            (history / rel).write_text(myst.read_text(encoding="utf-8"), encoding="utf-8")
            moved += 1
    assert moved >= 2
    _git(history, "rm", "-q", "config.ini")
    _git(history, "add", "-A")
    _git(history, "commit", "-q", "-m", "now MyST", date="2021-01-01T00:00:00+00:00")
    bare = _clone(history, tmp_path / "history.git", "--bare")

    repo = Repository.for_history(bare)
    converter = page_converter(repo)
    read = read_history(repo, "", converter)
    first, second = read.versions[0].commit, read.versions[-1].commit
    assert first != second and converter.old_dialect_versions
    by_path: dict[str, dict[str, str]] = {}
    for version in read.versions:
        by_path.setdefault(version.path, {})[version.commit] = version.blob
    both = {path: blobs for path, blobs in by_path.items() if len(blobs) == 2}
    assert len(both) >= 2
    for path, blobs in both.items():  # the old version converted = the MyST one
        assert read.features[blobs[first]] == read.features[blobs[second]], path
    assert not converter.failed

    # and the import of the old-dialect fork against that history pairs every page
    book = tmp_path / "book"
    shutil.copytree(converted, book)
    try:
        load_config(book)
    except ConfigError:
        pyproject = book / "pyproject.toml"
        pyproject.write_text(re.sub(r"(?ms)^\[tool\.d2lbook\.frameworks[^\n]*\n.*?(?=^\[|\Z)",
                                    "", pyproject.read_text()), encoding="utf-8")
    _git(book, "init", "-q", "-b", "main")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "imported", date="2022-01-01T00:00:00+00:00")
    fork = tmp_path / "fork"
    shutil.copytree(old, fork)
    result = import_fork(fork, "zh", root=book, english_history=bare, write=False)
    assert result.pages and not result.missing
    assert all(p.english and p.confidence > 0.9 for p in result.pages)
    assert not any(p.leftovers for p in result.pages)


def test_translated_code_comments_are_carried_from_the_fork(tmp_path: Path) -> None:
    from d2lbook.i18n.catalog import read_catalog

    book = tmp_path / "book"
    make_book(book)
    result = import_fork(FORK, "zh", root=book)
    assert result.totals["comments"] == 2
    perceptron = read_catalog(book / "locale/zh_CN/LC_MESSAGES/models/perceptron.po")
    (entry,) = [e for e in perceptron.entries if e.msgctxt == "code comment"]
    assert (entry.msgid, entry.msgstr, entry.fuzzy) == ("a mistake: update", "分类错误：更新",
                                                        False)


def test_comment_lines_pair_by_their_place_in_the_code() -> None:
    from d2lbook.i18n.comments import pair_comments

    english = ("# Prepare the data\n# in two steps\nx = load()  # raw\n"
               "y = clean(x)  # no missing values\nz = 1  # kept\n")
    fork = ("# 准备数据\n# 分两步\nx = load()  # 原始数据\n"
            "y = clean(x)\nz = 1  # kept\n")
    assert pair_comments(english, fork) == [
        ("Prepare the data", "准备数据"), ("in two steps", "分两步"), ("raw", "原始数据")]
    # a cell that does not tokenize pairs nothing, and nothing crashes
    assert pair_comments("x = (1,  # open\n", "x = (1,  # 打开\n") == []


def test_summary_never_pairs_with_exercises() -> None:
    """The fork dropped the Summary and kept the Exercises: its "练习" and the exercise under
    it find no place in the Summary (they used to pair, confidently)."""
    from d2lbook.i18n.fork.align import align_pages, heading_role, page_ratio
    from d2lbook.i18n.fork.structure import read_structure

    english = read_structure(
        "# Linear Regression\n\nLinear regression predicts a number from features with a "
        "weighted sum and a bias term.\n\n## Summary\n\nLinear regression is the simplest "
        "model and fits data with a straight line through the points.\n", ())
    fork = read_structure(
        "# 线性回归\n\n线性回归用特征的加权和加上偏置来预测一个数值。\n\n## 练习\n\n"
        "推导线性模型权重的解析解，并说明它在什么时候不存在，以及如何处理。\n", ())
    aligned = align_pages(english, fork, page_ratio(english, fork) or 0.35)
    pairs = {english.blocks[p.english[0]].text: p.translation for p in aligned.pairs}
    assert "Summary" not in pairs and pairs["Linear Regression"] == "线性回归"
    assert not any("推导" in t for t in pairs.values())
    assert [x.line for x in aligned.leftovers] == [5, 7]
    assert [heading_role(t) for t in ("Summary", "3.4. Exercises", "练习", "小结", "本节讨论",
                                      "Linear Regression", "线性回归")] == \
        ["summary", "exercises", "exercises", "summary", "discussion", None, None]


def test_headings_of_other_languages_are_not_held_to_the_chinese_roles() -> None:
    """The role table knows English and Chinese: a French fork's "Exercices" still pairs."""
    from d2lbook.i18n.fork.align import align_pages, page_ratio
    from d2lbook.i18n.fork.structure import read_structure

    english = read_structure("# Linear Regression\n\nWe fit a line to the points.\n\n"
                             "## Exercises\n\n1. Derive the closed-form solution $w^*$.\n", ())
    fork = read_structure("# Régression linéaire\n\nNous ajustons une droite aux points.\n\n"
                          "## Exercices\n\n1. Dériver la solution analytique $w^*$.\n", ())
    aligned = align_pages(english, fork, page_ratio(english, fork) or 1.0)
    pairs = {english.blocks[p.english[0]].text: p.translation for p in aligned.pairs}
    assert pairs.get("Exercises") == "Exercices"
