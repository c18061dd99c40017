"""Checks of one translation against its English.

A translation may change words, never the machinery. What markup it may carry is decided by
:mod:`d2lbook.i18n.sanitize` on markdown-it tokens (the parser MyST renders with): the MyST
roles and their targets, link targets and math must be the same, and it must not introduce
raw HTML, other URLs, directives or any block construct. Here, in addition, it must not change
the line structure of the page (a blank line, a line starting a list or heading, a pipe inside a
table cell) and must have words where the English has some.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .sanitize import Issue, markup_issues
from .segment import has_words, starts_block

__all__ = ["Issue", "check_translation"]


def _structure(msgid: str, msgstr: str, table_cell: bool) -> list[Issue]:
    lines = msgstr.strip().split("\n")
    if any(not line.strip() for line in lines):
        return [Issue("i18n-markup", "the translation contains a blank line, which would split "
                      "the paragraph; keep it one paragraph")]
    if starts_block(lines[0]) and not starts_block(msgid):
        return [Issue("i18n-markup", f"the translation starts with block markup "
                      f"({lines[0].strip()[:12]!r}: a heading, list, quote, ...); start with text")]
    for line in lines[1:]:
        if starts_block(line):
            return [Issue("i18n-markup", f"a line of the translation starts with block markup "
                          f"({line.strip()[:12]!r}); rewrap it so no line starts with "
                          "#, -, *, +, >, 1., | or a fence")]
    if table_cell and _unescaped_pipes(msgstr) > _unescaped_pipes(msgid):
        return [Issue("i18n-markup", "the table cell translation contains '|', which would split "
                      "the cell; write \\| instead")]
    return []


def _unescaped_pipes(text: str) -> int:
    return len(re.findall(r"(?<!\\)\|", text))


def check_translation(msgid: str, msgstr: str, *, table_cell: bool = False,
                      references: Mapping[str, Any] | None = None) -> list[Issue]:
    """Everything wrong with ``msgstr`` as a translation of ``msgid`` (empty: it is safe).
    ``references`` are the link definitions of the page (:func:`sanitize.page_references`),
    so ``[text][label]`` is judged by the URL it will point to."""
    issues = markup_issues(msgid, msgstr, references)
    issues += _structure(msgid, msgstr, table_cell)
    if has_words(msgid) and not has_words(msgstr):
        issues.append(Issue("i18n-markup", "the translation has no words; leave msgstr empty "
                            "to show the English"))
    return issues
