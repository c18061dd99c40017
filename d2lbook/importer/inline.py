"""Inline markup of the old dialect -> MyST: roles (``:numref:`x``` -> ``{numref}`x```), citations
and slide marks. Inline code, inline math and backslash escapes are copied untouched.

The scanner walks the text once, left to right; it never uses a regular expression over the
whole text, so a role inside inline code or math stays what it is.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from d2lbook.importer.report import Located

ROLE = re.compile(r":([A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)*):(`+)(.+?)(?<!`)\2(?!`)")

# Roles that keep their name in MyST (Sphinx's standard roles and the Python domain).
PASSED = frozenset("""
abbr command dfn file guilabel kbd mailheader makevar manpage menuselection mimetype newsgroup
program regexp samp pep rfc math doc download envvar keyword option term token any sub sup code
literal emphasis strong subscript superscript func class meth attr mod data obj exc const
""".split())
RENAMED = {"numref": "numref", "ref": "ref", "eqref": "eq", "cite": "cite:p", "citet": "cite:t",
           "citep": "cite:p"}
# Roles that mark the block they stand next to: the block converter places them.
BLOCK_ROLES = frozenset({"label", "eqlabel", "width", "height", "bibliography"})

BOLD = re.compile(r"\*\*[^*\n]+?\*\*(?![\])])")
TICKS = re.compile(r"`+")
SPECIAL = re.compile(r"[\\:`$\[(*~]")
OPEN = {"[**": ("**]", True), "(**": ("**)", True), "[~~": ("~~]", False),
        "(~~": ("~~)", False)}
"""Opening slide mark -> (its closing mark, whether the book keeps the text)."""
SLIDE_ROLES = {"[**": "slide", "(**": "slide-more", "[~~": "slide-only",
               "(~~": "slide-only-more"}
"""Each old slide mark's MyST role: ``[`` starts a new slide, ``(`` continues the current one;
``~~`` marks text for the slides only (docs/authoring.md, "Slides")."""


@dataclass
class Facts:
    """What a page defines and refers to, with source lines (for the book-wide checks)."""

    labels: list[tuple[str, int]] = field(default_factory=list)
    refs: list[tuple[str, str, int]] = field(default_factory=list)
    """(role, target, line): role is numref, ref or eq."""
    cites: list[tuple[str, int]] = field(default_factory=list)
    bibliographies: list[tuple[str, int]] = field(default_factory=list)
    images: list[tuple[str, int]] = field(default_factory=list)
    equation_labels: set[str] = field(default_factory=set)
    section_labels: set[str] = field(default_factory=set)
    """Labels of headings (a {numref} to one needs the page in a numbered toctree)."""
    includes: list[tuple[str, int]] = field(default_factory=list)
    """(path as written, line) of files an ``eval_rst`` directive reads (``.. raw:: html`` with
    ``:file:``, ``.. include::``, ``.. literalinclude::``)."""
    toctrees: list[tuple[bool, list[str]]] = field(default_factory=list)
    """(numbered, pages) of each toctree of the page (pages as book paths)."""


@dataclass
class Inline:
    text: str
    block_roles: list[tuple[str, str, int]] = field(default_factory=list)
    """(role, value, line) of block roles found inside the text, taken out of it."""


def _role_target(content: str) -> str:
    """``Text <target>`` -> ``target``; ``target`` -> ``target``."""
    m = re.fullmatch(r"(?s).*<([^<>]+)>\s*", content)
    return (m.group(1) if m else content).strip()


def convert_inline(text: str, first_line: int, page: Located, facts: Facts) -> Inline:
    """Convert one block of prose (possibly several lines) starting at source line
    ``first_line``."""
    result = Inline("")
    out: list[str] = []
    stack: list[tuple[str, int, int]] = []  # (opening mark, index in out, source offset)
    i, n = 0, len(text)

    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(pos: int) -> int:  # a binary search: many warnings on one line stay linear
        return first_line + bisect.bisect_left(newlines, pos)

    while i < n:
        c = text[i]
        if not SPECIAL.match(c):  # plain text up to the next character that may start markup
            m = SPECIAL.search(text, i)
            end = m.start() if m else n
            out.append(text[i:end])
            i = end
            continue
        if c == "\\" and i + 1 < n:
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == ":" and (i == 0 or not (text[i - 1].isascii() and text[i - 1].isalnum())):
            m = ROLE.match(text, i)
            if m:
                out.append(_role(m, line_at(i), page, facts, result))
                i = m.end()
                continue
        if c == "`":
            k = TICKS.match(text, i).end() - i  # type: ignore[union-attr]  # c is a backtick
            close = re.compile(rf"(?<!`)`{{{k}}}(?!`)").search(text, i + k)
            end = close.end() if close else i + k
            out.append(text[i:end])
            i = end
            continue
        if c == "$":
            if text.startswith("$$", i):
                out.append("$$")
                i += 2
                continue
            end = _math_end(text, i)
            if end:
                out.append(text[i:end])
                i = end
                continue
        mark = text[i:i + 3]
        if mark in OPEN:
            stack.append((mark, len(out), i))
            out.append(mark)
            i += 3
            continue
        if mark in ("**]", "**)", "~~]", "~~)"):
            opener = next((k for k in range(len(stack) - 1, -1, -1)
                           if OPEN[stack[k][0]][0] == mark), None)
            link = mark.endswith("]") and text[i + 3:i + 4] in ("(", "[")
            if opener is not None and not link:
                open_mark, index, _ = stack[opener]
                del stack[opener:]
                out[index:] = [_slide_role(open_mark, "".join(out[index + 1:]))]
                page.count("slide mark (kept)" if OPEN[open_mark][1]
                           else "slide mark (slide only)")
                i += 3
                continue
            if opener is not None:  # [**bold link**](url): plain markdown, not a slide mark
                del stack[opener:]
        out.append(c)
        i += 1
    for open_mark, _, offset in stack:
        if open_mark[1] == "*" and BOLD.match(text, offset + 1):
            continue  # "(**bold** and more)": ordinary bold in brackets, not a slide mark
        page.warn(line_at(offset), f"slide mark {open_mark} is never closed; left as text",
                  "slide-mark")
    result.text = "".join(out)
    return result


def _slide_role(open_mark: str, content: str) -> str:
    """``{slide}`content``` with enough backticks for the code spans and roles inside."""
    longest = max((len(m.group(0)) for m in TICKS.finditer(content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if longest and (content.startswith("`") or content.endswith("`")) else ""
    return f"{{{SLIDE_ROLES[open_mark]}}}{ticks}{pad}{content}{pad}{ticks}"


def _math_end(text: str, i: int) -> int:
    """End of inline math ``$...$`` starting at ``i`` (pandoc's rule: no space after the opening
    ``$`` nor before the closing one, no digit right after it); 0 when there is none."""
    if i + 1 >= len(text) or text[i + 1].isspace():
        return 0
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "$":
            if text[j - 1].isspace() or (j + 1 < len(text) and text[j + 1].isdigit()):
                return 0
            return j + 1
        j += 1
    return 0


def _role(m: re.Match[str], line: int, page: Located, facts: Facts, result: Inline) -> str:
    name, ticks, content = m.group(1), m.group(2), m.group(3)
    if len(ticks) != 1:
        page.warn(line, f"role :{name}: written with {len(ticks)} backticks; read as "
                  f":{name}:`{content.strip()}`", "double-backticks")
        content = content.strip()
    if name in BLOCK_ROLES:
        result.block_roles.append((name, content.strip(), line))
        return ""
    if name in RENAMED:
        new = RENAMED[name]
        if new.startswith("cite"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            facts.cites.extend((k, line) for k in keys)
            content = ",".join(keys)
        else:
            facts.refs.append((new, _role_target(content), line))
        page.count(f":{name}: -> {{{new}}}")
        return f"{{{new}}}`{content}`"
    if name in PASSED or name.startswith("py:") or name.startswith("cite:"):
        page.count(f":{name}: -> {{{name}}}")
        return f"{{{name}}}`{content}`"
    page.warn(line, f"unknown role :{name}:; left as text (write it as a MyST role by hand)",
              "unknown-role")
    return m.group(0)
