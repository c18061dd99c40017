"""Cost follows the change: Sphinx and LaTeX are not started when their inputs are unchanged,
and a no-op build reports the warnings the build that made the outputs reported."""

from __future__ import annotations

from pathlib import Path

from tests.test_errors import small_book

PAGE = ("# Page\n\nSome prose with a {ref}`missing-label` reference.\n\n"
        "```{code-cell} ipython3\nprint(6 * 7)\n```\n")


def build(root: Path, formats: tuple[str, ...]):
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select("en"), formats, jobs=1).editions[0]


def test_unchanged_inputs_start_neither_sphinx_nor_latex(tmp_path: Path):
    root = small_book(tmp_path, PAGE)
    first = build(root, ("html", "pdf"))
    assert first.skipped == []
    assert any("missing-label" in w for w in first.warnings)
    pdf = root / "_build" / "en" / "pdf" / "tiny-en.pdf"
    made = pdf.stat().st_mtime_ns

    again = build(root, ("html", "pdf"))
    assert again.skipped == ["html", "latex", "latexmk"]
    assert again.warnings == first.warnings  # reported again, though Sphinx did not run
    assert pdf.stat().st_mtime_ns == made

    # A prose edit re-runs Sphinx for both outputs and LaTeX, since the .tex changed.
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text().replace("Some prose", "Other prose"))
    edited = build(root, ("html", "pdf"))
    assert edited.skipped == []
    assert "Other prose" in (root / "_build" / "en" / "html" / "page.html").read_text()
    assert pdf.stat().st_mtime_ns != made

    # An output removed by hand is made again.
    (root / "_build" / "en" / "html" / "index.html").unlink()
    rebuilt = build(root, ("html",))
    assert rebuilt.skipped == [] and (root / "_build" / "en" / "html" / "index.html").is_file()


def test_an_interrupted_step_is_not_taken_for_fresh(tmp_path: Path):
    from d2lbook.render.uptodate import Stamps

    stamps = Stamps(tmp_path)
    out = tmp_path / "out.html"
    out.write_text("x")
    stamps.record("html", "d1", ["w"], [out])
    assert Stamps(tmp_path).fresh("html", "d1") == ["w"]
    assert Stamps(tmp_path).fresh("html", "d2") is None
    # The step starts on new inputs (d2), dies; the inputs go back to d1: the outputs are
    # half-made from d2, so d1 must not look fresh.
    Stamps(tmp_path).forget("html")
    assert Stamps(tmp_path).fresh("html", "d1") is None


def test_html_remade_by_hand_still_reports_the_fresh_notebooks(tmp_path: Path):
    """A page of the HTML removed by hand makes the HTML step run again; the notebook bundle,
    whose inputs and files are as it left them, is not made again but is still reported (its
    zips and warnings), as a build that made it would."""
    root = small_book(tmp_path, PAGE)
    first = build(root, ("html", "notebooks"))
    assert first.notebooks is not None and first.notebooks.is_file()
    made = first.notebooks.stat().st_mtime_ns

    (root / "_build" / "en" / "html" / "page.html").unlink()
    again = build(root, ("html", "notebooks"))
    assert again.skipped == []  # the HTML was made again
    assert (root / "_build" / "en" / "html" / "page.html").is_file()
    assert again.notebooks == first.notebooks and again.zips == first.zips
    assert again.notebooks.stat().st_mtime_ns == made  # the bundle was not
    assert again.warnings == first.warnings
