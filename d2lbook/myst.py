"""The one reader of a MyST page's block structure: front matter, code fences, directives and
code cells. The source model, the segmenter, the translation validator and the reader-notebook
converter all recognise these blocks through this module, so they never disagree on where a
fence or a directive starts and ends.

A fence opens with three or more backticks, tildes or colons; a backtick fence's info string
has no backtick (else the line is inline code). A fence whose info is ``{name} argument`` is a
directive (``{code-cell}`` is a notebook's code cell). It closes at a line of only the same
character, at least as many of them, indented at most three spaces (relative to the opening
fence when the line still carries its container's indentation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

FENCE_MARKER = r"`{3,}|~{3,}|:{3,}"
"""A fence's marker, anywhere in a text (the validator counts them in translations)."""
FENCE = re.compile(rf"^(?P<indent> *)(?P<marker>{FENCE_MARKER})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
"""A fence's info string that makes it a directive: ``{name} argument``."""
OPTION = re.compile(r"^[ \t]*:(?P<key>\w[\w.-]*):(?:[ \t]+(?P<value>.*?))?[ \t\r]*$")
"""A directive's option line, ``:key: value``, at the start of its body."""
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<path>[^)\s>]+)")
"""A Markdown image, ``![text](path)`` (the path without its title)."""
IMAGE_DIRECTIVES = ("figure", "image")
"""Directives whose argument is an image file."""
CODE_CELL = "code-cell"
FRONT_MATTER = "---"
FRONT_MATTER_ENDS = ("---", "...")
PAGE_FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
language_info:
  name: python
  pygments_lexer: ipython3
---
"""
"""The front matter the tool writes for a new page (``d2lbook new``, ``d2lbook import``): a
MyST notebook for jupytext, plus the IPython lexer, since cells may keep `!ls` and `%magic`
lines, which a build that does not execute (no kernel to report its language) would
highlight as Python."""


@dataclass(frozen=True)
class Fence:
    """The opening line of a code fence or a directive."""

    indent: str
    marker: str
    info: str
    nested: bool = False
    """The line carries its container's indentation (any indent accepted)."""

    @property
    def directive(self) -> tuple[str, str] | None:
        """``(name, argument)`` for a directive, None for a plain code fence."""
        found = DIRECTIVE.match(self.info.strip())
        return (found["name"], found["arg"]) if found else None

    def closed_by(self, line: str) -> bool:
        """True if ``line`` closes this fence."""
        body = line.rstrip(" \t\r")
        content = body.lstrip(" ")
        lead = len(body) - len(content)
        limit = len(self.indent) + 3 if self.nested else 3
        return (len(content) >= len(self.marker) and content == self.marker[0] * len(content)
                and lead <= limit)


def open_fence(line: str, *, nested: bool = False) -> Fence | None:
    """The fence ``line`` opens, if it opens one. ``nested``: the line may carry any
    indentation (its container's); otherwise at most three spaces."""
    found = FENCE.match(line)
    if found is None or (not nested and len(found["indent"]) > 3):
        return None
    if found["marker"][0] == "`" and "`" in found["info"]:
        return None  # inline code at the start of a line, not a fence
    return Fence(found["indent"], found["marker"], found["info"], nested)


def close_index(lines: Sequence[str], fence: Fence, start: int) -> int:
    """Index of the line (from ``start``) closing ``fence``; ``len(lines)`` if none does."""
    for index in range(start, len(lines)):
        if fence.closed_by(lines[index]):
            return index
    return len(lines)


def front_matter_length(lines: Sequence[str]) -> int:
    """How many lines the YAML front matter takes (its ``---`` lines included); 0 if none."""
    if not lines or lines[0].rstrip() != FRONT_MATTER:
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in FRONT_MATTER_ENDS:
            return index + 1
    return 0


def front_matter(text: str) -> str | None:
    """The YAML of a page's front matter (between the ``---`` lines); None if it has none."""
    lines = text.splitlines()
    length = front_matter_length(lines)
    return "\n".join(lines[1:length - 1]) if length else None


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: a code fence or a directive."""

    fence: Fence
    line: int
    """1-based line of the opening fence."""
    body: tuple[str, ...]
    """The lines between the fences."""

    @property
    def name(self) -> str | None:
        """The directive's name (``code-cell``, ``toctree``); None for a code fence."""
        directive = self.fence.directive
        return directive[0] if directive else None

    @property
    def argument(self) -> str:
        """The directive's argument (``""`` without one, or for a code fence)."""
        directive = self.fence.directive
        return directive[1] if directive else ""

    @property
    def start(self) -> int:
        """0-based index of the opening fence's line."""
        return self.line - 1

    @property
    def end(self) -> int:
        """0-based index of the closing fence's line (the number of lines when the block runs
        to the end of the page unclosed)."""
        return self.line + len(self.body)

    def options(self) -> tuple[dict[str, str], int]:
        """The directive's ``:key: value`` options and how many body lines they take."""
        return directive_options(self.body)


def option(line: str) -> tuple[str, str] | None:
    """``(key, value)`` if ``line`` is a directive option (``:key: value``), else None."""
    found = OPTION.match(line)
    return (found["key"], found["value"] or "") if found else None


def directive_options(body: Sequence[str]) -> tuple[dict[str, str], int]:
    """The options opening a directive's body (``:key: value`` lines; a later one wins) and
    how many lines they take."""
    options: dict[str, str] = {}
    count = 0
    while count < len(body):
        found = option(body[count])
        if found is None:
            break
        options[found[0]] = found[1]
        count += 1
    return options, count


def blocks(text: str, *, nested: bool = False) -> Iterator[Block]:
    """The fenced blocks of a page in order, after its front matter. Directive bodies are
    searched too when ``nested``; code fences and code cells are opaque."""
    lines = text.split("\n")
    yield from _blocks(lines, front_matter_length(lines), len(lines), nested)


def blocks_in(lines: Sequence[str], *, nested: bool = False) -> Iterator[Block]:
    """The fenced blocks of some lines (a directive's body, say: no front matter), as
    :func:`blocks` finds them; their ``line`` counts from the first of ``lines``."""
    yield from _blocks(lines, 0, len(lines), nested)


def without_blocks(text: str, drop: Callable[[Block], bool]) -> str:
    """The page with each block ``drop`` selects (fences included, blocks nested in it with
    it) replaced by one empty line; the front matter stays."""
    lines = text.split("\n")
    out: list[str] = []
    done = 0
    for block in blocks(text, nested=True):
        if block.start < done or not drop(block):
            continue
        out += [*lines[done:block.start], ""]
        done = block.end + 1
    return "\n".join(out + lines[done:])


def image_paths(text: str) -> list[str]:
    """The image files a page names, in the page's order: Markdown images (wherever they are)
    and the arguments of ``figure`` and ``image`` directives."""
    found: list[tuple[int, int, str]] = []
    offsets = [0]
    for line in text.split("\n"):
        offsets.append(offsets[-1] + len(line) + 1)
    for block in blocks(text, nested=True):
        if block.name in IMAGE_DIRECTIVES and block.argument:
            found.append((offsets[block.start], 0, block.argument.split()[0]))
    for image in IMAGE.finditer(text):
        found.append((image.start(), 1, image["path"]))
    return [path for _, _, path in sorted(found)]


def _blocks(lines: Sequence[str], start: int, stop: int, nested: bool) -> Iterator[Block]:
    index = start
    while index < stop:
        fence = open_fence(lines[index])
        if fence is None:
            index += 1
            continue
        end = min(close_index(lines[:stop], fence, index + 1), stop)
        block = Block(fence, index + 1, tuple(lines[index + 1:end]))
        yield block
        if nested and block.name not in (None, CODE_CELL):
            yield from _blocks(lines, index + 1, end, nested)
        index = end + 1
