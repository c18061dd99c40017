"""The sanitiser: hostile translations (tests/fixtures/hostile/payloads.txt) are rejected with a
located warning and the English stays; tricky legitimate ones (legitimate.txt) are applied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_apply import catalog_of  # tests/ is on sys.path (no __init__)

from d2lbook.i18n.apply import apply_catalog
from d2lbook.i18n.catalog import render_catalog
from d2lbook.i18n.sanitize import MYST_EXTENSIONS, inventory, markup_issues, page_references, parser
from d2lbook.i18n.segment import segment
from d2lbook.i18n.validate import check_translation

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
CATALOG = Path("locale/zh_CN/LC_MESSAGES/p.po")
DEFINITIONS = "\n[other]: https://tracker.example/\n"

CONTEXTS = {
    "paragraph": "# Title\n\n{m}\n",
    "heading": "# {m}\n\nBody text.\n",
    "list-item": "- {m}\n- Another item.\n",
    "blockquote": "> {m}\n",
    "table-cell": "| A | B |\n|---|---|\n| x | {m} |\n",
    "admonition-title": ":::{{admonition}} {m}\nBody text.\n:::\n",
    "admonition-body": ":::{{note}}\n{m}\n:::\n",
    "caption": "```{{figure}} ../img/a.svg\n:name: fig-a\n\n{m}\n```\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    english: str
    context: str
    expect: str
    translation: str


def load(file: str) -> list[Case]:
    text = (FIXTURES / file).read_text(encoding="utf-8")
    default = re.search(r"^default-english: (.+)$", text, re.MULTILINE).group(1)
    cases = []
    for chunk in re.split(r"^=== ", text, flags=re.MULTILINE)[1:]:
        head, _, translation = chunk.partition("\n---\n")
        name, *options = head.split("\n")
        opts = dict(line.split(": ", 1) for line in options if line.strip())
        assert set(opts) <= {"english", "context", "expect"}, (file, name, opts)
        cases.append(Case(name.strip(), opts.get("english", default),
                          opts.get("context", "paragraph"), opts.get("expect", "i18n-unsafe"),
                          translation.rstrip("\n")))
    return cases


HOSTILE = load("payloads.txt")
LEGITIMATE = load("legitimate.txt")


def page_for(case: Case) -> str:
    return CONTEXTS[case.context].format(m=case.english) + DEFINITIONS


def translated_segment(case: Case, page: str):
    found = [s for s in segment(page) if s.msgid == case.english]
    assert len(found) == 1, f"the English of {case.name!r} is not one message of its page"
    return found[0]


def test_corpus_sizes() -> None:
    assert len(HOSTILE) >= 50 and len(LEGITIMATE) >= 25
    assert len({c.name for c in HOSTILE}) == len(HOSTILE)
    assert {c.context for c in HOSTILE} == set(CONTEXTS)


@pytest.mark.parametrize("case", HOSTILE, ids=lambda c: c.name)
def test_hostile_translation_is_rejected(case: Case) -> None:
    page = page_for(case)
    seg = translated_segment(case, page)
    issues = check_translation(case.english, case.translation,
                               table_cell=seg.kind == "table-cell" and seg.inline,
                               references=page_references(page))
    assert any(i.code == case.expect for i in issues), issues

    cat = catalog_of(page, lambda m: case.translation if m == case.english else "")
    entry = cat.find(case.english)
    assert entry is not None and entry.msgstr == case.translation
    result = apply_catalog(page, cat, catalog_path=CATALOG)
    assert result.text == page  # the English is shown
    assert result.translated == 0
    assert result.problems
    assert all((p.file, p.line) == (CATALOG, entry.msgstr_line) for p in result.problems)
    assert render_catalog(cat).split("\n")[entry.msgstr_line - 1].startswith("msgstr ")
    assert str(result.problems[0]).startswith(f"{CATALOG}:{entry.msgstr_line}: translation of ")
    assert {p.code for p in result.problems} <= {"i18n-unsafe", "i18n-markup"}


@pytest.mark.parametrize("case", LEGITIMATE, ids=lambda c: c.name)
def test_legitimate_translation_is_applied(case: Case) -> None:
    page = page_for(case)
    seg = translated_segment(case, page)
    assert check_translation(case.english, case.translation,
                             table_cell=seg.kind == "table-cell" and seg.inline,
                             references=page_references(page)) == []
    cat = catalog_of(page, lambda m: case.translation if m == case.english else "")
    result = apply_catalog(page, cat, catalog_path=CATALOG)
    assert result.problems == []
    assert result.translated == 1
    first_line = case.translation.split("\n")[0].rstrip("\\").strip()
    assert first_line in result.text


def test_the_issue_payload_is_html_to_markdown_and_rejected_as_such() -> None:
    """The hole of issue 9: an escaped backtick is a literal backtick, not a code span, so the
    tag after it is live HTML; the warning says so."""
    html = parser().render("训练 \\`<img src=x onerror=alert(1)>\\` 模型")
    assert "<img src=x onerror=alert(1)>" in html
    issues = markup_issues("Training a model", "训练 \\`<img src=x onerror=alert(1)>\\` 模型")
    assert [i.code for i in issues] == ["i18n-unsafe"]
    assert "raw HTML (<img src=x onerror=alert(1)>)" in issues[0].message


def test_reference_links_resolve_against_the_page() -> None:
    english = "See [the docs](https://example.org/docs)."
    refs = {"DOCS": {"href": "https://example.org/docs", "title": ""},
            "OTHER": {"href": "javascript:alert(1)", "title": ""}}
    assert markup_issues(english, "参见[文档][docs]。", refs) == []
    issues = markup_issues(english, "参见[文档][other]。", refs)
    assert any("javascript: URL" in i.message for i in issues)


def test_inventory_names_what_it_found() -> None:
    found = inventory("a <b>x</b> {ref}`t <sec>` [y](https://e.org) $x$ &amp; ```z```")
    assert sorted(str(m) for m in found.elements()) == [
        "'&amp;'", "'</b>'", "'<b>'", "'x'", "link to 'https://e.org'", "{ref}`sec`"]


def test_extensions_are_those_the_book_renders_with() -> None:
    from d2lbook.config import load_config
    from d2lbook.render.settings import sphinx_settings
    from tests.conftest import REPO

    cfg = load_config(REPO)
    for lang in ("en", "zh"):
        settings = sphinx_settings(cfg, cfg.language(lang))
        assert sorted(settings["myst_enable_extensions"]) == sorted(MYST_EXTENSIONS)


@pytest.mark.parametrize("case", HOSTILE, ids=lambda c: c.name)
def test_page_guard_alone_keeps_payloads_out(case: Case, monkeypatch) -> None:
    """Second line of defence: with the per-message check switched off, the translated page is
    still parsed whole, and a translation adding markup to it is taken back."""
    import d2lbook.i18n.apply as apply_module

    monkeypatch.setattr(apply_module, "check_translation", lambda *a, **k: [])
    page = page_for(case)
    cat = catalog_of(page, lambda m: case.translation if m == case.english else "")
    result = apply_catalog(page, cat, catalog_path=CATALOG)
    assert result.text == page
    assert result.problems and result.translated == 0


def test_warnings_do_not_pass_terminal_escapes_through() -> None:
    payload = "训练 <b title='\x1b]0;pwned\x07\x1b[2J'>模型</b>"
    issues = markup_issues("Training a model", payload)
    assert issues and all("\x1b" not in i.message and "\x07" not in i.message for i in issues)
    assert "\\x1b]0;pwned" in issues[0].message


# -- an independent oracle: what the real renderer makes of what the sanitiser accepts -----------

FRAGMENTS = [
    "<", ">", "`", "``", "\\", "\\`", "\\\\", "*", "**", "_", "$", "$$", "[", "]", "(", ")", "](",
    "\n", "|", ":", "%", '"', "'", "&", "#", "!", "{", "}", "<img src=x onerror=alert(1)>",
    "<b>", "</b>", "<!--", "-->", "&lt;", "&#60;", "&#x3C;", "[x](javascript:alert(1))",
    "<javascript:alert(1)>", "<https://evil.example>", "\n```{raw} html\n", "\n:::{raw} html\n",
    "{raw}`<b>`", "{#x onclick=alert(1)}\n", "\\(", "![a](", "data:", " onerror=alert(1)",
    "<a href=", "[^1]", "\n+++\n", "(t)=\n", "\n<div>", "<script>", "{ref}`x`", "[other]",
    "\n[z]: javascript:alert(1)\n", "\n- ", "\n# ", "\n> ", "\n: ", "\n    ", "javascript:",
]


class _Tags:
    """Start tags with their attributes, as a browser would build them from rendered HTML."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        found: set[tuple[str, tuple[tuple[str, str | None], ...]]] = set()

        class Collect(HTMLParser):
            def handle_starttag(self, tag, attrs):  # a link's title is escaped text
                found.add((tag, tuple(sorted(a for a in attrs if a[0] != "title"))))

            handle_startendtag = handle_starttag

            def handle_comment(self, data):
                found.add(("!--", ()))

            def handle_pi(self, data):
                found.add(("?", ()))

            def unknown_decl(self, data):
                found.add(("![", ()))

        Collect().feed(html)
        self.tags = found


def _render(text: str) -> str:
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    md = create_md_parser(MdParserConfig(enable_extensions=set(MYST_EXTENSIONS)), RendererHTML)
    return md.render(text + "\n" + DEFINITIONS)  # as in the page: a blank line between


def test_whatever_is_accepted_renders_no_new_tags() -> None:
    """1,500 seeded random mutations of the legitimate translations with fragments of payloads
    (brackets, backticks, escapes, tags, entities, fences, ...): each one the sanitiser accepts
    is rendered by MyST's markdown-it configuration, and must produce no tag or attribute the
    English's rendering lacks, other than paragraphs, emphasis, code and line breaks."""
    import random

    rng = random.Random(9)
    prose = {(tag, ()) for tag in ("p", "em", "strong", "code", "br")}
    accepted = rejected = 0
    for _ in range(1500):
        case = rng.choice(LEGITIMATE)
        text = case.translation
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(FRAGMENTS) + text[at:]
        page = page_for(case)
        if check_translation(case.english, text, references=page_references(page),
                             table_cell=case.context == "table-cell"):
            rejected += 1
            continue
        accepted += 1
        allowed = _Tags(_render(case.english)).tags | prose
        rendered = _render(text)
        new = _Tags(rendered).tags - allowed
        math = ("span", (("class", "math inline"),))
        if math in new:  # only a bare number or letter may become math (issue 18)
            english_math = re.findall(r'<span class="math inline">(.*?)</span>',
                                      _render(case.english))
            for formula in re.findall(r'<span class="math inline">(.*?)</span>', rendered):
                assert formula in english_math or \
                    re.fullmatch(r"\$?(-?\d+(\.\d+)?|[A-Za-z])\$?", formula), (text, formula)
            new.discard(math)
        assert not new, (case.name, text, new)
    assert accepted > 100 and rejected > 500, (accepted, rejected)


def test_validate_keeps_its_readers_of_roles_links_and_math() -> None:
    """``roles``, ``link_targets`` and ``inline_math`` (used to compare versions of a page)
    now read the parsed text: a backslash-escaped backtick starts no role, code hides none."""
    from d2lbook.i18n.validate import inline_math, link_targets, roles

    text = ("See {ref}`the intro <sec-intro>`, {cite:p}`b,a`, `{ref}`x``, \\`{eq}`y`, "
            "[d](https://e.org/a) <https://e.org/b> and $x +  y$.")
    assert roles(text) == {("ref", "sec-intro"): 1, ("cite:p", "a,b"): 1, ("eq", "y"): 1}
    assert link_targets(text) == {"https://e.org/a": 1, "https://e.org/b": 1}
    assert inline_math(text) == {"x+y": 1}


def test_numbers_and_letters_may_be_math_on_one_side_only() -> None:
    """A translation may write a number or one-letter symbol as inline math where the English
    writes it as text, and the reverse; the formula must still be the English's."""
    english = "The network has 3 layers and the input x is a vector."
    assert markup_issues(english, "该网络有 $3$ 层，输入 $x$ 是一个向量。") == []
    assert markup_issues("Add $1$ to $n$.", "把 n 加 1。") == []
    # a number or symbol the English does not have, as math: the formula differs
    for wrong in ("该网络有 $30$ 层，输入 $x$ 是一个向量。", "该网络有 3 层，输入 $y$ 是向量。",
                  "该网络有 $3$ 层，输入 $x$ 和 $x$ 是一个向量。"):
        assert [i.code for i in markup_issues(english, wrong)] == ["i18n-markup"], wrong
    # only a bare number or letter: a real formula dropped or added is still a change
    assert [i.code for i in markup_issues("The loss $l(w, b)$ is small.",
                                          "损失 l(w, b) 很小。")] == ["i18n-markup"]
    assert markup_issues("Take 3 steps.", "走 $3.0$ 步。") != []
