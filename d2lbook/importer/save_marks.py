"""A ``#@save`` line at the top of an old-dialect cell -> the marks our library reads.

The old tool saved, below a ``#@save`` line, one *block*: the unindented lines that follow it,
then the indented (and blank) lines after those, up to the next unindented line. So

    #@save
    def show_hist(xs):
        ...

    show_hist(data)

saved only ``show_hist``. Our library saves the whole cell below a first-line ``#@save``;
keeping the line would put the call (and whatever it needs) into the library. When the block
is not the whole cell, the first-line mark becomes an end-of-line ``#@save`` on each top-level
statement the block holds (on the ``def``/``class`` line of a decorated definition), which our
library saves one by one; the rest of the cell stays as it is, unsaved.
"""

from __future__ import annotations

import ast
import re

SAVE = "#@save"
SPACED = re.compile(r"#\s+@save\s*$")
"""The old tool also read ``# @save`` (spaces after ``#``); our library reads ``#@save``."""


def old_block_end(lines: list[str], mark: int) -> int:
    """Index after the last line of the old tool's block below ``lines[mark]``."""
    i = mark + 1
    while i < len(lines) and lines[i].strip() and not lines[i][:1].isspace():
        i += 1  # the unindented lines right below the mark
    while i < len(lines) and (not lines[i].strip() or lines[i][:1].isspace()):
        i += 1  # then the indented body and blank lines
    return i


def _parsable(lines: list[str]) -> str:
    out = []
    for line in lines:
        stripped = line.lstrip()
        magic = stripped.startswith(("%", "!"))
        out.append(line[:len(line) - len(stripped)] + "pass" if magic else line)
    return "\n".join(out)


def first_line_mark(code: str) -> tuple[str, int]:
    """``code`` with ``# @save`` marks written ``#@save`` and a first-line ``#@save``
    rewritten as end-of-line marks when the old block is not the whole cell, and the number
    of statements so marked."""
    lines = [SPACED.sub(SAVE, x) for x in code.split("\n")]
    code = "\n".join(lines)
    if not lines or lines[0].strip() != SAVE:
        return code, 0
    end = old_block_end(lines, 0)
    if not any(x.strip() for x in lines[end:]):
        return code, 0  # the block is the whole cell: the first-line form means the same
    try:
        tree = ast.parse(_parsable(lines))
    except SyntaxError:
        return code, 0
    marked = 0
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        if start - 1 >= end:
            break
        line = lines[node.lineno - 1]
        if line.rstrip().endswith(SAVE) or line.rstrip().endswith("\\"):
            continue
        lines[node.lineno - 1] = line.rstrip() + "  " + SAVE
        marked += 1
    if not marked:
        return code, 0
    return "\n".join(lines[1:]), marked
