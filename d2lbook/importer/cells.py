"""Code cells of the old dialect -> framework code cells (the authoring syntax of CONTRACT).

A cell belongs to the frameworks named by its first line (``#@tab pytorch``, ``#@tab all``,
``%%tab mxnet, pytorch``); an unmarked cell belongs to the default (first) framework. Inside a
cell, ``if tab.selected(...):`` branches keep, for each framework, only its body, dedented.
When the frameworks of a cell end up with different code, one cell per distinct code is written.
The ``%load_ext d2lbook.tab`` / ``tab.interact_select(...)`` set-up lines disappear.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from d2lbook.importer.report import Located
from d2lbook.importer.save_marks import first_line_mark

MARKER = re.compile(r"^\s*(?:#\s*@tab\b|%%tab\b)\s*(.*?)\s*$")
# A marker behind a comment sign (`# %%tab jax`, `# #@tab jax`): still meant as the marker.
COMMENTED = re.compile(r"^\s*#\s*(?:%%tab\b|#\s*@tab\b)\s*(.*?)\s*$")
SETUP = re.compile(r"^\s*(%load_ext\s+d2lbook\.tab\b.*|tab\.interact_select\(.*)$")
BRANCH = re.compile(r"^(\s*)(if|elif)\s+(.+?)\s*:\s*(.*?)\s*$")
ELSE = re.compile(r"^(\s*)else\s*:\s*(.*?)\s*$")
SELECTED = re.compile(r"tab\.selected\(([^()]*)\)")
CONDITION = re.compile(r"^\(?\s*tab\.selected\([^()]*\)(\s+or\s+tab\.selected\([^()]*\))*\s*\)?$")
NEGATED = re.compile(r"^not\s+(.+)$")
NAME = re.compile(r"['\"]([\w.-]+)['\"]")


@dataclass(frozen=True)
class Cell:
    tags: tuple[str, ...]
    """Framework tags; empty = every framework."""
    code: str


def split_frameworks(value: str) -> list[str]:
    return [v.strip().strip("'\"") for v in re.split(r"[,\s]+", value) if v.strip()]


def convert_cell(body: list[str], line: int, frameworks: tuple[str, ...], page: Located,
                 ) -> list[Cell]:
    """One old input cell (its lines, starting at source line ``line``) -> MyST code cells.
    ``frameworks`` is the book's tabs, the default first (empty: a single-framework book)."""
    lines = list(body)
    kept = [x for x in lines if not SETUP.match(x)]
    if len(kept) != len(lines):
        page.count("tab set-up lines removed", len(lines) - len(kept))
        lines = kept
    if not any(x.strip() for x in lines):
        return []
    cut = _mid_cell_marker(lines)
    if cut:
        page.warn(line + cut, f"tab marker `{lines[cut].strip()}` in the middle of a cell; the "
                  "cell is split there, the code after it belongs to the frameworks it names",
                  "tab-marker")
        return convert_cell(lines[:cut], line, frameworks, page) + \
            convert_cell(lines[cut:], line + cut, frameworks, page)
    owners, lines = _owners(lines, line, frameworks, page)
    if not owners and frameworks:
        return []
    if not lines or not any(x.strip() for x in lines):
        return []
    if not any("tab.selected" in x for x in lines):
        return _saved_first(Cell(_tags(owners, frameworks), _join(lines)), page)
    first = line + len(body) - len(lines)  # the set-up and marker lines were at the top
    resolved: dict[str, list[str]] = {}
    for fw in owners or frameworks or ("",):
        resolved[fw] = _resolve(lines, fw, first, page, warn=fw == (owners or ("",))[0])
    groups: dict[str, list[str]] = {}
    for fw, code in resolved.items():
        groups.setdefault(_join(code), []).append(fw)
    page.count("tab.selected cells resolved")
    if len(groups) > 1:
        page.count("cells split per framework", len(groups))
    cells = []
    original_parses = _parses(lines)
    for code, fws in groups.items():
        if original_parses and not _parses(code.splitlines()):
            page.warn(line, f"the code kept for {', '.join(fws)} after resolving tab.selected "
                      "does not parse as Python; check the branches", "tab-selected-syntax")
        cells.extend(_saved_first(Cell(_tags(tuple(fws), frameworks), code), page))
    return [c for c in cells if c.code.strip()]


def _saved_first(cell: Cell, page: Located) -> list[Cell]:
    """``@add_to_class(C)  #@save`` (the mark on a decorator line) -> a cell of its own whose
    first line is ``#@save`` (the library syntax's form for a method added to a class); the
    cell's other statements stay, before and after it, in cells of their own."""
    code, marked = first_line_mark(cell.code)  # the old block below a first-line #@save
    if marked:
        page.count("first-line #@save -> end-of-line marks", marked)
        cell = Cell(cell.tags, code)
    lines = cell.code.split("\n")
    if not lines or lines[0].strip() == "#@save" or "#@save" not in cell.code:
        return [cell]
    try:
        tree = ast.parse("\n".join(_neutral(lines)))
    except SyntaxError:
        return [cell]
    cuts: list[tuple[int, int]] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        if not decorators:
            continue
        first = min(d.lineno for d in decorators)
        if lines[first - 1].rstrip().endswith("#@save") and \
                not lines[node.lineno - 1].rstrip().endswith("#@save"):
            cuts.append((first - 1, node.end_lineno or node.lineno))
    if not cuts:
        return [cell]
    page.count("#@save on a decorator -> #@save cell", len(cuts))
    pieces: list[str] = []
    start = 0
    for begin, end in cuts:
        pieces.append(_join(lines[start:begin]))
        saved = lines[begin:end]
        saved[0] = re.sub(r"\s*#@save\s*$", "", saved[0])
        pieces.append("#@save\n" + _join(saved))
        start = end
    pieces.append(_join(lines[start:]))
    return [Cell(cell.tags, piece) for piece in pieces if piece.strip()]


def _neutral(lines: list[str]) -> list[str]:
    """IPython magics and shell lines as ``pass`` (same indentation), for ``ast.parse``."""
    out = []
    for x in lines:
        stripped = x.lstrip()
        out.append(x[:len(x) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else x)
    return out


def _owners(lines: list[str], line: int, frameworks: tuple[str, ...], page: Located,
            ) -> tuple[tuple[str, ...], list[str]]:
    """The frameworks the cell belongs to, and its lines without the marker."""
    for k, text in enumerate(lines):
        if not text.strip():
            continue
        m = MARKER.match(text)
        if not m and COMMENTED.match(text):
            m = COMMENTED.match(text)
            page.warn(line + k, f"commented-out tab marker `{text.strip()}`; read as the "
                      "cell's frameworks (delete the line to make the cell the default "
                      "framework's)", "tab-marker")
        if not m:
            if text.strip() == "#@save":
                continue  # a marker may follow #@save
            break
        names = split_frameworks(m.group(1))
        rest = lines[:k] + lines[k + 1:]
        page.count("#@tab/%%tab markers")
        if not names:
            page.warn(line + k, "tab marker without frameworks; read as the default framework",
                      "tab-marker")
            return frameworks[:1], rest
        if "all" in names:
            return frameworks, rest
        if not frameworks:
            return tuple(names), rest
        unknown = [x for x in names if x not in frameworks]
        if unknown:
            page.warn(line + k, f"cell for {', '.join(unknown)}, not among the book's tabs "
                      f"({', '.join(frameworks)}); left out for "
                      f"{'it' if len(unknown) == 1 else 'them'}", "unknown-framework")
        return tuple(fw for fw in frameworks if fw in names), rest
    return frameworks[:1], lines


def _mid_cell_marker(lines: list[str]) -> int:
    """Index of a tab marker (``#@tab``, ``%%tab``, commented ``# %%tab``) after the cell's
    first code line, at the top level; 0 when there is none."""
    code_seen = False
    for k, text in enumerate(lines):
        if not text.strip():
            continue
        marker = MARKER.match(text) or COMMENTED.match(text)
        if code_seen and marker and not text[0].isspace():
            return k
        if not marker and text.strip() != "#@save":
            code_seen = True
    return 0


def _tags(owners: tuple[str, ...], frameworks: tuple[str, ...]) -> tuple[str, ...]:
    if not frameworks or set(owners) >= set(frameworks):
        return ()
    return tuple(fw for fw in frameworks if fw in owners)


def _join(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(x.rstrip() for x in lines)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _selects(condition: str, fw: str) -> bool | None:
    """Whether ``condition`` holds for ``fw``; None if it is not a plain tab.selected test."""
    negated = NEGATED.match(condition.strip())
    if negated:
        holds = _selects(negated.group(1), fw)
        return None if holds is None else not holds
    if not CONDITION.match(condition.strip()):
        return None
    names = {n for args in SELECTED.findall(condition) for n in NAME.findall(args)}
    return fw in names


def _resolve(lines: list[str], fw: str, line: int, page: Located, warn: bool) -> list[str]:
    """The code of the cell for ``fw``: tab.selected chains (if/elif/else) resolved, at any
    depth (``line``: the source line of ``lines[0]``)."""
    out: list[str] = []
    i = 0
    skipped = False
    while i < len(lines):
        text = lines[i]
        m = BRANCH.match(text)
        holds = _selects(m.group(3), fw) if m and m.group(2) == "if" else None
        if holds is None and skipped and not text.strip() and out and not out[-1].strip():
            i += 1  # the blank line after a branch left out, when one is already there
            continue
        skipped = False
        if holds is None:
            if "tab.selected" in text and warn:
                page.warn(line + i, "tab.selected(...) outside a plain `if` line is kept "
                          "as is; rewrite it by hand", "tab-selected")
            out.append(text)
            i += 1
            continue
        assert m is not None
        indent, inline, taken = len(m.group(1)), m.group(4), False
        before = len(out)
        while True:
            body, i = _body(lines, i, indent, inline)
            if holds and not taken:
                out.extend(_resolve(_dedent(body, indent), fw, line + i - len(body), page,
                                    warn))
                taken = True
            if i >= len(lines) or _indent(lines[i]) != indent:
                break
            m_elif, m_else = BRANCH.match(lines[i]), ELSE.match(lines[i])
            if m_elif and m_elif.group(2) == "elif":
                holds = _selects(m_elif.group(3), fw)
                if holds is None:
                    if warn:
                        page.warn(line + i, "elif mixes tab.selected with another "
                                  "condition; kept as is, rewrite it by hand", "tab-selected")
                    break
                inline = m_elif.group(4)
            elif m_else:
                holds, inline = True, m_else.group(2)
            else:
                break
        skipped = len(out) == before
    return out


def _body(lines: list[str], i: int, indent: int, inline: str) -> tuple[list[str], int]:
    """The lines of the branch opened on line ``i`` and the index after it."""
    if inline and not inline.startswith("#"):
        return [" " * (indent + 4) + inline], i + 1
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
        j += 1
    while j > i + 1 and not lines[j - 1].strip():  # trailing blank lines stay outside
        j -= 1
    return lines[i + 1:j], j


def _dedent(body: list[str], indent: int) -> list[str]:
    depth = min((_indent(x) for x in body if x.strip()), default=indent)
    cut = depth - indent
    if cut <= 0:
        return body
    return [x[cut:] if x[:cut].isspace() else x.lstrip() if x.strip() else "" for x in body]


def _parses(lines: list[str]) -> bool:
    """Whether the code parses as Python once IPython magics and shell lines are neutralized."""
    try:
        ast.parse("\n".join(_neutral(lines)))
    except SyntaxError:
        return False
    return True
