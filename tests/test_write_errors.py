"""Folders a command writes into that cannot be written (a read-only ``_build`` or
``locale``) and a catalog moved across file systems: located messages, exit 2, no traceback,
nothing half written."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.robust_book import cli
from tests.test_errors import small_book
from tests.test_last_build import bilingual, git


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for this user: a read-only bind mount for root (whom permissions
    do not stop), the write bits removed for anyone else."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def outputs(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (root / "_build" / "en").rglob("*") if p.is_file()}


def test_a_read_only_build_folder_is_a_located_error(tmp_path: Path) -> None:
    root = small_book(tmp_path, "# Page\n\nSome prose.\n")
    assert cli(root, "build", "html").returncode == 0
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text().replace("Some prose", "Other prose"))
    before = outputs(root)
    for folder in (root / "_build", root / "_build" / "en"):  # the first write fails, or later
        with read_only(folder):
            done = cli(root, "build", "html")
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and ".tmp-" not in done.stderr, done.stderr
        assert f"make {root / '_build'} writable" in done.stderr
        assert f"error: {folder}" in done.stderr
        assert outputs(root) == before  # what readers get is untouched
    # Once writable again, the build goes on.
    done = cli(root, "build", "html")
    assert done.returncode == 0 and "Other prose" in (
        root / "_build" / "en" / "html" / "page.html").read_text()


def test_a_read_only_locale_folder_is_a_located_error(tmp_path: Path) -> None:
    root = bilingual(tmp_path)
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text() + "\nA new paragraph to translate.\n")
    git(root, "commit", "-qam", "new paragraph")
    catalog = root / "locale" / "zh_CN" / "LC_MESSAGES" / "page.po"
    before = catalog.read_bytes()
    with read_only(root / "locale"):
        done = cli(root, "i18n", "update")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"make {root / 'locale'} writable" in done.stderr
    assert catalog.read_bytes() == before


@contextmanager
def other_file_system(folder: Path) -> Iterator[None]:
    """A fresh tmpfs mounted on ``folder`` (root only)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a file system here")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_page_moved_to_a_folder_on_another_file_system_takes_its_catalog(
        tmp_path: Path) -> None:
    """``git mv page.md chapter/page.md`` where ``locale/.../chapter`` is another mount:
    ``os.rename`` fails with EXDEV; the catalog is copied and put in place instead."""
    root = bilingual(tmp_path)
    (root / "source" / "en" / "chapter").mkdir()
    git(root, "mv", "source/en/page.md", "source/en/chapter/page.md")
    index = root / "source" / "en" / "index.md"
    index.write_text(index.read_text().replace("\npage\n", "\nchapter/page\n"))
    git(root, "commit", "-qam", "move the page")
    messages = root / "locale" / "zh_CN" / "LC_MESSAGES"
    with other_file_system(messages / "chapter"):
        done = cli(root, "i18n", "update")
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        moved = (messages / "chapter" / "page.po").read_text()
        assert 'msgstr "页面"' in moved and not (messages / "page.po").exists()


def test_serve_says_which_folder_cannot_be_written(tmp_path: Path) -> None:
    """A rebuild of ``serve`` into a read-only ``_build`` is reported as the CLI reports it;
    the preview goes on."""
    import threading
    import time

    from d2lbook.commands.site import serve
    from d2lbook.config import load_config

    root = small_book(tmp_path, "# Page\n\nSome prose.\n")
    events: list[tuple[str, str]] = []
    stop = threading.Event()
    thread = threading.Thread(target=serve, kwargs=dict(
        cfg=load_config(root), port=0, interval=0.05, report=lambda e: events.append(
            (e.kind, e.message)), stop=stop, build_first=False))
    thread.start()
    try:
        while not any(kind == "serving" for kind, _ in events):
            assert thread.is_alive(), events
            time.sleep(0.02)
        with read_only(root / "_build"):
            (root / "source" / "en" / "page.md").write_text("# Page\n\nOther prose.\n")
            deadline = time.monotonic() + 30
            while not any(kind in ("failed", "rebuilt") for kind, _ in events):
                assert time.monotonic() < deadline, events
                time.sleep(0.05)
            stop.set()
            thread.join(timeout=30)
    finally:
        stop.set()
        thread.join(timeout=30)
    failed = [message for kind, message in events if kind == "failed"]
    assert failed and f"make {root / '_build'} writable" in failed[0], events
