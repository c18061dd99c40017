"""``serve`` as an author meets it in a browser (Chromium): an open page reloads by itself
within a second of a rebuild being served, shows the build's warnings about it, and shows a
failed rebuild's error instead of the stale page until the source is fixed; the terminal says
each warning and each broken download link once, and nothing from the libraries' loggers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.helpers import fetch, pyproject, serving, wait
from tests.test_last_build import bilingual


def test_pages_reload_show_warnings_and_a_failed_rebuild(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from d2lbook.config import load_config
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    root = bilingual(tmp_path)
    page_md = root / "source" / "en" / "page.md"
    with serving(load_config(root), start=300, interval=0.1, jobs=1) as preview:
        events, thread = preview.events, preview.thread
        assert preview.url, events
        url = preview.url + "en/page.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                tab = browser.new_page()
                tab.goto(url)
                navigations: list[float] = []
                tab.on("framenavigated", lambda frame: frame == tab.main_frame
                       and navigations.append(time.monotonic()))
                # The page's warning (an undefined label), shown on the page.
                box = tab.locator("#d2lbook-live-warnings")
                box.wait_for(timeout=5000)
                assert "undefined label: 'missing-label'" in box.inner_text()
                assert "source/en/page.md:13" in box.inner_text()

                # An edit: the open page reloads by itself within a second of being served.
                state = preview.url + "_d2lbook/state?page=/en/page.html"
                version = json.loads(fetch(state))["id"]
                page_md.write_text(page_md.read_text().replace("Some prose", "Fresh prose"))
                wait(lambda: json.loads(fetch(state) or "{}").get("id") != version,
                     "the edit was not served")
                served = time.monotonic()
                assert "Fresh prose" in fetch(url)
                tab.wait_for_function("document.body.innerText.includes('Fresh prose')",
                                      timeout=5000, polling=20)
                shown = time.monotonic()
                assert navigations and navigations[-1] - served < 1.0, navigations
                print(f"reload started {navigations[-1] - served:.2f}s and the page was shown "
                      f"{shown - served:.2f}s after the edit was served")
                wait(lambda: sum(k == "rebuilt" for k, _ in events) == 1, "no rebuild")

                # A failing cell: the page shows the error, not the stale page.
                page_md.write_text(page_md.read_text().replace("print(6 * 7)", "print(1 / 0)"))
                error = tab.locator("#d2lbook-live-error")
                error.wait_for(timeout=120_000)
                assert "The last rebuild failed" in error.inner_text()
                assert "ZeroDivisionError" in error.inner_text()
                assert "page.md:15" in error.inner_text()

                # Fixed: the error goes and the page shows the new output.
                page_md.write_text(page_md.read_text().replace("print(1 / 0)", "print(6 * 9)"))
                tab.wait_for_function("document.body.innerText.includes('54')",
                                      timeout=120_000)
                assert error.count() == 0
            finally:
                browser.close()
    assert not thread.is_alive()
    said = [m for k, m in events if k == "warning"]
    assert len([m for m in said if "not built yet" in m]) == 1, said  # once, not per rebuild
    assert len([m for m in said if "undefined label" in m and "zh edition" not in m]) == 1


def test_the_theme_does_not_turn_on_info_logging_in_serve() -> None:
    """The theme's code style (``a11y_pygments``, a pygments plug-in) calls
    ``logging.basicConfig(level=INFO)`` when imported: in ``serve`` every rebuild then printed
    nbclient's "Executing notebook" line."""
    import subprocess
    import sys

    code = ("import logging\n{quiet}\nimport pygments.styles\n"
            "pygments.styles.get_style_by_name('a11y-high-contrast-light')\n"
            "logging.getLogger('traitlets').info('Executing notebook with kernel: python3')\n")
    leaked = subprocess.run([sys.executable, "-c", code.format(quiet="")],
                            capture_output=True, text=True)
    assert "Executing notebook" in leaked.stderr  # the leak, reproduced
    quiet = "from d2lbook.commands.site import _quiet_root_logger; _quiet_root_logger()"
    out = subprocess.run([sys.executable, "-c", code.format(quiet=quiet)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_a_failed_first_build_serves_the_last_site_with_its_error(tmp_path: Path) -> None:
    """``serve`` started on a book that does not build: the last site is served and its pages
    show the error, until an edit fixes it."""
    from d2lbook.errors import RenderError
    from d2lbook.render.site import assemble_site
    from tests.test_site import fake_outputs, make_book

    cfg = make_book(tmp_path)
    (tmp_path / "pyproject.toml").write_text(  # read again by each rebuild
        pyproject(name="bk", title="Book", zh="书"))
    fake_outputs(cfg, "last good")
    assemble_site(cfg)
    calls: list[int] = []

    def rebuild(config) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RenderError("Sphinx (html) failed on the page: broken")
        fake_outputs(config, "fixed")
        assemble_site(config)

    with serving(cfg, start=20, join=20, interval=0.05, rebuild=rebuild) as preview:
        events = preview.events
        state = preview.url + "_d2lbook/state?page=/en/index.html"
        answer = json.loads(fetch(state))
        assert answer["status"] == "failed" and "broken" in answer["error"]
        assert "last good en" in fetch(preview.url + "en/index.html")
        (tmp_path / "source" / "en" / "ch" / "a.md").write_text("# A, fixed\n")
        wait(lambda: json.loads(fetch(state) or "{}").get("status") == "ok", f"not fixed {events}",
             20)
        assert "fixed en" in fetch(preview.url + "en/index.html")
    assert ("failed", "build failed: Sphinx (html) failed on the page: broken") in events
