"""Several frameworks in one book, on a small purpose-built book (``tests/fwbook.py``): three
frameworks (the third added by configuration alone), all in the main environment's ``python3``
kernel so nothing needs installing. Built once per module, both languages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from d2lbook.config import load_config, parse_config
from d2lbook.errors import ConfigError
from tests.fwbook import make_book
from tests.helpers import static_server

REPO = Path(__file__).resolve().parent.parent
KEYS = ["lists", "numpy", "strings"]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    from d2lbook.commands.build import build

    root = make_book(tmp_path_factory.mktemp("fwbook"), three=True)
    cfg = load_config(root)
    result = build(cfg, cfg.languages, ("html", "notebooks"), jobs=2)
    return cfg, result


def _html(cfg, lang: str, page: str) -> str:
    return (cfg.build_dir / lang / "html" / f"{page}.html").read_text(encoding="utf-8")


# -- configuration ------------------------------------------------------------------------------


def test_frameworks_are_configuration(tmp_path: Path):
    cfg = load_config(make_book(tmp_path, three=True))
    assert [fw.key for fw in cfg.frameworks] == KEYS
    assert cfg.default_framework.name == "Lists"
    numpy = cfg.framework("numpy")
    assert (numpy.kernel, numpy.library, numpy.package, numpy.module) == \
        ("python3", "d2l.numpy", "d2l", "numpy")
    assert numpy.requirements == ("numpy==1.23.5",)
    with pytest.raises(ConfigError, match="unknown framework 'jax'; configured: lists, numpy"):
        cfg.framework("jax")


def test_a_book_without_frameworks_is_a_single_framework_book(tmp_path: Path):
    (tmp_path / "source" / "en").mkdir(parents=True)
    cfg = parse_config(tmp_path, {"name": "b", "author": "a", "version": "1",
                                  "languages": {"en": {"title": "T"}},
                                  "execution": {"kernel": "python3"}})
    assert len(cfg.frameworks) == 1 and not cfg.multi_framework
    assert cfg.default_framework.kernel == "python3" and cfg.default_framework.key == ""


def test_framework_problems_are_reported_together(tmp_path: Path):
    (tmp_path / "source" / "en").mkdir(parents=True)
    table = {"name": "b", "author": "a", "version": "1", "languages": {"en": {"title": "T"}},
             "frameworks": {"Py Torch": {"name": "x"}, "mx": {"kernel": "k"},
                            "tf": {"name": "TF", "library": "tensorflow", "gpu": True},
                            "jax": {"name": "JAX", "requirements": "jax"}}}
    with pytest.raises(ConfigError) as info:
        parse_config(tmp_path, table)
    text = str(info.value)
    assert "frameworks.Py Torch: a framework key is lower case" in text
    assert "frameworks.mx: missing name" in text
    assert "frameworks.tf.library: 'tensorflow' is not a module inside a package" in text
    assert "frameworks.tf: unknown key 'gpu'" in text
    assert "frameworks.jax.requirements: expected tuple, got str" in text


# -- the library --------------------------------------------------------------------------------


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "d2lbook.cli", "--root", str(root), *args],
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO),
                                                               "PATH": "/usr/bin:/bin"})


def test_build_lib_writes_the_package_and_check_catches_drift(tmp_path: Path):
    root = make_book(tmp_path / "b")
    assert _cli(root, "build", "lib", "--check").returncode == 1  # nothing committed yet
    done = _cli(root, "build", "lib")
    assert done.returncode == 0, done.stderr
    assert "library: 3 file(s)" in done.stdout
    assert _cli(root, "build", "lib", "--check").returncode == 0
    lists = (root / "d2l" / "lists.py").read_text()
    numpy = (root / "d2l" / "numpy.py").read_text()
    assert "return [1.0] * n" in lists and "np.ones" not in lists
    assert "import numpy as np" in numpy and "np.ones(n)" in numpy
    # The page is Section 2.1 (intro is 1, the chapter 2, its first page 2.1).
    assert lists.count("Defined in Section 2.1") == 4  # add_to_class, ones, Counter, tick
    # add_to_class: tick became a method of Counter, in the class body.
    counter = lists[lists.index("class Counter"):]
    assert re.search(r"\n    def tick\(self\):", counter)
    assert "@add_to_class" not in lists
    # A real package: importable, and it works.
    out = subprocess.run([sys.executable, "-c", "from d2l import lists as d2l; c = d2l.Counter();"
                          " c.tick(); print(c.tick(), d2l.ones(2), d2l.Counter.tick.__doc__)"],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[0].startswith("2 [1.0, 1.0]") and "Section 2.1" in out

    page = root / "source" / "en" / "chapter" / "tools.md"
    page.write_text(page.read_text().replace("[1.0] * n", "[1.0] * n  # ones"))
    check = _cli(root, "build", "lib", "--check")
    assert check.returncode == 1
    assert "d2l/lists.py: differs from what the pages define" in check.stdout
    assert "d2l/numpy.py" not in check.stdout


def test_add_to_class_before_its_class_warns_and_check_fails_on_import(tmp_path: Path):
    root = make_book(tmp_path / "b")
    page = root / "source" / "en" / "chapter" / "tools.md"
    text = page.read_text()
    page.write_text(text.replace("@add_to_class(Counter)", "@add_to_class(Missing)"))
    out = _cli(root, "build", "lib")
    assert out.returncode == 0, out.stderr  # written, with a warning naming the line
    line = page.read_text().splitlines().index("@add_to_class(Missing)") + 1
    assert f"warning: {page}:{line}: add_to_class(Missing) but no saved class Missing" \
        in out.stderr
    # The function stays at the top level, decorator and all: the module cannot be imported,
    # which the check reports, naming the framework and the error.
    assert "@add_to_class(Missing)\ndef tick" in (root / "d2l" / "lists.py").read_text()
    check = _cli(root, "build", "lib", "--check")
    assert check.returncode == 1
    assert "error: lists: d2l.lists does not import in the python3 kernel's environment: " \
        "NameError: name 'Missing' is not defined" in check.stderr


def test_section_numbers_are_the_ones_sphinx_prints(book):
    from d2lbook.library import section_numbers

    cfg, _ = book
    numbers = section_numbers(cfg.source_dir)
    assert numbers == {"intro": "1", "chapter/index": "2", "chapter/tools": "2.1",
                       "chapter/use": "2.2"}
    for page, number in numbers.items():
        assert f'<h1><span class="section-number">{number}. </span>' in \
            _html(cfg, "en", page), page


# -- execution -----------------------------------------------------------------------------------


def test_a_bilingual_build_executes_each_page_and_framework_once(book):
    cfg, result = book
    en, zh = result.editions
    # intro: no framework tag -> the default framework only; tools: lists, numpy; use: all
    # three. Pages without code (index pages) run nothing.
    assert sorted(en.runs) == [("chapter/tools", "lists"), ("chapter/tools", "numpy"),
                               ("chapter/use", "lists"), ("chapter/use", "numpy"),
                               ("chapter/use", "strings"), ("intro", "lists")]
    assert result.executed == 6 and zh.executed == 0 and zh.cached == 6


def _rebuild(cfg):
    from d2lbook.commands.build import build

    return build(cfg, cfg.select("en"), ("html",), jobs=2).editions[0]


def test_cache_follows_the_library(book):
    cfg, _ = book
    tools = cfg.source_dir / "chapter" / "tools.md"
    original = tools.read_text()
    try:
        # A prose edit executes nothing.
        tools.write_text(original.replace("With NumPy, a vector", "With NumPy, any vector"))
        assert _rebuild(cfg).runs == []
        # Editing a saved function of one framework: its page, and exactly the pages that
        # import that framework's library, execute again.
        tools.write_text(original.replace("return [1.0] * n", "return [1.0 for _ in range(n)]"))
        assert sorted(_rebuild(cfg).runs) == [("chapter/tools", "lists"), ("chapter/use", "lists")]
    finally:
        tools.write_text(original)
    assert sorted(_rebuild(cfg).runs) == []  # back to cached records


# -- HTML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_framework_cells_are_one_tab_group_with_outputs(book, lang: str):
    cfg, _ = book
    page = _html(cfg, lang, "chapter/use")
    groups = re.findall(r'<div class="sd-tab-set d2l-framework-tabs.*?(?=<div class="sd-tab-set|'
                        r'<p>Prose between|$)', page, re.S)
    assert len(groups) == 2
    first = groups[0]
    assert re.findall(r'data-sync-id="(\w+)"', first) == KEYS
    assert [label.strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", first, re.S)] \
        == ["Lists", "NumPy", "Strings"]
    for text in ("lists [1.0, 1.0] 2", "numpy 2.0", "strings 1.0 1.0"):
        assert text in first
    assert re.findall(r'data-sync-id="(\w+)"', groups[1]) == ["numpy"]
    assert all('data-sync-group="tab"' in g for g in groups)
    # Framework-independent code is not in tabs.
    assert "sd-tab-set" not in _html(cfg, lang, "intro")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_prose_tabs_sync_with_the_code_tabs(book, lang: str):
    cfg, _ = book
    page = _html(cfg, lang, "chapter/tools")
    prose = page[:page.index("d2l-framework-tabs")]
    assert re.findall(r'data-sync-id="(\w+)"[^>]*data-sync-group="tab"', prose) or \
        re.findall(r'data-sync-group="tab"[^>]*data-sync-id="(\w+)"', prose)
    assert "With lists, a vector" in prose and "With NumPy, a vector" in prose


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_prose_tab_set_gets_a_tab_for_every_framework_on_the_website(book, lang: str):
    """The tools page's prose tabs name lists and numpy only: the website adds a Strings tab
    saying there is nothing specific to it, so the lists note does not stay on screen while
    the reader follows Strings; the Strings notebook has neither note."""
    import json

    cfg, _ = book
    page = _html(cfg, lang, "chapter/tools")
    prose = page[:page.index("d2l-framework-tabs")]
    assert re.findall(r'class="sd-tab-label"[^>]*data-sync-id="(\w+)"', prose) == KEYS
    nothing = {"en": "Nothing here is specific to Strings.",
               "zh": "这里没有专门针对 Strings 的说明。"}[lang]
    assert nothing in prose
    notebook = json.loads((cfg.build_dir / lang / "notebooks" / "strings" / "chapter" /
                           "tools.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in notebook["cells"])
    assert "a vector is" not in text and "Strings." not in text and "Strings 的" not in text


def test_complete_tabs_keeps_configuration_order_and_other_tab_sets(tmp_path: Path):
    from d2lbook.frameworks import complete_tabs

    cfg = load_config(make_book(tmp_path / "b"))
    lone = ("Before.\n\n::::{tab-set}\n:::{tab-item} NumPy\n:sync: numpy\nN text.\n:::\n"
            "::::\n\nAfter.")
    assert complete_tabs(lone, cfg.frameworks, lambda fw: f"none for {fw.name}") == (
        "Before.\n\n::::{tab-set}\n:::{tab-item} Lists\n:sync: lists\n\nnone for Lists\n"
        ":::\n:::{tab-item} NumPy\n:sync: numpy\nN text.\n:::\n::::\n\nAfter.")
    full = ("::::{tab-set}\n:::{tab-item} Lists\n:sync: lists\nL.\n:::\n"
            ":::{tab-item} NumPy\n:sync: numpy\nN.\n:::\n::::")
    other = "::::{tab-set}\n:::{tab-item} Linux\n:sync: linux\nApt.\n:::\n::::"
    for text in (full, other, "No tabs."):
        assert complete_tabs(text, cfg.frameworks, lambda fw: "x") == text


def test_pages_link_every_frameworks_downloads(book):
    cfg, _ = book
    page = _html(cfg, "en", "chapter/use")
    for key in KEYS:
        assert f'href="../notebooks/{key}/chapter/use.ipynb"' in page
        assert f'href="../notebooks/{key}/fwbook-en-{key}.zip"' in page
        assert f'href="../pdf/fwbook-en-{key}.pdf"' in page


# -- notebooks -----------------------------------------------------------------------------------


def _code(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_each_zip_holds_only_its_frameworks_code(book):
    cfg, _ = book
    for lang in ("en", "zh"):
        for key in KEYS:
            stem = f"fwbook-{lang}-{key}"
            with zipfile.ZipFile(cfg.build_dir / lang / "notebooks" / key / f"{stem}.zip") as z:
                names = z.namelist()
                use = json.loads(z.read(f"{stem}/chapter/use.ipynb"))
                tools = json.loads(z.read(f"{stem}/chapter/tools.ipynb"))
                assert f"{stem}/chapter/d2l/{ 'lists' if key == 'lists' else key}.py" in names \
                    or key == "strings"
            assert use["metadata"]["kernelspec"]["display_name"] == cfg.framework(key).name
            others = [k for k in KEYS if k != key]
            assert f"print('{key}" in _code(use)
            assert not any(f"print('{o}" in _code(use) for o in others)
            prose = "\n".join("".join(c["source"]) for c in tools["cells"]
                              if c["cell_type"] == "markdown")
            if key == "lists":
                assert "With lists, a vector" in prose and "With NumPy" not in prose
            if key == "strings":  # no code for it on this page, and no tab: prose only
                assert "With lists" not in prose and _code(tools) == ""


@pytest.mark.parametrize("key", ["lists", "numpy"])
def test_a_downloaded_notebook_runs_afresh(book, key: str, tmp_path: Path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    cfg, _ = book
    monkeypatch.delenv("PYTHONPATH", raising=False)  # as a reader runs it: the zip alone
    stem = f"fwbook-en-{key}"
    with zipfile.ZipFile(cfg.build_dir / "en" / "notebooks" / key / f"{stem}.zip") as z:
        z.extractall(tmp_path)
    path = tmp_path / stem / "chapter" / "use.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, timeout=60, kernel_name=cfg.framework(key).kernel,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs)
    assert printed.startswith(key)


def test_committed_library_of_the_real_book_is_current():
    """``make test`` runs this check: the library at the repository root matches the pages."""
    cfg = load_config(REPO)
    if not any(fw.library for fw in cfg.frameworks):
        pytest.skip("the book names no library")
    from d2lbook.library import write_library

    result = write_library(cfg, check=True)
    assert result.changed == [], "run `d2lbook build lib` and commit d2l/"


def test_setup_script_reads_the_frameworks(tmp_path: Path):
    sys.path.insert(0, str(REPO / "ci"))
    try:
        import setup_frameworks
    finally:
        sys.path.remove(str(REPO / "ci"))
    tables = setup_frameworks.frameworks(REPO / "pyproject.toml")
    assert list(tables)[:2] == ["mxnet", "pytorch"]
    assert "torch==2.13.0" in tables["pytorch"]["requirements"]
    book = make_book(tmp_path / "b")
    # python3-kernel frameworks without requirements need no environment.
    out = setup_frameworks.setup("lists", {"name": "Lists", "kernel": "python3"},
                                 tmp_path / "venvs", sys.executable)
    assert "no requirements" in out and not (tmp_path / "venvs" / "lists").exists()
    assert shutil.which("true") and book.is_dir()


# -- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(book):
    from d2lbook.render.site import assemble_site

    cfg, _ = book
    with static_server(assemble_site(cfg).root) as url:
        yield f"{url}/"


def _checked(page, selector: str = ".sd-tab-set") -> list[str]:
    """The framework chosen in each tab set of the page (the checked tab's sync id)."""
    return page.eval_on_selector_all(selector, """sets => sets.map(s => {
        const input = s.querySelector(':scope > input:checked');
        return input ? input.nextElementSibling.getAttribute('data-sync-id') : null; })""")


def _visible_text(page, selector: str) -> str:
    return " ".join(page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)"))


@pytest.mark.slow
def test_choosing_a_framework_switches_every_tab_and_is_remembered(served):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(served + "en/chapter/use.html")
            # By default the first tab of every group: the default framework where it has one.
            assert _checked(page) == ["lists", "numpy"]
            assert "lists [1.0, 1.0] 2" in _visible_text(page, ".sd-tab-content")
            assert "numpy 2.0" not in _visible_text(page, ".sd-tab-content")
            # Choosing NumPy in the first group switches every group of the page.
            page.locator(".sd-tab-set").first.locator("label", has_text="NumPy").click()
            assert _checked(page) == ["numpy", "numpy"]
            assert "numpy 2.0" in _visible_text(page, ".sd-tab-content")
            assert "lists [1.0" not in _visible_text(page, ".sd-tab-content")
            stored = page.evaluate("localStorage.getItem('sphinx-design-tab-id-tab')")
            assert stored == "numpy"
            # Another page: code and prose tabs open on NumPy.
            page.goto(served + "en/chapter/tools.html")
            assert set(_checked(page)) == {"numpy"}
            assert "With NumPy, a vector" in _visible_text(page, ".sd-tab-content")
            assert "With lists, a vector" not in _visible_text(page, ".sd-tab-content")
            # The language switch keeps it: both editions are one origin, one localStorage.
            page.locator("a.d2l-lang-switch").click()
            page.wait_for_url("**/zh/chapter/tools.html")
            assert set(_checked(page)) == {"numpy"}
            # Choosing Strings in Chinese holds in English too.
            page.goto(served + "zh/chapter/use.html")
            page.locator(".sd-tab-set").first.locator("label", has_text="Strings").click()
            page.goto(served + "en/chapter/use.html")
            # The second group has no Strings tab: it keeps its own (only) tab.
            assert _checked(page) == ["strings", "numpy"]
            assert "strings 1.0 1.0" in _visible_text(page, ".sd-tab-content")
            assert errors == []
        finally:
            browser.close()


# -- PDF -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_one_pdf_per_framework_with_only_its_code_and_prose(tmp_path: Path):
    from d2lbook.commands.build import build

    root = make_book(tmp_path / "b", three=True)
    cfg = load_config(root)
    result = build(cfg, cfg.select("en"), ("pdf",), jobs=2).editions[0]
    assert sorted(result.pdfs) == KEYS
    texts = {}
    for key in KEYS:
        pdf = cfg.build_dir / "en" / "pdf" / f"fwbook-en-{key}.pdf"
        assert result.pdfs[key] == pdf
        texts[key] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout
    assert "return [1.0] * n" in texts["lists"] and "np.ones" not in texts["lists"]
    assert "np.ones" in texts["numpy"] and "[1.0] * n" not in texts["numpy"]
    assert "With lists, a vector" in texts["lists"] and "With NumPy" not in texts["lists"]
    assert "With NumPy, a vector" in texts["numpy"] and "With lists" not in texts["numpy"]
    assert "print('strings'" in texts["strings"] and "print('lists'" not in texts["strings"]
    for text in texts.values():  # framework-independent code is in every PDF, with its output
        assert "print(6 * 7)" in text and "42" in text
    # An edit inside one framework's cell remakes that framework's PDF alone (issue 22).
    use = root / "source" / "en" / "chapter" / "use.md"
    use.write_text(use.read_text().replace("'numpy only'", "'numpy alone'"))
    again = build(cfg, cfg.select("en"), ("pdf",), jobs=2).editions[0]
    assert {"latex-lists", "latexmk-lists", "latex-strings", "latexmk-strings"} <= \
        set(again.skipped)
    assert {"latex-numpy", "latexmk-numpy"} <= set(again.steps) - set(again.skipped)
    numpy = subprocess.run(["pdftotext", str(result.pdfs["numpy"]), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "numpy alone" in numpy and "numpy only" not in numpy


# -- the real book (slow: built once per session by conftest.built_book) ------------------------


def _tagged_pages(cfg) -> dict[str, list[str]]:
    """Page -> the frameworks its code cells name (pages naming none are left out)."""
    from d2lbook.frameworks import cell_frameworks, page_frameworks
    from d2lbook.notebook import page_notebook
    from d2lbook.source import read_pages

    out = {}
    for page in read_pages(cfg.source_dir):
        nb = page_notebook(page)
        if any(cell_frameworks(c, cfg.frameworks) for c in nb["cells"]
               if c["cell_type"] == "code"):
            out[page.name] = [fw.key for fw in page_frameworks(nb, cfg.frameworks)]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_real_book_code_pages_have_tab_groups_with_every_framework(built_book, lang: str):
    cfg = built_book.cfg
    pages = _tagged_pages(cfg)
    if not pages:
        pytest.skip("no page of the book names a framework yet")
    for name, keys in pages.items():
        html = _html(cfg, lang, name)
        groups = html.split('<div class="sd-tab-set d2l-framework-tabs')[1:]
        assert groups, name
        complete = [g for g in groups if re.findall(r'data-sync-id="(\w+)"', g)[:len(keys)]
                    == keys]
        assert complete, (name, "no tab group holds every framework of the page")
        for key in keys:  # each framework shows outputs somewhere on the page
            assert any('class="cell_output' in g.split(f'data-sync-id="{key}"', 1)[1]
                       .split("<label", 1)[0] for g in groups if f'data-sync-id="{key}"' in g
                       ), (name, key)


@pytest.mark.slow
def test_real_book_zips_hold_one_framework_and_run_afresh(built_book, tmp_path: Path,
                                                           monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    from d2lbook.layout import BookLayout

    cfg = built_book.cfg
    pages = _tagged_pages(cfg)
    if len(cfg.frameworks) < 2 or not pages:
        pytest.skip("the book is not written for several frameworks yet")
    layout = BookLayout(cfg)
    imports = {"mxnet": "from mxnet", "pytorch": "import torch"}
    for fw in cfg.frameworks:
        for lang in cfg.languages:
            with zipfile.ZipFile(layout.notebook_zip(lang, fw.key)) as z:
                stem = layout.stem(lang, fw.key)
                for name in pages:
                    nb = json.loads(z.read(f"{stem}/{name}.ipynb"))
                    assert nb["metadata"]["kernelspec"]["name"] == fw.kernel
                    for other, text in imports.items():
                        if other != fw.key and other in pages[name]:
                            assert text not in _code(nb), (lang, fw.key, name)
    # The last page that imports the library, downloaded in PyTorch, runs afresh.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    fw = cfg.frameworks[-1]
    en = cfg.language("en")
    with zipfile.ZipFile(layout.notebook_zip(en, fw.key)) as z:
        z.extractall(tmp_path)
    folder = tmp_path / layout.stem(en, fw.key)
    users = [n for n in pages if f"import {fw.module} as" in
             _code(json.loads((folder / f"{n}.ipynb").read_text()))]
    if not users:
        pytest.skip("no page imports the library yet")
    path = folder / f"{users[-1]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, timeout=600, kernel_name=fw.kernel,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert any(c.outputs for c in nb.cells if c.cell_type == "code")


def test_each_framework_kernel_runs_its_own_environment():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from d2lbook.execute.environment import fingerprint, kernel_python

    cfg = load_config(REPO)
    for fw in cfg.frameworks:
        try:
            KernelSpecManager().get_kernel_spec(fw.kernel)
        except NoSuchKernel:
            pytest.skip(f"kernel {fw.kernel} is not installed (run ci/setup.sh)")
        assert Path(kernel_python(fw.kernel)).parts[-4:-2] == (".venvs", fw.key)
    prints = {fingerprint(fw.kernel) for fw in cfg.frameworks}
    assert len(prints) == len(cfg.frameworks) and fingerprint("python3") not in prints


def test_a_missing_framework_kernel_says_how_to_install_it(tmp_path: Path):
    root = make_book(tmp_path / "b")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('kernel = "python3"\nlibrary = "d2l.numpy"',
                                                       'kernel = "d2l-nosuch"\n'
                                                       'library = "d2l.numpy"'))
    out = _cli(root, "build", "html", "--lang", "en")
    assert out.returncode == 2
    assert "Jupyter kernel(s) not installed: d2l-nosuch (framework numpy). Run `make setup`" \
        in out.stderr


def _nb(*cells: tuple[str, list[str], str]) -> dict:
    """A notebook of (cell type, tags, source) cells."""
    return {"metadata": {}, "cells": [
        {"cell_type": kind, "id": f"cell-{i}", "source": src, "metadata": {"tags": tags},
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for i, (kind, tags, src) in enumerate(cells)]}


def test_a_shared_cell_shows_once_unless_its_outputs_differ(tmp_path: Path):
    from d2lbook.frameworks import combined_notebook, framework_notebook, page_frameworks

    cfg = load_config(make_book(tmp_path / "b"))
    nb = _nb(("markdown", [], "Text"), ("code", ["lists"], "a"), ("code", ["numpy"], "b"),
             ("code", [], "same"), ("code", [], "differs"))
    assert [fw.key for fw in page_frameworks(nb, cfg.frameworks)] == ["lists", "numpy"]
    executed = {}
    for fw in cfg.frameworks:
        run = framework_notebook(nb, fw, cfg.frameworks)
        assert [c["source"] for c in run["cells"]] == \
            ["Text", "a" if fw.key == "lists" else "b", "same", "differs"]
        for cell in run["cells"][1:]:
            text = fw.key if cell["source"] == "differs" else "x"
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
        executed[fw.key] = run
    out = combined_notebook(nb, executed, cfg)
    marks = [(c["source"], c["metadata"].get("d2lbook", {}).get("framework"))
             for c in out["cells"]]
    assert marks == [("Text", None), ("a", "lists"), ("b", "numpy"), ("same", None),
                     ("differs", "lists"), ("differs", "numpy")]


def test_select_tabs_keeps_one_frameworks_prose(tmp_path: Path):
    from d2lbook.frameworks import select_tabs

    cfg = load_config(make_book(tmp_path / "b"))
    text = ("Before.\n\n::::{tab-set}\n:::{tab-item} Lists\n:sync: lists\nL text.\n:::\n"
            ":::{tab-item} NumPy\n:sync: numpy\nN text.\n:::\n::::\n\nAfter.\n\n"
            "::::{tab-set}\n:::{tab-item} Linux\n:sync: linux\nApt.\n:::\n::::\n")
    lists = select_tabs(text, cfg.framework("lists"), cfg.frameworks)
    assert "L text." in lists and "N text." not in lists and "tab-item} Lists" not in lists
    assert "Before." in lists and "After." in lists
    assert ":sync: linux" in lists  # a tab set that is not about frameworks stays


def test_a_misspelled_framework_tag_is_reported_at_its_line(tmp_path: Path):
    root = make_book(tmp_path / "b")
    use = root / "source" / "en" / "chapter" / "use.md"
    text = use.read_text().replace(":tags: [numpy]\nprint('numpy only'",
                                   ":tags: [nunpy, hide-input]\nprint('numpy only'")
    use.write_text(text)
    line = text.splitlines().index(":tags: [nunpy, hide-input]")  # the fence is the line above
    out = _cli(root, "build", "html", "--lang", "en", "--strict")
    assert out.returncode == 1
    assert (f"warning: source/en/chapter/use.md:{line}: code cell tag 'nunpy' is not a "
            "framework; did you mean 'numpy'?") in out.stderr
    assert "hide-input" not in out.stderr
