"""Per-page work remembered on disk (``d2lbook.memo``): a warm build that takes pages from the
memo says and makes what a clean build does, and a damaged entry is a miss."""

from __future__ import annotations

import shutil
from pathlib import Path

from d2lbook.memo import PageMemo
from tests.helpers import make_book, pyproject
from tests.test_errors import FRONT

INDEX = "# Memo\n\n```{toctree}\n:numbered:\na\nb\n```\n"
A = ("(sec-a)=\n# A\n\nAlpha prose, see {ref}`sec-b`.\n\n"
     "```{code-cell} ipython3\nprint(1 + 1)\n```\n")
B = "(sec-b)=\n# B\n\nBeta prose cites {ref}`sec-missing`, which no page defines.\n"


def book(root: Path) -> Path:
    pages = {"index": INDEX, "a": A, "b": B}
    return make_book(root, {name: FRONT + text for name, text in pages.items()},
                     pyproject(extra='\n[tool.d2lbook.execution]\nexecute = false\n'))


def build(root: Path):
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select("en"), ("html",), jobs=1).editions[0]


def pages_html(root: Path) -> dict[str, str]:
    folder = root / "_build" / "en" / "html"
    return {name: (folder / f"{name}.html").read_text(encoding="utf-8")
            for name in ("index", "a", "b")}


def entries(root: Path) -> list[Path]:
    return sorted((root / "_build" / "cache" / "pages").rglob("*.json"))


def edit(root: Path) -> None:
    page = root / "source" / "en" / "a.md"
    page.write_text(page.read_text(encoding="utf-8").replace("Alpha prose", "Alpha text"),
                    encoding="utf-8")


def test_a_warm_build_from_the_memo_says_and_makes_what_a_clean_build_does(tmp_path: Path):
    root = book(tmp_path)
    build(root)
    assert entries(root), "the first build remembers its pages"
    edit(root)
    warm = build(root)
    warm_html = pages_html(root)
    assert "Alpha text" in warm_html["a"]
    assert any("sec-missing" in w and "b.md" in w for w in warm.warnings)
    shutil.rmtree(root / "_build")
    clean = build(root)
    assert clean.warnings == warm.warnings
    assert pages_html(root) == warm_html


def test_a_damaged_memo_entry_is_a_miss(tmp_path: Path):
    root = book(tmp_path)
    first = build(root)
    before = pages_html(root)
    for path in entries(root):
        path.write_bytes(b'{"value": [truncated')
    edit(root)
    again = build(root)
    assert again.warnings == first.warnings
    now = pages_html(root)
    assert "Alpha text" in now["a"] and now["b"] == before["b"]
    # the damaged entries were made again: each one reads as JSON now
    memo = PageMemo(root / "_build" / "cache" / "pages", "")
    assert all(path.read_text(encoding="utf-8").startswith('{"value": ') for path in
               entries(root))
    assert memo.get("none", ("missing",)) is None


def test_an_entry_is_named_by_its_inputs_and_the_toolchain(tmp_path: Path):
    memo = PageMemo(tmp_path, "toolchain-1")
    made = memo.remember("notebook", ("python3", "text"), lambda: {"cells": [1]})
    made["cells"].append(2)  # the caller's copy: the entry is not changed
    assert memo.remember("notebook", ("python3", "text"), lambda: {"cells": []}) == \
        {"cells": [1]}
    assert memo.get("notebook", ("python3", "other text")) is None
    assert PageMemo(tmp_path, "toolchain-2").get("notebook", ("python3", "text")) is None
    memo.path("notebook", ("python3", "text")).write_text("not json", encoding="utf-8")
    assert memo.get("notebook", ("python3", "text")) is None


def test_a_slot_keeps_only_the_latest_entry(tmp_path: Path):
    memo = PageMemo(tmp_path, "toolchain-1")
    assert memo.remember("library", ("v1",), lambda: {"d2l": 1}, slot="latest") == {"d2l": 1}
    assert memo.remember("library", ("v2",), lambda: {"d2l": 2}, slot="latest") == {"d2l": 2}
    assert [p.name for p in (tmp_path / "library").rglob("*.json")] == ["latest.json"]
    assert memo.get("library", ("v1",), slot="latest") is None  # replaced: a miss
    assert memo.get("library", ("v2",), slot="latest") == {"d2l": 2}


def test_the_library_is_remembered_until_what_it_reads_of_the_pages_changes(
        tmp_path: Path, monkeypatch):
    """The ``#@save`` library of our own book: a prose edit takes it from the memo; a new
    chapter before the ones that save code renumbers its "Defined in Section ..." notes. Each
    time it is the library the pages give when read from scratch."""
    import d2lbook.library as lib
    from d2lbook.commands.page_work import PageWork
    from d2lbook.config import load_config
    from d2lbook.layout import BookLayout
    from d2lbook.source import read_pages

    repo = Path(__file__).resolve().parent.parent
    root = tmp_path / "book"
    shutil.copytree(repo / "source", root / "source")
    shutil.copy(repo / "pyproject.toml", root)
    src = root / "source" / "en"

    def library() -> dict[Path, str]:
        layout = BookLayout(load_config(root))
        english = {p.name: p.text for p in read_pages(src)}
        made = PageWork(layout).library_files(english)  # a new build's, as in a new process
        assert made == lib.library_files(layout.cfg, dest=layout.library)
        return made

    first = library()
    assert "Defined in Section 2.2" in "".join(first.values())
    page = src / "chapter_preliminaries" / "autograd.md"
    text = page.read_text(encoding="utf-8")
    assert "#@save" in text and " the " in text
    page.write_text(text.replace(" the ", " this ", 1), encoding="utf-8")
    assembled = lib.library_files

    def not_again(*args: object, **kwargs: object) -> dict[Path, str]:
        raise AssertionError("the library was assembled again after a prose edit")

    monkeypatch.setattr(lib, "library_files", not_again)
    layout = BookLayout(load_config(root))
    english = {p.name: p.text for p in read_pages(src)}
    assert PageWork(layout).library_files(english) == first
    monkeypatch.setattr(lib, "library_files", assembled)
    # a chapter before the others: every section number that the library notes moves
    (src / "chapter_new").mkdir()
    (src / "chapter_new" / "index.md").write_text(FRONT + "# New\n\nA new chapter.\n")
    index = src / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace(
        ":numbered:\n\n", ":numbered:\n\nchapter_new/index\n"), encoding="utf-8")
    moved = library()
    assert moved != first
    assert "Defined in Section 3.2" in "".join(moved.values())
    assert "Defined in Section 4.4" in "".join(moved.values())


def test_the_memo_is_pruned_least_recently_used_first(tmp_path: Path):
    """Over its limit, the memo drops the entries used longest ago, keeps what this build
    used, and does not look again within the hour."""
    import os
    import time

    memo = PageMemo(tmp_path, "toolchain-1")
    for i in range(10):
        memo.put("notebook", (f"page {i}",), {"text": "x" * 1000})
    now = time.time()
    for i in range(10):  # page 0 was used 10 hours ago, page 9 an hour ago
        os.utime(memo.path("notebook", (f"page {i}",)), (now - 3600 * (10 - i),) * 2)
    assert memo.get("notebook", ("page 2",)) is not None  # used again now: kept
    started = time.time()
    memo.put("notebook", ("page 10",), {"text": "x" * 1000})  # written by this build
    size = memo.path("notebook", ("page 10",)).stat().st_size
    removed = memo.prune(started - 1, limit=8 * size)
    assert removed == 5  # 11 entries down to 6 (three quarters of 8)
    kept = {i for i in range(11) if memo.get("notebook", (f"page {i}",)) is not None}
    assert kept == {2, 6, 7, 8, 9, 10}
    for i in range(5):
        memo.put("notebook", (f"more {i}",), {"text": "x" * 1000})
    assert memo.prune(time.time(), limit=size) == 0  # pruned less than an hour ago
    os.utime(tmp_path / "pruned", (now - 7200,) * 2)
    assert memo.prune(time.time() + 1, limit=4 * size) == 8  # 11 down to 3
