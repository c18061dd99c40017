"""A build asked again with nothing changed returns the last build's result without doing any
work; any change to what a build reads (a page, a catalog, the configuration, the commit, an
environment's packages) or to its outputs makes it work again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git
from tests.test_errors import small_book

PAGE = ("# Page\n\nSome prose with a {ref}`missing-label` reference.\n\n"
        "```{code-cell} ipython3\nprint(6 * 7)\n```\n")



def bilingual(tmp_path: Path) -> Path:
    """The small book with a Chinese edition whose catalog translates the page's title, in a
    git repository."""
    from d2lbook.commands.i18n import update
    from d2lbook.config import load_config
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    root = small_book(tmp_path, PAGE)
    with open(root / "pyproject.toml", "a") as f:
        f.write('[tool.d2lbook.languages.zh]\ntitle = "小书"\nlocale = "zh_CN"\n')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "book")
    cfg = load_config(root)
    update(cfg, cfg.language("zh"))
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "page.po"
    catalog = read_catalog(po)
    for entry in catalog.entries:
        if entry.msgid == "Page":
            entry.msgstr = "页面"
    write_catalog(catalog, po)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "catalog")
    return root


def build(root: Path, formats: tuple[str, ...] = ("html", "notebooks"), lang: str = "all"):
    from d2lbook.commands.build import build as run
    from d2lbook.config import load_config

    cfg = load_config(root)
    return run(cfg, cfg.select(lang), formats, jobs=1)


def html(root: Path, lang: str = "en") -> str:
    return (root / "_build" / lang / "html" / "page.html").read_text(encoding="utf-8")


def test_nothing_changed_returns_the_last_result_and_touches_nothing(tmp_path: Path):
    root = small_book(tmp_path, PAGE)
    first = build(root)
    assert not first.up_to_date and first.executed == 1
    outputs = {p: p.stat().st_mtime_ns for p in (root / "_build").rglob("*")
               if p.is_file() and p.name != ".lock"}

    again = build(root)
    assert again.up_to_date and again.executed == 0
    (edition,) = again.editions
    assert edition.cached == 1 and edition.executed == 0
    assert edition.skipped == ["html"]
    assert edition.warnings == first.editions[0].warnings  # reported again
    assert any("missing-label" in w for w in edition.warnings)
    assert edition.zips == first.editions[0].zips
    # Nothing under _build was written: no tree prepared, no Sphinx, no bundle.
    assert {p: p.stat().st_mtime_ns for p in outputs} == outputs


def test_each_input_a_build_reads_is_noticed(tmp_path: Path):
    root = bilingual(tmp_path)
    assert not build(root).up_to_date
    assert build(root).up_to_date

    # An English prose edit.
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text().replace("Some prose", "Other prose"))
    result = build(root)
    assert not result.up_to_date and "Other prose" in html(root)
    assert build(root).up_to_date

    # A translation edit.
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "page.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"页面"', '"这一页"'),
                  encoding="utf-8")
    assert not build(root).up_to_date and "这一页" in html(root, "zh")
    assert build(root).up_to_date

    # A compiled catalog is not an input.
    (po.with_suffix(".mo")).write_bytes(b"\0")
    assert build(root).up_to_date

    # The configuration.
    config = root / "pyproject.toml"
    config.write_text(config.read_text().replace('title = "Tiny"', 'title = "Tiny book"'))
    assert not build(root).up_to_date
    assert "Tiny book" in (root / "_build" / "en" / "html" / "index.html").read_text()
    assert build(root).up_to_date

    # A new commit: the translation status reads the history.
    git(root, "add", "-A")
    git(root, "commit", "-qm", "edits")
    assert not build(root).up_to_date
    assert build(root).up_to_date

    # Other editions or formats asked: that build's own result, not this one's.
    only = build(root, ("html",), "en")
    assert not only.up_to_date and [e.lang for e in only.editions] == ["en"]


def test_outputs_another_build_rewrote_are_not_taken_for_fresh(tmp_path: Path):
    root = small_book(tmp_path, PAGE)
    build(root)
    page = root / "source" / "en" / "page.md"
    original = page.read_text()
    page.write_text(original.replace("Some prose", "Edited prose"))
    build(root, ("html",))  # the HTML now holds the edit
    page.write_text(original)  # back to the inputs of the first build
    result = build(root)
    assert not result.up_to_date
    assert "Some prose" in html(root) and "Edited prose" not in html(root)


def test_an_output_removed_or_changed_by_hand_is_made_again(tmp_path: Path):
    root = small_book(tmp_path, PAGE)
    first = build(root)
    (zip_path,) = first.editions[0].zips.values()
    zip_path.unlink()
    assert not build(root).up_to_date and zip_path.is_file()
    index = root / "_build" / "en" / "html" / "index.html"
    index.write_text("scribbled")
    result = build(root)
    assert not result.up_to_date and "scribbled" not in index.read_text()


def test_a_failed_build_leaves_nothing_to_be_taken_for_fresh(tmp_path: Path):
    from d2lbook.errors import ExecutionError

    root = small_book(tmp_path, PAGE)
    build(root)
    stored = root / "_build" / "last-build.pickle"
    assert stored.is_file()
    page = root / "source" / "en" / "page.md"
    good = page.read_text()
    page.write_text(good.replace("print(6 * 7)", "1 / 0"))
    with pytest.raises(ExecutionError):
        build(root)
    assert not stored.exists()
    page.write_text(good)
    assert not build(root).up_to_date and "42" in html(root)


def test_a_damaged_store_is_only_a_miss(tmp_path: Path):
    root = small_book(tmp_path, PAGE)
    build(root)
    stored = root / "_build" / "last-build.pickle"
    stored.write_bytes(stored.read_bytes()[:-40])  # cut short, as by a full disk
    result = build(root)
    assert not result.up_to_date and result.editions[0].cached == 1
    assert build(root).up_to_date


def test_the_cli_says_nothing_changed(tmp_path: Path):
    from tests.robust_book import cli

    root = small_book(tmp_path, PAGE)
    assert cli(root, "build", "html").returncode == 0
    again = cli(root, "build", "html")
    assert again.returncode == 0
    assert "nothing changed since the last build" in again.stdout
    assert "missing-label" in again.stderr  # its warnings, reported again


def settle(*folders: Path) -> None:
    """Date folders an hour back: a listing made while a folder is still changing (within the
    file system clock's tick) is not remembered."""
    import os
    import time

    for folder in folders:
        os.utime(folder, ns=(time.time_ns() - 3600 * 10**9,) * 2)


def test_a_package_installed_into_an_environment_is_noticed(tmp_path: Path, monkeypatch):
    """The listing of an interpreter's distributions is remembered with the times of its
    ``sys.path`` folders: installing a distribution into one of them is seen without
    listing again when nothing changed."""
    from d2lbook.execute import environment

    site = tmp_path / "site-packages"
    site.mkdir()
    settle(site)
    # The interpreter's own folders (not the checkout's, which a test run may be writing in).
    path = [p for p in sys.path if p.startswith((sys.prefix, sys.base_prefix))] + [str(site)]
    monkeypatch.setattr(sys, "path", path)
    monkeypatch.setattr(environment, "_known", {})
    memo = tmp_path / "environments.json"
    before = environment.interpreter_packages(sys.executable, memo)
    assert memo.is_file() and not any(p.startswith("fake-tool==") for p in before)

    # A new process: the memo answers, nothing is listed.
    monkeypatch.setattr(environment, "_known", {})
    monkeypatch.setattr(environment, "_in_process", lambda: pytest.fail("listed again"))
    assert environment.interpreter_packages(sys.executable, memo) == before
    monkeypatch.undo()

    # pip's way of installing: a dist-info folder appears in a sys.path folder.
    monkeypatch.setattr(sys, "path", path)
    monkeypatch.setattr(environment, "_known", {})
    info = site / "fake_tool-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-tool\nVersion: 1.2\n")
    after = environment.interpreter_packages(sys.executable, memo)
    assert "fake-tool==1.2" in after


def test_another_interpreters_listing_is_remembered(tmp_path: Path, monkeypatch):
    """A kernel's own Python (here a new virtual environment) is listed in a child process
    once; then from the memo until a distribution is added to its site-packages."""
    import venv

    from d2lbook.execute import environment

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    python = str(env / "bin" / "python")
    memo = tmp_path / "environments.json"
    monkeypatch.setattr(environment, "_known", {})
    (site,) = (env / "lib").glob("python3*/site-packages")
    settle(site, env / "lib", env, env / "bin" / "python", env / "pyvenv.cfg")
    first = environment.interpreter_packages(python, memo)
    assert first[0].startswith("3.") and memo.is_file()

    monkeypatch.setattr(environment, "_known", {})
    calls = []
    real_run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a) or real_run(*a, **k))
    assert environment.interpreter_packages(python, memo) == first and not calls

    info = site / "fake_tool-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-tool\nVersion: 2.0\n")
    monkeypatch.setattr(environment, "_known", {})
    assert "fake-tool==2.0" in environment.interpreter_packages(python, memo) and calls


def test_a_cleared_execution_cache_executes_again(tmp_path: Path):
    import shutil

    from tests.robust_book import cli

    root = small_book(tmp_path, PAGE)
    assert build(root).executed == 1
    assert build(root).up_to_date
    assert cli(root, "cache", "clear").returncode == 0
    again = build(root)
    assert not again.up_to_date and again.executed == 1
    shutil.rmtree(root / "_build" / "cache")  # by hand
    assert build(root).executed == 1


def test_a_build_does_not_fail_when_its_result_cannot_be_remembered(tmp_path: Path,
                                                                    monkeypatch):
    """The memo is an optimisation: if it cannot be written (a full disk, a result that does
    not pickle; injected here), the build still succeeds and the next one does its work."""
    import pickle

    import d2lbook.files

    write = d2lbook.files.write_atomic

    def full_disk_for_the_memo(path, data, **kwargs):
        if Path(path).name == "last-build.pickle":
            raise OSError(28, "No space left on device")
        return write(path, data, **kwargs)

    root = small_book(tmp_path, PAGE)
    monkeypatch.setattr(d2lbook.files, "write_atomic", full_disk_for_the_memo)
    first = build(root)
    assert first.editions[0].executed == 1
    assert not (root / "_build" / "last-build.pickle").exists()
    monkeypatch.undo()
    monkeypatch.setattr(pickle, "dumps", lambda *a, **k: (_ for _ in ()).throw(
        pickle.PicklingError("cannot pickle")))
    assert not build(root).up_to_date
    assert not (root / "_build" / "last-build.pickle").exists()


def test_source_date_epoch_is_an_input_of_the_build(tmp_path: Path, monkeypatch):
    """``SOURCE_DATE_EPOCH`` reaches the outputs (Sphinx's and TeX's dates): another value
    makes the build work again and Sphinx run, the same value is a no-op."""
    root = small_book(tmp_path, PAGE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")
    assert not build(root).up_to_date
    assert build(root).up_to_date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1262304000")
    again = build(root)
    assert not again.up_to_date and again.executed == 0
    assert "html" not in again.editions[0].skipped
    assert build(root).up_to_date
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert not build(root).up_to_date


def test_each_request_is_remembered_apart(tmp_path: Path):
    """``build html`` after a build of more formats, then that build again: each request has
    its own entry, and neither undoes the other while nothing changes."""
    root = small_book(tmp_path, PAGE)
    both = build(root)
    assert not build(root, ("html",)).up_to_date  # asked for the first time
    again = build(root)
    assert again.up_to_date and again.warning_count == both.warning_count
    assert build(root, ("html",)).up_to_date
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text().replace("Some prose", "Edited prose"))
    assert not build(root, ("html",)).up_to_date  # the HTML now holds the edit
    result = build(root)
    assert not result.up_to_date and "Edited prose" in html(root)
