"""The site proved in a real browser: Debian's Chromium driven by Playwright, the real book built
in both languages and every format, served on 127.0.0.1. Nothing is downloaded at test time.

Screenshots of one page per language are saved to ``_build/screenshots/`` of the repository so a
person can look at them.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.helpers import static_server
from tests.site_build import PAGE

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CJK = re.compile(r"[\u4e00-\u9fff]")
SCREENSHOTS = REPO / "_build" / "screenshots"


@pytest.fixture(scope="session")
def site(built_site):
    return built_site


@pytest.fixture(scope="module")
def base_url(site) -> Iterator[str]:
    with static_server(site.root) as url:
        yield f"{url}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run ci/setup.sh (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """A browser page that records console errors, page errors and failed requests."""

    def __init__(self, browser: Any, base_url: str, locale: str = "en-US"):
        self.base = base_url
        self.context = browser.new_context(locale=locale, accept_downloads=True,
                                           viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"HTTP {r.status}: {r.url}"))

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.errors == []


@pytest.fixture()
def tab(browser, base_url) -> Iterator[Tab]:
    t = Tab(browser, base_url)
    yield t
    t.close()


def wait_for_math(page: Any) -> int:
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 0",
                           timeout=30_000)
    return page.locator("mjx-container").count()


def test_switcher_goes_to_the_same_chapter_in_chinese_and_back(tab: Tab) -> None:
    page = tab.open(f"en/{PAGE}.html")
    assert page.locator("html").get_attribute("lang") == "en"
    switch = page.locator("a.d2l-lang-switch")
    assert switch.inner_text().strip() == "中文"
    switch.click()
    page.wait_for_url(f"**/zh/{PAGE}.html")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".d2l-downloads button").inner_text().strip() == "下载"
    back = page.locator("a.d2l-lang-switch")
    assert back.inner_text().strip() == "English"
    back.click()
    page.wait_for_url(f"**/en/{PAGE}.html")
    assert page.locator("h1").first.inner_text().strip().endswith("Linear Regression")


def _download(page: Any, item: str, dest: Path) -> Path:
    page.locator(".d2l-downloads button.dropdown-toggle").click()
    link = page.locator(f".d2l-downloads a.{item}").first  # the default framework's
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    path = dest / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _outputs(nb: dict) -> int:
    return sum(len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_downloads_are_executed_notebooks_in_the_page_language(
        tab: Tab, site, lang: str, tmp_path: Path) -> None:
    import nbformat

    page = tab.open(f"{lang}/{PAGE}.html")
    notebook = _download(page, "d2l-download-notebook", tmp_path)
    assert notebook.name == f"{PAGE.rsplit('/', 1)[1]}.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.from_dict(nb))
    assert _outputs(nb) > 0
    chinese = len(CJK.findall(_markdown(nb)))
    assert chinese > 20 if lang == "zh" else chinese == 0

    bundle = _download(page, "d2l-download-zip", tmp_path)
    stem = "-".join(p for p in (site.cfg.name, lang, site.cfg.default_framework.key) if p)
    assert bundle.name == f"{stem}.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = [n for n in zf.namelist() if n.endswith(".ipynb")]
        assert f"{stem}/{PAGE}.ipynb" in names and len(names) >= 10
        inside = json.loads(zf.read(f"{stem}/{PAGE}.ipynb"))
    assert _outputs(inside) > 0
    assert bool(CJK.search(_markdown(inside))) == (lang == "zh")

    pdf = page.locator(".d2l-downloads a.d2l-download-pdf").first.get_attribute("href")
    assert pdf.endswith(f"pdf/{stem}.pdf")


def _chinese_search_term(site) -> str:
    """A Chinese word the zh edition's search index holds (prefer one from the chapter)."""
    text = (site.root / "zh" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    terms = [t for t in index["terms"] if CJK.search(t) and len(t) >= 2]
    assert terms, "the zh search index holds no Chinese term (is jieba installed?)"
    for preferred in ("线性回归", "线性", "回归", "模型", "学习"):
        if preferred in terms:
            return preferred
    return sorted(terms)[0]


def test_search_finds_a_chinese_term(tab: Tab, site) -> None:
    term = _chinese_search_term(site)
    page = tab.open(f"zh/search.html?q={term}")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    assert results.count() >= 1
    assert page.locator("html").get_attribute("lang") == "zh-CN"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_math_plots_code_and_long_outputs(tab: Tab, lang: str) -> None:
    page = tab.open(f"{lang}/{PAGE}.html")
    assert wait_for_math(page) > 5
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    widths = page.eval_on_selector_all(
        "article img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])")
    assert any(src.endswith(".png") for src, _ in widths), "no plot on the page"
    assert all(width > 0 for _, width in widths), widths
    assert page.locator("div.cell div.highlight button.copybtn").count() > 0
    cap = page.eval_on_selector("div.cell_output div.output pre",
                                "e => getComputedStyle(e).maxHeight")
    assert cap.endswith("px") and float(cap[:-2]) > 100
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{PAGE.replace('/', '-')}.png"))


@pytest.mark.parametrize("locale, edition", [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-GB", "en"),
                                             ("fr-FR", "en")])
def test_root_page_sends_the_browser_to_its_language(browser, base_url, locale: str,
                                                     edition: str) -> None:
    t = Tab(browser, base_url, locale=locale)
    try:
        page = t.open("")
        page.wait_for_url(f"**/{edition}/index.html")
        assert page.locator("html").get_attribute("lang").startswith(edition)
    finally:
        t.close()


def test_every_page_loads_without_console_errors(browser, base_url, site) -> None:
    t = Tab(browser, base_url)
    try:
        for path in sorted(site.root.rglob("*.html")):
            rel = path.relative_to(site.root).as_posix()
            if rel == "index.html" or "/_static/" in rel or \
                    rel.endswith(("search.html", "genindex.html")):
                continue
            page = t.open(rel)
            if page.locator("span.math, div.math").count():
                wait_for_math(page)
            assert not t.errors, rel
    finally:
        t.close()
