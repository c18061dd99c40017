"""apply_catalog: translations applied, code untouched, bad translations rejected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_segment import CASES, Case, source_pages  # tests/ is on sys.path (no __init__)

from d2lbook.i18n.apply import apply_catalog, load_catalog_safely
from d2lbook.i18n.catalog import Catalog, Entry, parse_catalog, render_catalog
from d2lbook.i18n.coverage import page_coverage, word_count
from d2lbook.i18n.extract import extract_page
from d2lbook.i18n.segment import segment
from d2lbook.i18n.validate import check_translation

PAGES = source_pages()
SOURCES = [(c.name, c.text) for c in CASES] + \
    [(str(p.name), p.read_text(encoding="utf-8")) for p in PAGES]
IDS = [name for name, _ in SOURCES]

PAGE = """---
kernelspec:
  name: python3
---

(sec-lr)=
# Linear Regression

The loss is $l(w, b)$, see {numref}`fig-loss` and [the docs](https://example.org/docs).

```{code-cell} ipython3
# Linear Regression
x = 1  # The loss is
```

- A list item
  with two lines.

> A quoted remark.

| Symbol | Meaning |
|---|---|
| $x$ | an input |

```{figure} ../img/a.svg
:name: fig-loss

The loss curve.
```
"""


def catalog_of(text: str, translate, path: str = "locale/zh_CN/LC_MESSAGES/p.po") -> Catalog:
    """A catalog translating every message of ``text`` with ``translate(msgid)``, re-read from
    its canonical rendering so entries carry real line numbers."""
    cat = extract_page(text, "p")
    cat.header["Language"] = "zh_CN"
    for entry in cat.entries:
        entry.msgstr = translate(entry.msgid)
    return parse_catalog(render_catalog(cat), Path(path))


def zh(msgid: str) -> str:
    return f"译文：{msgid}"


def code_comments(text: str) -> list:
    from d2lbook.i18n.comments import code_comments as found

    return found(text)


def apply_comments(text: str, table: dict[str, str]):
    from d2lbook.i18n.comments import apply_comments as applied

    return applied(text, table)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```\{code-cell\}.*?^```$", text, re.MULTILINE | re.DOTALL)


# -- invariants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=IDS)
def test_empty_catalog_returns_text_unchanged(name: str, text: str) -> None:
    for cat in (None, Catalog(), catalog_of(text, lambda m: "")):
        result = apply_catalog(text, cat)
        assert result.text == text
        assert result.translated == 0 and not result.problems
        assert result.untranslated == len(segment(text))


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=IDS)
def test_identity_catalog_gives_same_messages(name: str, text: str) -> None:
    result = apply_catalog(text, catalog_of(text, lambda m: m))
    assert not result.problems
    assert [(s.kind, s.msgid) for s in segment(result.text)] == \
        [(s.kind, s.msgid) for s in segment(text)]


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=IDS)
def test_translations_are_found_again(name: str, text: str) -> None:
    result = apply_catalog(text, catalog_of(text, zh))
    before = segment(text)
    after = segment(result.text)
    assert not result.problems
    assert [(s.kind, zh(s.msgid)) for s in before] == [(s.kind, s.msgid) for s in after]
    assert (result.translated, result.untranslated) == (len(before), 0)
    # code is never translated; its comments are (each comment's words, in the same place)
    assert code_blocks(result.text) == code_blocks(apply_comments(text, {
        c.msgid: zh(c.msgid) for c in code_comments(text)}).text)
    assert result.comments == len(code_comments(text))


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=IDS)
def test_multiline_translations_keep_structure(name: str, text: str) -> None:
    def split(msgid: str) -> str:
        words = zh(msgid).split(" ")
        return " ".join(words[:2]) + "\n" + " ".join(words[2:]) if len(words) > 3 else zh(msgid)

    result = apply_catalog(text, catalog_of(text, split))
    # a code comment must stay one line: its split translation is refused, said at its msgstr
    assert all("code comment" in p.message for p in result.problems)
    assert len(result.problems) == len({c.msgid for c in code_comments(text)
                                        if len(zh(c.msgid).split(" ")) > 3})
    assert [(s.kind, zh(s.msgid)) for s in segment(text)] == \
        [(s.kind, s.msgid) for s in segment(result.text)]


# -- applying -----------------------------------------------------------------------------------


def test_page_translation() -> None:
    table = {
        "Linear Regression": "线性回归",
        "The loss is $l(w, b)$, see {numref}`fig-loss` and [the docs](https://example.org/docs).":
            "损失是 $l(w,  b)$，参见 {numref}`fig-loss` 和[文档](https://example.org/docs)。",
        "A list item with two lines.": "一个列表项，\nwith 两行。",
        "A quoted remark.": "一句引用。",
        "Meaning": "含义",
        "an input": "一个输入",
        "The loss curve.": "损失曲线。",
    }
    catalog = catalog_of(PAGE, lambda m: table.get(m, ""))
    for entry in catalog.entries:  # the code comments, in their own context, left untranslated
        if entry.msgctxt == "code comment":
            entry.msgstr = ""
    result = apply_catalog(PAGE, catalog)
    assert not result.problems
    assert "# 线性回归\n" in result.text
    assert "- 一个列表项，\n  with 两行。\n" in result.text
    assert "> 一句引用。\n" in result.text
    assert "| $x$ | 一个输入 |" in result.text
    assert ":name: fig-loss\n\n损失曲线。\n```" in result.text
    assert code_blocks(result.text) == code_blocks(PAGE)
    assert result.text.startswith(PAGE[: PAGE.index("# Linear")])  # front matter, label
    assert (result.translated, result.untranslated) == (7, 1)  # "Symbol" left


def test_inline_contexts_join_lines() -> None:
    text = "# Title\n\n| A | B |\n|---|---|\n| one | two words |\n"
    table = {"Title": "标题\n第二行", "two words": "two\nwords"}
    cat = catalog_of(text, lambda m: table.get(m, ""))
    result = apply_catalog(text, cat)
    assert result.text.startswith("# 标题第二行\n")
    assert "| one | two words |" in result.text


def test_cjk_line_breaks_are_joined() -> None:
    text = "- An item\n  over lines.\n"
    result = apply_catalog(text, catalog_of(text, lambda m: "一个\n列表项 and\nmore"))
    assert result.text == "- 一个列表项 and\n  more\n"
    assert segment(result.text)[0].msgid == "一个列表项 and more"


def test_crlf_pages_keep_crlf() -> None:
    text = "- item one\r\n  continued\r\n"
    result = apply_catalog(text, catalog_of(text, lambda m: "第一\nsecond"))
    assert result.text == "- 第一\r\n  second\r\n"


def test_fuzzy_used_only_when_asked() -> None:
    text = "# Title\n\nBody text.\n"
    cat = catalog_of(text, lambda m: "译：" + m)
    cat.entries[1].fuzzy = True
    plain = apply_catalog(text, cat)
    assert (plain.translated, plain.fuzzy_used, plain.untranslated) == (1, 0, 1)
    assert "Body text." in plain.text
    rough = apply_catalog(text, cat, use_fuzzy=True)
    assert (rough.translated, rough.fuzzy_used, rough.untranslated) == (1, 1, 0)
    assert "译：Body text." in rough.text


# -- validation ---------------------------------------------------------------------------------

ENGLISH = ("See {numref}`fig-loss`, {eq}`eq-l2`, {ref}`the intro <sec-intro>` and "
           "{cite:p}`smith2020,doe2019`; the loss $l(w, b)$ is in [the docs](https://ex.org/a).")
GOOD = ("参见 {numref}`fig-loss`、{eq}`eq-l2`、{ref}`引言 <sec-intro>` 和 "
        "{cite:p}`doe2019, smith2020`；损失 $l(w,b )$ 见[文档](https://ex.org/a)。")

BAD = {
    "dropped numref": (GOOD.replace("{numref}`fig-loss`", "图"), "i18n-markup", "fig-loss"),
    "changed ref target": (GOOD.replace("<sec-intro>", "<sec-other>"), "i18n-markup", "ref"),
    "dropped citation key": (GOOD.replace("doe2019, ", ""), "i18n-markup", "cite:p"),
    "changed link": (GOOD.replace("https://ex.org/a", "https://evil.example"), "i18n-markup",
                     "link target"),
    "altered math": (GOOD.replace("$l(w,b )$", "$l(w, c)$"), "i18n-markup", "inline math"),
    "added script": (GOOD + "<script>alert(1)</script>", "i18n-unsafe", "<script>"),
    "javascript url": (GOOD.replace("https://ex.org/a)", "https://ex.org/a) [x](javascript:x)"),
                       "i18n-unsafe", "javascript:"),
    "added raw directive": (GOOD + "\n```{raw} html\n<b>x</b>\n```", "i18n-unsafe", "{raw}"),
    "added html tag": (GOOD.replace("参见", "<b>参见</b>"), "i18n-unsafe", "raw HTML"),
    "blank line": (GOOD.replace("；", "；\n\n"), "i18n-markup", "blank line"),
    "starts a heading": ("# " + GOOD, "i18n-markup", "block markup"),
    "line starts a list": (GOOD.replace("；", "；\n- "), "i18n-markup", "block markup"),
    "no words": ("{numref}`fig-loss` {eq}`eq-l2` {ref}`<sec-intro>` {cite:p}`smith2020,doe2019`"
                 " $l(w, b)$ [](https://ex.org/a)", "i18n-markup", "no words"),
}


def test_good_translation_passes() -> None:
    assert check_translation(ENGLISH, GOOD) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_translation_rejected(case: str) -> None:
    msgstr, code, words = BAD[case]
    issues = check_translation(ENGLISH, msgstr)
    assert issues, case
    assert any(i.code == code and words in i.message for i in issues), issues


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_translation_keeps_english_and_names_file_line(case: str) -> None:
    text = f"# Title\n\n{ENGLISH}\n\n```{{code-cell}} ipython3\nx = 1\n```\n"
    msgstr = BAD[case][0]
    cat = catalog_of(text, lambda m: msgstr if m == ENGLISH else "标题")
    entry = cat.find(ENGLISH)
    assert entry is not None and entry.line > 0
    path = Path("locale/zh_CN/LC_MESSAGES/p.po")
    result = apply_catalog(text, cat, catalog_path=path)
    assert result.text == text.replace("# Title", "# 标题")
    assert (result.translated, result.untranslated) == (1, 1)
    assert result.problems
    problem = result.problems[0]
    assert (problem.file, problem.line) == (path, entry.msgstr_line)
    assert render_catalog(cat).split("\n")[entry.msgstr_line - 1].startswith("msgstr ")
    assert str(problem).startswith(f"{path}:{entry.msgstr_line}: translation of ")


def test_pipe_in_table_cell_rejected() -> None:
    text = "| A | B |\n|---|---|\n| one | two |\n"
    result = apply_catalog(text, catalog_of(text, lambda m: "甲|乙" if m == "two" else ""))
    assert result.text == text
    assert "write \\|" in result.problems[0].message


def test_structure_change_is_caught_after_applying() -> None:
    """A heading translation ending in ' #' passes the text checks but would lose its '#':
    the re-segmentation check takes it back."""
    text = "# Title\n\nBody.\n"
    result = apply_catalog(text, catalog_of(text, lambda m: "标题 #" if m == "Title" else "正文。"))
    assert result.text == "# Title\n\n正文。\n"
    assert result.problems[0].code == "i18n-markup"
    assert "structure" in result.problems[0].message


def test_one_problem_per_entry_even_if_repeated() -> None:
    text = "Same {numref}`f`.\n\nSame {numref}`f`.\n"
    result = apply_catalog(text, catalog_of(text, lambda m: "同样"))
    assert result.text == text and len(result.problems) == 1


# -- loading ------------------------------------------------------------------------------------


def test_load_catalog_safely(tmp_path: Path) -> None:
    assert load_catalog_safely(tmp_path / "missing.po") == (None, [])
    good = tmp_path / "good.po"
    good.write_text('msgid "a"\nmsgstr "b"\n', encoding="utf-8")
    cat, problems = load_catalog_safely(good)
    assert cat is not None and cat.lookup("a") == "b" and problems == []
    bad = tmp_path / "bad.po"
    bad.write_text('msgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr "d\n', encoding="utf-8")
    cat, problems = load_catalog_safely(bad)
    assert cat is None
    assert [(p.file, p.line, p.code) for p in problems] == [(bad, 5, "i18n-catalog")]
    assert "shown in English" in problems[0].message


# -- statistics ---------------------------------------------------------------------------------


def test_page_coverage() -> None:
    text = "# Linear Regression\n\nThe loss is $l(w, b)$.\n\n- One more item here\n"
    cat = Catalog(entries=[Entry("Linear Regression", "线性回归"),
                           Entry("The loss is $l(w, b)$.", "损失", fuzzy=True)])
    cov = page_coverage(text, cat)
    # the fuzzy translation drops the math: the build rejects it, so it counts as rejected
    assert (cov.translated, cov.fuzzy, cov.untranslated, cov.rejected) == (1, 0, 1, 1)
    assert (cov.translated_words, cov.rejected_words, cov.untranslated_words) == (2, 3, 4)
    cat.entries[1].msgstr = "损失为 $l(w, b)$。"
    cov = page_coverage(text, cat)
    assert (cov.translated, cov.fuzzy, cov.untranslated, cov.rejected) == (1, 1, 1, 0)
    assert (cov.translated_words, cov.fuzzy_words, cov.untranslated_words) == (2, 3, 4)
    assert cov.messages == 3 and cov.words == 9
    assert round(cov.percent) == 22
    assert page_coverage(text, None).untranslated == 3
    assert word_count("See {numref}`fig-a` and `code` with $x + y$.") == 3


def test_case_type_is_shared() -> None:
    assert isinstance(CASES[0], Case)
