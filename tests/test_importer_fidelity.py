"""``d2lbook import`` of what real old-dialect books hold and the first import lost or mangled
(issue 17, item 3): slide marks around display math, a table caption holding a role, commented
or mid-cell tab markers, Unicode text (xelatex), a raw HTML include, the API appendix, the
``.gitignore``. The purpose-made book is tests/fixtures/oldpdf; its builds are checked in
tests/test_importer_pdf.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from d2lbook.commands.import_book import import_book, pdf_needs
from d2lbook.importer.cells import convert_cell
from d2lbook.importer.page import PageContext, convert_page
from d2lbook.importer.report import Located, Report

OLD = Path(__file__).resolve().parent / "fixtures" / "oldpdf"
FRAMEWORKS = ("mxnet", "pytorch", "jax")


def page(text: str) -> tuple[str, list[tuple[int, str]]]:
    report = Report()
    converted = convert_page("p", text, PageContext(FRAMEWORKS, frozenset({"p"})),
                             Located(report, "p.md"))
    body = converted.text.split("---\n", 2)[2].strip("\n")
    return body, [(w.line, w.code) for w in report.sorted_warnings()]


def cells(code: str) -> tuple[list[tuple[tuple[str, ...], str]], list[tuple[int, str]]]:
    report = Report()
    out = convert_cell(code.split("\n"), 10, FRAMEWORKS, Located(report, "p.md"))
    return [(c.tags, c.code) for c in out], [(w.line, w.code) for w in report.warnings]


MATH = "```{math}\n:label: eq_a\n:class: d2l-slide\n\nx = 1\n```"


@pytest.mark.parametrize("old", [
    "(**$$x = 1$$**)\n:eqlabel:`eq_a`",
    "(**\n$$x = 1$$\n**)\n:eqlabel:`eq_a`",
    "(**\n$$\nx = 1\n$$\n**)\n\n:eqlabel:`eq_a`",
    "(**$$\nx = 1\n$$**)\n:eqlabel:`eq_a`",
    "(**$$x = 1$$**) :eqlabel:`eq_a`",
])
def test_a_slide_mark_around_display_math_keeps_the_equation_and_its_label(old: str) -> None:
    body, warnings = page(f"# T\n\nBefore.\n\n{old}\n\nAfter.\n")
    assert body == f"# T\n\nBefore.\n\n{MATH}\n\nAfter.", body
    assert [w for w in warnings if w[1] != "import-eqlabel-same-line"] == []


def test_a_slide_mark_before_math_never_closed_is_reported() -> None:
    body, warnings = page("# T\n\n(**\n$$x = 1$$\n\nAfter.\n")
    assert "```{math}\nx = 1\n```" in body and "(**" not in body
    assert (3, "import-slide-mark") in warnings


def test_a_table_caption_holding_a_role_gets_a_tilde_fence() -> None:
    body, _ = page("# T\n\n:Two estimators compared in :citet:`cramer1946`\n:label:`tab_e`\n\n"
                   "| a | b |\n|---|---|\n| 1 | 2 |\n\nThe prose after it.\n")
    assert body == ("# T\n\n~~~{table} Two estimators compared in {cite:t}`cramer1946`\n"
                    ":name: tab_e\n\n| a | b |\n|---|---|\n| 1 | 2 |\n~~~\n\nThe prose after it.")


def test_a_commented_tab_marker_is_read_and_reported() -> None:
    assert cells("# %%tab jax\nx = jnp.ones(3)") == (
        [(("jax",), "x = jnp.ones(3)")], [(10, "import-tab-marker")])
    assert cells("# #@tab pytorch, jax\nx = 1") == (
        [(("pytorch", "jax"), "x = 1")], [(10, "import-tab-marker")])
    # A comment that merely mentions a tab is code.
    assert cells("# the %%tab magic is gone\nx = 1") == ([(("mxnet",), "# the %%tab magic is "
                                                            "gone\nx = 1")], [])


def test_a_mid_cell_tab_marker_splits_the_cell_and_is_reported() -> None:
    assert cells("#@tab mxnet\ny = x * 2\n#@tab pytorch\ny = x * 3\n# %%tab jax\ny = x * 4") == (
        [(("mxnet",), "y = x * 2"), (("pytorch",), "y = x * 3"), (("jax",), "y = x * 4")],
        [(12, "import-tab-marker"), (14, "import-tab-marker"), (14, "import-tab-marker")])
    # A marker indented inside a block is not a marker of the cell.
    code = "def f():\n    #@tab pytorch\n    return 1"
    assert cells(code) == ([(("mxnet",), code)], [])


def test_pdf_needs() -> None:
    assert pdf_needs(["Plain text, “quotes” – and café."]) == (False, False)
    assert pdf_needs(["the mean μ"]) == (True, False)
    assert pdf_needs(["x ≈ y", "x ∈ X"]) == (True, False)
    assert pdf_needs(["Li (李)"]) == (True, True)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    return import_book(OLD, tmp_path_factory.mktemp("oldpdf") / "book")


def test_the_imported_book(imported) -> None:
    dest = imported.dest
    means = (dest / "source/en/chapter_notes/means.md").read_text(encoding="utf-8")
    # Two equations on slides, both labelled; no stray slide marks.
    assert re.findall(r":label: (\w+)\n:class: d2l-slide", means) == ["eq_sample_mean",
                                                                       "eq_mean_var"]
    assert "(**" not in means and "**)" not in means
    assert "~~~{table} Two estimators compared in {cite:t}`cramer1946`" in means
    # The commented and the mid-cell markers: PyTorch code in PyTorch cells only.
    assert ":tags: [pytorch]\nx.float().mean()" in means
    assert ":tags: [mxnet]\ny = x * 2\n```" in means and ":tags: [pytorch]\ny = x * 3" in means
    warned = {(w.file, w.line, w.code) for w in imported.report.warnings}
    assert warned == {("chapter_notes/means.md", 56, "import-tab-marker"),
                      ("chapter_notes/means.md", 63, "import-tab-marker")}
    # The front page's raw HTML include comes along, beside the page that reads it.
    assert "frontpage.html" in (dest / "source/en/index.md").read_text(encoding="utf-8")
    assert (dest / "source/en/frontpage.html").read_bytes() == \
        (OLD / "static/frontpage.html").read_bytes()
    # Greek and a CJK name: xelatex with a CJK font; the old [pdf] fonts offered, commented.
    table = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    lang = table["tool"]["d2lbook"]["languages"]["en"]
    assert lang["latex_engine"] == "xelatex" and lang["cjk_fonts"][0] == "Noto Serif CJK SC"
    assert '# latex_fonts = ["Source Serif Pro", "Source Sans Pro", "Inconsolata"]' in \
        (dest / "pyproject.toml").read_text(encoding="utf-8")
    assert not any(x.startswith("pdf.") for x in imported.config.ignored)
    # What the book's repository never holds.
    ignored = (dest / ".gitignore").read_text(encoding="utf-8").split()
    assert {"_build/", ".venv/", ".venvs/", "*.mo", "__pycache__/"} <= set(ignored)


def test_a_latin1_book_stays_with_pdflatex_and_a_reimport_keeps_the_gitignore(
        tmp_path: Path) -> None:
    src = tmp_path / "old"
    src.mkdir()
    (src / "config.ini").write_text("[project]\nname = b\ntitle = B\n", encoding="utf-8")
    (src / "index.md").write_text("# B\n\nCafé “quoted” – plain.\n\n```eval_rst\n"
                                  ".. raw:: html\n    :file: gone.html\n```\n", encoding="utf-8")
    result = import_book(src, tmp_path / "new")
    assert "latex_engine" not in (tmp_path / "new/pyproject.toml").read_text(encoding="utf-8")
    assert [(w.file, w.line, w.code) for w in result.report.warnings] == [
        ("index.md", 7, "import-missing-include")]
    (tmp_path / "new/.gitignore").write_text("mine/\n", encoding="utf-8")
    import_book(src, tmp_path / "new", force=True)
    assert (tmp_path / "new/.gitignore").read_text(encoding="utf-8") == "mine/\n"
