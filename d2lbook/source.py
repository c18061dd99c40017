"""The book model: pages in table-of-contents order, read from a source tree.

A page's *name* is its path relative to the source folder, posix, without ``.md``
(``chapter_linear-networks/linear-regression``); Sphinx calls it the docname.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from d2lbook.errors import SourceError
from d2lbook.layout import is_hidden, page_file, page_files, page_name, page_of_file
from d2lbook.myst import CODE_CELL, blocks

ROOT_PAGE = "index"
ASSET_SUFFIXES = {".bib", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".csv", ".txt", ".json",
                  ".html"}  # .html: read by `.. raw:: html` with :file:


class PageKey(NamedTuple):
    """One page of one edition (``en``, ``chapter_x/y``): what the build executes and
    renders, for one framework in a book with frameworks. Shown as ``en:chapter_x/y``
    (``en:chapter_x/y [pytorch]``)."""

    lang: str
    page: str
    framework: str = ""

    def __str__(self) -> str:
        return f"{self.lang}:{self.page}" + (f" [{self.framework}]" if self.framework else "")


@dataclass(frozen=True)
class Page:
    """One page of a source tree."""

    name: str
    path: Path
    text: str

    @property
    def folder(self) -> PurePosixPath:
        return PurePosixPath(self.name).parent


def code_cell_lines(text: str) -> list[int]:
    """The 1-based line of every ``{code-cell}`` fence of a page, in order."""
    return [block.line for block in blocks(text) if block.name == CODE_CELL]


def toctree_entries(text: str) -> list[str]:
    """The entries of every ``{toctree}`` directive of a page, in order (relative names)."""
    entries: list[str] = []
    for block in blocks(text, nested=True):
        if block.name == "toctree":
            entries += toctree_body_entries(block.body)
    return entries


def toctree_body_entries(body: Iterable[str]) -> list[str]:
    """The entries of one ``{toctree}`` directive, from its body lines (options and comments
    left out)."""
    entries: list[str] = []
    for line in (raw.strip() for raw in body):
        if line and not line.startswith(":") and not line.startswith("#"):
            target = re.sub(r"^.*<(.+)>$", r"\1", line)  # "Title <page>" form
            entries.append(page_of_file(target))
    return entries


def resolve_entry(base: PurePosixPath, entry: str) -> str:
    """A toctree entry of a page in folder ``base`` as a page name (``..`` and ``/`` handled)."""
    if entry.startswith("/"):
        return entry.lstrip("/")
    parts: list[str] = []
    for part in (base / entry).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def page_order(src: Path) -> list[str]:
    """Page names in reading order: a depth-first walk of the toctrees from ``index.md``,
    then any page not reachable from it (alphabetically)."""
    if not page_file(src, ROOT_PAGE).is_file():
        raise SourceError(f"{page_file(src, ROOT_PAGE)}: missing; a book needs an index page "
                          "with a {toctree}")
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, referrer: str) -> None:
        if name in seen:
            return
        path = page_file(src, name)
        if not path.is_file():
            raise SourceError(f"{page_file(src, referrer)}: the toctree lists {name!r}, but "
                              f"{path} does not exist; fix the entry or add the page")
        seen.add(name)
        order.append(name)
        text = read_page_text(path)
        for entry in toctree_entries(text):
            visit(resolve_entry(PurePosixPath(name).parent, entry), name)

    visit(ROOT_PAGE, ROOT_PAGE)
    rest = sorted(page_name(src, p) for p in page_files(src)
                  if not is_hidden(p.relative_to(src)))
    order += [name for name in rest if name not in seen]
    return order


def read_pages(src: Path) -> list[Page]:
    """Every page of a source tree, in reading order."""
    pages = []
    for name in page_order(src):
        path = page_file(src, name)
        text = read_page_text(path)
        problems = unclosed_fences(text)
        if problems:
            line, fence = problems[0]
            raise SourceError(f"{path}:{line}: the block {fence!r} opened here is never "
                              "closed, so it swallows the rest of the page; add its closing "
                              f"line {fence.split('{')[0]!r} where the block ends")
        pages.append(Page(name, path, text))
    return pages


def read_page_text(path: Path) -> str:
    """A page's text; a located SourceError when it is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise SourceError(f"{path}:{line}: not UTF-8 (byte {data[err.start]:#04x} at offset "
                          f"{err.start}); save the file as UTF-8") from None


_LITERAL = {"code-cell", "code", "code-block", "sourcecode", "raw", "math", "literalinclude"}


def unclosed_fences(text: str, offset: int = 0) -> list[tuple[int, str]]:
    """(1-based line, opening line) of every fenced block (code or directive, ``` or :::) that
    runs to the end of the page or of its enclosing directive because it is never closed
    (CommonMark then takes everything after it as its content)."""
    return list(_unclosed_fences(text, offset))


@lru_cache(maxsize=4096)
def _unclosed_fences(text: str, offset: int) -> tuple[tuple[int, str], ...]:
    # A pure function of the text, remembered: ``serve`` re-reads every page on each rebuild.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin

    lines = text.splitlines()
    found: list[tuple[int, str]] = []
    for token in MarkdownIt("commonmark").use(colon_fence_plugin).parse(text):
        if token.type not in ("fence", "colon_fence") or token.map is None:
            continue
        start, end = token.map
        last = lines[end - 1].lstrip("> \t").rstrip() \
            if start < end - 1 < len(lines) else ""
        char = token.markup[0]
        if not (last.startswith(token.markup) and not last.strip(char)):
            found.append((offset + start + 1, lines[start].strip()))
            continue
        name = token.info.strip()
        if name.startswith("{") and name[1:].split("}")[0] not in _LITERAL:
            found += _unclosed_fences(token.content, offset + start + 1)
    return tuple(found)


def asset_files(src: Path) -> list[Path]:
    """Non-page files a build needs (bibliography, images, data), relative to ``src``."""
    return sorted(
        p.relative_to(src) for p in src.rglob("*")
        if p.is_file() and p.suffix.lower() in ASSET_SUFFIXES
        and not is_hidden(p.relative_to(src))
    )
