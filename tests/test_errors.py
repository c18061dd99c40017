"""Errors a user can act on, on small real books: failing cells, timeouts, LaTeX errors."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def small_book(root: Path, page: str, timeout: int = 60) -> Path:
    (root / "source" / "en").mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.d2lbook]
        name = "tiny"
        author = "Tester"
        version = "1"
        [tool.d2lbook.languages.en]
        title = "Tiny"
        [tool.d2lbook.execution]
        timeout = {timeout}
        """))
    (root / "source" / "en" / "index.md").write_text(
        FRONT + "# Tiny\n\n```{toctree}\npage\n```\n")
    (root / "source" / "en" / "page.md").write_text(FRONT + page)
    return root


def build(root: Path, formats=("html",)):
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select("en"), formats, jobs=1)


def test_a_cell_tagged_raises_exception_may_fail(tmp_path: Path):
    root = small_book(tmp_path, "# Page\n\n```{code-cell} ipython3\n:tags: [raises-exception]\n"
                      "1 / 0\n```\n\n```{code-cell} ipython3\nprint('after')\n```\n")
    result = build(root)
    assert result.executed == 1
    html = (root / "_build" / "en" / "html" / "page.html").read_text()
    assert "ZeroDivisionError" in html and "after" in html


def test_a_cell_past_the_timeout_stops_the_build(tmp_path: Path):
    from d2lbook.errors import ExecutionError

    root = small_book(tmp_path, "# Page\n\nProse.\n\n```{code-cell} ipython3\nx = 1\n```\n\n"
                      "```{code-cell} ipython3\nimport time\ntime.sleep(30)\n```\n", timeout=2)
    with pytest.raises(ExecutionError) as info:
        build(root)
    message = str(info.value)
    assert "page.md:19: code cell 2 failed" in message
    assert "time.sleep(30)" in message and "timed out after 2 s" in message
    assert "execution.timeout" in message
    # Nothing was cached for the failed notebook: the next build executes it again.
    assert not list((root / "_build" / "cache" / "execute").glob("*/*.json"))


def test_latex_errors_name_the_message_line_and_log(tmp_path: Path):
    from d2lbook.render.latex import latex_error

    tex = tmp_path / "book.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\nHello\n"
                   "\\undefinedmacro\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "book.tex"],
                   cwd=tmp_path, capture_output=True)
    err = latex_error(tmp_path / "book.log", "")
    text = str(err)
    assert "Undefined control sequence" in text
    assert "line 4 of book.tex" in text and "\\undefinedmacro" in text
    assert str(tmp_path / "book.log") in text


def test_missing_latex_packages_say_how_to_install_them(tmp_path: Path):
    from d2lbook.errors import MissingToolError
    from d2lbook.render.latex import latex_error

    tex = tmp_path / "book.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage{nonexistentpkgxyz}\n"
                   "\\usepackage{xeCJKfake}\n\\begin{document}x\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "book.tex"],
                   cwd=tmp_path, capture_output=True)
    err = latex_error(tmp_path / "book.log", "")
    assert isinstance(err, MissingToolError)
    assert "nonexistentpkgxyz.sty" in str(err) and "apt-file search" in str(err)


def test_a_pdf_build_with_broken_latex_reports_the_error(tmp_path: Path):
    from d2lbook.errors import RenderError

    root = small_book(tmp_path, "# Page\n\n```{raw} latex\n\\brokenmacro\n```\n\nText.\n")
    with pytest.raises(RenderError) as info:
        build(root, ("pdf",))
    assert "Undefined control sequence" in str(info.value)
    assert "tiny-en.log" in str(info.value)


def test_cli_cache_list_and_clear(tmp_path: Path, capsys):
    from d2lbook.cli import main

    root = small_book(tmp_path, "# Page\n\n```{code-cell} ipython3\nprint(40 + 2)\n```\n")
    assert main(["--root", str(root), "build", "html"]) == 0
    assert main(["--root", str(root), "cache", "list"]) == 0
    out = capsys.readouterr().out
    assert "en:page" in out and "1 cached execution(s)" in out
    assert main(["--root", str(root), "cache", "clear"]) == 0
    assert "removed 1 cached execution(s)" in capsys.readouterr().out
    assert main(["--root", str(root), "build", "html", "--lang", "fr"]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_a_killed_build_leaves_a_cache_the_next_build_can_trust(tmp_path: Path):
    """SIGKILL the whole build while one notebook runs: the finished notebook's record is
    complete and reused; the interrupted one is executed again; nothing half-written is read."""
    import os
    import signal
    import sys
    import time

    root = small_book(tmp_path, "# Page\n\n```{code-cell} ipython3\nprint('fast')\n```\n")
    (root / "source" / "en" / "index.md").write_text(
        FRONT + "# Tiny\n\n```{toctree}\npage\nslow\n```\n")
    (root / "source" / "en" / "slow.md").write_text(
        FRONT + "# Slow\n\n```{code-cell} ipython3\nimport time\ntime.sleep(6)\nprint('slow')\n"
        "```\n")
    cache = root / "_build" / "cache" / "execute"
    proc = subprocess.Popen([sys.executable, "-m", "d2lbook.cli", "--root", str(root), "build",
                             "html", "--jobs", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)

    def records() -> list[Path]:
        return [p for p in cache.glob("*/*.json") if not p.name.startswith(".tmp-")]

    deadline = time.monotonic() + 120
    while not records() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(records()) == 1, "the fast page finished; the slow one was killed mid-run"

    result = build(root)
    assert result.executed == 1  # only the notebook that was interrupted
    html = (root / "_build" / "en" / "html")
    assert "fast" in (html / "page.html").read_text() and "slow" in (html / "slow.html").read_text()
