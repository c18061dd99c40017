"""Code comments are messages: found by Python's tokenizer, one shared context, applied to the
translated code cells without touching the code."""

from __future__ import annotations

from pathlib import Path

from d2lbook.i18n.apply import apply_catalog
from d2lbook.i18n.catalog import parse_catalog, render_catalog
from d2lbook.i18n.comments import CONTEXT, apply_comments, code_comments, with_code_from
from d2lbook.i18n.extract import extract_page

PAGE = '''# Losses

Some prose # with a hash, not code.

```{code-cell} ipython3
:tags: [mxnet]
#@save
import numpy as onp  # the original NumPy
# Compute the loss
s = "# not a comment"  # trailing words
f = f"{s} # still a string"
# print(s)
# Sum
#!/usr/bin/env python
x = 1  # noqa: E501
# ----
```

```{code-cell} ipython3
:tags: [pytorch]
# Compute the loss
y = 2
```

```{code-cell} ipython3
%matplotlib inline
z = (1,  # never closed: the cell is left alone
```
'''


def test_comments_are_found_by_the_tokenizer() -> None:
    found = code_comments(PAGE)
    assert [(c.msgid, c.trailing) for c in found] == [
        ("the original NumPy", True), ("Compute the loss", False), ("trailing words", True),
        ("Sum", False), ("Compute the loss", False)]
    for comment in found:  # each span is exactly the comment's words
        assert PAGE[comment.start:comment.end] == comment.msgid
        assert PAGE.splitlines()[comment.line - 1].endswith(comment.msgid)


def test_one_entry_per_comment_in_its_own_context() -> None:
    catalog = extract_page(PAGE, "p")
    comments = [e for e in catalog.entries if e.msgctxt == CONTEXT]
    # the comment repeated in the MXNet and the PyTorch cell is one message
    assert [e.msgid for e in comments] == ["the original NumPy", "Compute the loss",
                                           "trailing words", "Sum"]
    assert [e.msgid for e in catalog.entries if e.msgctxt is None] == [
        "Losses", "Some prose # with a hash, not code."]


def translated(table: dict[str, str]):
    catalog = extract_page(PAGE, "p")
    for entry in catalog.entries:
        entry.msgstr = table.get(entry.msgid, "") if entry.msgctxt == CONTEXT else ""
    return parse_catalog(render_catalog(catalog), Path("locale/zh_CN/LC_MESSAGES/p.po"))


def test_applied_to_every_cell_and_the_code_is_untouched() -> None:
    result = apply_catalog(PAGE, translated({
        "Compute the loss": "计算损失", "trailing words": "行尾注释", "Sum": "求和",
        "the original NumPy": "原版 NumPy"}))
    assert not result.problems and result.comments == 5
    assert result.text.count("# 计算损失\n") == 2
    assert 's = "# not a comment"  # 行尾注释\n' in result.text
    assert 'f = f"{s} # still a string"\n# print(s)\n# 求和\n' in result.text
    assert "#@save\nimport numpy as onp  # 原版 NumPy\n" in result.text
    assert "z = (1,  # never closed: the cell is left alone" in result.text
    back = result.text
    for zh, en in (("计算损失", "Compute the loss"), ("行尾注释", "trailing words"),
                   ("求和", "Sum"), ("原版 NumPy", "the original NumPy")):
        back = back.replace(zh, en)
    assert back == PAGE


def test_a_translation_that_would_break_the_code_is_refused() -> None:
    result = apply_catalog(PAGE, translated({"Sum": "求和\nimport os", "trailing words": "行尾"}))
    assert "import os" not in result.text and "# Sum\n" in result.text
    assert "  # 行尾\n" in result.text
    (problem,) = result.problems
    assert problem.file == Path("locale/zh_CN/LC_MESSAGES/p.po") and problem.line > 0
    assert "'Sum'" in problem.message and "one line" in problem.message
    # a carriage return or another line separator counts as a line break
    assert apply_comments(PAGE, {"Sum": "求和\u2028x"}).rejected == [("Sum", "求和\u2028x")]
    # nor may it add a directive for the tools that read code (#@save)
    assert apply_comments(PAGE, {"Sum": "求和 #@save"}).rejected == [("Sum", "求和 #@save")]


def test_the_translated_notebook_runs_the_english_cells() -> None:
    english = {"cells": [{"id": "cell-0", "cell_type": "code", "source": "x = 1  # one"},
                         {"id": "cell-1", "cell_type": "code", "source": "y = 2"}]}
    chinese = {"cells": [{"id": "cell-0", "cell_type": "code", "source": "x = 1  # 一"},
                         {"id": "cell-1", "cell_type": "code", "source": "y = 3"}]}
    run = with_code_from(chinese, english)
    assert run["cells"][0]["source"] == "x = 1  # one"
    assert run["cells"][1]["source"] == "y = 3"  # different code: never swapped
    assert with_code_from(run, chinese)["cells"][0]["source"] == "x = 1  # 一"


def test_stats_count_the_code_comments(capsys) -> None:
    from d2lbook.cli import main
    from d2lbook.i18n.coverage import page_coverage
    from tests.conftest import REPO

    cov = page_coverage(PAGE, translated({"Sum": "求和", "trailing words": "行尾注释"}))
    assert (cov.comments, cov.comments_translated) == (4, 2)
    assert cov.messages == 2  # the prose messages are counted as before
    assert main(["--root", str(REPO), "i18n", "stats", "--lang", "zh"]) == 0
    assert "code comments: 22 / 22 translated" in capsys.readouterr().out
