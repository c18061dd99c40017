"""The real English edition, built once, checked the way a reader would look at it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import copy_book

pytestmark = pytest.mark.slow

RAW_MYST = re.compile(r"\{(numref|eq|ref|doc|cite(:[a-z]+)?|math|figure|note|tip|warning|"
                      r"list-table|toctree|bibliography)\}")


def chapter_pages(cfg) -> list[str]:
    from d2lbook.source import read_pages

    return [p.name for p in read_pages(cfg.source_dir)]


def test_every_page_is_in_the_site_with_math_and_plots(built_en):
    cfg, result = built_en
    html = cfg.build_dir / "en" / "html"
    for name in chapter_pages(cfg):
        assert (html / f"{name}.html").is_file(), name
    page = (html / "chapter_linear-networks" / "linear-regression.html").read_text()
    assert 'class="math' in page and "\\begin{aligned}" not in page.split("<body")[0]
    assert re.search(r'id="equation-eq-[\w-]+"', page)
    plots = 0
    for name in chapter_pages(cfg):
        text = (html / f"{name}.html").read_text()
        plots += len(re.findall(r'<img [^>]*src="[^"]*\.png"', text))
    assert plots >= 2
    images = list((html / "_images").glob("*.png"))
    assert images and all(p.stat().st_size > 1000 for p in images)
    assert '<html lang="en"' in (html / "index.html").read_text()


def test_the_pdf_holds_every_chapter(built_en):
    cfg, result = built_en
    from d2lbook.layout import BookLayout

    fw = cfg.default_framework.key
    pdf = BookLayout(cfg).pdf(cfg.language("en"), fw)
    assert result.editions[0].pdf == pdf
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for title in ("Preface", "Preliminaries", "Data Manipulation", "Automatic Differentiation",
                  "Linear Neural Networks", "Linear Regression", "Softmax Regression",
                  "Notation", "Bibliography"):
        assert title in text, title
    assert "squared" in text.lower() and "gradient" in text.lower()
    assert "{numref}" not in text and "<Figure size" not in text
    # The contents list the bibliography once, as the appendix's section (its list of
    # references used to open an unnumbered chapter of its own as well).
    contents = text[:text.index("Preface", text.index("Appendix"))]
    listed = re.findall(r"^ *((?:\d\.\d\s+)?Bibliography)\b", contents, re.M)
    assert listed == ["4.2 Bibliography"], contents
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()
    assert len(images) - 2 >= 2, "the plots are missing from the PDF"


def test_the_notebook_zip_is_clean_and_executed(built_en):
    import nbformat

    from d2lbook.layout import BookLayout

    cfg, result = built_en
    layout, en, fw = BookLayout(cfg), cfg.language("en"), cfg.default_framework
    zip_path = layout.notebook_zip(en, fw.key)
    stem = layout.stem(en, fw.key)
    assert result.editions[0].notebooks == zip_path
    names = chapter_pages(cfg)
    with zipfile.ZipFile(zip_path) as zf:
        listed = set(zf.namelist())
        assert f"{stem}/img/singleneuron.svg" in listed
        for name in names:
            nb = nbformat.reads(zf.read(f"{stem}/{name}.ipynb").decode(), as_version=4)
            nbformat.validate(nb)
            assert nb.metadata.kernelspec.name == fw.kernel
            code = [c for c in nb.cells if c.cell_type == "code"]
            if code:
                assert any(c.outputs for c in code), f"{name} has no outputs"
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    assert not RAW_MYST.search(cell.source), (name, cell.source[:200])
    lr = json.loads((layout.notebooks(en, fw.key) / "chapter_linear-networks" /
                     "linear-regression.ipynb").read_text())
    prose = "".join(c["source"] for c in lr["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"\[Fig\. \d+\.\d+\]\(", prose), "figure references should be links"
    assert re.search(r"\[\(\d+\.\d+\)\]\(", prose), "equation references should be links"
    # Every in-book link lands on an anchor that exists in the target notebook.
    folder = layout.notebooks(en, fw.key)
    for target, anchor in re.findall(r"\]\(([\w./-]+\.ipynb)#([\w-]+)\)", prose):
        linked = json.loads((folder / "chapter_linear-networks" / target).resolve().read_text())
        text = "".join(c["source"] for c in linked["cells"] if c["cell_type"] == "markdown")
        assert f'<a id="{anchor}"></a>' in text, (target, anchor)


def test_a_prose_edit_executes_nothing_and_a_code_edit_executes_one(built_en, tmp_path: Path):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    cfg0, _ = built_en
    root = copy_book(tmp_path / "book")
    shutil.copytree(cfg0.build_dir / "cache", root / "_build" / "cache")
    cfg = load_config(root)
    page = root / "source" / "en" / "chapter_preliminaries" / "autograd.md"
    text = page.read_text()

    section = text.index("\n## ")
    page.write_text(text[:section] + "\n\nAn extra paragraph of prose.\n" + text[section:])
    prose = build(cfg, cfg.select("en"), ("html",))
    assert prose.executed == 0
    edition = prose.editions[0]
    # One notebook per (page, framework it has code for); pages without code run nothing.
    from d2lbook.frameworks import cell_frameworks, page_frameworks
    from d2lbook.notebook import page_notebook
    from d2lbook.source import read_pages

    pages = {p.name: page_notebook(p) for p in read_pages(cfg.source_dir)}
    runs = [len(page_frameworks(nb, cfg.frameworks)) for nb in pages.values()]
    assert edition.executed == 0 and edition.cached == sum(runs) >= 7
    assert edition.without_code == runs.count(0)

    # Edit the first cell that is not library code (a `#@save` cell would change the library,
    # and so re-execute every page importing it: a different test).
    nb = pages["chapter_preliminaries/autograd"]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    index = next(i for i, c in enumerate(code) if "#@save" not in c["source"])
    first = code[index]
    code_fence = -1
    for _ in range(index + 1):
        code_fence = text.index("```{code-cell}", code_fence + 1)
    body = text.index("\n", code_fence) + 1
    while text[body] == ":":  # the cell's options (":tags: [...]")
        body = text.index("\n", body) + 1
    page.write_text(text[:body] + "edited_by_test = 1\n" + text[body:])
    owners = cell_frameworks(first, cfg.frameworks) or page_frameworks(nb, cfg.frameworks)
    code = build(cfg, cfg.select("en"), ("html",))
    assert code.executed == len(owners)  # the edited cell's frameworks, nothing else
    assert code.editions[0].executed == len(owners)


def test_a_failing_cell_names_page_cell_and_traceback(tmp_path: Path):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config
    from d2lbook.errors import ExecutionError

    root = copy_book(tmp_path / "book")
    page = root / "source" / "en" / "chapter_preface" / "index.md"
    text = page.read_text()
    fence = text.index("```{code-cell}")
    body = text.index("\n", fence) + 1
    while text[body] == ":":  # the cell's options (":tags: [...]")
        body = text.index("\n", body) + 1
    page.write_text(text[:body] + "undefined_name_xyz + 1\n" + text[body:])
    cfg = load_config(root)
    with pytest.raises(ExecutionError) as info:
        build(cfg, cfg.select("en"), ("html",))
    message = str(info.value)
    line = text[:fence].count("\n") + 1
    assert f"chapter_preface/index.md:{line}: code cell 1 failed" in message
    assert "undefined_name_xyz + 1" in message
    assert "NameError" in message
