"""The one segmenter: what a translatable message is in a MyST Markdown page.

Both extraction (``extract``) and application (``apply``) call :func:`segment`, so the
messages in a catalog and the spans replaced in a page always agree.

The parser is a small line-based block parser in the spirit of CommonMark. It walks the page
once; containers (list items, block quotes, directive bodies) are parsed recursively on their
lines with the container prefix stripped. Each message remembers the span of the page it
came from and the prefix its continuation lines need, so a translation can be put back.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from d2lbook.myst import DIRECTIVE, Fence, close_index, front_matter_length, open_fence

__all__ = ["Segment", "normalize", "segment", "has_words", "starts_block"]


@dataclass(frozen=True)
class Segment:
    """One translatable message of a page, with the span of text it replaces."""

    kind: str
    """``heading``, ``paragraph``, ``list-item``, ``table-cell``, ``caption``,
    ``admonition-title``, ``blockquote`` or ``footnote``."""
    msgid: str
    """The message: whitespace runs collapsed to one space, stripped."""
    start: int
    """Offset in the page where the translatable span begins."""
    end: int
    """Offset where it ends: ``text[start:end]`` is what a translation replaces."""
    line: int
    """1-based line of the span's first line."""
    section: tuple[str, ...]
    """Heading path of the enclosing section (a heading's own section includes itself)."""
    indent: str = ""
    """Prefix that continuation lines of a multi-line translation need (``"  "`` in a list
    item, ``"> "`` in a block quote)."""
    inline: bool = False
    """True where the message must stay on one line (headings, table cells of pipe tables,
    directive arguments)."""


_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def normalize(text: str) -> str:
    """Collapse runs of ASCII whitespace (newlines included) to one space and strip."""
    return _SPACE.sub(" ", text).strip(" ")


# Inline constructs that carry no words of their own.
_NO_WORDS = re.compile(
    r"\{[\w:.+-]+\}`[^`]*`"  # roles
    r"|`+[^`]*`+"  # code spans
    r"|\$\$.+?\$\$|\$[^$]+\$"  # inline math
    r"|\]\([^)]*\)"  # link targets
    r"|<[^>\s]*>"  # autolinks and tags
    r"|\\[a-zA-Z]+"  # TeX commands
)


_SLIDE_MARK = re.compile(r"\{slide(?:-only)?(?:-more)?\}(`+)(.*?)\1", re.S)
"""A slide mark (``{slide}`words```): its text is prose (docs/authoring.md, "Slides")."""


def has_words(msgid: str) -> bool:
    """True if the text has at least one letter outside markup, math and code."""
    text = _SLIDE_MARK.sub(lambda m: f" {m.group(2)} ", msgid)
    return any(ch.isalpha() for ch in _NO_WORDS.sub(" ", text))


# ----------------------------------------------------------------------------------------------
# Lines: a container's view of the page.


@dataclass(frozen=True)
class _Line:
    """One line as seen inside a container: ``text[start:end]`` is its content."""

    start: int
    end: int
    number: int


def _content(text: str, line: _Line) -> str:
    return text[line.start : line.end]


def _strip_cols(text: str, line: _Line, width: int) -> _Line:
    """The line with up to ``width`` leading spaces removed."""
    start = line.start
    while start < line.end and start - line.start < width and text[start] == " ":
        start += 1
    return _Line(start, line.end, line.number)


def _indent_of(content: str) -> int:
    return len(content) - len(content.lstrip(" "))


# ----------------------------------------------------------------------------------------------
# Block-start patterns.

_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)[ \t]*(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"^( {0,3})([-+*])([ \t]+|$)")
_ORDERED = re.compile(r"^( {0,3})(\d{1,9})([.)])([ \t]+|$)")
_QUOTE = re.compile(r"^ {0,3}> ?")
_LABEL = re.compile(r"^ {0,3}\([^()\s]+\)=[ \t]*$")
_COMMENT = re.compile(r"^ {0,3}%")
_BREAK = re.compile(r"^\+\+\+(?:[ \t].*)?$")
_MATH = re.compile(r"^ {0,3}\$\$")
_FOOTNOTE = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:[ \t]*")
_LINKDEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+[ \t]*$")
_TABLE_DELIM = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_RAW = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
_HTML_COMMENT = re.compile(r"^ {0,3}<!--")
_HTML_BLOCK_TAG = re.compile(
    r"^ {0,3}</?(address|article|aside|base|basefont|blockquote|body|caption|center|col|"
    r"colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|"
    r"frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    r"noframes|ol|optgroup|option|p|param|section|source|summary|table|tbody|td|tfoot|th|"
    r"thead|title|tr|track|ul|video|audio|svg)"
    r"(?=[\s/>]|$)",
    re.IGNORECASE,
)
_HTML_LONE_TAG = re.compile(r"^ {0,3}(<[A-Za-z][\w-]*(\s[^<>]*)?/?>|</[A-Za-z][\w-]*\s*>)\s*$")
_OPTION = re.compile(r"^ {0,3}:[\w][\w.-]*:(?:[ \t].*)?$")

# Directives whose body is never prose.
OPAQUE_DIRECTIVES = frozenset(
    {
        "code-cell", "code", "code-block", "sourcecode", "literalinclude", "include",
        "math", "toctree", "bibliography", "raw", "eval-rst", "csv-table", "image",
        "mermaid", "graphviz", "digraph", "graph", "tikz", "jupyter-execute", "ipython",
        "testcode", "testoutput", "doctest", "plot", "glue", "glue:any", "glue:figure",
        "glue:math", "highlight", "autofunction", "autoclass", "automodule", "literal",
        "parsed-literal", "tableofcontents", "contents", "index", "only-code",
    }
)  # fmt: skip
# Directives whose argument is a caption or title.
TITLE_DIRECTIVES = {
    "table": "caption", "list-table": "caption", "admonition": "admonition-title",
    "topic": "admonition-title", "sidebar": "admonition-title", "dropdown": "admonition-title",
    "card": "admonition-title", "tab-item": "admonition-title", "rubric": "heading",
    "exercise": "admonition-title", "solution": "admonition-title", "prf:theorem":
    "admonition-title", "prf:definition": "admonition-title", "prf:proof": "admonition-title",
}  # fmt: skip
# Admonitions whose argument (if any) is the first line of the body.
BODY_ARGUMENT_DIRECTIVES = frozenset(
    {
        "note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
        "error", "seealso", "margin", "epigraph", "pull-quote", "highlights",
    }
)  # fmt: skip
# Directives whose argument is not prose (a path, a language, nothing).
# Everything not listed above: argument ignored, body parsed as Markdown.


def _is_table_start(text: str, lines: list[_Line], i: int) -> bool:
    if i + 1 >= len(lines):
        return False
    head = _content(text, lines[i])
    delim = _content(text, lines[i + 1])
    if "|" not in head or "-" not in delim or not _TABLE_DELIM.match(delim):
        return False
    if "|" not in delim and not head.strip().startswith("|"):
        return False
    return len(_split_row(head)) == len(_split_row(delim))


def _interrupts_paragraph(content: str) -> bool:
    """True if ``content`` starts a block that ends a running paragraph."""
    if not content.strip():
        return True
    if open_fence(content) or _ATX.match(content) or _QUOTE.match(content):
        return True
    if _MATH.match(content) or _LABEL.match(content) or _COMMENT.match(content):
        return True
    if _BREAK.match(content) or _THEMATIC.match(content):
        return True
    if _HTML_RAW.match(content) or _HTML_COMMENT.match(content):
        return True
    if _HTML_BLOCK_TAG.match(content):  # HTML block types 1-6; a lone inline tag cannot
        return True
    bullet = _BULLET.match(content)
    if bullet and content[bullet.end() :].strip():
        return True
    ordered = _ORDERED.match(content)
    return bool(ordered and ordered.group(2) == "1" and content[ordered.end() :].strip())


def starts_block(line: str) -> bool:
    """True if ``line`` would start (or underline) a block rather than continue running text:
    the test a translation's lines must pass so that it cannot change the page structure."""
    content = line.lstrip(" ")
    if not content:
        return True
    if _interrupts_paragraph(content) or _SETEXT.match(content) or _TABLE_DELIM.match(content):
        return True
    if _ORDERED.match(content) or _BULLET.match(content) or _FOOTNOTE.match(content):
        return True
    return bool(_LINKDEF.match(content) or _HTML_LONE_TAG.match(content))


# ----------------------------------------------------------------------------------------------
# The parser.


@dataclass
class _Context:
    """How paragraphs found in a container are classified and re-indented."""

    kind: str = "paragraph"
    indent: str = ""
    list_kind: str = "list-item"


@dataclass
class _State:
    text: str
    line_starts: list[int]
    out: list[Segment] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)

    def section(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.headings)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def emit(self, kind: str, start: int, end: int, parts: list[str], ctx: _Context,
             inline: bool = False) -> None:
        msgid = normalize(" ".join(parts))
        if not msgid or not has_words(msgid):
            return
        self.out.append(Segment(kind, msgid, start, end, self.line_of(start), self.section(),
                                ctx.indent, inline))

    def heading(self, level: int, start: int, end: int, ctx: _Context) -> None:
        title = normalize(self.text[start:end])
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, title))
        self.emit("heading", start, end, [title], ctx, inline=True)


def segment(text: str) -> list[Segment]:
    """The translatable messages of a page, in document order."""
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    lines: list[_Line] = []
    for number, begin in enumerate(starts, start=1):
        stop = text.find("\n", begin)
        stop = len(text) if stop < 0 else stop
        if stop > begin and text[stop - 1] == "\r":
            stop -= 1
        if begin == len(text) and number > 1:
            break
        lines.append(_Line(begin, stop, number))
    state = _State(text, starts)
    lines = lines[front_matter_length(_Contents(text, lines)) :]
    _parse_blocks(state, lines, _Context())
    return state.out


class _Contents(Sequence[str]):
    """The contents of ``lines``, read on demand."""

    def __init__(self, text: str, lines: list[_Line]):
        self.text, self.lines = text, lines

    def __len__(self) -> int:
        return len(self.lines)

    # Indexed by position only (front_matter_length reads line by line): no slices.
    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return _content(self.text, self.lines[index])


def _parse_blocks(state: _State, lines: list[_Line], ctx: _Context) -> None:
    i = 0
    while i < len(lines):
        i = _parse_one(state, lines, i, ctx)


def _parse_one(state: _State, lines: list[_Line], i: int, ctx: _Context) -> int:
    """Parse the block starting at ``lines[i]``; return the index after it."""
    text = state.text
    content = _content(text, lines[i])
    if not content.strip():
        return i + 1
    if _indent_of(content) >= 4:
        return _skip_indented_code(text, lines, i)
    fence = open_fence(content)
    if fence:
        return _parse_fence(state, lines, i, fence, ctx)
    if _MATH.match(content):
        return _skip_math(text, lines, i)
    if _LABEL.match(content) or _COMMENT.match(content) or _BREAK.match(content):
        return i + 1
    if _HTML_COMMENT.match(content):
        return _skip_until(text, lines, i, "-->")
    raw = _HTML_RAW.match(content)
    if raw:
        return _skip_until(text, lines, i, f"</{raw.group(1).lower()}>")
    if _HTML_BLOCK_TAG.match(content) or _HTML_LONE_TAG.match(content):
        return _skip_to_blank(text, lines, i)
    atx = _ATX.match(content)
    if atx:
        start = lines[i].start + atx.start(2)
        state.heading(len(atx.group(1)), start, lines[i].start + atx.end(2), ctx)
        return i + 1
    if _THEMATIC.match(content):
        return i + 1
    if _QUOTE.match(content):
        return _parse_quote(state, lines, i, ctx)
    if _BULLET.match(content) or _ORDERED.match(content):
        return _parse_list_item(state, lines, i, ctx)
    if _is_table_start(text, lines, i):
        return _parse_table(state, lines, i, ctx)
    if _LINKDEF.match(content) and not _FOOTNOTE.match(content):
        return i + 1
    return _parse_paragraph(state, lines, i, ctx)


def _skip_indented_code(text: str, lines: list[_Line], i: int) -> int:
    j = i
    while j < len(lines):
        content = _content(text, lines[j])
        if content.strip() and _indent_of(content) < 4:
            break
        j += 1
    return j


def _skip_until(text: str, lines: list[_Line], i: int, marker: str) -> int:
    for j in range(i, len(lines)):
        if marker in _content(text, lines[j]).lower():
            return j + 1
    return len(lines)


def _skip_to_blank(text: str, lines: list[_Line], i: int) -> int:
    j = i
    while j < len(lines) and _content(text, lines[j]).strip():
        j += 1
    return j


def _skip_math(text: str, lines: list[_Line], i: int) -> int:
    first = _content(text, lines[i]).lstrip(" ")[2:]
    if "$$" in first:
        return i + 1
    for j in range(i + 1, len(lines)):
        if "$$" in _content(text, lines[j]):
            return j + 1
    return len(lines)


# -- paragraphs ---------------------------------------------------------------------------------


def _parse_paragraph(state: _State, lines: list[_Line], i: int, ctx: _Context) -> int:
    text = state.text
    kind = ctx.kind
    first = lines[i]
    content = _content(text, first)
    footnote = _FOOTNOTE.match(content)
    start = first.start + (footnote.end() if footnote else _indent_of(content))
    if footnote:
        kind = "footnote"
    parts = [text[start : first.end]]
    last = first
    j = i + 1
    while j < len(lines):
        content = _content(text, lines[j])
        if _SETEXT.match(content):
            level = 1 if content.strip()[0] == "=" else 2
            end = last.start + len(_content(text, last).rstrip())
            state.heading(level, start, end, ctx)
            return j + 1
        if _interrupts_paragraph(content) or _is_table_start(text, lines, j):
            break
        parts.append(content)
        last = lines[j]
        j += 1
    end = last.start + len(_content(text, last).rstrip())
    state.emit(kind, start, end, parts, ctx)
    return j


# -- block quotes -------------------------------------------------------------------------------


def _parse_quote(state: _State, lines: list[_Line], i: int, ctx: _Context) -> int:
    text = state.text
    inner: list[_Line] = []
    j = i
    while j < len(lines):
        line = lines[j]
        content = _content(text, line)
        marker = _QUOTE.match(content)
        if marker:
            inner.append(_Line(line.start + marker.end(), line.end, line.number))
        elif inner and _content(text, inner[-1]).strip() and not _interrupts_paragraph(content):
            inner.append(line)  # lazy continuation
        else:
            break
        j += 1
    _parse_blocks(state, inner, _Context("blockquote", ctx.indent + "> ", ctx.list_kind))
    return j


# -- lists --------------------------------------------------------------------------------------


def _parse_list_item(state: _State, lines: list[_Line], i: int, ctx: _Context) -> int:
    text = state.text
    first = lines[i]
    content = _content(text, first)
    marker = _BULLET.match(content) or _ORDERED.match(content)
    assert marker is not None
    spaces = marker.group(marker.lastindex or 0)
    width = marker.end() - len(spaces) + (len(spaces) if 1 <= len(spaces) <= 4 else 1)
    if not content[marker.end() :].strip():
        width = marker.end() - len(spaces) + 1
    inner = [_Line(min(first.start + width, first.end), first.end, first.number)]
    j = i + 1
    pending_blank: list[_Line] = []
    while j < len(lines):
        line = lines[j]
        body = _content(text, line)
        if not body.strip():
            pending_blank.append(line)
        elif _indent_of(body) >= width:
            inner.extend(pending_blank)
            pending_blank = []
            inner.append(_strip_cols(text, line, width))
        elif not pending_blank and _lazy_continuation(text, inner) and \
                not _interrupts_paragraph(body) and not _ORDERED.match(body):
            inner.append(line)
        else:
            break
        j += 1
    j -= len(pending_blank)
    kind = ctx.list_kind
    _parse_blocks(state, inner, _Context(kind, ctx.indent + " " * width, ctx.list_kind))
    return j


def _lazy_continuation(text: str, inner: list[_Line]) -> bool:
    """True if the item's last line is running paragraph text (a lazy line may follow)."""
    last = _content(text, inner[-1])
    if not last.strip():
        return False
    return not (open_fence(last) or _MATH.match(last) or _ATX.match(last)
                or _LABEL.match(last) or _COMMENT.match(last))


# -- pipe tables --------------------------------------------------------------------------------


def _split_row(row: str) -> list[tuple[int, int]]:
    """Cell spans (relative to ``row``) of a pipe-table row, split on unescaped pipes."""
    bounds: list[int] = [-1]
    k = 0
    while k < len(row):
        if row[k] == "\\":
            k += 2
            continue
        if row[k] == "|":
            bounds.append(k)
        k += 1
    bounds.append(len(row))
    cells = [(bounds[n] + 1, bounds[n + 1]) for n in range(len(bounds) - 1)]
    stripped = row.strip()
    if stripped.startswith("|"):
        cells = cells[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|") and len(cells) > 1:
        cells = cells[:-1]
    return cells


def _parse_table(state: _State, lines: list[_Line], i: int, ctx: _Context) -> int:
    text = state.text
    rows = [i]
    j = i + 2
    while j < len(lines):
        content = _content(text, lines[j])
        if not content.strip() or (_interrupts_paragraph(content) and "|" not in content):
            break
        rows.append(j)
        j += 1
    cell_ctx = _Context("table-cell", ctx.indent, ctx.list_kind)
    for r in rows:
        line = lines[r]
        row = _content(text, line)
        for a, b in _split_row(row):
            cell = row[a:b]
            lead = len(cell) - len(cell.lstrip())
            start = line.start + a + lead
            end = line.start + a + len(cell.rstrip())
            if end > start:
                state.emit("table-cell", start, end, [text[start:end]], cell_ctx, inline=True)
    return j


# -- fences and directives ----------------------------------------------------------------------


def _parse_fence(state: _State, lines: list[_Line], i: int, fence: Fence,
                 ctx: _Context) -> int:
    text = state.text
    end = close_index(_Contents(text, lines), fence, i + 1)
    after = min(end + 1, len(lines))
    directive = fence.directive
    if not directive:
        return after
    name = directive[0].lower()
    if name == "toctree":  # its caption is a part title in the navigation
        _option_message(state, lines[i + 1 : end], "caption", ctx)
    if name in OPAQUE_DIRECTIVES:
        return after
    body = [_strip_cols(text, line, len(fence.indent)) for line in lines[i + 1 : end]]
    _directive_argument(state, lines[i], fence, name, ctx)
    body = body[_options_end(text, body) :]
    _parse_blocks(state, body, _body_context(name, ctx))
    return after


_CAPTION = re.compile(r"^ {0,3}:caption:[ \t]+(\S.*?)[ \t]*$")


def _option_message(state: _State, body: list[_Line], option: str, ctx: _Context) -> None:
    """The value of a directive option that readers see (a toctree's ``:caption:``)."""
    text = state.text
    for line in body:
        content = _content(text, line)
        if not _OPTION.match(content):
            return
        found = _CAPTION.match(content)
        if found and option == "caption":
            start, end = line.start + found.start(1), line.start + found.end(1)
            state.emit("caption", start, end, [text[start:end]], ctx, inline=True)
            return


def _directive_argument(state: _State, line: _Line, fence: Fence, name: str,
                        ctx: _Context) -> None:
    text = state.text
    info_start = line.start + len(fence.indent) + len(fence.marker)
    info = text[info_start : line.end]
    directive = DIRECTIVE.match(info.lstrip())
    if not directive or not directive.group(2):
        return
    start = info_start + (len(info) - len(info.lstrip())) + directive.start(2)
    end = start + len(directive.group(2))
    if name in TITLE_DIRECTIVES:
        kind = TITLE_DIRECTIVES[name]
    elif name in BODY_ARGUMENT_DIRECTIVES:
        kind = "paragraph"
    else:
        return
    state.emit(kind, start, end, [text[start:end]], ctx, inline=True)


def _options_end(text: str, body: list[_Line]) -> int:
    """Index of the first body line after the directive options (``:key: value`` lines or a
    ``---`` YAML block)."""
    if body and _content(text, body[0]).strip() == "---":
        for k in range(1, len(body)):
            if _content(text, body[k]).strip() == "---":
                return k + 1
        return len(body)
    k = 0
    while k < len(body) and _OPTION.match(_content(text, body[k])):
        k += 1
    return k


def _body_context(name: str, ctx: _Context) -> _Context:
    if name == "figure":
        return _Context("caption", ctx.indent, ctx.list_kind)
    if name == "list-table":
        return _Context("table-cell", ctx.indent, "table-cell")
    if name == "table":
        return _Context("paragraph", ctx.indent, ctx.list_kind)
    return _Context("paragraph", ctx.indent, "list-item")

