"""Tests for d2lbook.render.reader_markdown (MyST cell -> clean Jupyter markdown).

Most cases live in ``fixtures/reader_markdown.txt``; see ``_parse_fixture`` for the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from d2lbook.render.reader_markdown import Target, to_reader_markdown

FIXTURE = Path(__file__).parent / "fixtures" / "reader_markdown.txt"
DOCNAME = "chapter_linear-networks/linear-regression"
REFS = "../chapter_references/zreferences.ipynb"

TARGETS: dict[tuple[str, str], Target] = {
    ("numref", "fig-lr"): Target("Fig. 3.1", "#fig-lr"),
    ("numref", "fig-local"): Target("Fig. 1.1", ""),
    ("numref", "fig-remote"): Target("Fig. 4.2", "../chapter_mlp/mlp.ipynb#fig-remote"),
    ("numref", "tab-data"): Target("Table 2.1", "#tab-data"),
    ("numref", "tab-list"): Target("Table 2.2", "#tab-list"),
    ("eq", "eq-loss"): Target("(3.2)", "#eq-loss"),
    ("eq", "eq-grad"): Target("(3.3)", "#eq-grad"),
    ("ref", "sec-lr"): Target("Section 3.1 Linear Regression", "#sec-lr"),
    ("ref", "sec-plain"): Target("Preface", ""),
    ("doc", "softmax-regression"): Target("Softmax Regression", "softmax-regression.ipynb"),
    ("doc", "../chapter_mlp/index"): Target(
        "Multilayer Perceptrons", "../chapter_mlp/index.ipynb"
    ),
    ("doc", "linear-regression-scratch"): Target("Linear Regression from Scratch", ""),
    ("cite:p", "bottou2010"): Target("[Bottou, 2010]", f"{REFS}#bottou2010"),
    ("cite:p", "lecun1998"): Target("[LeCun et al., 1998]", f"{REFS}#lecun1998"),
    ("cite:t", "bottou2010"): Target("Bottou (2010)", f"{REFS}#bottou2010"),
    ("cite", "bottou2010"): Target("[Bottou, 2010]", f"{REFS}#bottou2010"),
    ("term", "loss"): Target("loss", "../glossary.ipynb#term-loss"),
}

BIBLIOGRAPHY = [
    '<a id="bottou2010"></a>Bottou, L. (2010). Large-scale machine learning with SGD.',
    '<a id="lecun1998"></a>LeCun, Y. et al. (1998). Gradient-based learning.',
]


@dataclass
class FakeResolver:
    """Looks targets up in a dict and records every call."""

    targets: dict[tuple[str, str], Target]
    calls: list[tuple[str, str, str]]

    def resolve(self, role: str, target: str, docname: str) -> Target | None:
        self.calls.append((role, target, docname))
        return self.targets.get((role, target))

    def bibliography(self) -> list[str]:
        return list(BIBLIOGRAPHY)


class ResolverWithoutBibliography:
    def resolve(self, role: str, target: str, docname: str) -> Target | None:
        return TARGETS.get((role, target))


def _resolver() -> FakeResolver:
    return FakeResolver(dict(TARGETS), [])


def convert(source: str) -> tuple[str, list[str]]:
    return to_reader_markdown(source, DOCNAME, _resolver())


# ---------------------------------------------------------------------------------------------
# The fixture file


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    expected: str
    warnings: list[str]


_SECTIONS = ("input", "expected", "warnings")


def _parse_fixture(text: str) -> list[Case]:
    """Parse the many-cases fixture.

    A line ``=== <name>`` starts a case; lines ``--- input``, ``--- expected`` and
    ``--- warnings`` start its sections. Each section is the lines up to the next marker, with
    trailing blank lines removed (so sources and outputs have no final newline). Without an
    ``expected`` section the output must equal the input; without ``warnings`` there must be
    none (otherwise one expected warning per line, in order). Lines before the first case are
    comments.
    """
    cases: list[Case] = []
    name: str | None = None
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None

    def finish() -> None:
        if name is None:
            return
        parts = {key: "\n".join(lines).rstrip("\n") for key, lines in sections.items()}
        if "input" not in parts:
            raise ValueError(f"fixture case {name!r} has no input")
        cases.append(
            Case(
                name=name,
                source=parts["input"],
                expected=parts.get("expected", parts["input"]),
                warnings=[w for w in parts.get("warnings", "").split("\n") if w],
            )
        )

    for line in text.split("\n"):
        if line.startswith("=== "):
            finish()
            name, sections, current = line[4:].strip(), {}, None
        elif line.startswith("--- ") and line[4:].strip() in _SECTIONS and name is not None:
            current = sections.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line)
    finish()
    names = [case.name for case in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate fixture case names: {sorted(duplicates)}")
    return cases


CASES = _parse_fixture(FIXTURE.read_text(encoding="utf-8"))


def test_fixture_has_many_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixture_case(case: Case) -> None:
    output, warnings = convert(case.source)
    assert output == case.expected
    assert warnings == case.warnings


# ---------------------------------------------------------------------------------------------
# Properties over every case

_MD = MarkdownIt("commonmark").enable("table").disable("text_join")
_CODE = "\x00code\x00"
_VISIBLE_ROLE = re.compile(r"(?<!\\)\{[a-z:]+\}" + _CODE)


def _visible_roles(markdown: str) -> list[str]:
    """MyST roles a CommonMark reader would show verbatim: ``{name}`` text right before a code
    span, in inline content (code blocks, code spans and raw HTML do not count)."""
    found: list[str] = []
    for token in _MD.parse(markdown):
        if token.type != "inline":
            continue
        pieces: list[str] = []
        for child in token.children or []:
            if child.type == "text":
                pieces.append(child.content)
            elif child.type == "text_special":  # a backslash escape: keep it escaped
                pieces.append(child.markup)
            elif child.type == "code_inline":
                pieces.append(_CODE)
            else:
                pieces.append(" ")
        found += [m.group(0) for m in _VISIBLE_ROLE.finditer("".join(pieces))]
    return found


@pytest.mark.parametrize(
    "case", [c for c in CASES if "(malformed)" not in c.name], ids=lambda c: c.name
)
def test_no_myst_role_survives_outside_code(case: Case) -> None:
    output, _ = convert(case.source)
    assert _visible_roles(output) == [], output


@pytest.mark.parametrize(
    "case", [c for c in CASES if "(malformed)" not in c.name], ids=lambda c: c.name
)
def test_output_is_a_fixed_point(case: Case) -> None:
    """Converting clean output again changes nothing and warns about nothing."""
    output, _ = convert(case.source)
    assert convert(output) == (output, [])


def test_visible_roles_helper() -> None:
    hidden = "a `` {numref}`x` `` b\n\n```\n{eq}`y`\n```\n\n    {ref}`z`\n\n\\{doc}`w`\n"
    assert _visible_roles(hidden) == []
    assert _visible_roles("plain {numref}`x` here\n\n| {eq}`y` |\n|--|\n") == [
        "{numref}" + _CODE,
        "{eq}" + _CODE,
    ]
    # The property is not vacuous: the check flags the raw inputs of many cases.
    assert sum(bool(_visible_roles(case.source)) for case in CASES) >= 30


# ---------------------------------------------------------------------------------------------
# Behaviour not expressible in the fixture


def test_resolver_receives_role_target_and_docname() -> None:
    resolver = _resolver()
    to_reader_markdown("{numref}`fig-lr` {cite:p}`bottou2010`", "a/b/page", resolver)
    assert resolver.calls == [
        ("numref", "fig-lr", "a/b/page"),
        ("cite:p", "bottou2010", "a/b/page"),
    ]


def test_root_relative_paths_follow_page_depth() -> None:
    source = "```{image} /img/x.png\n```"
    top, _ = to_reader_markdown(source, "index", _resolver())
    deep, _ = to_reader_markdown(source, "part/chapter/page", _resolver())
    assert top == "![](img/x.png)"
    assert deep == "![](../../img/x.png)"


def test_bibliography_without_provider_renders_nothing() -> None:
    output, warnings = to_reader_markdown(
        "Refs:\n\n```{bibliography}\n```\n\nEnd.", DOCNAME, ResolverWithoutBibliography()
    )
    assert output == "Refs:\n\nEnd."
    assert warnings == []


@pytest.mark.parametrize(
    "source",
    ["", "\n", "text\n", "text\n\n", "a\r\nb\r\n", "# T\n\n```python\nx = 1\n```\n"],
)
def test_whitespace_and_final_newlines_are_preserved(source: str) -> None:
    assert convert(source) == (source, [])


def test_final_newline_kept_after_conversion() -> None:
    assert convert("See {numref}`fig-lr`.\n") == ("See [Fig. 3.1](#fig-lr).\n", [])


def test_warnings_are_listed_once() -> None:
    _, warnings = convert("{ref}`nope` and {ref}`nope` again")
    assert warnings == ["unresolved {ref} target 'nope'"]


def test_unclosed_directive_runs_to_the_end() -> None:
    assert convert("```{note}\nNever closed.") == ("> **Note**\n>\n> Never closed.", [])


def test_link_destinations_are_escaped() -> None:
    targets = {("doc", "x"): Target("X [draft", "../my page (v2.ipynb")}
    output, _ = to_reader_markdown("{doc}`x`", DOCNAME, FakeResolver(targets, []))
    assert output == r"[X \[draft](../my%20page%20%28v2.ipynb)"


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        ("Fig. A.1", "{numref}`Appendix figure %s <x>`", "[Appendix figure A.1](#x)"),
        ("图3.1", "{numref}`见图%s <x>`", "[见图3.1](#x)"),
        ("式(3.2)", "$$ y $$ (x)", '<a id="x"></a>\n$$ y \\tag{3.2} $$'),
    ],
)
def test_number_taken_from_the_last_word_of_the_title(
    title: str, source: str, expected: str
) -> None:
    targets = {("numref", "x"): Target(title, "#x"), ("eq", "x"): Target(title, "#x")}
    assert to_reader_markdown(source, DOCNAME, FakeResolver(targets, [])) == (expected, [])
