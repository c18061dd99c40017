"""``d2lbook import`` stays inside its folders (issue 19): every path read resolves inside SRC,
every path written inside DEST, configuration values are validated, DEST must be empty unless
``--force``, pages that are not text are located errors. Each hostile book below is refused with
exit 2 and a located message, writes nothing and lists nothing as copied."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from d2lbook.cli import main
from d2lbook.commands.import_book import import_book, summary
from d2lbook.importer.inline import Facts, convert_inline
from d2lbook.importer.page import PageContext, convert_page
from d2lbook.importer.report import Located, Report


def book(root: Path, config: str = "", pages: dict[str, str] | None = None) -> Path:
    """A small old-dialect book: ``root/old`` with config.ini and pages."""
    src = root / "old"
    src.mkdir(parents=True)
    (src / "config.ini").write_text("[project]\nname = b\ntitle = B\n" + config)
    pages = {"index.md": "# Book\n\n```toc\nchap/one\n```\n",
             "chap/one.md": "# One\n\nText.\n", **(pages or {})}
    for rel, text in pages.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    return src


def refused(capsys: pytest.CaptureFixture[str], src: Path, dest: Path, *extra: str) -> str:
    """Runs the import through the CLI; asserts exit 2, no traceback, nothing written."""
    assert main(["import", str(src), str(dest), *extra]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "copied:" not in out and out == ""
    assert err.startswith("error: ")
    return err


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")} if root.exists() else set()


# ------------------------------------------------------------------------ reading outside SRC
def test_an_image_outside_the_book_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    src = book(tmp_path / "w", pages={"chap/one.md": "# One\n\ntext\n\n"
                                      "![secret](../../../secret.png)\n"})
    dest = tmp_path / "w" / "new"
    err = refused(capsys, src, dest)
    assert "chap/one.md:5: image ../../secret.png is outside the book's folder" in err
    assert not dest.exists() and not (tmp_path / "w" / "secret.png").exists()


def test_an_absolute_image_path_is_refused(tmp_path: Path, capsys) -> None:
    src = book(tmp_path, pages={"chap/one.md": "# One\n\n![x](/etc/hostname)\n"})
    err = refused(capsys, src, tmp_path / "new")
    assert "chap/one.md:3: image /etc/hostname is outside the book's folder" in err


def test_a_symbolic_link_leaving_the_book_is_refused(tmp_path: Path, capsys) -> None:
    outside = tmp_path / "outside"
    (outside / "pics").mkdir(parents=True)
    (outside / "x.png").write_bytes(b"x")
    (outside / "pics" / "y.png").write_bytes(b"y")
    (outside / "page.md").write_text("# Elsewhere\n")
    src = book(tmp_path, "[build]\nresources = img/\n",
               pages={"chap/one.md": "# One\n\nSee\n\n![x](link.png)\n"})
    (src / "chap" / "link.png").symlink_to(outside / "x.png")
    (src / "img").mkdir()
    (src / "img" / "ok.png").write_bytes(b"ok")
    (src / "img" / "more").symlink_to(outside / "pics")
    (src / "chap" / "two.md").symlink_to(outside / "page.md")
    err = refused(capsys, src, tmp_path / "new")
    assert f"chap/one.md:5: image chap/link.png is a symbolic link to {outside / 'x.png'}" in err
    assert "config.ini: resource img/more is a symbolic link to" in err
    assert "chap/two.md: page chap/two.md is a symbolic link to" in err
    assert not (tmp_path / "new").exists()


def test_a_symbolic_link_inside_the_book_is_followed(tmp_path: Path) -> None:
    src = book(tmp_path, pages={"chap/one.md": "# One\n\n![x](alias.png)\n"})
    (src / "chap" / "real.png").write_bytes(b"png")
    (src / "chap" / "alias.png").symlink_to(src / "chap" / "real.png")
    result = import_book(src, tmp_path / "new")
    assert (tmp_path / "new/source/en/chap/alias.png").read_bytes() == b"png"
    assert "source/en/chap/alias.png" in result.copied


def test_bibliographies_outside_the_book_are_refused(tmp_path: Path, capsys) -> None:
    src = book(tmp_path, "[pdf]\nbibfile = /etc/passwd\n",
               pages={"chap/one.md": "# One\n\n:bibliography:`../../x.bib`\n"})
    err = refused(capsys, src, tmp_path / "new")
    assert "config.ini:5: [pdf] bibfile = /etc/passwd leaves the book's folder" in err


def test_a_page_bibliography_outside_the_book_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "x.bib").write_text("@book{k, title={T}}\n")
    src = book(tmp_path / "w", pages={"chap/one.md": "# One\n\n:bibliography:`../../x.bib`\n"})
    err = refused(capsys, src, tmp_path / "new")
    assert "chap/one.md:3: bibliography ../x.bib is outside the book's folder" in err


@pytest.mark.parametrize("config,message", [
    ("[build]\ntabs = pytorch\n[library-pytorch]\nlib_file = ../lib/x.py\n",
     "config.ini:7: [library-pytorch] lib_file = ../lib/x.py leaves the book's folder"),
    ("lang = ../../x\n", "config.ini:4: [project] lang = '../../x' is not a language code"),
    ("[project]\nname = ../../evil\n", "config.ini:5: [project] name = '../../evil' cannot "
     "name files"),
    ("[build]\ntabs = pytorch, torch]x\n", "config.ini:5: [build] tabs: 'torch]x' is not a "
     "framework name"),
    ("[build]\ntabs = jax, jax\n", "config.ini:5: [build] tabs names jax twice"),
    ("[build]\nresources = ../*\n", "config.ini:5: [build] resources: ../* leaves the book's"),
    ("[build]\nnotebooks = ../*/*.md\n", "config.ini:5: [build] notebooks: ../*/*.md leaves"),
])
def test_configuration_values_are_validated(tmp_path: Path, capsys, config: str,
                                            message: str) -> None:
    src = book(tmp_path / "w", config)
    (tmp_path / "w" / "lib").mkdir()
    (tmp_path / "w" / "lib" / "x.py").write_text("x = 1\n")
    err = refused(capsys, src, tmp_path / "w" / "new")
    assert message in err
    assert sorted(os.listdir(tmp_path / "w")) == ["lib", "old"]
    assert files(tmp_path / "w" / "lib") == {"x.py"}


def test_valid_odd_values_give_a_valid_pyproject(tmp_path: Path) -> None:
    src = book(tmp_path, "author = \"Quote\" \\ back\nlang = zh_CN\n[build]\ntabs = mxnet "
               "pytorch,jax\n")
    result = import_book(src, tmp_path / "new")
    data = tomllib.loads((tmp_path / "new" / "pyproject.toml").read_text())
    assert list(data["tool"]["d2lbook"]["frameworks"]) == ["mxnet", "pytorch", "jax"]
    assert data["tool"]["d2lbook"]["author"] == "\"Quote\" \\ back"
    assert result.config.lang == "zh" and (tmp_path / "new/source/zh/index.md").is_file()


# ------------------------------------------------------------------------ writing into DEST
def test_a_non_empty_destination_needs_force(tmp_path: Path, capsys) -> None:
    src = book(tmp_path)
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "pyproject.toml").write_text("[tool.mine]\n")
    (dest / "notes.txt").write_text("keep\n")
    err = refused(capsys, src, dest)
    assert f"{dest}: not empty (notes.txt, pyproject.toml); import into a new or empty " \
        "folder, or pass --force" in err
    assert (dest / "pyproject.toml").read_text() == "[tool.mine]\n"
    assert main(["import", str(src), str(dest), "--force"]) == 0
    out, _ = capsys.readouterr()
    assert "overwritten (--force): pyproject.toml" in out
    assert (dest / "notes.txt").read_text() == "keep\n"
    assert main(["import", str(src), str(tmp_path / "empty")]) == 0  # new folder: no --force


def test_a_resource_glob_covering_the_destination(tmp_path: Path) -> None:
    src = book(tmp_path, "[build]\nresources = *\n")
    (src / "data.csv").write_text("1,2\n")
    result = import_book(src, src / "out")
    assert (src / "out/source/en/data.csv").is_file()
    assert not [f for f in files(src / "out") if "out/" in f]
    assert "source/en/out" not in result.copied


# ------------------------------------------------------------------------ pages that are not text
@pytest.mark.parametrize("data,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "chap/one.md:3: is a binary file (a NUL byte), not text"),
    ("# Eins\n".encode("utf-16"), "chap/one.md:1: is UTF-16 text; save it as UTF-8"),
    (b"# One\n\ncaf\xe9\n", "chap/one.md:3: is not UTF-8 text (byte 0xe9)"),
])
def test_pages_that_are_not_utf8_text(tmp_path: Path, capsys, data: bytes, message: str) -> None:
    src = book(tmp_path)
    (src / "chap" / "one.md").write_bytes(data)
    assert message in refused(capsys, src, tmp_path / "new")


def test_a_config_that_is_not_text(tmp_path: Path, capsys) -> None:
    src = book(tmp_path)
    (src / "config.ini").write_bytes(b"[project]\nname = \xff\n")
    assert "config.ini:2: is not UTF-8 text (byte 0xff)" in refused(capsys, src, tmp_path / "n")


# ------------------------------------------------------------------------ the slide-mark scan
@pytest.mark.parametrize("line", ["[**" * 4000, "![" * 4000, "(**" * 4000 + "**]"])
def test_a_long_line_of_opening_marks_is_kept(line: str) -> None:
    """Correctness only (the time is in bench/bench_import.py): the line comes out whole."""
    report = Report()
    out = convert_page("p", f"# T\n\n{line}\n", PageContext((), frozenset({"p"})),
                       Located(report, "p.md"))
    assert line.replace("**]", "") in out.text.replace("\\", "")
    assert convert_inline("[**a**]", 1, Located(report, "p.md"), Facts()).text == "{slide}`a`"


def test_the_report_lists_only_what_was_copied(tmp_path: Path) -> None:
    src = book(tmp_path, "[build]\nresources = img/\n",
               pages={"chap/one.md": "# One\n\n![x](../img/a.png)\n"})
    (src / "img").mkdir()
    (src / "img" / "a.png").write_bytes(b"a")
    result = import_book(src, tmp_path / "new")
    assert result.copied == ["source/en/img"]
    assert any(line == "copied: source/en/img" for line in summary(result))
    assert os.path.isfile(tmp_path / "new/source/en/img/a.png")


@pytest.mark.parametrize("glob", ["*", "**"])
def test_a_resource_glob_over_the_whole_book_keeps_the_converted_pages(tmp_path: Path,
                                                                      glob: str) -> None:
    src = book(tmp_path, f"[build]\nresources = {glob}\n",
               pages={"chap/one.md": "# One\n\nSee :numref:`sec_x`.\n"})
    result = import_book(src, tmp_path / "new")
    assert "{numref}`sec_x`" in (tmp_path / "new/source/en/chap/one.md").read_text()
    assert not [w for w in result.report.warnings if w.code == "import-resource-page"]


def test_config_ini_warnings_and_problems_name_their_line(tmp_path: Path) -> None:
    """A skipped alias is reported at the line that holds it, a refused value at the line
    that sets it (the last one, which configparser reads)."""
    from d2lbook.importer.config_ini import check_config, read_config

    path = tmp_path / "config.ini"
    path.write_text("[project]\nname = ok\nlang = en\n\n[build]\ntabs = mxnet\n\n"
                    "[library-mxnet]\nlib_name = np\nsimple_alias = ones,\n"
                    "    not a name,\n    zeros\n\n[project]\nlang = ../x\n", encoding="utf-8")
    report = Report()
    cfg = read_config(path, report)
    skipped = [(w.line, w.message) for w in report.warnings if w.code == "import-library-alias"]
    assert skipped == [(11, "[library-mxnet] simple_alias: 'not a name' is not `name` or "
                        "`name -> target`; left out of the library")]
    assert [(p.line, p.message.split(" is ")[0]) for p in check_config(cfg, path.read_text())] \
        == [(15, "[project] lang = '../x'")]
