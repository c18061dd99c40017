"""Part and chapter titles in the navigation are translated wherever a translation exists: a
toctree's caption is a message, and a chapter title whose English changed since it was
translated shows its last translation (the sidebar no longer mixes languages)."""

from __future__ import annotations

import re
from pathlib import Path

from d2lbook.config import load_config
from tests import helpers
from tests.helpers import pyproject

INDEX = """# Tiny Book

```{toctree}
:maxdepth: 2
:numbered:
:caption: Foundations

chapter/index
```
"""

CHAPTER = """# Linear Neural Networks for Regression

A chapter about fitting lines to points, one step at a time.

```{toctree}
:maxdepth: 2

section
```
"""

SECTION = """# Linear Regression

We fit a line to the points by minimizing the squared error.
"""

CATALOGS = {
    "index": [("Tiny Book", "小书", None), ("Foundations", "基础", None)],
    "chapter/index": [("Linear Neural Networks for Regression", "线性神经网络",
                       "Linear Neural Networks"),
                      ("A chapter about fitting lines to points, one step at a time.",
                       "这一章讲如何一步一步地用直线拟合数据点。", None)],
    "section": [("Linear Regression", "线性回归", None),
                ("We fit a line to the points by minimizing the squared error.",
                 "我们通过最小化平方误差来用直线拟合这些点。", None)],
}


def _po(entries: list[tuple[str, str, str | None]]) -> str:
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"',
           '"Language: zh_CN\\n"', ""]
    for msgid, msgstr, previous in entries:
        if previous:
            out += ["#, fuzzy", f'#| msgid "{previous}"']
        out += [f'msgid "{msgid}"', f'msgstr "{msgstr}"', ""]
    return "\n".join(out)


def make_book(root: Path) -> Path:
    helpers.make_book(root, {"index": INDEX, "chapter/index": CHAPTER, "chapter/section": SECTION},
                      pyproject(zh="小书"))
    for name, entries in CATALOGS.items():
        page = "chapter/section" if name == "section" else name
        po = root / "locale" / "zh_CN" / "LC_MESSAGES" / f"{page}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text(_po(entries), encoding="utf-8")
    return root


def test_the_sidebar_is_chinese_wherever_a_translation_exists(tmp_path: Path) -> None:
    from d2lbook.commands.build import build
    from d2lbook.i18n.extract import extract_page
    from d2lbook.layout import BookLayout

    assert [e.msgid for e in extract_page(INDEX, "index").entries] == ["Tiny Book",
                                                                        "Foundations"]
    cfg = load_config(make_book(tmp_path))
    zh = cfg.language("zh")
    build(cfg, (zh,), ("html",))
    html = (BookLayout(cfg).html(zh) / "chapter" / "section.html").read_text(encoding="utf-8")
    nav = html[html.index("bd-docs-nav"):]
    nav = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", nav[:nav.index("</nav>")]))
    assert "基础" in nav and "Foundations" not in nav  # the part title (toctree caption)
    assert "1. 线性神经网络" in nav and "for Regression" not in nav  # the chapter, outdated
    assert "1.1. 线性回归" in nav
