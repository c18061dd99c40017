"""Checks of one translation against its English.

A translation may change words, never the machinery: the MyST roles and their targets, link
targets and inline math must be the same, it must not introduce raw HTML, scripts,
``javascript:`` URLs or directives, and it must not change the block structure of the page
(a blank line, a line starting a list or heading, a pipe inside a table cell).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from d2lbook.myst import FENCE_MARKER

from .segment import has_words, normalize, starts_block

__all__ = ["Issue", "check_translation", "roles", "link_targets", "inline_math", "html_tags"]


@dataclass(frozen=True)
class Issue:
    """What is wrong with a translation; ``code`` is ``i18n-markup`` or ``i18n-unsafe``."""

    code: str
    message: str


_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ROLE = re.compile(r"\{([\w:.+-]+)\}(`+)(.*?)\2", re.DOTALL)
_EXPLICIT_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>\s*$", re.DOTALL)
_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_LINK = re.compile(r"\]\[([^\]]+)\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|javascript):[^<>\s]*)>", re.IGNORECASE)
_MATH = re.compile(r"(?<![\\$])\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)",
                   re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w:-]*)([^<>]*)>|<!--")
_FENCE = re.compile(FENCE_MARKER)
_DIRECTIVE = re.compile(rf"(?:{FENCE_MARKER})\s*\{{([^}}]+)\}}")

REFERENCE_ROLES = frozenset(
    {"ref", "numref", "eq", "doc", "term", "download", "any", "label", "func", "class",
     "meth", "mod", "attr", "data", "obj", "exc", "envvar", "option", "external"}
)  # fmt: skip


def _without_code(text: str) -> str:
    """``text`` with code spans blanked out (they may contain anything)."""
    return _CODE_SPAN.sub(" ", _ROLE.sub(lambda m: f"{{{m.group(1)}}}\x00", text))


def roles(text: str) -> Counter[tuple[str, str]]:
    """Roles as (name, what must not change): the target of reference roles (the explicit
    ``<target>`` when there is one), the sorted keys of citations, the formula of ``{math}``,
    nothing for other roles (their text is translatable)."""
    found: Counter[tuple[str, str]] = Counter()
    for match in _ROLE.finditer(text):
        name, body = match.group(1), match.group(3)
        if name.startswith(("cite", "footcite")):
            found[(name, ",".join(sorted(k.strip() for k in body.split(","))))] += 1
        elif name in REFERENCE_ROLES or name.startswith(("py:", "std:", "prf:")):
            explicit = _EXPLICIT_TARGET.match(body)
            found[(name, (explicit.group(2) if explicit else body).strip())] += 1
        elif name == "math":
            found[(name, normalize_math(body))] += 1
        else:
            found[(name, "")] += 1
    return found


def link_targets(text: str) -> Counter[str]:
    """Targets of ``[text](url)`` links, ``[text][label]`` references and ``<url>`` links."""
    plain = _without_code(text)
    found: Counter[str] = Counter(m.group(1) for m in _LINK.finditer(plain))
    found.update(f"[{m.group(1)}]" for m in _REF_LINK.finditer(plain))
    found.update(m.group(1) for m in _AUTOLINK.finditer(plain))
    return found


def normalize_math(formula: str) -> str:
    """A formula with insignificant whitespace removed: TeX ignores spaces except between
    letters (``\\alpha x`` is not ``\\alphax``)."""
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", normalize(formula))


def inline_math(text: str) -> Counter[str]:
    """Inline formulas ``$...$`` and ``$$...$$``, whitespace-normalized."""
    plain = _without_code(text)
    return Counter(normalize_math(m.group(1) or m.group(2) or "") for m in _MATH.finditer(plain))


def html_tags(text: str) -> Counter[str]:
    """Raw HTML tag names (``b``, ``/b``, ``!--``) outside code, roles and autolinks."""
    plain = _AUTOLINK.sub(" ", _without_code(text))
    plain = _MATH.sub(" ", plain)
    found: Counter[str] = Counter()
    for match in _TAG.finditer(plain):
        if match.group(0) == "<!--":
            found["!--"] += 1
        else:
            found[match.group(1) + match.group(2).lower()] += 1
    return found


def _show(items: Counter[str] | Counter[tuple[str, str]]) -> str:
    shown = []
    for item in sorted(items.elements(), key=str):
        if isinstance(item, tuple):
            name, target = item
            shown.append(f"{{{name}}}`{target}`" if target else f"{{{name}}}")
        else:
            shown.append(repr(item))
    return ", ".join(shown)


def _compare(what: str, english: Counter, translated: Counter, advice: str) -> list[Issue]:
    missing = english - translated
    extra = translated - english
    if not missing and not extra:
        return []
    parts = []
    if missing:
        parts.append(f"missing {_show(missing)}")
    if extra:
        parts.append(f"not in the English: {_show(extra)}")
    return [Issue("i18n-markup", f"{what} differ ({'; '.join(parts)}); {advice}")]


def _count(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text, re.IGNORECASE))


def _unsafe(msgid: str, msgstr: str) -> list[Issue]:
    issues: list[Issue] = []
    for pattern, label in ((r"<\s*script", "a <script> element"),
                           (r"javascript\s*:", "a javascript: URL"),
                           (r"\{(?:raw|eval-rst)\}", "a {raw} or {eval-rst} directive")):
        if _count(pattern, msgstr) > _count(pattern, msgid):
            issues.append(Issue("i18n-unsafe", f"the translation adds {label}; remove it"))
    tags = html_tags(msgstr) - html_tags(msgid)
    if tags:
        issues.append(Issue("i18n-unsafe", f"the translation adds raw HTML ({_show(tags)}); "
                            "use Markdown markup or keep the English's HTML only"))
    if len(_FENCE.findall(msgstr)) > len(_FENCE.findall(msgid)) or \
            len(_DIRECTIVE.findall(msgstr)) > len(_DIRECTIVE.findall(msgid)):
        issues.append(Issue("i18n-unsafe", "the translation adds a code fence or directive; "
                            "translations may only contain inline text"))
    return issues


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


def check_translation(msgid: str, msgstr: str, *, table_cell: bool = False) -> list[Issue]:
    """Everything wrong with ``msgstr`` as a translation of ``msgid`` (empty: it is safe)."""
    issues = _unsafe(msgid, msgstr)
    issues += _compare("roles", roles(msgid), roles(msgstr),
                       "keep every {role}`target` of the English (only the text before "
                       "<target> may be translated)")
    issues += _compare("link targets", link_targets(msgid), link_targets(msgstr),
                       "keep every link target ](url) exactly as in the English")
    issues += _compare("inline math", inline_math(msgid), inline_math(msgstr),
                       "copy every $...$ formula unchanged from the English")
    issues += _structure(msgid, msgstr, table_cell)
    if has_words(msgid) and not has_words(msgstr):
        issues.append(Issue("i18n-markup", "the translation has no words; leave msgstr empty "
                            "to show the English"))
    return issues
