"""The commands people expect, run as a user runs them (the command line, real builds, real
kernels): ``--version``, ``new``, ``clean``, ``build linkcheck``, the failure summary, and the
site preview refreshed by a build of one edition."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import static_server
from tests.test_errors import small_book

REPO = Path(__file__).resolve().parent.parent


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "d2lbook.cli", *args], cwd=cwd,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_version_is_the_installed_version() -> None:
    from importlib.metadata import version

    out = cli(REPO, "--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"d2lbook {version('d2lbook')}"


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    out = cli(tmp_path, "new", ".")
    assert out.returncode == 2
    assert "the folder is not empty" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_new_book_builds_in_both_editions_and_clean_keeps_the_cache(tmp_path: Path) -> None:
    out = cli(tmp_path, "new", "my-book")
    assert out.returncode == 0, out.stderr
    book = tmp_path / "my-book"
    built = cli(book, "build", "html", "--lang", "all")
    assert built.returncode == 0, built.stderr
    assert "3 executed" in built.stdout
    site = book / "_build" / "site"
    en = (site / "en" / "arrays.html").read_text()
    assert "[[0. 1. 2.]" in en and "tensor([[0, 1, 2]," in en  # MXNet and PyTorch outputs
    zh = (site / "zh" / "arrays.html").read_text()
    assert "每个框架都用数组存放数值" in zh  # translated by the new book's catalog
    assert "Functions marked" in zh and "d2l-translation-notice" in zh  # not yet: marked
    assert "第一步" in (site / "zh" / "basics.html").read_text()
    assert "warning" not in built.stderr, built.stderr

    # A build of one edition refreshes the site preview too.
    page = book / "source" / "en" / "basics.md"
    page.write_text(page.read_text().replace("Write pages", "Write your pages"))
    again = cli(book, "build", "html", "--lang", "en")
    assert again.returncode == 0, again.stderr
    assert "site: " in again.stdout and "refreshed" in again.stdout
    assert "Write your pages" in (site / "en" / "basics.html").read_text()
    assert "warning" not in again.stderr  # downloads not asked for are not warned about

    cleaned = cli(book, "clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "kept _build/cache/execute" in cleaned.stdout
    assert not (book / "_build" / "en").exists() and not site.exists()
    listed = cli(book, "cache", "list")  # what the next build takes instead of executing
    assert listed.returncode == 0, listed.stderr
    assert "3 cached execution(s)" in listed.stdout

    assert cli(book, "clean", "--all").returncode == 0
    assert not (book / "_build").exists()


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[str]:
    """A web server on 127.0.0.1 serving one page, ``ok.html``."""
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "ok.html").write_text("<html><body>fine</body></html>")

    with static_server(folder) as url:
        yield url


def test_linkcheck_names_the_broken_link_at_its_line(tmp_path: Path, local_server: str) -> None:
    page = (f"# Page\n\nA [good link]({local_server}/ok.html).\n\n"
            f"And a [broken one]({local_server}/missing.html).\n")
    root = small_book(tmp_path / "book", page)
    out = cli(root, "build", "linkcheck", "--lang", "en")
    assert out.returncode == 1, out.stdout + out.stderr
    # the page's front matter is 10 lines; the broken link is on the page's 15th line
    line = 1 + (root / "source" / "en" / "page.md").read_text().splitlines().index(
        f"And a [broken one]({local_server}/missing.html).")
    assert (f"broken: source/en/page.md:{line}: broken link {local_server}/missing.html"
            in out.stderr), out.stderr
    assert "ok.html" not in out.stderr
    assert "en: 2 link(s) checked, 1 broken -> _build/en/linkcheck/output.txt" in out.stdout
