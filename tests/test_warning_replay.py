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
