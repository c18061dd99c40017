"""``serve`` with real builds: an English edit is served first as a page, then in the
downloads; every edition follows."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

from tests.helpers import fetch_bytes as fetch
from tests.helpers import serving, wait
from tests.test_last_build import bilingual


def test_an_edit_is_served_as_a_page_then_in_the_downloads(tmp_path: Path) -> None:
    from d2lbook.config import load_config

    root = bilingual(tmp_path)
    cfg = load_config(root)
    deadline = time.monotonic() + 600
    with serving(cfg, join=60, interval=0.1, jobs=1) as preview:
        events, thread, url = preview.events, preview.thread, preview.url
        assert url, events
        assert b"Some prose" in fetch(url + "en/page.html")
        assert "页面".encode() in fetch(url + "zh/page.html")

        page = root / "source" / "en" / "page.md"
        page.write_text(page.read_text().replace("Some prose", "Freshly edited prose"))
        while b"Freshly edited" not in fetch(url + "en/page.html"):
            assert time.monotonic() < deadline, events
            time.sleep(0.1)
        while not any(kind in ("rebuilt", "failed") for kind, _ in events):
            assert time.monotonic() < deadline, events
            time.sleep(0.1)
        rebuilt = next(message for kind, message in events if kind in ("rebuilt", "failed"))
        assert rebuilt.startswith("rebuilt") and "downloads" in rebuilt, rebuilt
        # The notebooks were bundled again after the pages were shown.
        with zipfile.ZipFile(io.BytesIO(fetch(url + "en/notebooks/tiny-en.zip"))) as zf:
            notebook = zf.read("tiny-en/page.ipynb").decode()
        assert "Freshly edited prose" in notebook
        # The Chinese edition was rebuilt too: its page keeps the translated title and shows
        # the edited paragraph, which has no translation, in English.
        zh = fetch(url + "zh/page.html").decode()
        assert "页面" in zh and "Freshly edited prose" in zh
    assert not thread.is_alive()


def test_a_change_in_several_steps_is_rebuilt_once_finished(tmp_path: Path) -> None:
    """An editor or ``git checkout`` writing files one after another (or one file truncated,
    then written): the preview waits until the files stop changing."""
    from d2lbook.commands.site import settled, snapshot, watched_paths
    from tests.test_site import make_book

    cfg = make_book(tmp_path)
    page = tmp_path / "source" / "en" / "ch" / "a.md"
    before = snapshot(watched_paths(cfg))

    def write_in_steps() -> None:
        for i in range(10):
            page.write_text(f"# A\n\n{'step ' * (i + 1)}\n")
            time.sleep(0.01)

    writer = threading.Thread(target=write_in_steps)
    writer.start()
    time.sleep(0.005)
    seen = settled(cfg, snapshot(watched_paths(cfg)), pause=0.2)  # ≫ the writer's steps
    writer.join()
    assert seen == snapshot(watched_paths(cfg)) != before


def test_a_same_size_edit_whose_mtime_was_restored_is_rebuilt(tmp_path: Path) -> None:
    """An edit that keeps the file's size and puts its modification time back (``cp -p``,
    ``rsync -t``, an editor keeping times) is seen by content; a file only touched is not
    rebuilt."""
    import os

    from d2lbook.config import load_config
    from tests.test_errors import small_book

    cfg = load_config(small_book(tmp_path, "# A page\n"))
    page = tmp_path / "source" / "en" / "page.md"
    with serving(cfg, start=60, join=30, interval=0.05, rebuild=lambda config: None,
                 build_first=False) as preview:
        events = preview.events

        def rebuilt() -> bool:
            return any(kind in ("rebuilt", "failed") for kind, _ in events)

        assert preview.url, events
        st = page.stat()
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched only
        time.sleep(0.5)
        assert not rebuilt(), events
        st = page.stat()
        text = page.read_text()
        page.write_text(text.replace("# A page", "# B page"))  # same size
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))  # its time put back
        assert page.stat().st_size == st.st_size
        wait(rebuilt, f"not rebuilt: {events}", 10)
    assert ("rebuilding", "1 file(s) changed: page.md") in events and \
        [k for k, _ in events].count("rebuilt") == 1, events
