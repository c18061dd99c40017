"""i18n status on real git repositories built in tmp_path (fixed authors and dates): which
sections are current, outdated or untranslated, the commits that changed them, the diffs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.config import load_config
from d2lbook.i18n.drift import compute_status, read_source_commit
from d2lbook.i18n.segment import segment
from d2lbook.i18n.status import (
    Change,
    CommitRef,
    DocumentStatus,
    PageHistory,
    Translation,
    document_status,
    word_diff,
)
from d2lbook.i18n.status_format import exit_code, render, render_markdown, render_text
from d2lbook.vcs import NotARepositoryError
from tests.helpers import pyproject

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git missing")

PAGE = "chapter_linear-networks/linear-regression"
SRC = f"source/en/{PAGE}.md"
PO = f"locale/zh_CN/LC_MESSAGES/{PAGE}.po"

H1 = "Linear Regression"
P1 = "Regression problems pop up whenever we want to predict a numerical value."
H2 = "Loss Function"
P2 = "The loss function quantifies the distance between the real and the predicted value."
P3 = "Squared error is the most popular choice."
H3 = "Training"
P4 = "We train the model with minibatch stochastic gradient descent."

ZH = {
    H1: "线性回归",
    P1: "每当我们想预测一个数值时，就会遇到回归问题。",
    H2: "损失函数",
    P2: "损失函数量化真实值与预测值之间的差距。",
    P3: "平方误差是最常用的选择。",
    H3: "训练",
    P4: "我们用小批量随机梯度下降训练模型。",
}

FRONT = "---\nkernelspec:\n  name: python3\n---\n\n"


def page(*blocks: str) -> str:
    """A page from blocks: ``# x`` / ``## x`` headings and paragraphs, plus a code cell."""
    body = "\n\n".join(blocks)
    return FRONT + body + "\n\n```{code-cell} ipython3\nx = 1\n```\n"


TEXT = page(f"# {H1}", P1, f"## {H2}", P2, P3, f"## {H3}", P4)

PYPROJECT = pyproject(name="book", author="Authors", version="0.1", title="Book", zh="书")


def po_text(sync: str | None, entries: list[tuple]) -> str:
    """PO text: entries are (msgid, msgstr) or (msgid, msgstr, previous_msgid) for fuzzy."""
    header = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"']
    if sync:
        header.append(f'"X-Source-Commit: {sync}\\n"')
    blocks = ["\n".join(header)]
    for entry in entries:
        lines = []
        if len(entry) == 3:
            lines += ["#, fuzzy", f'#| msgid "{entry[2]}"']
        lines += [f'msgid "{entry[0]}"', f'msgstr "{entry[1]}"']
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


class Book:
    """A book in a git repository with deterministic commits (one day apart)."""

    def __init__(self, root: Path):
        self.root = root
        self.day = 0
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        self.git("init", "-q", "-b", "main")

    def env(self, author: str = "Alice") -> dict[str, str]:
        date = f"2024-01-{max(self.day, 1):02d}T12:00:00+00:00"
        return {**os.environ, "GIT_AUTHOR_NAME": author,
                "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.org",
                "GIT_COMMITTER_NAME": author,
                "GIT_COMMITTER_EMAIL": f"{author.lower()}@example.org",
                "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

    def git(self, *args: str, author: str = "Alice") -> str:
        out = subprocess.run(["git", *args], cwd=self.root, env=self.env(author), check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, subject: str, author: str = "Alice") -> str:
        self.day += 1
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", subject, author=author)
        return self.git("rev-parse", "HEAD")

    def catalog(self, sync: str | None, entries: list[tuple] | None = None,
                rel: str = PO) -> None:
        if entries is None:
            entries = list(ZH.items())
        self.write(rel, po_text(sync, entries))

    def status(self, paths: list[str] | None = None):
        cfg = load_config(self.root)
        return compute_status(cfg, cfg.language("zh"), paths)


def ref(sha: str, subject: str, author: str, day: int) -> dict:
    return {"sha": sha, "date": f"2024-01-{day:02d}T12:00:00+00:00",
            "author": author, "subject": subject}


def doc_of(report, source: str = SRC):
    return next(d for d in report.documents if d.source == source)


def by_label(doc) -> dict[str, str]:
    return {s.label: s.status for s in doc.sections}


def message(doc, english: str):
    return next(m for m in doc.messages if m.english == english)


@pytest.fixture
def book(tmp_path: Path) -> Book:
    """A translated page, its catalog synced to the commit that wrote it."""
    b = Book(tmp_path / "book")
    b.write(SRC, TEXT)
    b.write("source/en/index.md", page("# Book", "Welcome to the book."))
    sync = b.commit("Add linear regression")
    b.catalog(sync)
    b.write("locale/zh_CN/LC_MESSAGES/index.po",
            po_text(sync, [("Book", "书"), ("Welcome to the book.", "欢迎阅读本书。")]))
    b.sync = sync  # type: ignore[attr-defined]
    b.commit("Translate")
    return b


# ----------------------------------------------------------------------------------------------
# Baseline.


def test_everything_current_right_after_sync(book: Book) -> None:
    report = book.status()
    doc = doc_of(report)
    assert doc.kind == "catalog" and doc.catalog == PO and doc.sync_commit == book.sync
    assert by_label(doc) == {H1: "current", f"{H1} › {H2}": "current",
                             f"{H1} › {H3}": "current"}
    assert report.totals["current"] == 9 and report.totals["outdated"] == 0
    assert report.head["branch"] == "main" and not report.head["detached"]
    assert exit_code(report, "outdated") == 0


# ----------------------------------------------------------------------------------------------
# Edits committed after the sync commit, not merged into the catalog yet.


def test_edited_paragraph_is_outdated_with_its_commit_and_diff(book: Book) -> None:
    new = "The loss function measures the distance between the real and the predicted value."
    book.write(SRC, TEXT.replace(P2, new))
    sha = book.commit("Reword the loss", author="Bob")
    doc = doc_of(book.status())
    assert by_label(doc) == {H1: "current", f"{H1} › {H2}": "outdated",
                             f"{H1} › {H3}": "current"}
    msg = message(doc, new)
    assert msg.status == "outdated" and msg.reason == "changed"
    assert msg.previous_english == P2 and msg.translation == ZH[P2]
    assert [c.to_json() for c in msg.commits] == [ref(sha, "Reword the loss", "Bob", 3)]
    assert msg.diff == [("=", "The loss function "), ("-", "quantifies"), ("+", "measures"),
                        ("=", " the distance between the real and the predicted value.")]
    loss = next(s for s in doc.sections if s.title == H2)
    assert loss.counts == {"current": 2, "outdated": 1, "untranslated": 0, "rejected": 0}


def test_rewritten_paragraph_is_outdated_not_untranslated(book: Book) -> None:
    new = "Minimizing a penalty for wrong guesses is how we fit the parameters."
    book.write(SRC, TEXT.replace(P3, new))
    sha = book.commit("Rewrite the squared-error paragraph")
    msg = message(doc_of(book.status()), new)
    assert (msg.status, msg.reason, msg.previous_english) == ("outdated", "changed", P3)
    assert msg.translation == ZH[P3]
    assert [c.sha for c in msg.commits] == [sha]


def test_several_commits_on_one_message_are_listed_oldest_first(book: Book) -> None:
    book.write(SRC, TEXT.replace(P4, "We train the model with stochastic gradient descent."))
    first = book.commit("Simplify")
    book.write(SRC, TEXT.replace(P1, P1 + " Really."))  # another message
    book.write(SRC, TEXT.replace(P4, "We train the model with plain stochastic gradient "
                                     "descent.").replace(P1, P1 + " Really."))
    second = book.commit("Plain SGD", author="Carol")
    doc = doc_of(book.status())
    msg = message(doc, "We train the model with plain stochastic gradient descent.")
    assert [c.sha for c in msg.commits] == [first, second]
    assert message(doc, P1 + " Really.").commits[0].sha == second
    assert msg.diff == [("=", "We train the model with "), ("-", "minibatch"),
                        ("+", "plain"), ("=", " stochastic gradient descent.")]


def test_typo_fix_is_outdated_with_a_one_word_diff(book: Book) -> None:
    typo = page(f"# {H1}", P1, f"## {H2}", P2, "Squared eror is the most popular choice.",
                f"## {H3}", P4)
    book.write(SRC, typo)
    book.commit("Introduce a typo")
    book.catalog(book.git("rev-parse", "HEAD"),
                 [(k if k != P3 else "Squared eror is the most popular choice.", v)
                  for k, v in ZH.items()])
    book.commit("Sync catalog")
    book.write(SRC, TEXT)
    fix = book.commit("Fix typo")
    msg = message(doc_of(book.status()), P3)
    assert msg.status == "outdated" and [c.sha for c in msg.commits] == [fix]
    assert msg.diff == [("=", "Squared "), ("-", "eror"), ("+", "error"),
                        ("=", " is the most popular choice.")]


def test_rewrapped_and_whitespace_edits_are_not_outdated(book: Book) -> None:
    wrapped = P2.replace(" the distance", "\nthe distance").replace("real and", "real  and")
    book.write(SRC, TEXT.replace(P2, wrapped).replace(P4, "We train the model with minibatch\n"
                                                         "stochastic gradient descent."))
    book.commit("Re-wrap")
    doc = doc_of(book.status())
    assert doc.status == "current"
    assert all(not m.commits for m in doc.messages)


def test_edit_then_revert_is_current(book: Book) -> None:
    book.write(SRC, TEXT.replace(P2, "Something else entirely."))
    book.commit("Oops")
    book.write(SRC, TEXT)
    book.commit("Revert oops")
    doc = doc_of(book.status())
    assert doc.status == "current" and all(not m.commits for m in doc.messages)


def test_added_section_is_untranslated(book: Book) -> None:
    text = TEXT.replace(f"## {H3}", "## Evaluation\n\nWe measure the error on held-out data."
                                   f"\n\n## {H3}")
    book.write(SRC, text)
    book.commit("Add evaluation")
    doc = doc_of(book.status())
    assert by_label(doc) == {H1: "current", f"{H1} › {H2}": "current",
                             f"{H1} › Evaluation": "untranslated", f"{H1} › {H3}": "current"}
    section = next(s for s in doc.sections if s.title == "Evaluation")
    assert [(m.status, m.english) for m in section.messages] == [
        ("untranslated", "Evaluation"), ("untranslated", "We measure the error on held-out data.")]
    assert exit_code(book.status(), "untranslated") == 1
    assert exit_code(book.status(), "outdated") == 0


def test_deleted_section_leaves_the_rest_current(book: Book) -> None:
    book.write(SRC, page(f"# {H1}", P1, f"## {H3}", P4))
    book.commit("Drop the loss section")
    doc = doc_of(book.status())
    assert by_label(doc) == {H1: "current", f"{H1} › {H3}": "current"}
    assert doc.counts == {"current": 4, "outdated": 0, "untranslated": 0, "rejected": 0}


def test_commits_to_other_pages_do_not_matter(book: Book) -> None:
    book.write("source/en/index.md", page("# Book", "Welcome to this book."))
    book.commit("Edit the index")
    report = book.status()
    assert doc_of(report).status == "current"
    assert doc_of(report, "source/en/index.md").status == "outdated"


def test_fuzzy_entries_are_outdated(book: Book) -> None:
    new_p2 = "The loss function measures the gap."
    book.write(SRC, TEXT.replace(P2, new_p2))
    sync = book.commit("Shorter")
    book.catalog(sync, [(k, v) if k != P2 else (new_p2, v, P2) for k, v in ZH.items()])
    book.commit("msgmerge")
    msg = message(doc_of(book.status()), new_p2)
    assert (msg.status, msg.reason, msg.previous_english, msg.translation) == (
        "outdated", "fuzzy", P2, ZH[P2])
    assert [c.sha for c in msg.commits] == [sync]  # found before the sync commit


def test_fuzzy_entries_list_the_commits_since_the_translated_english(tmp_path: Path) -> None:
    book = Book(tmp_path / "b")
    book.write(SRC, TEXT.replace(P2, "An early draft of the loss sentence."))
    book.commit("Draft")
    book.write(SRC, TEXT)
    book.commit("The sentence that got translated")
    book.write(SRC, TEXT.replace(P4, "We train with SGD."))
    book.commit("Unrelated edit")
    v2 = "The loss function measures the distance between the real and the predicted value."
    book.write(SRC, TEXT.replace(P4, "We train with SGD.").replace(P2, v2))
    c2 = book.commit("Measures")
    v3 = v2.replace("real", "true")
    book.write(SRC, TEXT.replace(P4, "We train with SGD.").replace(P2, v3))
    c3 = book.commit("True value")
    entries = [(k, v) if k != P2 else (v3, v, P2) for k, v in ZH.items() if k != P4]
    book.catalog(c3, entries + [("We train with SGD.", "我们用 SGD 训练。")])
    book.commit("msgmerge")
    msg = message(doc_of(book.status()), v3)
    assert msg.reason == "fuzzy" and msg.previous_english == P2
    assert [c.sha for c in msg.commits] == [c2, c3]
    assert msg.diff == [("=", "The loss function "), ("-", "quantifies"), ("+", "measures"),
                        ("=", " the distance between the "), ("-", "real"), ("+", "true"),
                        ("=", " and the predicted value.")]


def test_catalog_synced_to_a_later_commit_sees_no_old_edits(book: Book) -> None:
    new = "Squared error is the usual choice."
    book.write(SRC, TEXT.replace(P3, new))
    sync = book.commit("Edit")
    book.catalog(sync, [(k if k != P3 else new, v) for k, v in ZH.items()])
    book.commit("Translate the edit")
    assert doc_of(book.status()).status == "current"


# ----------------------------------------------------------------------------------------------
# Moves, deletions, merges.


def test_moved_page_follows_the_rename(book: Book) -> None:
    new_src = "source/en/chapter_basics/linear-regression.md"
    (book.root / new_src).parent.mkdir(parents=True)
    book.git("mv", SRC, new_src)
    move = book.commit("Move linear regression")
    text = TEXT.replace(P1, "Regression problems arise whenever we predict a number.")
    book.write(new_src, text)
    edit = book.commit("Edit after the move")
    report = book.status()
    doc = doc_of(report, new_src)
    assert doc.renamed_from == SRC and doc.catalog == PO
    msg = message(doc, "Regression problems arise whenever we predict a number.")
    assert msg.previous_english == P1 and [c.sha for c in msg.commits] == [edit]
    assert move not in {c.sha for m in doc.messages for c in m.commits}
    assert by_label(doc)[H1] == "outdated"
    assert sum(m.status == "current" for m in doc.messages) == 6
    assert report.orphaned == []


def test_uncommitted_move_and_edit(book: Book) -> None:
    new_src = "source/en/basics/linear-regression.md"
    (book.root / new_src).parent.mkdir(parents=True)
    book.git("mv", SRC, new_src)
    book.write(new_src, TEXT.replace(P4, "We train the model with SGD."))
    report = book.status()
    doc = doc_of(report, new_src)
    assert doc.renamed_from == SRC and report.orphaned == []
    msg = message(doc, "We train the model with SGD.")
    assert (msg.status, msg.previous_english, [c.sha for c in msg.commits]) == (
        "outdated", P4, ["WORKTREE"])
    assert doc.counts == {"current": 6, "outdated": 1, "untranslated": 0, "rejected": 0}


def test_deleted_page_leaves_an_orphaned_catalog(book: Book) -> None:
    book.git("rm", "-q", SRC)
    gone = book.commit("Remove linear regression")
    report = book.status()
    assert [d.source for d in report.documents] == ["source/en/index.md"]
    assert [(o.catalog, o.source, o.deleted_by.sha) for o in report.orphaned] == [
        (PO, SRC, gone)]
    assert report.to_json()["orphaned"][0]["deleted_by"]["subject"] == "Remove linear regression"


def test_merge_commits_attribute_each_edit_to_its_own_commit(book: Book) -> None:
    book.git("checkout", "-q", "-b", "feature")
    book.write(SRC, TEXT.replace(P2, "The loss function measures the gap."))
    side = book.commit("Feature: shorter loss", author="Bob")
    book.git("checkout", "-q", "main")
    book.write(SRC, TEXT.replace(P4, "We train the model with SGD."))
    main = book.commit("Main: SGD")
    book.day += 1
    book.git("merge", "-q", "--no-ff", "feature", "-m", "Merge feature")
    merge = book.git("rev-parse", "HEAD")
    doc = doc_of(book.status())
    assert [c.sha for c in message(doc, "The loss function measures the gap.").commits] == [side]
    assert [c.sha for c in message(doc, "We train the model with SGD.").commits] == [main]
    assert merge not in {c.sha for m in doc.messages for c in m.commits}
    assert doc.counts["outdated"] == 2 and doc.counts["current"] == 5


def test_merge_of_a_branch_forked_before_the_sync_commit(tmp_path: Path) -> None:
    book = Book(tmp_path / "b")
    book.write(SRC, TEXT)
    book.commit("Add")
    book.git("checkout", "-q", "-b", "old-branch")
    book.write(SRC, TEXT.replace(P1, "Regression predicts numbers."))
    side = book.commit("Old branch edit")
    book.git("checkout", "-q", "main")
    book.write(SRC, TEXT.replace(P4, "We train with SGD."))
    sync = book.commit("Main edit")
    book.catalog(sync, [(k if k != P4 else "We train with SGD.", v) for k, v in ZH.items()])
    book.commit("Translate")
    book.day += 1
    book.git("merge", "-q", "--no-ff", "old-branch", "-m", "Merge old branch")
    doc = doc_of(book.status())
    assert [(m.english, [c.sha for c in m.commits]) for m in doc.messages
            if m.status != "current"] == [("Regression predicts numbers.", [side])]


# ----------------------------------------------------------------------------------------------
# Working tree, HEAD, repository state.


def test_uncommitted_edit_is_reported_as_the_working_tree(book: Book) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error is the favourite choice."))
    report = book.status()
    msg = message(doc_of(report), "Squared error is the favourite choice.")
    assert msg.status == "outdated"
    assert [c.to_json() for c in msg.commits] == [
        {"sha": "WORKTREE", "date": None, "author": None, "subject": "uncommitted changes"}]
    assert report.head["dirty"] is True


def test_committed_then_uncommitted_edits(book: Book) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error is the favourite choice."))
    sha = book.commit("Favourite")
    book.write(SRC, TEXT.replace(P3, "Squared error is the favourite loss."))
    msg = message(doc_of(book.status()), "Squared error is the favourite loss.")
    assert [c.sha for c in msg.commits] == [sha, "WORKTREE"]
    assert msg.previous_english == P3


def test_detached_head(book: Book) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error wins."))
    sha = book.commit("Wins")
    book.git("checkout", "-q", "--detach", sha)
    report = book.status()
    assert report.head == {"sha": sha, "branch": None, "detached": True, "dirty": False,
                           "shallow": False}
    assert message(doc_of(report), "Squared error wins.").status == "outdated"


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "source/en").mkdir(parents=True)
    (root / "source/en/index.md").write_text("# Hi\n", encoding="utf-8")
    cfg = load_config(root)
    with pytest.raises(NotARepositoryError, match="not a git repository"):
        compute_status(cfg, cfg.language("zh"))


def test_unknown_sync_commit_is_an_error_for_that_page_only(book: Book) -> None:
    book.catalog("0123456789abcdef0123456789abcdef01234567")
    report = book.status()
    doc = doc_of(report)
    assert "unknown sync commit 0123456789abcdef0123456789abcdef01234567" in doc.error
    assert doc.status == "current"  # the catalog alone still says what is translated
    assert doc_of(report, "source/en/index.md").error is None
    assert exit_code(report, "outdated") == 2 and exit_code(report, "none") == 0
    assert report.to_json()["totals"]["errors"] == 1


def test_shallow_clone_says_how_to_fetch_the_history(book: Book, tmp_path: Path) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error wins."))
    book.commit("Wins")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{book.root}", str(clone)],
                   check=True, env=book.env())
    cfg = load_config(clone)
    report = compute_status(cfg, cfg.language("zh"))
    assert report.head["shallow"] is True
    assert any("git fetch --unshallow" in w for w in report.warnings)
    assert "git fetch --unshallow" in doc_of(report).error


def test_page_without_translation_is_untranslated(book: Book) -> None:
    book.write("source/en/new.md", page("# New", "A new page."))
    book.commit("New page")
    doc = doc_of(book.status(), "source/en/new.md")
    assert doc.kind == "none" and doc.catalog is None and doc.status == "untranslated"


def test_catalogs_parsed_in_a_forked_process_give_the_same_report(book: Book, monkeypatch
                                                                  ) -> None:
    import d2lbook.i18n.drift as drift

    book.write(SRC, TEXT.replace(P3, "Squared error wins."))
    book.commit("Wins")
    monkeypatch.setattr(drift, "FORK_MIN_CATALOGS", 10_000)
    alone = book.status().to_json()
    monkeypatch.setattr(drift, "FORK_MIN_CATALOGS", 1)
    assert book.status().to_json() == alone


def test_paths_filter(book: Book) -> None:
    report = book.status([f"source/en/{PAGE}.md"])
    assert [d.source for d in report.documents] == [SRC]
    report = book.status(["chapter_linear-networks"])
    assert [d.source for d in report.documents] == [SRC]
    report = book.status([PO])
    assert [d.source for d in report.documents] == [SRC]


# ----------------------------------------------------------------------------------------------
# Whole-file replacements in source/zh.

ZH_PAGE = f"source/zh/{PAGE}.md"


def replacement(sync: str) -> str:
    return f"---\nsource_commit: {sync}\n---\n\n# 线性回归\n\n自由改写的中文内容。\n"


def test_read_source_commit() -> None:
    assert read_source_commit(replacement("abc123")) == "abc123"
    assert read_source_commit("---\ntitle: x\nsource_commit: 'f00d'\n---\n") == "f00d"
    assert read_source_commit("# no front matter\nsource_commit: x\n") is None


def test_whole_file_replacement_going_stale(book: Book) -> None:
    book.write(ZH_PAGE, replacement(book.sync))
    book.commit("Chinese rewrite")
    assert doc_of(book.status()).status == "current"
    text = page(f"# {H1}", P1, f"## {H2}", P2.replace("quantifies", "measures"),
                f"## {H3}", P4, "We stop when the loss stops decreasing.")
    book.write(SRC, text)
    sha = book.commit("Loss and stopping")
    doc = doc_of(book.status())
    assert doc.kind == "replacement" and doc.catalog == ZH_PAGE
    assert by_label(doc) == {H1: "current", f"{H1} › {H2}": "outdated",
                             f"{H1} › {H3}": "outdated"}
    outdated = [(m.reason, m.english, m.previous_english, [c.sha for c in m.commits])
                for m in doc.messages if m.status == "outdated"]
    assert outdated == [
        ("changed", P2.replace("quantifies", "measures"), P2, [sha]),
        ("deleted", "", P3, [sha]),
        ("added", "We stop when the loss stops decreasing.", None, [sha]),
    ]


def test_replacement_reports_a_section_deleted_from_the_english(book: Book) -> None:
    book.write(ZH_PAGE, replacement(book.sync))
    book.write(SRC, page(f"# {H1}", P1, f"## {H2}", P2, P3))
    gone = book.commit("Drop training")
    doc = doc_of(book.status())
    assert by_label(doc) == {H1: "current", f"{H1} › {H2}": "current",
                             f"{H1} › {H3}": "outdated"}
    section = doc.sections[-1]
    assert section.path == (H1, H3)
    assert [(m.reason, m.english, m.previous_english, [c.sha for c in m.commits])
            for m in section.messages] == [("deleted", "", H3, [gone]),
                                           ("deleted", "", P4, [gone])]


def test_replacement_without_source_commit_is_an_error(book: Book) -> None:
    book.write(ZH_PAGE, "# 线性回归\n\n内容。\n")
    doc = doc_of(book.status())
    assert doc.kind == "replacement" and "source_commit" in doc.error


def test_chinese_only_page_is_not_reported(book: Book) -> None:
    book.write("source/zh/preface-zh.md", "# 中文版前言\n\n你好。\n")
    report = book.status()
    assert all("preface-zh" not in d.source for d in report.documents)
    assert report.orphaned == []


# ----------------------------------------------------------------------------------------------
# Pure logic, no git.

C1 = CommitRef("c1", "2024-01-01", "A", "one")
C2 = CommitRef("c2", "2024-01-02", "B", "two")


def run_pure(base: str, changes: list[Change], now: str, translations: dict | None):
    doc = DocumentStatus("p.md", "p.po")
    return document_status(doc, segment(now), translations, PageHistory(base, tuple(changes)),
                           now)


def test_pure_status_from_history_as_data() -> None:
    v0 = "# T\n\nAlpha beta gamma.\n\nDelta.\n"
    v1 = "# T\n\nAlpha beta gamma!\n\nDelta.\n"
    v2 = "# T\n\nAlpha beta gamma!\n\nDelta epsilon.\n"
    tr = {"T": Translation("题"), "Alpha beta gamma.": Translation("甲乙丙。"),
          "Delta.": Translation("丁。")}
    doc = run_pure(v0, [Change(C1, (v0,), v1), Change(C2, (v1,), v2)], v2, tr)
    got = [(m.english, m.status, [c.sha for c in m.commits]) for m in doc.messages]
    assert got == [("T", "current", []), ("Alpha beta gamma!", "outdated", ["c1"]),
                   ("Delta epsilon.", "outdated", ["c2"])]


def test_pure_checkout_with_converted_line_endings_keeps_the_commits() -> None:
    v0 = "# T\n\nAlpha beta gamma.\n"
    v1 = "# T\n\nAlpha beta delta.\n"
    doc = run_pure(v0, [Change(C1, (v0,), v1)], v1.replace("\n", "\r\n"),
                   {"T": Translation("题"), "Alpha beta gamma.": Translation("甲乙丙。")})
    assert [(m.status, [c.sha for c in m.commits]) for m in doc.messages] == [
        ("current", []), ("outdated", ["c1"])]


def test_pure_revert_through_history_is_no_change() -> None:
    v0 = "Alpha.\n\nBeta.\n"
    v1 = "Alpha changed.\n\nBeta.\n"
    doc = run_pure(v0, [Change(C1, (v0,), v1), Change(C2, (v1,), v0)], v0,
                   {"Alpha.": Translation("甲"), "Beta.": Translation("乙")})
    assert [m.status for m in doc.messages] == ["current", "current"]


def test_pure_without_history_uses_the_catalog_alone() -> None:
    now = "Alpha.\n\nBeta.\n\nGamma.\n"
    doc = DocumentStatus("p.md", "p.po")
    document_status(doc, segment(now), {"Alpha.": Translation("甲"),
                                        "Beta.": Translation("乙", fuzzy=True, previous="Bet.")})
    assert [(m.status, m.reason) for m in doc.messages] == [
        ("current", None), ("outdated", "fuzzy"), ("untranslated", None)]


def test_word_diff_round_trips() -> None:
    old, new = "The quick brown fox, it jumps.", "The slow brown fox jumps high."
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op != "+") == old
    assert "".join(t for op, t in ops if op != "-") == new


# ----------------------------------------------------------------------------------------------
# Output.


def test_json_schema(book: Book) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error wins."))
    sha = book.commit("Wins", author="Bob")
    data = json.loads(render(book.status(), "json"))
    assert set(data) >= {"language", "head", "documents", "totals", "orphaned", "warnings"}
    assert data["language"] == "zh" and data["locale"] == "zh_CN"
    doc = next(d for d in data["documents"] if d["source"] == SRC)
    assert set(doc) >= {"source", "catalog", "sections"}
    section = next(s for s in doc["sections"] if s["title"] == H2)
    assert section["path"] == [H1, H2] and section["status"] == "outdated"
    assert section["counts"] == {"current": 2, "outdated": 1, "untranslated": 0, "rejected": 0}
    msg = next(m for m in section["messages"] if m["status"] == "outdated")
    assert msg == {
        "status": "outdated", "english": "Squared error wins.", "previous_english": P3,
        "translation": ZH[P3], "reason": "changed", "line": msg["line"], "msgstr_line": None,
        "commits": [{"sha": sha, "date": "2024-01-03T12:00:00+00:00", "author": "Bob",
                     "subject": "Wins"}],
        "diff": [["=", "Squared error "], ["-", "is the most popular choice"],
                 ["+", "wins"], ["=", "."]],
    }
    assert data["totals"]["outdated"] == 1 and data["totals"]["current"] == 8


def test_text_and_markdown_output(book: Book) -> None:
    book.write(SRC, TEXT.replace(P3, "Squared error wins."))
    sha = book.commit("Wins")
    report = book.status()
    text = render_text(report)
    assert f"{H1} › {H2}" in text and "[-is the most popular choice-]{+wins+}" in text
    assert sha[:10] in text and "\033[" not in text
    assert "\033[33m" in render_text(report, color=True)
    md = render_markdown(report)
    assert "| `" + SRC + "`" in md and "~~is the most popular choice~~ **wins**" in md
    assert exit_code(report, "outdated") == 1 and exit_code(report, "none") == 0
