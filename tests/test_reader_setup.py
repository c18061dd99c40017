"""Notebooks that run anywhere: the library's wheel published with the site, the set-up cell
each downloaded notebook starts with, the zips' README and requirements, the Colab buttons that
follow the chosen framework (in Chromium), and, with ``D2LBOOK_LONG=1``, a downloaded notebook
run in a fresh virtual environment that has only Jupyter."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fwbook import make_book
from tests.helpers import static_server

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "d2lbook.cli", "--root", str(root), *args],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


class Built:
    def __init__(self, root: Path, port: int):
        self.root, self.port = root, port
        self.site = root / "_build" / "site"
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The two-framework book, its site URL a local port, built as html + notebooks in both
    editions (which refreshes ``_build/site``)."""
    root = make_book(tmp_path_factory.mktemp("reader") / "book")
    port = free_port()
    with open(root / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[tool.d2lbook.urls]\nsite = "http://127.0.0.1:{port}"\ncolab = "org/nbs"\n'
                'repository = "https://github.com/org/book"\n')
    out = cli(root, "build", "notebooks", "--lang", "all")
    assert out.returncode == 0, out.stderr
    return Built(root, port)


def notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def test_the_wheel_is_published_with_the_site_and_installs(built: Built, tmp_path: Path):
    wheel = built.site / "lib" / "fwbook-1-py3-none-any.whl"
    assert wheel.is_file()
    target = tmp_path / "target"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                    "--no-deps", "--target", str(target), str(wheel)], check=True)
    code = ("import importlib.metadata as m, d2l.numpy as d; "
            "print(m.version('fwbook'), d.ones(2).sum())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(target)}, cwd=tmp_path)
    assert out.stdout.strip() == "1 2.0", out.stderr


def test_build_lib_makes_the_wheel_of_the_committed_library(built: Built):
    out = cli(built.root, "build", "lib")
    assert out.returncode == 0, out.stderr
    assert "wheel: _build/dist/fwbook-1-py3-none-any.whl" in out.stdout
    with zipfile.ZipFile(built.root / "_build" / "dist" / "fwbook-1-py3-none-any.whl") as zf:
        names = zf.namelist()
        record = zf.read("fwbook-1.dist-info/RECORD").decode()
    assert {"d2l/__init__.py", "d2l/lists.py", "d2l/numpy.py"} <= set(names)
    assert "d2l/numpy.py,sha256=" in record


def test_downloaded_notebooks_start_with_a_set_up_cell_in_their_language(built: Built):
    en = notebook(built.site / "en" / "notebooks" / "numpy" / "chapter" / "use.ipynb")
    setup = source(en["cells"][0])
    assert setup.startswith("# Set-up. This notebook needs the packages listed below.")
    assert ('_setup(["numpy==1.23.5"], "d2l.numpy", '
            f'"{built.url}/lib/fwbook-1-py3-none-any.whl")') in setup
    zh = notebook(built.site / "zh" / "notebooks" / "numpy" / "chapter" / "use.ipynb")
    assert source(zh["cells"][0]).startswith("# 准备环境：本笔记本需要下面列出的软件包。")
    # A framework without requirements, on a page that does not use the library: nothing to
    # install, no cell. A page without code: no cell.
    lists_intro = notebook(built.site / "en" / "notebooks" / "lists" / "intro.ipynb")
    assert "_setup(" not in source(lists_intro["cells"][0])
    lists_use = notebook(built.site / "en" / "notebooks" / "lists" / "chapter" / "use.ipynb")
    assert '_setup([], "d2l.lists", ' in source(lists_use["cells"][0])
    index = notebook(built.site / "en" / "notebooks" / "numpy" / "index.ipynb")
    assert all("_setup(" not in source(c) for c in index["cells"])


def test_the_set_up_cell_does_nothing_in_the_books_own_kernel(built: Built, tmp_path: Path):
    """Run the downloaded notebook as the book's kernels do (the library on PYTHONPATH, numpy
    at its pin): the set-up cell prints nothing and installs nothing; the page's code runs."""
    import nbclient
    import nbformat

    copy = tmp_path / "use.ipynb"
    copy.write_bytes((built.site / "en" / "notebooks" / "numpy" / "chapter" /
                      "use.ipynb").read_bytes())
    nb = nbformat.read(copy, as_version=4)
    env = {**os.environ, "PYTHONPATH": str(built.root / "_build" / "lib"),
           "PIP_NO_INDEX": "1"}  # were it to try, pip would fail: the cell would raise
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=60,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env)
    client.start_new_kernel_client()
    try:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    finally:
        client._cleanup_kernel()
    assert nb.cells[0].outputs == []
    printed = "".join(o.get("text", "") for c in nb.cells[1:] if c.cell_type == "code"
                      for o in c.outputs)
    assert "numpy 2.0" in printed


def test_zips_carry_a_readme_in_their_language_and_the_requirements(built: Built):
    zh = built.site / "zh" / "notebooks" / "numpy" / "fwbook-zh-numpy.zip"
    with zipfile.ZipFile(zh) as zf:
        readme = zf.read("fwbook-zh-numpy/README.md").decode()
        requirements = zf.read("fwbook-zh-numpy/requirements.txt").decode()
    assert readme.startswith("# 框架之书：Jupyter 笔记本（NumPy）")
    assert "pip install -r requirements.txt" in readme and "`d2l/`" in readme
    assert requirements == "numpy==1.23.5\n"
    with zipfile.ZipFile(built.site / "en" / "notebooks" / "lists" / "fwbook-en-lists.zip") as zf:
        assert zf.read("fwbook-en-lists/README.md").decode().startswith(
            "# Framework Book: the notebooks (Lists)")
        assert zf.read("fwbook-en-lists/requirements.txt") == b""


@pytest.fixture
def served(built: Built) -> Iterator[str]:
    with static_server(built.site, built.port):
        yield built.url


def test_colab_buttons_follow_the_chosen_framework(built: Built, served: str):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    colab = "https://colab.research.google.com/github/org/nbs/blob/main"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served}/en/chapter/use.html")
            header, footer = page.locator("a.d2l-colab"), page.locator("a.d2l-colab-footer")
            assert header.get_attribute("href") == f"{colab}/en/lists/chapter/use.ipynb"
            page.locator("label.sd-tab-label", has_text="NumPy").first.click()
            assert header.get_attribute("href") == f"{colab}/en/numpy/chapter/use.ipynb"
            assert footer.get_attribute("href") == f"{colab}/en/numpy/chapter/use.ipynb"
            # The choice holds on the next page, even one without framework tabs, and in the
            # other edition.
            page.goto(f"{served}/en/intro.html")
            assert page.locator("a.d2l-colab").get_attribute("href") == \
                f"{colab}/en/numpy/intro.ipynb"
            page.goto(f"{served}/zh/chapter/use.html")
            assert page.locator("a.d2l-colab").get_attribute("href") == \
                f"{colab}/zh/numpy/chapter/use.ipynb"
        finally:
            browser.close()


@pytest.mark.skipif(os.environ.get("D2LBOOK_LONG") != "1",
                    reason="a fresh virtual environment (pip, ~1 min): D2LBOOK_LONG=1")
def test_a_downloaded_notebook_runs_in_a_fresh_environment(built: Built, served: str,
                                                           tmp_path: Path):
    """A virtual environment with only Jupyter (nbclient, ipykernel), the notebook downloaded
    alone: its set-up cell installs numpy at its pin and the book's wheel from the site."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "nbclient==0.11.0",
                    "ipykernel==7.4.0"], check=True)
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, check=True).stdout
    assert not {p["name"].lower() for p in json.loads(listed)} & {"numpy", "fwbook"}
    folder = tmp_path / "download"
    folder.mkdir()
    page = folder / "use.ipynb"
    import urllib.request

    with urllib.request.urlopen(f"{served}/en/notebooks/numpy/chapter/use.ipynb") as r:
        page.write_bytes(r.read())
    run = ("import nbformat, nbclient, sys\n"
           "nb = nbformat.read(sys.argv[1], as_version=4)\n"
           "nbclient.NotebookClient(nb, kernel_name='python3', timeout=600,\n"
           "    resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
           "nbformat.write(nb, sys.argv[1])\n")
    out = subprocess.run([str(python), "-c", run, str(page), str(folder)],
                         capture_output=True, text=True, cwd=folder)
    assert out.returncode == 0, out.stderr[-3000:]
    nb = notebook(page)
    printed = ["".join(source({"source": o.get("text", "")}) for o in c.get("outputs", []))
               for c in nb["cells"] if c["cell_type"] == "code"]
    assert printed[0].startswith("installing: numpy==1.23.5 http://127.0.0.1:")
    assert "numpy 2.0" in "".join(printed[1:])


def test_a_missing_library_package_is_installed_from_the_wheel(tmp_path: Path):
    """Where the library's package is absent (not only its module), the cell asks pip for the
    wheel (here pip cannot reach it, so the cell fails with pip's error, not Python's)."""
    from d2lbook.render.setup_cell import setup_source

    code = setup_source("en", ("ipykernel==7.4.0",), "nosuchbook.torch",
                        (tmp_path / "nosuchbook-1-py3-none-any.whl").as_uri())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PIP_NO_INDEX": "1"})
    assert out.stdout.startswith(f"installing: {tmp_path.as_uri()}/nosuchbook-1-py3"), out
    assert "CalledProcessError" in out.stderr and "ModuleNotFoundError" not in out.stderr


def test_a_failed_build_ends_with_a_summary(built: Built):
    """(On this module's book, already built: what a failed build leaves is the previous one.)"""
    use = built.root / "source" / "en" / "chapter" / "use.md"
    text = use.read_text()
    use.write_text(text.replace("print('numpy only', d2l.Counter().tick())",
                                "raise ValueError('boom')").replace("print('lists',",
                                                                    "print('lists!',"))
    try:
        out = cli(built.root, "build", "html", "--lang", "all")
    finally:
        use.write_text(text)
    assert out.returncode == 2
    assert "ValueError: boom" in out.stderr
    tail = out.stderr[out.stderr.index("build failed; summary:"):]
    assert "failed:      source/en/chapter/use.md [numpy]" in tail
    assert "[lists]" not in tail  # the lists notebook of that page ran to the end
    assert "cached:      1 notebook(s)" in tail
    assert ("not updated: _build/en/html, _build/zh/html, _build/site (still the previous "
            "build's)") in tail


# -- publish: the site and the notebook trees, to git branches of local bare repositories or
# to a folder


def git_out(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def with_publish(root: Path, table: str) -> str:
    pyproject = root / "pyproject.toml"
    before = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(before + "\n[tool.d2lbook.publish]\n" + table, encoding="utf-8")
    return before


def test_publish_pushes_the_site_and_the_notebook_trees_to_branches(built: Built,
                                                                    tmp_path: Path):
    pages, notebooks = tmp_path / "pages.git", tmp_path / "notebooks.git"
    for bare in (pages, notebooks):
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    before = with_publish(built.root, f'site_repository = "{pages}"\n'
                                      f'notebooks_repository = "{notebooks}"\n')
    try:
        out = cli(built.root, "publish")
        assert out.returncode == 0, out.stderr
        assert "site: " in out.stdout and f"-> {pages} gh-pages (commit " in out.stdout
        assert f"-> {notebooks} main (commit " in out.stdout
        files = set(git_out(pages, "ls-tree", "-r", "--name-only", "gh-pages").split())
        assert {"index.html", ".nojekyll", "en/chapter/use.html", "zh/chapter/use.html",
                "lib/fwbook-1-py3-none-any.whl"} <= files
        nbs = set(git_out(notebooks, "ls-tree", "-r", "--name-only", "main").split())
        # where the Colab links point: <lang>/<framework>/<page>.ipynb
        assert {"en/numpy/chapter/use.ipynb", "zh/lists/chapter/use.ipynb",
                "en/numpy/chapter/d2l/numpy.py", "en/numpy/requirements.txt"} <= nbs
        assert not any(name.endswith(".zip") for name in nbs)

        again = cli(built.root, "publish")
        assert again.returncode == 0, again.stderr
        assert again.stdout.count("unchanged, nothing pushed") == 2
        assert git_out(pages, "rev-list", "--count", "gh-pages").strip() == "1"

        # A new build is a new commit on top of the published one (never a forced push).
        extra = built.site / "en" / "new.html"
        extra.write_text("<p>new</p>")
        try:
            third = cli(built.root, "publish", "-m", "Second edition")
        finally:
            extra.unlink()
        assert third.returncode == 0, third.stderr
        log = git_out(pages, "log", "--format=%s", "gh-pages").splitlines()
        assert log[0] == "Second edition" and log[1].startswith("Publish the site of fwbook 1")
        assert "en/new.html" in git_out(pages, "ls-tree", "-r", "--name-only", "gh-pages")
    finally:
        (built.root / "pyproject.toml").write_text(before, encoding="utf-8")


def test_publish_to_a_folder_replaces_only_what_it_made(built: Built, tmp_path: Path):
    www = tmp_path / "www"
    before = with_publish(built.root, f'site_folder = "{www}"\n')
    try:
        out = cli(built.root, "publish")
        assert out.returncode == 0, out.stderr
        assert (www / "en" / "chapter" / "use.html").is_file()
        assert (www / "lib" / "fwbook-1-py3-none-any.whl").is_file()
        (www / "stale.html").write_text("left from before")
        assert cli(built.root, "publish").returncode == 0
        assert not (www / "stale.html").exists()  # the folder holds the site as built

        foreign = tmp_path / "mine"
        foreign.mkdir()
        (foreign / "keep.txt").write_text("mine")
        (built.root / "pyproject.toml").write_text(
            before + f'\n[tool.d2lbook.publish]\nsite_folder = "{foreign}"\n')
        refused = cli(built.root, "publish")
        assert refused.returncode == 2
        assert "did not put there (nothing was changed)" in refused.stderr
        assert [p.name for p in foreign.iterdir()] == ["keep.txt"]
    finally:
        (built.root / "pyproject.toml").write_text(before, encoding="utf-8")


def test_publish_without_a_target_says_what_to_set(built: Built):
    out = cli(built.root, "publish")
    assert out.returncode == 2
    assert "nothing to publish: set site_repository or site_folder" in out.stderr


def test_search_snippets_have_no_chrome_and_the_query_follows_the_language(built: Built,
                                                                          served: str):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served}/en/search.html?q=prose")
            snippets = page.locator("#search-results li p.context")
            snippets.first.wait_for(timeout=15_000)
            text = " ".join(snippets.all_inner_texts())
            assert "Plain prose" in text
            for chrome in ("Colab", "Download", "Contents", "中文", "Previous", "Next"):
                assert chrome not in text, text
            # What Sphinx takes the snippets from holds the chrome: the test can fail.
            raw = page.evaluate("""async () => {
                const html = await (await fetch('intro.html')).text();
                const doc = new DOMParser().parseFromString(html, 'text/html');
                return doc.querySelector('[role=main]').textContent; }""")
            assert "Colab" in raw and "Download" in raw
            switch = page.locator("a.d2l-lang-switch")
            assert switch.get_attribute("href").endswith("/zh/search.html?q=prose")
            switch.click()
            page.wait_for_url("**/zh/search.html?q=prose")
            assert page.locator("input[name=q]").first.input_value() == "prose"
        finally:
            browser.close()


def test_colab_links_point_at_the_published_notebooks_branch(tmp_path: Path):
    from d2lbook.config import parse_config
    from d2lbook.render.site import page_links

    (tmp_path / "source" / "en").mkdir(parents=True)
    cfg = parse_config(tmp_path, {
        "name": "b", "author": "A", "version": "1", "languages": {"en": {"title": "B"}},
        "frameworks": {"mxnet": {"name": "MXNet"}, "pytorch": {"name": "PyTorch"}},
        "urls": {"colab": "org/nbs"}, "publish": {"notebooks_branch": "notebooks"}})
    links = page_links(cfg, cfg.language("en"), "ch/a", {"en": frozenset({"ch/a"})})
    assert [fw.colab.href for fw in links.frameworks] == [
        f"https://colab.research.google.com/github/org/nbs/blob/notebooks/en/{key}/ch/a.ipynb"
        for key in ("mxnet", "pytorch")]
