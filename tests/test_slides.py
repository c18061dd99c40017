"""Slides: slide marks in MyST (roles, a math class, a cell tag), one reveal.js deck per page and
framework in each language, linked from the page; the marks invisible everywhere else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from d2lbook.i18n.segment import segment
from d2lbook.i18n.validate import check_translation
from d2lbook.importer.inline import Facts, convert_inline
from d2lbook.importer.report import Located, Report
from tests.fwbook import HEADER
from tests.helpers import make_book, pyproject, static_server

PYPROJECT = pyproject(name="slidebook", author="T", title="Slide Book", zh="幻灯片之书",
                      extra="""
[tool.d2lbook.execution]
timeout = 60

[tool.d2lbook.urls]
reveal = "reveal.js"

[tool.d2lbook.frameworks.lists]
name = "Lists"
kernel = "python3"

[tool.d2lbook.frameworks.tuples]
name = "Tuples"
kernel = "python3"
""")

INDEX = HEADER + """
# Slide Book

```{toctree}
marked
plain
part/deep
```
"""

DEEP = HEADER + """
# Deep Page

{slide}`A page one folder down has its deck too.`
"""

PARAGRAPH = ("Opening prose. {slide}`Gradients point uphill on the slide.` A sentence for the "
             "book. {slide-only}`Secret words for the slides.`")
MORE = "{slide-more}`More on the same slide, with $x^2$.`"

MARKED = HEADER + f"""
# Marked Page

{PARAGRAPH}

{MORE}

```{{math}}
:class: d2l-slide
y = w x + b
```

```{{code-cell}} ipython3
:tags: [slide, lists]
print('lists' + ' slide output')
```

```{{code-cell}} ipython3
:tags: [slide, tuples]
print('tuples' + ' slide output')
```

```{{code-cell}} ipython3
print('book' + ' only output')
```
"""

PLAIN = HEADER + """
# Plain Page

Nothing here is marked for the slides.

```{code-cell} ipython3
print(6 * 7)
```
"""

ZH = {"Marked Page": "标记页",
      PARAGRAPH: "开场白。{slide}`梯度在幻灯片上指向上坡。`书中的一句话。"
                 "{slide-only}`幻灯片专用的秘密词。`",
      MORE: "{slide-more}`同一张幻灯片上的更多内容，含 $x^2$。`"}


def _book(root: Path) -> Path:
    import polib

    make_book(root, {"index": INDEX, "marked": MARKED, "plain": PLAIN, "part/deep": DEEP},
              PYPROJECT)
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_CN"}
    msgids = [s.msgid for s in segment(MARKED)]
    assert set(ZH) <= set(msgids), msgids  # the marks' text is a message, like other prose
    for msgid in msgids:
        catalog.append(polib.POEntry(msgid=msgid, msgstr=ZH.get(msgid, "")))
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "marked.po"
    po.parent.mkdir(parents=True)
    catalog.save(str(po))
    return root


@pytest.fixture(scope="module")
def slide_book(tmp_path_factory: pytest.TempPathFactory):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    cfg = load_config(_book(tmp_path_factory.mktemp("slides")))
    result = build(cfg, cfg.languages, ("html", "notebooks", "slides"))
    return cfg, result


def _deck(cfg, lang: str, fw: str, page: str = "marked") -> Path:
    from d2lbook.layout import BookLayout

    return BookLayout(cfg).deck(cfg.language(lang), page, fw)


def _slides(html: str) -> list[str]:
    """The text of each top-level reveal.js slide."""
    body = html[html.index('<div class="slides">'):]
    return [re.sub(r"<[^>]+>", " ", part) for part in re.split(r"<section>\s*<section>", body)[1:]]


def test_one_deck_per_framework_with_the_marked_text_math_and_slide_code(slide_book) -> None:
    cfg, result = slide_book
    for fw in ("lists", "tuples"):
        html = _deck(cfg, "en", fw).read_text(encoding="utf-8")
        assert 'class="reveal"' in html and "In [" not in html
        # reveal.js from where the configuration says (served locally), not from its CDN
        assert '"../../../reveal.js/dist/reveal.js"' in html and "unpkg.com/reveal" not in html
        slides = _slides(html)
        assert len(slides) == 3, slides  # title; the square mark; slide-only text continued
        assert "Marked Page" in slides[0]
        assert "Gradients point uphill on the slide." in slides[1]
        assert "A sentence for the book" not in html and "Opening prose" not in html
        third = slides[2]
        assert "Secret words for the slides." in third
        assert "More on the same slide, with $x^2$." in third
        assert "y = w x + b" in third
        assert f"{fw} slide output" in third  # the executed cell's output
        other = "tuples" if fw == "lists" else "lists"
        assert f"{other} slide output" not in html and "book only output" not in html
    assert sorted(p.name for p in result.editions[0].decks) == [
        "deep.slides.html", "deep.slides.html", "marked.slides.html", "marked.slides.html"]
    deep = _deck(cfg, "en", "tuples", "part/deep").read_text(encoding="utf-8")
    assert "A page one folder down has its deck too." in deep
    assert '"../../../../reveal.js/dist/reveal.js"' in deep  # from the site's root


def test_the_chinese_decks_hold_the_translated_slide_text(slide_book) -> None:
    cfg, _ = slide_book
    html = _deck(cfg, "zh", "lists").read_text(encoding="utf-8")
    slides = _slides(html)
    assert "标记页" in slides[0]
    assert "梯度在幻灯片上指向上坡。" in slides[1]
    assert "幻灯片专用的秘密词。" in slides[2] and "同一张幻灯片上的更多内容" in slides[2]
    assert "Gradients" not in html


def test_a_page_without_marks_has_no_deck_and_no_slides_link(slide_book) -> None:
    from d2lbook.layout import BookLayout

    cfg, _ = slide_book
    assert not _deck(cfg, "en", "lists", "plain").exists()
    for lang in cfg.languages:
        html = (BookLayout(cfg).html(lang) / "plain.html").read_text(encoding="utf-8")
        assert "slides.html" not in html


def test_the_page_shows_slide_text_not_slide_only_text_and_links_its_decks(slide_book) -> None:
    from d2lbook.layout import BookLayout

    cfg, _ = slide_book
    layout = BookLayout(cfg)
    en = (layout.html(cfg.language("en")) / "marked.html").read_text(encoding="utf-8")
    assert "Gradients point uphill on the slide." in en and "A sentence for the book." in en
    assert "Secret words" not in en and "{slide" not in en
    assert "More on the same slide, with" in en
    for fw in ("lists", "tuples"):
        assert f'href="slides/{fw}/marked.slides.html"' in en
    zh = (layout.html(cfg.language("zh")) / "marked.html").read_text(encoding="utf-8")
    assert "梯度在幻灯片上指向上坡。" in zh and "幻灯片专用" not in zh
    assert 'href="slides/lists/marked.slides.html"' in zh and "幻灯片</a>" in zh.replace(
        "\n", "").replace(" ", "")


def test_reader_notebooks_keep_the_text_and_drop_the_marks(slide_book) -> None:
    from d2lbook.layout import BookLayout

    cfg, _ = slide_book
    layout = BookLayout(cfg)
    for lang, kept, gone in (("en", "Gradients point uphill", "Secret words"),
                             ("zh", "梯度在幻灯片上指向上坡", "幻灯片专用")):
        nb = json.loads((layout.notebooks(cfg.language(lang), "lists") / "marked.ipynb")
                        .read_text(encoding="utf-8"))
        prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        assert kept in prose and gone not in prose and "{slide" not in prose


def test_decks_are_published_with_the_site(slide_book) -> None:
    from d2lbook.render.site import assemble_site

    cfg, _ = slide_book
    site = assemble_site(cfg)
    for lang in ("en", "zh"):
        assert (site.root / lang / "slides" / "tuples" / "marked.slides.html").is_file()


def test_build_slides_from_the_command_line(slide_book) -> None:
    import subprocess
    import sys

    cfg, _ = slide_book
    stale = _deck(cfg, "en", "lists", "removed-page")  # a deck of a page that lost its marks
    stale.write_text("old deck", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "d2lbook.cli", "--root", str(cfg.root), "build",
                          "slides", "--lang", "en"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "4 slide deck(s) in _build/en/slides" in run.stdout
    assert not stale.exists() and _deck(cfg, "en", "lists").is_file()


def test_the_importer_keeps_old_marks_as_slide_roles() -> None:
    report = Report()
    text = convert_inline("[**new `x`**] (**more $a$**) [~~only~~] (~~only more~~) "
                          "[**b :numref:`f`**]", 1, Located(report, "p.md"), Facts()).text
    assert text == ("{slide}`` new `x` `` {slide-more}`more $a$` {slide-only}`only` "
                    "{slide-only-more}`only more` {slide}`` b {numref}`f` ``")


def test_a_translation_may_translate_slide_text_but_not_drop_the_mark() -> None:
    english = "Prose {slide}`Slide words.` and {slide-only}`Only.`"
    assert not check_translation(english, "散文 {slide}`幻灯片的话。` 和 {slide-only}`仅。`")
    assert check_translation(english, "散文 幻灯片的话。和 {slide-only}`仅。`")
    # a paragraph that is all slide mark is still a message
    assert [s.msgid for s in segment("# T\n\n{slide-only}`Only words.`\n")][1:] == [
        "{slide-only}`Only words.`"]


@pytest.mark.slow
def test_a_reader_opens_the_deck_from_the_page_in_a_browser(slide_book) -> None:
    """Chromium: the page's downloads menu has "Slides", which opens the deck from the site."""
    from d2lbook.render.site import assemble_site

    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        pytest.fail(f"{chromium} is missing: run ci/setup.sh (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    cfg, _ = slide_book
    site = assemble_site(cfg)
    with static_server(site.root) as url, sync_playwright() as p:
        base = f"{url}/"
        browser = p.chromium.launch(executable_path=str(chromium),
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(base + "zh/marked.html")
        page.locator(".d2l-downloads button.dropdown-toggle").click()
        link = page.locator(".d2l-downloads a.d2l-slides").first
        assert link.inner_text().strip() == "幻灯片"
        with page.context.expect_page() as opened:
            link.click()
        deck = opened.value
        deck.wait_for_load_state()
        assert deck.url.endswith("/zh/slides/lists/marked.slides.html")
        text = deck.locator(".reveal .slides").inner_text()
        assert "梯度在幻灯片上指向上坡。" in text and "幻灯片专用的秘密词。" in text
        page.goto(base + "zh/plain.html")
        assert page.locator(".d2l-downloads a.d2l-slides").count() == 0
        browser.close()
