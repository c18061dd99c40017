"""The one reader of a page's block structure, and the modules that ask it: fences of every kind
(backticks, tildes, colons, any length, nested) mean the same to each of them."""

from __future__ import annotations

from pathlib import Path

from d2lbook.config import Framework
from d2lbook.myst import blocks, directive_options, image_paths, without_blocks

MXNET, TORCH = Framework(key="mxnet", name="MXNet"), Framework(key="pytorch", name="PyTorch")


def test_directives_and_their_options_in_fences_of_every_kind():
    page = ("---\ntitle: x\n---\n# T\n\n~~~~{figure} img/a.svg\n:name: fig-a\n:width: 50%\n\n"
            "Caption with ```` inside.\n~~~~\n\n:::::{note}\n```python\n:::\n```\n:::::\n")
    found = [(b.name, b.argument, b.line, b.start, b.end) for b in blocks(page, nested=True)]
    assert found == [("figure", "img/a.svg", 6, 5, 10), ("note", "", 13, 12, 16),
                     (None, "", 14, 13, 15)]
    figure = next(blocks(page))
    assert figure.options() == ({"name": "fig-a", "width": "50%"}, 2)
    assert directive_options([":sync: mxnet", ":tags: [a, b]", "text", ":late: no"]) == \
        ({"sync": "mxnet", "tags": "[a, b]"}, 2)


def test_image_paths_in_the_pages_order_and_blocks_left_out():
    page = ("See ![a](img/a.png \"A\").\n\n```{image} img/b.svg\n:width: 10%\n```\n\n"
            ":::{figure} img/c.svg\nText ![d](<img/d.png>)\n:::\n")
    assert image_paths(page) == ["img/a.png", "img/b.svg", "img/c.svg", "img/d.png"]
    code = "Before.\n```{code-cell}\nx = 1\n```\nMiddle.\n~~~\n```{code-cell}\n~~~\nAfter."
    assert without_blocks(code, lambda b: b.name == "code-cell") == \
        "Before.\n\nMiddle.\n~~~\n```{code-cell}\n~~~\nAfter."
    assert without_blocks(code, lambda b: True) == "Before.\n\nMiddle.\n\nAfter."


def test_framework_tab_sets_in_tilde_and_long_fences():
    from d2lbook.frameworks import complete_tabs, select_tabs

    both = (MXNET, TORCH)
    text = ("A.\n~~~~{tab-set}\n````{tab-item} MXNet\n:sync: mxnet\nM.\n```python\nm()\n```\n"
            "````\n~~~~\nB.\n````markdown\n::::{tab-set}\n:::{tab-item} X\n:sync: mxnet\n"
            "X.\n:::\n::::\n````")
    assert select_tabs(text, TORCH, both) == (
        "A.\nB.\n````markdown\n::::{tab-set}\n:::{tab-item} X\n:sync: mxnet\nX.\n:::\n"
        "::::\n````")  # an example in a code fence is not a tab-set
    assert select_tabs(text, MXNET, both).startswith("A.\nM.\n```python\nm()\n```\nB.\n")
    completed = complete_tabs(text, both, lambda fw: f"none for {fw.name}")
    assert completed.startswith("A.\n~~~~{tab-set}\n````{tab-item} MXNet\n:sync: mxnet\nM.\n"
                                "```python\nm()\n```\n````\n````{tab-item} PyTorch\n"
                                ":sync: pytorch\n\nnone for PyTorch\n````\n~~~~\nB.\n")


def test_structure_reads_tilde_fences_and_configured_frameworks_only():
    from d2lbook.i18n.fork.structure import features_of, read_structure

    page = ("# T\n\n~~~{code-cell} ipython3\n:tags: [pytorch, jax]\nx = 1\n```\ny = 2\n~~~\n\n"
            "Text.\n\n````{note}\n```\nshown()\n```\n````\n\nEnd.\n")
    structure = read_structure(page, ("mxnet", "pytorch"))
    code = [a for a in structure.anchors if a.kind == "code"]
    assert [(a.line, a.text, a.frameworks) for a in code] == \
        [(3, "x = 1\n```\ny = 2", ("pytorch",)), (13, "shown()", ())]
    assert structure.frameworks == {"pytorch"}
    assert features_of(page)["para:1"] == 2  # Text, End: the fenced note is left out


def test_section_numbers_skip_headings_in_tilde_fences(tmp_path: Path):
    from d2lbook.library import section_numbers

    (tmp_path / "index.md").write_text("# Book\n\n~~~{toctree}\n:numbered:\na\n~~~\n")
    (tmp_path / "a.md").write_text("# A\n\n~~~~markdown\n## Not a section\n```\n~~~~\n\n"
                                   "## One\n\n````{toctree}\nb\n````\n")
    (tmp_path / "b.md").write_text("# B\n")
    assert section_numbers(tmp_path) == {"a": "1", "b": "1.1.1"}
