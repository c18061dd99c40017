"""Figure, table, listing and equation numbers after edits that move them: what the reader
sees is what Sphinx's own numbering gives (``render.figure_numbers`` numbers from the pages'
outlines instead of unpickling every page)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from tests.test_warm_clean import book, build, html, write

DOT = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n'


def figure(name: str, caption: str) -> str:
    return f":::{{figure}} img/dot.svg\n:name: {name}\n\n{caption}\n:::\n"


def table(name: str, caption: str) -> str:
    return f":::{{table}} {caption}\n:name: {name}\n\n| x | y |\n|---|---|\n| 1 | 2 |\n:::\n"


def listing(name: str, caption: str) -> str:
    return f"```{{code-block}} python\n:caption: {caption}\n:name: {name}\n\n1 + 1\n```\n"


A = ("# Alpha\n\n" + figure("fig-a1", "First dot.") + "\n## Inside\n\n"
     + table("tab-a", "Alpha numbers.") + "\n" + figure("fig-a2", "Second dot.")
     + "\n$$\nx = 1\n$$ (eq-a)\n\nSee {numref}`fig-a2` and {eq}`eq-a`.\n")
B = ("# Beta\n\n" + listing("code-b", "Adding.") + "\n" + figure("fig-b", "Beta dot.")
     + "\nAs {numref}`fig-a1` and {numref}`tab-a` show.\n")


def captions(root: Path, name: str) -> list[str]:
    """The numbers the page shows: its captions' and its equations'."""
    text = html(root, name)
    return (re.findall(r'<span class="caption-number">([^<]*?)\s*</span>', text)
            + re.findall(r'<span class="eqno">\(([^)]*)\)', text))


def numbered_book(root: Path) -> Path:
    book(root, {"a": A, "b": B})
    (root / "source" / "en" / "img").mkdir()
    (root / "source" / "en" / "img" / "dot.svg").write_text(DOT)
    return root


def sphinx_own_numbers(root: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The figure numbers of the build's environment as the outlines give them, and as
    Sphinx's own walk over every doctree gives them."""
    import copy

    from sphinx.application import Sphinx
    from sphinx.environment.collectors.toctree import TocTreeCollector
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from d2lbook.render.figure_numbers import assign_from_outlines

    tree, doctrees = root / "_build" / "en" / "sphinx", root / "_build" / "en" / "doctrees"
    with patch_docutils(tree), docutils_namespace():
        app = Sphinx(str(tree), str(tree), str(root / "_build" / "probe"), str(doctrees), "html",
                     status=io.StringIO(), warning=io.StringIO())
        assign_from_outlines(app.env)
        ours = copy.deepcopy(app.env.toc_fignumbers)
        TocTreeCollector().assign_figure_numbers(app.env)
        return ours, app.env.toc_fignumbers


def test_numbers_follow_edits_that_move_them(tmp_path: Path):
    root = numbered_book(tmp_path / "warm")
    assert build(root).warnings == []
    assert captions(root, "a") == ["Fig. 1.1", "Table 1.1", "Fig. 1.2", "1.1"]
    assert captions(root, "b") == ["Listing 2.1", "Fig. 2.1"]
    edits = [
        # a figure before the others: every later figure of the chapter moves up one
        ("a", A.replace("## Inside", figure("fig-new", "New dot.") + "\n## Inside")),
        # the chapters swap places: every number changes, no page's text does but the index's
        ("index", "# Tiny\n\n```{toctree}\n:numbered:\nb\na\n```\n"),
        # a page added between them
        ("c", "# Gamma\n\n" + figure("fig-c", "Gamma dot.")),
        ("index", "# Tiny\n\n```{toctree}\n:numbered:\nb\nc\na\n```\n"),
        # a caption removed: that figure is no longer numbered
        ("b", B.replace("Beta dot.", "")),
    ]
    for name, text in edits:
        write(root, name, text)
        build(root)
        ours, sphinx = sphinx_own_numbers(root)
        assert ours == sphinx, name
    assert captions(root, "b") == ["Listing 1.1"]
    assert captions(root, "c") == ["Fig. 2.1"]
    assert captions(root, "a") == ["Fig. 3.1", "Fig. 3.2", "Table 3.1", "Fig. 3.3", "3.1"]
    # and a clean build of the same sources shows the same pages
    clean = tmp_path / "clean"
    shutil.copytree(root / "source", clean / "source")
    shutil.copy(root / "pyproject.toml", clean)
    build(clean)
    for name in ("a", "b", "c"):
        assert captions(root, name) == captions(clean, name), name


def test_an_outline_is_taken_again_when_its_page_was_read_again(tmp_path: Path):
    """An outline is used only with the reading it was taken from: a page read again by
    another run of Sphinx (which keeps no outlines) is looked at again."""
    from d2lbook.render.figure_numbers import OUTLINES, _outlines, _page_outline

    root = numbered_book(tmp_path)
    build(root)
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    tree, doctrees = root / "_build" / "en" / "sphinx", root / "_build" / "en" / "doctrees"
    with patch_docutils(tree), docutils_namespace():
        app = Sphinx(str(tree), str(tree), str(root / "_build" / "probe"), str(doctrees), "html",
                     status=io.StringIO(), warning=io.StringIO())
        env = app.env
        pages = _outlines(env)
        assert getattr(env, OUTLINES)["pages"] is pages and set(pages) == {"index", "a", "b"}
        taken = pages["a"][1]
        assert [item[2] for item in taken[0][4] if item[0] == "numbered"] == ["fig-a1"]
        pages["a"] = (pages["a"][0], [])  # what a stale outline would say
        assert _page_outline(env, pages, "a") == []
        env.all_docs["a"] += 1  # read again since
        assert _page_outline(env, pages, "a") == taken and pages["a"][0] == env.all_docs["a"]
