"""Code comments as messages: the comments of a page's code cells, found with Python's own
tokenizer, put in the page's catalog and applied to the translated code cells.

Every comment line is one message: a whole-line ``# Compute the loss`` and a trailing
``x = 1  # the bias`` alike. Their catalog entries share one context, ``msgctxt "code
comment"``, whatever the cell or framework: the same comment written in the MXNet cell and in
the PyTorch cell of a page is one entry, translated once (it says the same thing in both), and
a comment is never confused with a paragraph of the same words.

Not messages: strings (``"# not a comment"``, f-strings: the tokenizer knows they are not
comments), directives for tools (``#@save``, ``#@tab``, ``# noqa``, ``# type:``, ``# fmt:``,
``# pragma``, ``#!`` lines, coding lines, ``# %%`` cell markers), commented-out code, and
comments without a letter. A cell that does not tokenize (IPython magics the tokenizer cannot
read, an unfinished bracket) keeps its comments in English.

Applying a translation changes only the comment's text after ``#``: it must be one line, and
the cell must tokenize to the same code afterwards, or the English stays. Code statements
never change, so the cell executes exactly as the English one does (the build computes the
execution key on the English cells and reuses the English outputs).
"""

from __future__ import annotations

import ast
import copy
import io
import re
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from d2lbook.jsondata import Cell, Notebook
from d2lbook.myst import CODE_CELL, blocks, directive_options

from .segment import normalize

__all__ = ["CONTEXT", "Comment", "apply_comments", "code_comments", "comment_lines",
           "is_message", "pair_comments", "with_code_from"]

CONTEXT = "code comment"
"""The ``msgctxt`` of every code comment message."""

_DIRECTIVE = re.compile(
    r"^#(?:@|!|\s*%%|\s*(?:noqa|type:|fmt:|pragma|pylint:|mypy:|isort:|ruff:|nosec|"
    r"-\*-|vim?:|coding[:=]))", re.IGNORECASE)


@dataclass(frozen=True)
class Comment:
    """One comment of a code cell."""

    msgid: str
    """The comment's words (after ``#`` and spaces, trailing spaces removed)."""
    start: int
    """Offset in the page where the words start."""
    end: int
    line: int
    """1-based line of the page."""
    cell: int
    """1-based line of the cell's opening fence."""
    trailing: bool
    """After code on the same line (``x = 1  # ...``)."""


def is_message(comment: str) -> bool:
    """True if the comment token ``comment`` (``# ...``) is prose to translate: not a tool
    directive, not commented-out code, with at least one letter."""
    if _DIRECTIVE.match(comment) or "#@" in comment:
        return False
    words = comment.lstrip("#").strip()
    if not any(ch.isalpha() for ch in words):
        return False
    return not _looks_like_code(words)


def _looks_like_code(words: str) -> bool:
    """Commented-out code: it parses as Python and is more than a bare word or two."""
    try:
        tree = ast.parse(words)
    except (SyntaxError, ValueError):
        return False
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        value = tree.body[0].value
        if isinstance(value, ast.Name | ast.Constant):
            return False  # "# Sum", "# Training": words, not code
    return True


def _cell_code(body: tuple[str, ...]) -> int:
    """Index of the first code line of a code cell's body (after its options)."""
    if body and body[0].strip() == "---":
        for index in range(1, len(body)):
            if body[index].strip() == "---":
                return index + 1
        return len(body)
    return directive_options(body)[1]


def _tokens(code: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


def comment_lines(code: str) -> Iterator[tuple[int, int, str, bool]]:
    """The message comments of a piece of code: (0-based line, column of ``#``, the comment
    token, trailing?). Nothing when the code does not tokenize."""
    tokens = _tokens(code)
    if tokens is None:
        return
    lines = code.split("\n")
    for token in tokens:
        if token.type == tokenize.COMMENT and is_message(token.string):
            row, col = token.start
            trailing = bool(lines[row - 1][:col].strip())
            yield row - 1, col, token.string, trailing


def code_comments(text: str) -> list[Comment]:
    """Every message comment of the page's code cells, in page order."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    found: list[Comment] = []
    for block in blocks(text):
        if block.name != CODE_CELL:
            continue
        skip = _cell_code(block.body)
        code = "\n".join(line.rstrip("\r") for line in block.body[skip:])
        first = block.line + skip  # 0-based index of the first code line in the page
        for row, col, token, trailing in comment_lines(code):
            words = token[1:].lstrip("#").lstrip()
            offset = col + len(token) - len(words)
            words = words.rstrip()
            begin = starts[first + row] + offset
            found.append(Comment(normalize(words), begin, begin + len(words), first + row + 1,
                                 block.line, trailing))
    return found


def _code_only(code: str) -> list[tuple[int, str]] | None:
    tokens = _tokens(code)
    if tokens is None:
        return None
    return [(t.type, t.string) for t in tokens if t.type not in (tokenize.COMMENT,)]


def fits(translation: str) -> bool:
    """True if ``translation`` can replace a comment's words: one line, no control
    characters, no tool directive (``#@save``) the English comment does not carry."""
    text = translation.strip()
    return bool(text) and len(text.splitlines()) == 1 and "#@" not in text and \
        not any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


@dataclass
class AppliedComments:
    text: str
    translated: int = 0
    rejected: list[tuple[str, str]] | None = None
    """(English comment, translation) of every translation that could not be placed."""


def apply_comments(text: str, table: Mapping[str, str]) -> AppliedComments:
    """``text`` with every comment that ``table`` (English words -> translation) translates
    replaced; a translation that is not one line, or that would change how the cell
    tokenizes, is not placed."""
    comments = code_comments(text)
    if not table or not comments:
        return AppliedComments(text, 0, [])
    rejected: list[tuple[str, str]] = []
    out: list[str] = []
    position = translated = 0
    for comment in comments:
        translation = table.get(comment.msgid)
        if translation is None:
            continue
        if not fits(translation):
            rejected.append((comment.msgid, translation))
            continue
        out.append(text[position:comment.start])
        out.append(translation.strip())
        position = comment.end
        translated += 1
    out.append(text[position:])
    result = "".join(out)
    if translated and not _same_code(text, result):
        return AppliedComments(text, 0, rejected + [(c.msgid, table[c.msgid])
                                                    for c in comments if c.msgid in table])
    return AppliedComments(result, translated, rejected)


def _same_code(before: str, after: str) -> bool:
    """Every code cell tokenizes to the same code (comments aside) in both pages."""
    def cells(text: str) -> list[list[tuple[int, str]] | None]:
        return [_code_only("\n".join(b.body[_cell_code(b.body):]))
                for b in blocks(text) if b.name == CODE_CELL]
    return cells(before) == cells(after)


def _source(cell: Cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def with_code_from(nb: Notebook, other: Notebook) -> Notebook:
    """The notebook ``nb`` (a copy when a cell changes) whose code cells take their source from
    the code cell of the same id in ``other`` when the two differ only in comments: the
    translated page runs (and is keyed for the execution cache) with the English cells, and
    its executed notebook gets its translated comments back. A cell whose code differs keeps
    its own."""
    code = {cell["id"]: _source(cell) for cell in other.get("cells", [])
            if cell.get("cell_type") == "code" and "id" in cell}
    taken: dict[int, str] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or cell.get("id") not in code:
            continue
        mine, theirs = _source(cell), code[cell["id"]]
        if mine == theirs:
            continue
        tokens = _code_only(mine)
        if tokens is not None and tokens == _code_only(theirs):
            taken[index] = theirs
    if not taken:
        return nb  # nothing to take: the notebook itself (the copy is what costs)
    out = copy.deepcopy(nb)
    for index, source in taken.items():
        out["cells"][index]["source"] = source
    return out


@lru_cache(maxsize=1024)
def _keyed(code: str) -> dict[tuple[str, str, int], str] | None:
    """The message comments of ``code`` keyed by where they sit in the code: a trailing
    comment by the code of its line, a whole-line comment by the next line of code (and its
    place among the comments before it); None when the code does not tokenize."""
    tokens = _tokens(code)
    if tokens is None:
        return None
    lines = code.split("\n")
    cut = {t.start[0] - 1: t.start[1] for t in tokens if t.type == tokenize.COMMENT}
    bare = [" ".join(line[:cut.get(row, len(line))].split()) for row, line in enumerate(lines)]
    found: dict[tuple[str, str, int], str] = {}
    counts: dict[tuple[str, str], int] = {}
    for row, _col, token, trailing in comment_lines(code):
        if trailing:
            place = ("after", bare[row])
        else:
            place = ("before", next((text for text in bare[row + 1:] if text), ""))
        k = counts.get(place, 0)
        counts[place] = k + 1
        found[(*place, k)] = token[1:].lstrip("#").strip()
    return found


def pair_comments(english: str, translated: str) -> list[tuple[str, str]]:
    """(English comment, its translation) for the comments of two versions of one code cell
    (an English cell and the fork's cell aligned with it) that sit in the same place; a
    comment the translation left in English, or whose translation cannot be placed, is not
    a pair."""
    a, b = _keyed(english), _keyed(translated)
    if not a or not b:
        return []
    pairs = []
    for place, words in a.items():
        other = b.get(place)
        if other and normalize(other) != normalize(words) and fits(other):
            pairs.append((normalize(words), other.strip()))
    return pairs
