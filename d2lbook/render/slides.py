"""Slide decks from slide marks: one reveal.js deck per page and framework (nbconvert's
``SlidesExporter``).

What goes on a page's slides (docs/authoring.md, "Slides"):

* the page's title, on the first slide;
* the text of ``{slide}`...``` and ``{slide-only}`...``` (each starts a new slide) and of
  ``{slide-more}`...``` and ``{slide-only-more}`...``` (each continues the current slide);
* display math written as a ``{math}`` directive with ``:class: d2l-slide`` (continues the
  current slide);
* code cells tagged ``slide``, with the outputs of the executed notebook.

A page with none of these marks has no deck. The decks are read from an edition's notebooks,
so a translated edition's slides carry the translated text.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from d2lbook import myst
from d2lbook.jsondata import Cell, Notebook

SLIDE_TAG = "slide"
"""The tag of a code cell shown on the slides."""
SLIDE_CLASS = "d2l-slide"
"""The class of a ``{math}`` directive shown on the slides."""
REVEAL_URL_PREFIX = "https://unpkg.com/reveal.js@4.0.2"
"""Where the decks load reveal.js from (nbconvert's default); docs/authoring.md says how to
serve it locally instead."""

_ROLE = re.compile(r"\{(slide(?:-only)?)(-more)?\}(`+)")
_ANY_ROLE = re.compile(r"\{([A-Za-z][\w:.+-]*)\}(`+)")
_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


@dataclass
class _Slide:
    parts: list[str] = field(default_factory=list)
    """Markdown paragraphs, in page order."""
    code: list[Cell] = field(default_factory=list)
    """Code cells shown after the text (in page order)."""


def has_slides(nb: Notebook) -> bool:
    """True when the page has a slide mark (so a deck is made for it)."""
    return any(_items(cell) for cell in nb.get("cells", []))


def deck_notebook(nb: Notebook) -> Notebook | None:
    """The notebook of the page's deck (cells with reveal.js slide types), or None for a page
    without slide marks."""
    import nbformat

    slides: list[_Slide] = []
    title = ""
    for cell in nb.get("cells", []):
        if cell["cell_type"] == "markdown" and not title:
            found = _TITLE.search(_text(cell))
            title = _plain(found.group(1)) if found else ""
        for kind, content in _items(cell):
            if kind == "new" or not slides:
                slides.append(_Slide())
            if kind == "code":  # the cell itself; otherwise markdown text
                slides[-1].code.append(cast(Cell, content))
            elif cast(str, content).strip():
                slides[-1].parts.append(cast(str, content).strip())
    if not slides:
        return None
    cells = []
    if title:
        cells.append(_markdown(f"# {title}", "slide"))
    for slide in slides:
        kind = "slide"
        if slide.parts:
            cells.append(_markdown("\n\n".join(slide.parts), kind))
            kind = "-"
        for code in slide.code:
            cell = nbformat.v4.new_code_cell(code.get("source", ""))
            cell["outputs"] = copy.deepcopy(code.get("outputs", []))
            cell["execution_count"] = code.get("execution_count")
            cell["metadata"] = {"slideshow": {"slide_type": kind}}
            cells.append(cell)
            kind = "-"
    deck: Notebook = nbformat.v4.new_notebook(cells=cells,
                                              metadata=copy.deepcopy(nb.get("metadata", {})))
    for key in ("jupytext", "d2lbook"):
        deck["metadata"].pop(key, None)
    return deck


def write_deck(deck: Notebook, target: Path, reveal_url_prefix: str = REVEAL_URL_PREFIX) -> Path:
    """Export ``deck`` to a reveal.js HTML file at ``target`` (written atomically)."""
    import nbformat
    from nbconvert import SlidesExporter

    from d2lbook.files import write_atomic

    exporter = SlidesExporter(reveal_url_prefix=reveal_url_prefix, exclude_input_prompt=True,
                              exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.from_dict(deck))
    write_atomic(target, body)
    return target


def _text(cell: Cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _markdown(text: str, slide_type: str) -> Cell:
    import nbformat

    cell: Cell = nbformat.v4.new_markdown_cell(text)
    cell["metadata"] = {"slideshow": {"slide_type": slide_type}}
    return cell


def _items(cell: Cell) -> list[tuple[str, str | Cell]]:
    """What of one cell goes on the slides, in order: ("new" | "more", markdown) and
    ("code", cell)."""
    if cell["cell_type"] == "code":
        tags = cell.get("metadata", {}).get("tags", [])
        return [("code", cell)] if SLIDE_TAG in tags else []
    if cell["cell_type"] != "markdown":
        return []
    text = _text(cell)
    if "slide" not in text:
        return []
    found: list[tuple[int, str, str | Cell]] = []
    math_spans = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for block in myst.blocks_in(lines, nested=True):
        if block.name != "math" or block.end >= len(lines):
            continue  # not a math directive, or one never closed
        start = offsets[block.start]
        math_spans.append((start, offsets[block.end] + len(lines[block.end])))
        options, count = block.options()
        if SLIDE_CLASS in options.get("class", "").split():
            body = "\n".join(block.body[count:])
            found.append((start, "more", f"$$\n{body.strip()}\n$$"))
    i = 0
    while True:
        m = _ROLE.search(text, i)
        if not m:
            break
        close = _closing(text, m.end(), len(m.group(3)))
        if close < 0:
            i = m.end()
            continue
        if not any(a <= m.start() < b for a, b in math_spans):
            content = _strip_span(text[m.end():close])
            found.append((m.start(), "more" if m.group(2) else "new", _plain(content)))
        i = close + len(m.group(3))
    return [(kind, content) for _, kind, content in sorted(found, key=lambda f: f[0])]


def _closing(text: str, start: int, ticks: int) -> int:
    """Index of the run of exactly ``ticks`` backticks closing a span opened before
    ``start``; -1 when there is none."""
    for m in re.finditer(r"`+", text[start:]):
        if len(m.group(0)) == ticks:
            return start + m.start()
    return -1


def _strip_span(content: str) -> str:
    """A code span's content (one space on each side is padding when both are there)."""
    if len(content) > 1 and content.startswith(" ") and content.endswith(" "):
        return content[1:-1]
    return content


def _plain(text: str) -> str:
    """Markdown for a slide: roles inside marked text become what a reader sees of them
    (math, the text of a slide mark, the title or target of a reference)."""
    out: list[str] = []
    i = 0
    while True:
        m = _ANY_ROLE.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        close = _closing(text, m.end(), len(m.group(2)))
        if close < 0:
            out.append(text[i:m.end()])
            i = m.end()
            continue
        out.append(text[i:m.start()])
        name, content = m.group(1), _strip_span(text[m.end():close])
        if name == "math":
            out.append(f"${content}$")
        elif name in ("slide", "slide-more", "slide-only", "slide-only-more"):
            out.append(_plain(content))
        else:
            title = re.fullmatch(r"(?s)\s*(.*?)\s*<[^<>]*>\s*", content)
            out.append(title.group(1) if title else content.lstrip("~!"))
        i = close + len(m.group(2))
