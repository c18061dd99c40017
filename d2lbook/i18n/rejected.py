"""Translations the build refuses: found by applying the catalog exactly as the build does.

``i18n status``, ``i18n stats`` and the translation-status page count such a message as
``rejected`` (not current, not untranslated) and say why, at the ``msgstr`` line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalog import Catalog, Entry
from .segment import segment

if TYPE_CHECKING:
    from .apply import ApplyResult

__all__ = ["Rejection", "rejected_in", "rejected_messages"]


@dataclass(frozen=True)
class Rejection:
    """Why the translation of one segment of the page is not placed."""

    entry: Entry
    reason: str
    line: int
    """Line of the translation's ``msgstr`` in the catalog."""


def rejected_messages(text: str, catalog: Catalog | None, *, use_fuzzy: bool = True
                      ) -> dict[int, Rejection]:
    """Segment index -> :class:`Rejection`, for each message of the page whose translation
    (fuzzy ones too with ``use_fuzzy``) ``apply_catalog`` refuses."""
    from .apply import apply_catalog

    if catalog is None:
        return {}
    table = catalog.translations(fuzzy=use_fuzzy)
    if not table:
        return {}
    result = apply_catalog(text, catalog, use_fuzzy=use_fuzzy, catalog_path=catalog.path)
    return rejected_in(text, catalog, result, use_fuzzy=use_fuzzy)


def rejected_in(text: str, catalog: Catalog | None, result: ApplyResult, *,
                use_fuzzy: bool) -> dict[int, Rejection]:
    """:func:`rejected_messages` from an ``apply_catalog`` result already at hand."""
    if catalog is None or not result.problems:
        return {}
    table = catalog.translations(fuzzy=use_fuzzy)
    by_line: dict[int, str] = {}
    for problem in result.problems:
        by_line.setdefault(problem.line, problem.message)
    found: dict[int, Rejection] = {}
    for index, seg in enumerate(segment(text)):
        entry = table.get(seg.msgid)
        if entry is None or index in result.applied:
            continue
        line = entry.msgstr_line or entry.line
        found[index] = Rejection(entry, by_line.get(line, "the build does not apply it"), line)
    return found
