"""Marking what a translated page shows untranslated or possibly outdated.

After a catalog is applied, a paragraph whose translation is missing or rejected shows the
English; an outdated one (fuzzy, or its English edited since the sync) shows its last
translation or the English, as the language's ``outdated`` setting says. The Chinese site says
so discreetly: such a paragraph gets a CSS class
(``d2l-untranslated`` or ``d2l-outdated``) through a MyST block attribute line
(``{.d2l-outdated}``, the ``attrs_block`` extension) placed just before it. LaTeX ignores the
attribute and reader notebooks drop the line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .segment import segment
from .status import MessageStatus, Status

CLASSES = {Status.OUTDATED: "d2l-outdated", Status.UNTRANSLATED: "d2l-untranslated",
           Status.REJECTED: "d2l-untranslated"}  # a rejected translation shows the English


def shown_statuses(messages: Sequence[MessageStatus], applied: Mapping[int, bool]
                   ) -> list[Status]:
    """What each paragraph of a translated page shows, from the page's one status
    computation (``messages``: :attr:`~d2lbook.i18n.status.DocumentStatus.by_segment`) and
    the translations ``apply_catalog`` placed (segment index -> fuzzy): a placed translation
    is current (outdated when fuzzy); a paragraph left in English is outdated when a
    translation exists for an earlier English, else untranslated (also when its translation
    was rejected)."""
    shown = []
    for index, msg in enumerate(messages):
        fuzzy = applied.get(index)
        if fuzzy is not None:
            shown.append(Status.OUTDATED if fuzzy else Status.CURRENT)
        elif msg.status == Status.OUTDATED:
            shown.append(Status.OUTDATED)
        else:
            shown.append(Status.UNTRANSLATED)
    return shown


def mark_paragraphs(translated: str, statuses: Sequence[Status]
                    ) -> tuple[str, dict[str, int]]:
    """The translated page with attribute lines before its English-showing paragraphs, and
    how many of each status it has."""
    segments = segment(translated)
    counts: dict[str, int] = dict.fromkeys(Status, 0)
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
