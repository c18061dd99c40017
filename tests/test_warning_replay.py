"""Warnings of pages that did not change are replayed from the store (``render.warnings_store``)
instead of Sphinx reading those pages again; a page is read or written again only when what
its warnings depend on changed, and the warm build still says what a clean one does."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import make_book, pyproject
from tests.test_errors import FRONT

INDEX = "# Replay\n\n```{toctree}\n:numbered:\na\nb\n```\n"
A = "(sec-a)=\n# A\n\nAlpha prose.\n"
B = "(sec-b)=\n# B\n\nBeta refers to {ref}`sec-nowhere` and to {term}`widget`.\n"
GLOSSARY = "\n```{glossary}\nwidget\n  A small device.\n```\n"


def book(root: Path) -> Path:
    pages = {"index": INDEX, "a": A, "b": B}
    return make_book(root, {name: FRONT + text for name, text in pages.items()},
                     pyproject(extra='\n[tool.d2lbook.execution]\nexecute = false\n'))


def build(root: Path) -> list[str]:
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select("en"), ("html",), jobs=1).editions[0].warnings


def write(root: Path, name: str, text: str) -> None:
    (root / "source" / "en" / f"{name}.md").write_text(FRONT + text, encoding="utf-8")


def html(root: Path, name: str) -> str:
    return (root / "_build" / "en" / "html" / f"{name}.html").read_text(encoding="utf-8")


def read_at(root: Path, name: str) -> int:
    """When Sphinx last read the page (its doctree is written then)."""
    return (root / "_build" / "en" / "doctrees" / f"{name}.doctree").stat().st_mtime_ns


def clean(root: Path) -> tuple[list[str], str]:
    shutil.rmtree(root / "_build")
    warnings = build(root)
    return warnings, html(root, "b")


def test_an_unchanged_page_keeps_its_warnings_without_being_read_again(tmp_path: Path):
    root = book(tmp_path)
    first = build(root)
    assert any("b.md" in w and "sec-nowhere" in w for w in first)
    assert any("b.md" in w and "widget" in w for w in first)
    before = read_at(root, "b")
    write(root, "a", A.replace("Alpha prose", "Alpha text"))
    warm = build(root)
    assert read_at(root, "b") == before, "b did not change: its warnings come from the store"
    assert "Alpha text" in html(root, "a")
    assert warm == first
    assert clean(root) == (warm, html(root, "b"))


def test_a_term_defined_on_another_page_clears_the_warning_of_an_unchanged_page(
        tmp_path: Path):
    root = book(tmp_path)
    assert any("widget" in w for w in build(root))
    write(root, "a", A + GLOSSARY)
    warm = build(root)
    assert not any("widget" in w for w in warm)
    assert any("sec-nowhere" in w for w in warm)
    warm_b = html(root, "b")
    assert 'href="a.html#term-widget"' in warm_b
    assert clean(root) == (warm, warm_b)


def test_a_page_sphinx_writes_without_reading_keeps_its_warnings_from_reading(
        tmp_path: Path):
    """The root page holds the toctree of the edited page, so Sphinx writes it again without
    reading it: its warning from reading (an unknown directive) must not give way to its
    warnings from writing alone."""
    root = book(tmp_path)
    write(root, "index", INDEX + "\n```{nosuchdirective}\n```\n")
    first = build(root)
    assert any("index.md" in w and "nosuchdirective" in w for w in first)
    write(root, "a", A.replace("Alpha prose", "Alpha text"))
    warm = build(root)
    assert "Alpha text" in html(root, "a")
    assert warm == first
    assert clean(root)[0] == warm


# A Chinese page's warnings name the English page at the English line: the translation and
# the marks on paragraphs still in English shift its lines, and where a line lands changes
# with the English page and with the catalog, even when the Chinese page does not change.
ZH_INDEX = "# Places\n\n```{toctree}\n:numbered:\none\ntwo\nthree\n```\n"
ONE = "# One\n\nThe first page defines an equation.\n\n$$\nx = 1\n$$ (eq-shared)\n"
TWO = ("# Two\n\nThe second page gives its equation the same label.\n\n"
       "$$\ny = 2\n$$ (eq-shared)\n")
THREE = "# Three\n\nThe third page has nothing to say about equations.\n"
TWO_PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_CN\\n"

msgid "The second page gives its equation the same label."
msgstr "第二页给它的公式起了同一个标签。"
"""


def zh_book(root: Path) -> Path:
    pages = {"index": ZH_INDEX, "one": ONE, "two": TWO, "three": THREE}
    return make_book(root, {name: FRONT + text for name, text in pages.items()},
                     pyproject(zh="小书", extra='\n[tool.d2lbook.execution]\nexecute = false\n'))


def zh_build(root: Path) -> list[str]:
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select("zh"), ("html",), jobs=1).editions[0].warnings


def zh_clean(root: Path, where: Path) -> list[str]:
    """The warnings of a clean build of a copy of the book, named as from ``root``."""
    for part in ("source", "locale"):
        if (root / part).is_dir():
            shutil.copytree(root / part, where / part)
    shutil.copy2(root / "pyproject.toml", where)
    return [w.replace(str(where), str(root)) for w in zh_build(where)]


def duplicate_at(warnings: list[str]) -> list[str]:
    """Where the duplicate equation label is reported (``source/en/two.md:<line>``)."""
    return [w.split(": WARNING")[0] for w in warnings if "duplicate label of equation" in w]


def english_line(root: Path, name: str, text: str) -> int:
    lines = (root / "source" / "en" / f"{name}.md").read_text(encoding="utf-8").splitlines()
    return lines.index(text) + 1


def test_a_chinese_page_warning_names_the_english_line_warm_and_clean(tmp_path: Path):
    root = zh_book(tmp_path / "book")
    # no catalog yet: the page is shown in English, its paragraphs marked as such
    first = zh_build(root)
    assert duplicate_at(first) == [f"source/en/two.md:{english_line(root, 'two', '$$')}"]
    assert zh_clean(root, tmp_path / "c1") == first

    # the catalog arrives and translates the paragraph: the Chinese page is the same length
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "two.po"
    po.parent.mkdir(parents=True)
    po.write_text(TWO_PO, encoding="utf-8")
    with_catalog = zh_build(root)
    assert duplicate_at(with_catalog) == duplicate_at(first)
    assert zh_clean(root, tmp_path / "c2") == with_catalog

    # the author wraps the English paragraph over two lines: its message, the Chinese page
    # and Sphinx's tree stay the same, the equation moves one line down in English
    page = root / "source" / "en" / "two.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "gives its equation", "gives\nits equation"), encoding="utf-8")
    wrapped = zh_build(root)
    assert "第二页给它的公式起了同一个标签" in (
        root / "_build" / "zh" / "html" / "two.html").read_text(encoding="utf-8")
    assert duplicate_at(wrapped) == [f"source/en/two.md:{english_line(root, 'two', '$$')}"]
    assert duplicate_at(wrapped) != duplicate_at(first)
    assert zh_clean(root, tmp_path / "c3") == wrapped


def test_a_store_from_before_raw_warnings_has_its_pages_read_again(tmp_path: Path):
    """A store written by an earlier d2lbook holds warnings already placed: they are not
    replayed, their pages are read again."""
    import json

    from d2lbook.render.warnings_store import FORMAT

    root = zh_book(tmp_path / "book")
    first = zh_build(root)
    store = root / "_build" / "zh" / "warnings-html.json"
    data = json.loads(store.read_text(encoding="utf-8"))
    del data[FORMAT]
    data["two"] = [w.replace("two.md:15", "two.md:99") for w in first if "two.md" in w]
    assert any("two.md:99" in w for w in data["two"])
    store.write_text(json.dumps(data), encoding="utf-8")
    page = root / "source" / "en" / "three.md"
    page.write_text(page.read_text(encoding="utf-8").replace("nothing", "little"),
                    encoding="utf-8")
    assert zh_build(root) == first
