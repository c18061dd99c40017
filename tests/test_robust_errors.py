"""Located errors instead of tracebacks, and errors that point at the right place (items 7-9
of the hardening issue)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from d2lbook.cli import main
from d2lbook.config import load_config
from d2lbook.errors import ConfigError, SourceError
from tests.helpers import git
from tests.robust_book import FRONT, make_book

ZH = """
[tool.d2lbook.languages.zh]
title = "小书"
locale = "zh_CN"
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err



@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = make_book(tmp_path / "book", languages=ZH)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Book")
    return root


# -- item 7 ------------------------------------------------------------------------------------


def test_a_page_that_is_not_utf8_is_a_located_error(book: Path, capsys) -> None:
    page = book / "source/en/intro.md"
    page.write_bytes(page.read_bytes().replace(b"A code cell:", b"A code\ncell \xe9t\xe9:"))
    line = page.read_bytes().split(b"\n").index(b"cell \xe9t\xe9:") + 1
    for args in (("build", "html"), ("i18n", "update"), ("i18n", "stats")):
        code, _, err = run(capsys, "--root", str(book), *args)
        assert code == 2 and "Traceback" not in err
        assert f"{page}:{line}: not UTF-8 (byte 0xe9" in err, err


def test_a_staged_rename_to_a_name_with_a_space(book: Path, capsys) -> None:
    assert run(capsys, "--root", str(book), "i18n", "update")[0] == 0
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "Catalogs")
    git(book, "mv", "source/en/intro.md", "source/en/the intro.md")
    index = book / "source/en/index.md"
    index.write_text(index.read_text().replace("\nintro\n", "\nthe intro\n"))
    code, out, err = run(capsys, "--root", str(book), "i18n", "status")
    assert code == 0 and "Traceback" not in err
    assert "the intro.md" in out


def test_read_objects_with_spaces_in_paths(book: Path) -> None:
    from d2lbook.vcs import Repository

    repo = Repository(book)
    found = repo.read_objects(["HEAD:source/en/intro.md", "HEAD:source/en/no such page.md",
                               "HEAD:source/en/a 1 2.md", "HEAD:source/en/one space.md"])
    assert found["HEAD:source/en/intro.md"].startswith(b"---")
    assert found["HEAD:source/en/no such page.md"] is None
    assert found["HEAD:source/en/a 1 2.md"] is found["HEAD:source/en/one space.md"] is None


@pytest.mark.skipif(shutil.which("latexmk") is None, reason="TeX Live missing")
def test_missing_images_in_the_pdf_are_warnings_at_their_line(tmp_path: Path, capsys) -> None:
    root = make_book(tmp_path / "book")
    page = root / "source/en/intro.md"
    page.write_text(page.read_text() + "\n![gone](img/gone.svg)\n\n![also gone](img/gone.png)\n")
    lines = page.read_text().splitlines()
    code, _, err = run(capsys, "--root", str(root), "build", "pdf")
    assert code == 0 and "Traceback" not in err and "apt-file" not in err, err
    for name in ("gone.svg", "gone.png"):
        line = next(n for n, text in enumerate(lines, 1) if name in text)
        assert (f"warning: source/en/intro.md:{line}: WARNING: image file not readable: "
                f"img/{name}") in err
    assert (root / "_build/en/pdf/small-en.pdf").is_file()


def test_root_in_the_table_is_a_located_config_error(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book")
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace('version = "1"\n', 'version = "1"\nroot = "x"\n'))
    with pytest.raises(ConfigError) as err:
        load_config(root)
    assert f"{toml}:5: tool.d2lbook: unknown key 'root'" in str(err.value)


# -- item 8 ------------------------------------------------------------------------------------


def test_unknown_config_keys_have_their_line(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book", languages=ZH + 'colour = "red"\n',
                     extra="timeuot = 5")
    toml = root / "pyproject.toml"
    lines = toml.read_text().splitlines()
    with pytest.raises(ConfigError) as err:
        load_config(root)
    text = str(err.value)
    colour = lines.index('colour = "red"') + 1
    assert f"{toml}:{colour}: languages.zh: unknown key 'colour'" in text
    assert f"{toml}:{lines.index('timeuot = 5') + 1}: execution: unknown key 'timeuot'" in text


def test_an_unclosed_directive_is_an_error_at_its_line(tmp_path: Path, capsys) -> None:
    root = make_book(tmp_path / "book")
    page = root / "source/en/intro.md"
    page.write_text(page.read_text().replace("A code cell:", ":::{tip}\nA tip that never "
                                             "ends.\n\nA code cell:"))
    line = page.read_text().splitlines().index(":::{tip}") + 1
    code, _, err = run(capsys, "--root", str(root), "build", "html")
    assert code == 2 and "Traceback" not in err
    assert f"{page}:{line}: the block ':::{{tip}}' opened here is never closed" in err


def test_unclosed_fences_are_found_inside_directives_and_not_in_closed_ones() -> None:
    from d2lbook.source import unclosed_fences

    assert unclosed_fences("# A\n\n```{note}\nText\n```\n\n> ```py\n> x\n> ```\n") == []
    assert unclosed_fences("````{note}\nIn a note:\n```{tip}\nx\n````\n") == [(3, "```{tip}")]
    assert unclosed_fences("# A\n\n```{code-cell} ipython3\nx = 1\n") == [
        (3, "```{code-cell} ipython3")]


def test_a_missing_png_for_latex_names_the_image_not_a_package(tmp_path: Path) -> None:
    from d2lbook.render.latex import latex_error

    log = tmp_path / "book.log"
    log.write_text("! LaTeX Error: File `img/gone.png' not found.\n\nl.42 ...\n")
    message = str(latex_error(log, ""))
    assert "apt-file" not in message
    assert "the image 'img/gone.png' does not exist" in message


def test_sources_that_read_as_pages_stay_readable(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text(FRONT + "# T\n\n```{toctree}\nbad\n```\n")
    (tmp_path / "bad.md").write_text(FRONT + "# Bad\n\n```{note}\nunclosed\n")
    from d2lbook.source import read_pages

    with pytest.raises(SourceError, match=r"bad\.md:9: the block '```\{note\}' opened here"):
        read_pages(tmp_path)


# -- item 9 ------------------------------------------------------------------------------------


def test_stats_on_an_unreadable_catalog_fails(book: Path, capsys) -> None:
    assert run(capsys, "--root", str(book), "i18n", "update")[0] == 0
    po = book / "locale/zh_CN/LC_MESSAGES/intro.po"
    po.write_text(po.read_text() + '\nmsgid "broken\n')
    code, out, err = run(capsys, "--root", str(book), "i18n", "stats")
    assert code == 2
    assert str(po) in err and "intro" in out  # every page is still listed


def test_a_wrong_charset_is_named(book: Path, capsys) -> None:
    assert run(capsys, "--root", str(book), "i18n", "update")[0] == 0
    po = book / "locale/zh_CN/LC_MESSAGES/intro.po"
    po.write_text(po.read_text().replace("charset=UTF-8", "charset=ISO-8859-1"))
    line = po.read_text().splitlines().index('"Content-Type: text/plain; charset=ISO-8859-1\\n"')
    for verb in ("update", "stats"):
        code, _, err = run(capsys, "--root", str(book), "i18n", verb)
        assert code == 2
        assert f"{po}:{line + 1}: the header declares charset=ISO-8859-1" in err, err


def test_update_in_a_shallow_clone_says_it_cannot_verify(book: Path, tmp_path: Path,
                                                         capsys) -> None:
    from d2lbook.i18n.catalog import read_catalog

    assert run(capsys, "--root", str(book), "i18n", "update")[0] == 0
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "Catalogs")
    po = "locale/zh_CN/LC_MESSAGES/intro.po"
    synced = read_catalog(book / po).header["X-Source-Commit"]
    page = book / "source/en/chapter/plots.md"
    page.write_text(page.read_text() + "\nOne more paragraph.\n")
    git(book, "commit", "-q", "-am", "Edit plots")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{book}", str(clone))
    code, out, err = run(capsys, "--root", str(clone), "i18n", "update")
    assert code == 0
    assert "cannot verify X-Source-Commit of" in err and "git fetch --unshallow" in err
    assert read_catalog(clone / po).header["X-Source-Commit"] == synced  # not HEAD
