"""The imported old-dialect book (tests/fixtures/oldpdf) builds its website and a PDF per
framework with `d2lbook build --no-execute` (issue 17, item 2): a citation inside a figure and a
table caption, Greek letters, symbols and a CJK name, slide-marked labelled equations, a raw HTML
front page, the API appendix from the generated library. One import and one build of each
format shared by the assertions (a module fixture).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from d2lbook.cli import main
from d2lbook.commands.import_book import import_book

OLD = Path(__file__).resolve().parent / "fixtures" / "oldpdf"
DIALECT = [":numref:", ":label:", ":eqlabel:", ":citet:", "#@tab", "%%tab", "(**", "**)"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("xelatex") is None
                                 or shutil.which("pdftotext") is None,
                                 reason="TeX Live (latexmk, xelatex) and pdftotext needed")]


def _build(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(root), "build", *args, "--lang", "en", "--no-execute"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oldpdf") / "book"
    import_book(OLD, root)
    return root


@pytest.fixture(scope="module")
def html(book: Path) -> dict[str, str]:
    before = sys.modules.get("d2l")
    code = main(["--root", str(book), "build", "html", "--lang", "en", "--no-execute",
                 "--strict"])
    assert code == 0
    # The API page imported the book's library inside this process, for the build only.
    assert sys.modules.get("d2l") is before
    assert not any(p.startswith(str(book)) for p in sys.path)
    folder = book / "_build/en/html"
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in folder.rglob("*.html")}


def test_the_website(html: dict[str, str]) -> None:
    means = html["chapter_notes/means.html"]
    for name, text in html.items():
        for mark in DIALECT:
            assert mark not in re.sub(r"<pre.*?</pre>", "", text, flags=re.S), (name, mark)
    # The slide-marked equations are numbered and referable; nothing shows the marks.
    assert re.findall(r'<span class="eqno">\(([\d.]+)\)', means) == ["1.1", "1.2"]
    assert 'href="#equation-eq-sample-mean">(1.1)</a>' in means
    assert 'href="#equation-eq-mean-var">(1.2)</a>' in means
    # The table's caption shows its citation, and the prose after the table is prose.
    assert re.search(r'<span class="caption-text">Two estimators compared in .*Cramér', means)
    assert re.search(r"<p>The table shows that both estimators are unbiased", means)
    assert "notes-front-banner" in html["index.html"]
    api = html["chapter_notes/api.html"]
    assert "Keeps the running mean of the values it is given." in api
    assert "Adds one value; returns the mean so far." in api


def test_one_framework_then_every_framework(book: Path, capsys) -> None:
    pdfs = book / "_build/en/pdf"
    code, out, err = _build(book, capsys, "all", "--framework", "pytorch")
    assert code == 0, err[-3000:]
    assert sorted(p.name for p in pdfs.glob("*.pdf")) == ["notes-book-en-pytorch.pdf"]
    assert [p.name for p in (book / "_build/en/notebooks").iterdir()] == ["pytorch"]
    text = subprocess.run(["pdftotext", str(pdfs / "notes-book-en-pytorch.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    # Greek, symbols and the CJK name typeset; the cited authors are in the captions.
    for word in ("We write μ for the mean and σ²", "≈", "x ∈", "Gauß", "李 (Li)",
                 "Fig. 1.1: The sample mean settles", "as Fisher [1922] argued",
                 "Table 1.1: Two estimators compared in Cramér [1946]",
                 "none for symmetric data [Fisher, 1922]", "The Variance, after Cramér [1946]",
                 "class d2l.torch.Averager"):
        assert word in text, word
    assert "x.float().mean()" in text and "y = x * 3" in text and "y = x * 2" not in text
    for mark in DIALECT:
        assert mark not in text, mark

    code, out, err = _build(book, capsys, "pdf")
    assert code == 0, err[-3000:]
    assert "latexmk-pytorch" in out  # up to date: not made again
    mxnet = subprocess.run(["pdftotext", str(pdfs / "notes-book-en-mxnet.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "y = x * 2" in mxnet and "x.float().mean()" not in mxnet and "μ" in mxnet

    assert _build(book, capsys, "html", "--framework", "mxnet")[0] == 2
    code, _, err = _build(book, capsys, "pdf", "--framework", "jax")
    assert code == 2 and "not a framework of the book (mxnet, pytorch)" in err


def test_a_latex_error_names_the_page_and_line(tmp_path: Path, capsys) -> None:
    root = tmp_path / "book"
    import_book(OLD, root)
    config = root / "pyproject.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"xelatex"', '"pdflatex"'),
                      encoding="utf-8")
    # pdflatex gets past the citations in the captions, the title and the table (before
    # the table's end), and stops at the one μ left after them, named by page and line.
    page = root / "source/en/chapter_notes/means.md"
    text = "".join(c if ord(c) < 0x100 else "?" for c in page.read_text(encoding="utf-8"))
    page.write_text(text.replace("The table shows that", "The table (μ) shows that"),
                    encoding="utf-8")
    line = next(n for n, x in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
                if x.startswith("The table (μ) shows"))
    code, _, err = _build(root, capsys, "pdf", "--framework", "mxnet")
    assert code != 0
    assert "Unicode character μ (U+03BC)" in err
    assert re.search(rf"at \S*source/en/chapter_notes/means\.md:{line}\n", err), err
