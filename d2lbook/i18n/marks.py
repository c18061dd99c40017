"""Marking what a translated page still shows in English.

After a catalog is applied, every paragraph whose translation is missing, fuzzy or rejected
shows the English. The Chinese site says so discreetly: such a paragraph gets a CSS class
(``d2l-untranslated`` or ``d2l-outdated``) through a MyST block attribute line
(``{.d2l-outdated}``, the ``attrs_block`` extension) placed just before it. LaTeX ignores the
attribute and reader notebooks drop the line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .segment import segment

CLASSES = {"outdated": "d2l-outdated", "untranslated": "d2l-untranslated"}


def refine(statuses: list[str], english: str, by_line: Mapping[int, str]) -> list[str]:
    """Let the git-aware status (English line -> status) upgrade an untranslated paragraph to
    outdated: its English changed after it had been translated."""
    return [("outdated" if status == "untranslated" and by_line.get(seg.line) == "outdated"
             else status) for seg, status in zip(segment(english), statuses, strict=True)]


def mark_paragraphs(translated: str, statuses: Sequence[str]) -> tuple[str, dict[str, int]]:
    """The translated page with attribute lines before its English-showing paragraphs, and
    how many of each status it has."""
    segments = segment(translated)
    counts = {"current": 0, "outdated": 0, "untranslated": 0}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    if len(segments) != len(statuses):
        return translated, counts  # cannot align: leave the page unmarked
    inserts: dict[int, str] = {}
    for seg, status in zip(segments, statuses, strict=True):
        if status in CLASSES and seg.kind == "paragraph" and not seg.indent.strip():
            inserts[seg.line] = f"{seg.indent}{{.{CLASSES[status]}}}\n"
    if not inserts:
        return translated, counts
    lines = translated.splitlines(keepends=True)
    out = []
    for number, line in enumerate(lines, start=1):
        if number in inserts:
            out.append(inserts[number])
        out.append(line)
    return "".join(out), counts
