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
from collections import Counter
from collections.abc import Mapping

from d2lbook.jsondata import JSONDict

from .sanitize import Issue, inventory, markup_issues, normalize_math
from .segment import has_words, starts_block

__all__ = ["Issue", "check_translation", "roles", "link_targets", "inline_math",
           "normalize_math"]


def _details(text: str, kinds: tuple[str, ...]) -> Counter[str]:
    found: Counter[str] = Counter()
    for markup, n in inventory(text).items():
        if markup.kind in kinds:
            found[markup.detail] += n
    return found


def roles(text: str) -> Counter[tuple[str, str]]:
    """Roles as (name, what must not change): the target of reference roles, the sorted keys
    of citations, the formula of ``{math}``, nothing for roles whose content is words, the
    whole content for any other role (read from the parsed text, see :mod:`.sanitize`)."""
    found: Counter[tuple[str, str]] = Counter()
    for detail, n in _details(text, ("role",)).items():
        name, _, target = detail.partition("\x00")
        found[(name, target)] += n
    return found


def link_targets(text: str) -> Counter[str]:
    """URLs of the links, autolinks and images of ``text`` (as markdown-it normalizes them)."""
    return _details(text, ("link", "autolink", "image"))


def inline_math(text: str) -> Counter[str]:
    """Formulas of ``text``, whitespace-normalized (:func:`.sanitize.normalize_math`)."""
    return _details(text, ("math",))


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
                      references: Mapping[str, JSONDict] | None = None) -> list[Issue]:
    """Everything wrong with ``msgstr`` as a translation of ``msgid`` (empty: it is safe).
    ``references`` are the link definitions of the page (:func:`sanitize.page_references`),
    so ``[text][label]`` is judged by the URL it will point to."""
    issues = markup_issues(msgid, msgstr, references)
    issues += _structure(msgid, msgstr, table_cell)
    if has_words(msgid) and not has_words(msgstr):
        issues.append(Issue("i18n-markup", "the translation has no words; leave msgstr empty "
                            "to show the English"))
    return issues
