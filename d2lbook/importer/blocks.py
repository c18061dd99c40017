"""A line-oriented tokenizer of the old d2lbook dialect: a page's lines -> blocks.

Blocks are what the old tool itself saw line by line: fences (code, ``toc``, ``eval_rst``),
headings, display math ``$$ ... $$``, role lines (``:label:`x```, ``:eqlabel:``, ``:width:``,
``:bibliography:``), tab marks, table captions (``: Caption``), pipe tables, HTML comments and
paragraphs of text. Nothing is lost: every line of the page lands in exactly one block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from d2lbook.importer.report import Located

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*?)\s*$")
HEADING = re.compile(r"^#{1,6}(\s|$)")
ROLE_LINE = re.compile(r"^\s*:(label|eqlabel|width|height|bibliography):(`+)\s*(.*?)\s*\2\s*$")
BEGIN_TAB = re.compile(r"^\s*:begin_tab:\s*(`*)\s*(.*?)\s*\1\s*$")
END_TAB = re.compile(r"^\s*:end_tab:\s*(`*\s*`*)?\s*$")
# A table caption: ``: Caption`` (pandoc) or ``:Caption`` (common in real books); not a role.
CAPTION = re.compile(r"^:(?![A-Za-z][\w+.:-]*:`)\s*([^\s:].*)$")
TABLE = re.compile(r"^\s*\|")
LIST_MARK = re.compile(r"^(\s*)([*+-]|\d+[.)])(\s+)")
SETEXT = re.compile(r"^(=+|-+)\s*$")
# Slide marks on their own, around a display equation: `(**` / `[**` ... `**)` / `**]`.
SLIDE_OPEN = ("(**", "[**")
SLIDE_CLOSE = {"(**": "**)", "[**": "**]"}
DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")


class BlockData(TypedDict, total=False):
    """What the tokenizer found in a block beyond its lines; the keys depend on its kind."""

    role: str  # role: :role:`value` alone on its line, opened by ``ticks`` backticks
    value: str
    ticks: int
    frameworks: str  # begin_tab: the tab's frameworks as written
    caption: str  # caption: the text after ``: ``
    setext: str  # heading: the underline of a setext heading
    info: str  # fence: the info string
    body: list[str]  # fence, math: the lines inside, unindented
    indent: str  # fence, math: the indentation taken off
    prefix: str  # math: what precedes ``$$`` on its line (a list marker)
    tail: str  # math: text after the closing ``$$``
    label: str  # math: the :eqlabel: on the closing line
    in_list: bool  # math: inside a list item
    tail_line: int  # math: the line of the closing ``$$``
    slide_open: str  # math: a slide mark opened before it
    slide: bool  # math: inside a slide mark
    slide_line: int  # math: the line of the slide mark


@dataclass
class Block:
    kind: str
    """blank, text, heading, fence, math, role, begin_tab, end_tab, caption, table, html."""
    line: int
    """1-based source line of the block's first line."""
    lines: list[str]
    data: BlockData = field(default_factory=BlockData)


def _mask_code(line: str) -> str:
    """The line with inline code spans blanked (so ``$$`` inside backticks is not math)."""
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


def tokenize(text: str, page: Located) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    i, n = 0, len(lines)
    slide_open = ""  # a slide mark `(**` / `[**` on the line before a display equation
    slide_line = 0
    while i < n:
        line = lines[i]
        number = i + 1
        if not line.strip():
            blocks.append(Block("blank", number, [line]))
            i += 1
            continue
        m = FENCE.match(line)
        if m:
            i = _fence(lines, i, m, blocks, page)
            continue
        if line.lstrip().startswith("<!--"):
            j = i
            while j < n and "-->" not in lines[j]:
                j += 1
            if j == n:
                page.warn(number, "HTML comment never closed; kept to the end of the page",
                          "html-comment")
                j = n - 1
            blocks.append(Block("html", number, lines[i:j + 1]))
            i = j + 1
            continue
        m = ROLE_LINE.match(line)
        if m:
            blocks.append(Block("role", number, [line], {"role": m.group(1), "value": m.group(3),
                                                         "ticks": len(m.group(2))}))
            i += 1
            continue
        m = BEGIN_TAB.match(line)
        if m:
            blocks.append(Block("begin_tab", number, [line], {"frameworks": m.group(2)}))
            i += 1
            continue
        if END_TAB.match(line):
            blocks.append(Block("end_tab", number, [line]))
            i += 1
            continue
        if HEADING.match(line):
            blocks.append(Block("heading", number, [line]))
            i += 1
            continue
        if line.strip() in SLIDE_OPEN and _next_is_math(lines, i + 1):
            slide_open = line.strip()  # a slide mark on a line of its own around $$ ... $$
            slide_line = number
            i += 1
            continue
        if line.strip() in SLIDE_CLOSE.values() and _closes_slide(blocks, line.strip()):
            blocks[-1 if blocks[-1].kind == "math" else -2].data["slide"] = True
            i += 1
            continue
        if "$$" in _mask_code(line):
            j = _math(lines, i, blocks, page, slide_open)
            if j > i and slide_open:
                blocks[-1].data["slide_line"] = slide_line
            slide_open = ""
            if j > i:
                i = j
                continue
            blocks.append(Block("text", number, [line]))  # unclosed $$: kept as text
            i += 1
            continue
        if TABLE.match(line):
            j = i
            while j < n and TABLE.match(lines[j]):
                j += 1
            blocks.append(Block("table", number, lines[i:j]))
            i = j
            continue
        m = CAPTION.match(line)
        if m:
            blocks.append(Block("caption", number, [line], {"caption": m.group(1)}))
            i += 1
            continue
        if i + 1 < n and DELIMITER.match(lines[i + 1]) and "|" in line:
            j = i + 2
            while j < n and lines[j].strip() and "|" in lines[j]:
                j += 1
            blocks.append(Block("table", number, lines[i:j]))
            i = j
            continue
        if i + 1 < n and SETEXT.match(lines[i + 1]) and not LIST_MARK.match(line):
            level = "#" if lines[i + 1].lstrip().startswith("=") else "##"
            blocks.append(Block("heading", number, [f"{level} {line.strip()}"],
                                {"setext": lines[i + 1]}))
            i += 2
            continue
        j = i + 1
        while j < n and _continues_paragraph(lines[j]):
            j += 1
        blocks.append(Block("text", number, lines[i:j]))
        i = j
    for block in blocks:
        if block.kind == "math" and block.data["slide_open"] and not block.data["slide"]:
            page.warn(block.data.get("slide_line", block.line), f"slide mark "
                      f"{block.data['slide_open']} before display math "
                      "is never closed; dropped", "slide-mark")
    return blocks


def _continues_paragraph(line: str) -> bool:
    if not line.strip():
        return False
    if FENCE.match(line) or HEADING.match(line) or ROLE_LINE.match(line):
        return False
    if BEGIN_TAB.match(line) or END_TAB.match(line) or line.lstrip().startswith("<!--"):
        return False
    return "$$" not in _mask_code(line) and not TABLE.match(line) and not CAPTION.match(line)


def _fence(lines: list[str], i: int, m: re.Match[str], blocks: list[Block],
           page: Located) -> int:
    indent, mark, info = m.group(1), m.group(2), m.group(3)
    close = re.compile(rf"^\s*{re.escape(mark[0])}{{{len(mark)},}}\s*$")
    j = i + 1
    while j < len(lines) and not close.match(lines[j]):
        j += 1
    if j == len(lines):
        page.warn(i + 1, f"code fence {mark} is never closed; it runs to the end of the page",
                  "unclosed-fence")
    body = lines[i + 1:j]
    if indent:
        body = [b[len(indent):] if b.startswith(indent) else b.lstrip() for b in body]
    blocks.append(Block("fence", i + 1, lines[i:j + 1],
                        {"info": info, "body": body, "indent": indent}))
    return j + 1


def _next_is_math(lines: list[str], i: int) -> bool:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i < len(lines) and "$$" in _mask_code(lines[i])


def _closes_slide(blocks: list[Block], mark: str) -> bool:
    """A closing slide mark on a line of its own right after display math it opened."""
    last = [b for b in blocks[-2:] if b.kind != "blank"]
    if not last or last[-1].kind != "math":
        return False
    opened = last[-1].data.get("slide_open", "")
    return bool(opened) and SLIDE_CLOSE[opened] == mark and not last[-1].data.get("slide")


def _math(lines: list[str], i: int, blocks: list[Block], page: Located,
          slide_open: str = "") -> int:
    """Display math starting on line ``i``; returns the next line, or ``i`` when the ``$$`` is
    never closed (the caller keeps the line as text). ``slide_open``: a slide mark on the line
    before (the equation is then on a slide)."""
    line = lines[i]
    start = _mask_code(line).index("$$")
    prefix, rest = line[:start], line[start + 2:]
    # `(**$$ ... $$**)`: the slide mark around the equation is not text of the page.
    if prefix.strip() in SLIDE_OPEN:
        slide_open, prefix = prefix.strip(), prefix[:len(prefix) - len(prefix.lstrip())]
    indent = ""
    in_list = False
    if prefix.strip():
        lm = LIST_MARK.match(prefix)
        if lm and not prefix[lm.end():].strip():
            indent, prefix, in_list = " " * lm.end(), prefix, True
        elif lm:
            indent, in_list = " " * lm.end(), True
    elif prefix:
        indent, in_list = prefix, len(prefix) >= 2
        prefix = ""
    body: list[str] = []
    if "$$" in rest:
        end = rest.index("$$")
        body, tail, j = [rest[:end]], rest[end + 2:], i
    else:
        body = [rest]
        j = i + 1
        while j < len(lines) and "$$" not in lines[j]:
            body.append(lines[j])
            j += 1
        if j == len(lines):
            page.warn(i + 1, "$$ is never closed; the line is kept as text", "unclosed-math")
            return i
        end = lines[j].index("$$")
        body.append(lines[j][:end])
        tail = lines[j][end + 2:]
    label = ""
    tail_line = j + 1
    slide = False
    if slide_open and tail.lstrip().startswith(SLIDE_CLOSE[slide_open]):
        tail, slide = tail.lstrip()[3:], True
    m = re.search(r":eqlabel:(`+)\s*(.*?)\s*\1", tail)
    if m:
        label = m.group(2)
        page.warn(tail_line, f":eqlabel:`{label}` on the same line as the closing $$; "
                  "read as the equation's label", "eqlabel-same-line")
        tail = tail[:m.start()] + tail[m.end():]
    blocks.append(Block("math", i + 1, lines[i:j + 1],
                        {"prefix": prefix, "body": body, "tail": tail.strip(), "label": label,
                         "indent": indent, "in_list": in_list, "tail_line": tail_line,
                         "slide_open": slide_open, "slide": slide}))
    return j + 1
