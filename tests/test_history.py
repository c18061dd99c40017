"""recover_rewrites: the history of the English page gives a rewritten paragraph its old
translation back (fuzzy, with the old English), where msgmerge left a new empty entry and an
obsolete one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.i18n.catalog import parse_catalog
from d2lbook.i18n.history import pair_rewrites, recover_rewrites

A = "Regression problems pop up whenever we want to predict a numerical value."
B = "The loss function quantifies the distance between the real and the predicted value."
B2 = "We fit the parameters by making a penalty for wrong guesses as small as we can."
C = "We train the model with minibatch stochastic gradient descent."
N = "An entirely new paragraph about evaluation on held-out data."

ZH = {"Linear Regression": "线性回归", A: "每当我们想预测一个数值时，就会遇到回归问题。",
      B: "损失函数量化真实值与预测值之间的差距。", C: "我们用小批量随机梯度下降训练模型。"}


def page(*paragraphs: str) -> str:
    return "# Linear Regression\n\n" + "\n\n".join(paragraphs) + "\n"


def merged(live: list[tuple[str, str]], obsolete: list[tuple[str, str]]) -> str:
    """A catalog as msgmerge leaves it: live entries then obsolete ones."""
    out = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
           '"X-Source-Commit: abc\\n"\n']
    out += [f'msgid "{i}"\nmsgstr "{s}"\n' for i, s in live]
    out += [f'#~ msgid "{i}"\n#~ msgstr "{s}"\n' for i, s in obsolete]
    return "\n".join(out)


def test_rewritten_paragraph_gets_its_old_translation_as_fuzzy() -> None:
    catalog = parse_catalog(merged(
        [("Linear Regression", ZH["Linear Regression"]), (A, ZH[A]), (B2, ""), (C, ZH[C])],
        [(B, ZH[B])]))
    repair = recover_rewrites(page(A, B, C), page(A, B2, C), catalog)
    entries = {e.msgid: e for e in repair.catalog.entries}
    assert (entries[B2].msgstr, entries[B2].fuzzy, entries[B2].previous_msgid) == (
        ZH[B], True, B)
    assert B not in entries  # the obsolete entry is carried, not duplicated
    assert [e.msgid for e in repair.catalog.entries] == ["Linear Regression", A, B2, C]
    assert [(r.msgid, r.previous_msgid, r.line) for r in repair.recovered] == [(B2, B, 5)]
    assert repair.catalog.header == catalog.header
    # the input is untouched
    assert [e.msgid for e in catalog.entries][-1] == B and catalog.entries[2].msgstr == ""


def test_paragraph_rewritten_next_to_a_new_one_is_paired_by_lines() -> None:
    old, new = page(A, B, C), page(A, B2, N, C)
    assert pair_rewrites(old, new) == [(2, 2)]  # B (message 2) became B2 (message 2)
    catalog = parse_catalog(merged(
        [("Linear Regression", "线性回归"), (A, ZH[A]), (B2, ""), (N, ""), (C, ZH[C])],
        [(B, ZH[B])]))
    repair = recover_rewrites(old, new, catalog)
    entries = {e.msgid: e for e in repair.catalog.entries}
    assert entries[B2].fuzzy and entries[B2].msgstr == ZH[B]
    assert entries[N].msgstr == "" and not entries[N].fuzzy


def test_existing_translations_and_unrelated_obsoletes_are_left_alone() -> None:
    catalog = parse_catalog(merged(
        [("Linear Regression", "线性回归"), (A, ZH[A]), (B2, "已有译文"), (C, ZH[C])],
        [(B, ZH[B]), ("Gone for good.", "永别了。")]))
    repair = recover_rewrites(page(A, B, C), page(A, B2, C), catalog)
    assert repair.recovered == []
    assert [(e.msgid, e.msgstr, e.obsolete) for e in repair.catalog.entries] == [
        (e.msgid, e.msgstr, e.obsolete) for e in catalog.entries]


def test_untranslated_old_paragraph_gives_nothing() -> None:
    catalog = parse_catalog(merged([("Linear Regression", ""), (A, ""), (B2, ""), (C, "")],
                                   [(B, "")]))
    assert recover_rewrites(page(A, B, C), page(A, B2, C), catalog).recovered == []


def test_fuzzy_old_translation_keeps_the_english_it_was_made_for() -> None:
    text = merged([("Linear Regression", "线性回归"), (A, ZH[A]), (B2, ""), (C, ZH[C])], [])
    text += f'\n#, fuzzy\n#~| msgid "An older loss sentence."\n#~ msgid "{B}"\n#~ msgstr "旧"\n'
    repair = recover_rewrites(page(A, B, C), page(A, B2, C), parse_catalog(text))
    entry = next(e for e in repair.catalog.entries if e.msgid == B2)
    assert (entry.msgstr, entry.fuzzy, entry.previous_msgid) == (
        "旧", True, "An older loss sentence.")


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext missing")
def test_after_a_real_msgmerge(tmp_path: Path) -> None:
    """msgmerge leaves the rewrite as a new empty entry plus an obsolete one; the repair
    turns that into one fuzzy entry, and the result is still a valid catalog."""
    old_po = tmp_path / "old.po"
    old_po.write_text(merged([(k, v) for k, v in ZH.items()], []), encoding="utf-8")
    pot = tmp_path / "new.pot"
    pot.write_text(merged([("Linear Regression", ""), (A, ""), (B2, ""), (C, "")], []),
                   encoding="utf-8")
    out = subprocess.run(["msgmerge", "--previous", "-q", "-o", "-", str(old_po), str(pot)],
                         capture_output=True, text=True, check=True).stdout
    catalog = parse_catalog(out)
    assert any(e.obsolete and e.msgid == B for e in catalog.entries)  # msgmerge lost the link
    repair = recover_rewrites(page(A, B, C), page(A, B2, C), catalog)
    entry = next(e for e in repair.catalog.entries if e.msgid == B2)
    assert (entry.fuzzy, entry.previous_msgid, entry.msgstr) == (True, B, ZH[B])
    assert not any(e.obsolete for e in repair.catalog.entries)
    from d2lbook.i18n.catalog import render_catalog

    fixed = tmp_path / "fixed.po"
    fixed.write_text(render_catalog(repair.catalog), encoding="utf-8")
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(fixed)], check=True)
    assert f'#| msgid "{B[:20]}' in fixed.read_text(encoding="utf-8").replace('"\n#| "', "")
