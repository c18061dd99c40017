"""The segmenter: fixture cases (tests/fixtures/segment/*.txt) and invariants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from d2lbook.i18n.segment import Segment, normalize, segment

FIXTURES = Path(__file__).parent / "fixtures" / "segment"
SOURCE = Path(__file__).parent.parent / "source" / "en"


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    text: str
    expected: list[tuple[str, str]]


def parse_case(file: str, chunk: str) -> Case:
    """One ``=== name`` chunk: the input, then ``--- messages`` and ``kind: msgid`` lines."""
    head, _, rest = chunk.partition("\n")
    name = head.strip()
    source, _, messages = rest.partition("\n--- messages\n")
    text = source + "\n"
    if "crlf" in name:
        text = text.replace("\n", "\r\n")
    expected = []
    for raw in messages.splitlines():
        if raw.strip():
            kind, _, msgid = raw.partition(": ")
            expected.append((kind, msgid))
    return Case(file, name, text, expected)


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        chunks = ("\n" + path.read_text(encoding="utf-8")).split("\n=== ")[1:]
        cases.extend(parse_case(path.name, chunk.rstrip("\n")) for chunk in chunks)
    return cases


CASES = load_cases()


def source_pages() -> list[Path]:
    return sorted(SOURCE.rglob("*.md")) if SOURCE.is_dir() else []


def test_fixtures_exist() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.name}" for c in CASES])
def test_fixture(case: Case) -> None:
    got = [(s.kind, s.msgid) for s in segment(case.text)]
    assert got == case.expected


def check_spans(text: str, segments: list[Segment]) -> None:
    previous_end = 0
    for seg in segments:
        assert previous_end <= seg.start < seg.end <= len(text)
        raw = text[seg.start : seg.end]
        assert raw == raw.strip(), "spans carry no surrounding whitespace"
        assert seg.line == text.count("\n", 0, seg.start) + 1
        assert seg.msgid == normalize(seg.msgid)
        previous_end = seg.end


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.name}" for c in CASES])
def test_fixture_spans(case: Case) -> None:
    check_spans(case.text, segment(case.text))


@pytest.mark.parametrize("page", source_pages(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_source_page_spans(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    segments = segment(text)
    check_spans(text, segments)
    for seg in segments:
        assert "```" not in seg.msgid, seg


def test_normalize() -> None:
    assert normalize("  a\n  b\t\tc \r\n") == "a b c"
    assert normalize("a\u00a0b") == "a\u00a0b"  # no-break spaces are content
    assert normalize("") == ""


def test_sections() -> None:
    text = "# A\n\nx text\n\n## B\n\ny text\n\n### C\n\nz text\n\n## D\n\nw text\n"
    got = [(s.msgid, s.section) for s in segment(text)]
    assert got == [
        ("A", ("A",)),
        ("x text", ("A",)),
        ("B", ("A", "B")),
        ("y text", ("A", "B")),
        ("C", ("A", "B", "C")),
        ("z text", ("A", "B", "C")),
        ("D", ("A", "D")),
        ("w text", ("A", "D")),
    ]


def test_spans_and_indent() -> None:
    text = "- one\n  two\n> q1\n> q2\n"
    item, quote = segment(text)
    assert text[item.start : item.end] == "one\n  two"
    assert item.indent == "  " and not item.inline
    assert text[quote.start : quote.end] == "q1\n> q2"
    assert quote.indent == "> "
    assert quote.line == 3


def test_empty_page() -> None:
    assert segment("") == []
    assert segment("---\ntitle: x\n---\n") == []
