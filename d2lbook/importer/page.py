"""One page of the old dialect -> one MyST notebook page.

The tokenizer (``blocks``) cuts the page into blocks; this module turns them into items
(headings with targets, figures, tables, equations, tab sets, code cells, plain text) and
renders the items as MyST. Block roles (``:label:``, ``:eqlabel:``, ``:width:``) attach to the
item before them, or to the heading or table after them (with a warning where the old tool
would have misplaced them). Whatever cannot be understood is kept as text and reported with its
file:line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias, TypedDict, cast

from d2lbook.importer.blocks import LIST_MARK, Block, tokenize
from d2lbook.importer.cells import Cell, convert_cell, split_frameworks
from d2lbook.importer.inline import Facts, convert_inline
from d2lbook.importer.report import Located
from d2lbook.myst import PAGE_FRONT_MATTER as FRONT_MATTER

DISPLAY_NAMES = {"mxnet": "MXNet", "pytorch": "PyTorch", "tensorflow": "TensorFlow",
                 "jax": "JAX", "paddle": "PaddlePaddle", "numpy": "NumPy"}
IMAGE = re.compile(r"(?s)^!\[(.*)\]\(\s*<?([^\s()<>]+(?:\([^\s()]*\))?)>?(?:\s+\"[^\"]*\")?\s*\)$")
# Link text: brackets nested one deep at most, so that a scan never runs past the next
# unmatched "[" (a long line of "[" stays linear).
LINK_TEXT = r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
IMAGE_IN_TEXT = re.compile(rf"!{LINK_TEXT}\(\s*([^\s()]+)")
PAGE_LINK = re.compile(rf"(?<!!){LINK_TEXT}\(\s*([^\s()#:]+)\.md(#[^\s()]*)?\s*\)")
TOC_OPTIONS = ("maxdepth", "numbered", "caption", "hidden", "titlesonly", "glob", "reversed",
               "name", "includehidden")
AUTODOC = re.compile(r"^\s*\.\.\s+auto\w+::", re.M)
# A file an rST directive reads: `:file: x.html` (raw), `.. include:: x`, `.. literalinclude:: x`.
RST_FILE = re.compile(r"^\s*(?::file:|\.\.\s+(?:literal)?include::)\s*(\S+)\s*$")
RST_TITLE = re.compile(r"^[ \t]*\w.*\n[ \t]*([=\-~^\"'`#*+])\1{2,}[ \t]*$", re.M)


# A slide mark around display math (`(**$$ ... $$**)`) becomes this class on the {math}
# directive: no output shows it (HTML gets a class without a style; LaTeX and the reader
# notebooks ignore it), and a slides builder can pick the equations it marks.
SLIDE_CLASS = "d2l-slide"


def display_name(fw: str) -> str:
    return DISPLAY_NAMES.get(fw, fw.capitalize())


@dataclass
class PageContext:
    """What the page converter needs to know about the book."""

    frameworks: tuple[str, ...]
    """The book's tabs, default first."""
    pages: frozenset[str]
    """Every page of the book (``chapter/page`` without ``.md``), to check toc entries."""
    exists: Callable[[str], bool] | None = None
    """``exists(relative path from the book root) -> bool``, to check images."""


class ItemData(TypedDict, total=False):
    """What rendering an item needs beyond its lines; the keys depend on its kind."""

    src: str  # figure: the image
    caption: str  # figure, table, caption: the caption, converted
    indent: str  # math: the list indentation it keeps
    marker: str  # math: the list marker it starts
    info: str  # fence: the info string
    cells: list[Cell]  # cells: the MyST code cells


@dataclass
class Item:
    kind: str
    line: int
    lines: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    data: ItemData = field(default_factory=ItemData)


@dataclass
class TabSet:
    line: int
    tabs: list[tuple[tuple[str, ...], list[_Node]]] = field(default_factory=list)
    hoisted: list[Item] = field(default_factory=list)
    kind: str = "tabset"


@dataclass
class Converted:
    text: str
    facts: Facts
    cells: list[Cell]


class PageConverter:
    def __init__(self, name: str, text: str, ctx: PageContext, page: Located):
        self.name = name
        self.folder = posixpath.dirname(name)
        self.text = text
        self.ctx = ctx
        self.page = page
        self.facts = Facts()
        self.cells: list[Cell] = []
        self.root: list[_Node] = []
        self.out: list[_Node] = self.root
        self.tab: TabSet | None = None
        self.tab_line = 0
        self.tab_closed = False
        self.rst_title = False  # an eval_rst block holds a section title (the page's title)
        self.pending_labels: list[tuple[str, int]] = []
        self.inline_roles: list[tuple[str, str, int]] = []

    # ------------------------------------------------------------------ helpers
    def warn(self, line: int, message: str, code: str) -> None:
        self.page.warn(line, message, code)

    def inline(self, text: str, line: int) -> str:
        """Inline conversion; block roles found inside the text wait for the next emit."""
        result = convert_inline(text, line, self.page, self.facts)
        self.inline_roles.extend(result.block_roles)
        return result.text

    def last(self) -> Item | TabSet | _CaptionHolder | None:
        return self.out[-1] if self.out else None

    def emit(self, item: Item | TabSet | _CaptionHolder) -> None:
        last = self.last()
        if isinstance(last, _CaptionHolder) and not (isinstance(item, Item)
                                                     and item.kind == "table"):
            self.warn(last.item.line, "table caption `: ...` without a table next to it; kept "
                      "as text", "caption")
        if self.pending_labels and isinstance(item, Item) and item.kind in ("heading", "figure"):
            item.labels[:0] = [name for name, _ in self.pending_labels]
            self.pending_labels = []
        self.flush_pending()
        self.out.append(item)
        self.place_inline_roles(item)

    def place_inline_roles(self, item: Item | TabSet | _CaptionHolder) -> None:
        roles, self.inline_roles = self.inline_roles, []
        for role, value, line in roles:
            self.inline_role(item, role, value, line)

    def inline_role(self, item: _Node, role: str, value: str, line: int) -> None:
        """A block role written inside a line of text (not on a line of its own)."""
        if role == "bibliography":
            self.facts.bibliographies.append((value, line))
            self.out.append(Item("bibliography", line))
            self.page.count("bibliography")
            return
        kind = item.kind if isinstance(item, Item) else ""
        if role in ("width", "height"):
            if kind == "figure":
                cast(Item, item).options[role] = value
            else:
                self.warn(line, f":{role}:`{value}` does not follow an image; dropped",
                          "width-position")
            return
        self.facts.labels.append((value, line))
        target = item if isinstance(item, Item) else None
        if isinstance(item, _CaptionHolder):
            target = item.item
        if target is None:
            self.out.append(Item("target", line, labels=[value]))
        else:
            target.labels.append(value)
        if kind in ("heading", "figure", "table") or isinstance(item, _CaptionHolder):
            self.warn(line, f":{role}:`{value}` on the same line as the {kind or 'caption'}; "
                      "read as its label", "label-position")
        else:
            self.warn(line, f":{role}:`{value}` inside a paragraph; kept as a target before it",
                      "label-position")

    def flush_pending(self) -> None:
        for name, line in self.pending_labels:
            self.warn(line, f":label:`{name}` is followed by no heading or table; kept as a "
                      "target before the next block", "label-position")
            self.out.append(Item("target", line, labels=[name]))
        self.pending_labels = []

    # ------------------------------------------------------------------ driver
    def convert(self) -> Converted:
        blocks = tokenize(self.text, self.page)
        k = 0
        while k < len(blocks):
            block = blocks[k]
            handler = getattr(self, f"on_{block.kind}")
            handler(block, blocks, k)
            k += 1
        if self.tab is not None:
            self.warn(self.tab_line, "tab opened by :begin_tab: is never closed; closed at the "
                      "end of the page", "unclosed-tab")
            self.close_tab()
        self.flush_pending()
        if isinstance(self.last(), _CaptionHolder):
            self.warn(cast(_CaptionHolder, self.last()).item.line, "table caption `: ...` "
                      "without a table next to it; kept as text", "caption")
        for item in self.all_items():
            if item.kind == "heading":
                self.facts.section_labels.update(item.labels)
            if item.kind == "math":
                self.facts.equation_labels.update(item.labels)
            if item.kind in ("figure", "table") and item.labels and \
                    not item.data.get("caption"):
                self.warn(item.line, f"{item.kind} {item.labels[0]} has no caption: Sphinx "
                          "cannot number it for :numref:", "no-caption")
        if not self.rst_title and not any(isinstance(i, Item) and i.kind == "heading"
                                          for i in self.root):
            self.warn(1, "page has no heading: Sphinx needs a title for the table of contents",
                      "no-title")
        body = render(self.root, self.ctx.frameworks, with_labels=True)
        text = FRONT_MATTER + "\n" + "\n".join(body).strip("\n") + "\n"
        return Converted(text, self.facts, self.cells)

    def all_items(self) -> list[Item]:
        found: list[Item] = []
        for item in self.root:
            if isinstance(item, TabSet):
                found += [i for _, items in item.tabs for i in items if isinstance(i, Item)]
            elif isinstance(item, Item):
                found.append(item)
        return found

    def next_kind(self, blocks: list[Block], k: int) -> Block | None:
        for block in blocks[k + 1:]:
            if block.kind != "blank":
                return block
        return None

    # ------------------------------------------------------------------ blocks
    def on_blank(self, block: Block, blocks: list[Block], k: int) -> None:
        pass

    def on_html(self, block: Block, blocks: list[Block], k: int) -> None:
        """An HTML comment on lines of its own -> MyST comment lines (``% ...``), which no
        output shows (an HTML comment would stay in the HTML, dialect markup and all)."""
        lines = list(block.lines)
        first, last = lines[0].lstrip(), lines[-1].rstrip()
        if first.startswith("<!--") and last.endswith("-->") and \
                "-->" not in "\n".join(lines)[:-3]:
            text = "\n".join(lines).strip()[4:-3]
            body = [text.strip()] if len(lines) == 1 else text.strip("\n").split("\n")
            self.emit(Item("raw", block.line, [f"% {x}".rstrip() for x in body]))
            self.page.count("HTML comment -> % comment")
            return
        self.emit(Item("raw", block.line, lines))
        self.page.count("HTML kept")

    def on_heading(self, block: Block, blocks: list[Block], k: int) -> None:
        if self.tab is not None and not self.tab_closed:
            self.warn(self.tab_line, "tab opened by :begin_tab: is never closed; closed before "
                      f"the heading on line {block.line}", "unclosed-tab")
            self.close_tab()
        elif self.tab is not None:
            self.warn(block.line, "heading inside :begin_tab: ... :end_tab:; MyST shows it as "
                      "a rubric (not a section: no number, no toc entry)", "heading-in-tab")
        text = self.inline(block.lines[0], block.line)
        self.emit(Item("heading", block.line, [text]))

    def on_text(self, block: Block, blocks: list[Block], k: int) -> None:
        text = "\n".join(block.lines)
        m = IMAGE.match(text.strip())
        if m:
            self.figure(m.group(1), m.group(2), block)
            return
        for img in IMAGE_IN_TEXT.finditer(text):
            self.check_image(img.group(1), block.line + text.count("\n", 0, img.start()))
        for link in PAGE_LINK.finditer(text):
            target = posixpath.normpath(posixpath.join(self.folder, link.group(1)))
            if target not in self.ctx.pages:
                self.warn(block.line + text.count("\n", 0, link.start()), f"link to "
                          f"{link.group(1)}.md, which is not a page of the book; kept",
                          "link-target")
        converted = self.inline(text, block.line)
        if converted.strip():
            self.emit(Item("text", block.line, [x.rstrip() for x in converted.split("\n")]))

    def figure(self, caption: str, src: str, block: Block) -> None:
        self.check_image(src, block.line)
        item = Item("figure", block.line, data={"src": src})
        item.data["caption"] = self.inline(" ".join(x.strip() for x in caption.split("\n")),
                                           block.line).strip()
        self.emit(item)
        self.page.count("figure")

    def check_image(self, src: str, line: int) -> None:
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            return
        path = posixpath.normpath(posixpath.join(self.folder, src))
        self.facts.images.append((path, line))
        if path.startswith("..") or not (self.ctx.exists and self.ctx.exists(path)):
            self.warn(line, f"image {src} not found (looked for {path}); the figure is kept, "
                      "add the file", "missing-image")

    def on_role(self, block: Block, blocks: list[Block], k: int) -> None:
        if block.data["ticks"] != 1:
            self.warn(block.line, f"role :{block.data['role']}: written with "
                      f"{block.data['ticks']} backticks; read as "
                      f":{block.data['role']}:`{block.data['value']}`", "double-backticks")
        nxt = self.next_kind(blocks, k)
        # A label separated by a blank line from the block before it, but touching the block
        # after it, belongs to the block after it ...
        prefer_next = (k == 0 or blocks[k - 1].kind == "blank") and \
            k + 1 < len(blocks) and blocks[k + 1].kind != "blank"
        self.block_role(block.data["role"], block.data["value"], block.line, next_block=nxt,
                        prefer_next=prefer_next)

    def block_role(self, role: str, value: str, line: int, next_block: Block | None,
                   prefer_next: bool = False) -> None:
        last = self.last()
        if role == "bibliography":
            self.facts.bibliographies.append((value, line))
            self.emit(Item("bibliography", line))
            self.page.count("bibliography")
            return
        if role in ("width", "height"):
            if isinstance(last, Item) and last.kind == "figure":
                last.options[role] = value
            else:
                self.warn(line, f":{role}:`{value}` does not follow an image; dropped",
                          "width-position")
            return
        if role == "eqlabel":
            self.facts.labels.append((value, line))
            if isinstance(last, Item) and last.kind == "math" and not last.labels:
                last.labels.append(value)
                self.page.count("equation label")
                return
            self.warn(line, f":eqlabel:`{value}` does not follow display math; kept as a "
                      "target", "eqlabel-position")
            self.emit(Item("target", line, labels=[value]))
            return
        # :label:
        self.facts.labels.append((value, line))
        # ... except a heading after an unlabelled figure, table or equation: headings take
        # their label after them, so the label is the numbered block's.
        owner_before = isinstance(last, Item) and last.kind in ("figure", "table", "math") and \
            not last.labels and next_block is not None and next_block.kind == "heading"
        if prefer_next and not owner_before and self.label_next(value, line, next_block):
            return
        if isinstance(last, Item) and last.kind in ("heading", "figure", "table", "math"):
            if last.kind == "math":
                self.warn(line, f":label:`{value}` after display math: read as :eqlabel:",
                          "label-position")
            last.labels.append(value)
            self.page.count(f"{last.kind} label")
            return
        if isinstance(last, _CaptionHolder):
            last.item.labels.append(value)
            return
        if self.label_next(value, line, next_block):
            return
        self.warn(line, f":label:`{value}` follows no heading, figure, table or equation; "
                  "kept as a target", "label-position")
        self.emit(Item("target", line, labels=[value]))

    def label_next(self, value: str, line: int, next_block: Block | None) -> bool:
        """Attach the label to the heading, image or table that follows, if one does."""
        if next_block is None:
            return False
        if next_block.kind == "heading":
            self.warn(line, f":label:`{value}` comes before its heading (line "
                      f"{next_block.line}); moved onto the heading", "label-before-heading")
        elif next_block.kind == "text" and IMAGE.match("\n".join(next_block.lines).strip()):
            self.warn(line, f":label:`{value}` comes before its image (line "
                      f"{next_block.line}); moved onto the figure", "label-position")
        elif next_block.kind not in ("table", "caption"):
            return False
        self.pending_labels.append((value, line))
        return True

    def on_caption(self, block: Block, blocks: list[Block], k: int) -> None:
        caption = self.inline(block.data["caption"], block.line)
        last = self.last()
        if isinstance(last, Item) and last.kind == "table" and "caption" not in last.data:
            last.data["caption"] = caption
            self.page.count("table caption")
            self.place_inline_roles(last)
            return
        holder = _CaptionHolder(Item("caption", block.line, data={"caption": caption}))
        holder.item.labels = [name for name, _ in self.pending_labels]
        self.pending_labels = []
        self.emit(holder)

    def on_table(self, block: Block, blocks: list[Block], k: int) -> None:
        rows = [self.inline(row, block.line + n) for n, row in enumerate(block.lines)]
        item = Item("table", block.line, rows)
        last = self.last()
        if isinstance(last, _CaptionHolder):
            self.out.pop()
            cap = last.item
            item.data["caption"] = cap.data["caption"]
            item.labels[:0] = cap.labels
            self.page.count("table caption")
        item.labels[:0] = [name for name, _ in self.pending_labels]
        self.pending_labels = []
        self.emit(item)
        self.page.count("table")

    def on_math(self, block: Block, blocks: list[Block], k: int) -> None:
        data = block.data
        if data["prefix"].strip():
            marker_only = LIST_MARK.match(data["prefix"]) and \
                not data["prefix"][LIST_MARK.match(data["prefix"]).end():].strip()  # type: ignore[union-attr]  # matched just before
            if not marker_only:
                self.warn(block.line, "display math $$ starts in the middle of a paragraph; "
                          "the paragraph is split around it", "math-mid-paragraph")
                self.emit(Item("text", block.line,
                               self.inline(data["prefix"].rstrip(), block.line).split("\n")))
        last = self.last()
        in_list = data["in_list"] and (
            LIST_MARK.match(data["prefix"]) is not None or
            (isinstance(last, Item) and last.kind == "text" and
             any(LIST_MARK.match(x) for x in last.lines)))
        if in_list:
            self.warn(block.line, "display math $$ inside a list item; written as an indented "
                      "math directive in the item", "math-in-list")
        body = list(data["body"])
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if any(not x.strip() for x in body):
            self.warn(block.line, "blank line inside display math removed (Sphinx would split "
                      "the equation)", "math-blank-line")
            body = [x for x in body if x.strip()]
        indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
        body = [(x[indent:] if x[:indent].isspace() else x.strip()).rstrip() for x in body]
        item = Item("math", block.line, body, data={"indent": data["indent"] if in_list else ""})
        prefix = data["prefix"]
        # the second match succeeds: the first did
        if LIST_MARK.match(prefix) and not prefix[LIST_MARK.match(prefix).end():].strip():  # type: ignore[union-attr]
            item.data["marker"] = prefix
        if data["slide"]:
            item.options["class"] = SLIDE_CLASS
            self.page.count("slide mark around display math (kept as :class:)")
        if data["label"]:
            item.labels.append(data["label"])
            self.facts.labels.append((data["label"], data["tail_line"]))
        self.emit(item)
        self.page.count("display math")
        if data["tail"]:
            self.warn(data["tail_line"], "text follows the closing $$ on the same line; kept as "
                      "a paragraph after the equation", "math-mid-paragraph")
            self.emit(Item("text", data["tail_line"],
                           self.inline(data["tail"], data["tail_line"]).split("\n")))

    def on_begin_tab(self, block: Block, blocks: list[Block], k: int) -> None:
        names = tuple(split_frameworks(block.data["frameworks"]))
        if self.tab is not None:
            self.warn(self.tab_line, "tab opened by :begin_tab: is never closed; closed at the "
                      f"next :begin_tab: on line {block.line}", "unclosed-tab")
            self.close_tab()
        if not names:
            self.warn(block.line, ":begin_tab: names no framework; its text is kept outside a "
                      "tab", "tab-frameworks")
            return
        if "all" in names:
            names = self.ctx.frameworks
        unknown = [n for n in names if n not in self.ctx.frameworks]
        if unknown:
            self.warn(block.line, f":begin_tab: names {', '.join(unknown)}, not among the "
                      "book's tabs; kept as a tab of that name", "tab-frameworks")
        last = self.last()
        if isinstance(last, TabSet) and not any(
                fw in names for fws, _ in last.tabs for fw in fws):
            tabset = last
        else:
            tabset = TabSet(block.line)
            self.emit(tabset)
            self.page.count("tab-set")
        items: list[_Node] = []
        tabset.tabs.append((names, items))
        self.tab = tabset
        self.tab_line = block.line
        # Closed when an :end_tab: comes before the next :begin_tab: (then headings stay in).
        ends = (b.kind for b in blocks[k + 1:] if b.kind in ("begin_tab", "end_tab"))
        self.tab_closed = next(ends, "") == "end_tab"
        self.out = items

    def on_end_tab(self, block: Block, blocks: list[Block], k: int) -> None:
        if self.tab is None:
            self.warn(block.line, ":end_tab: without an open tab; dropped", "tab-end")
            return
        self.close_tab()

    def close_tab(self) -> None:
        self.flush_pending()
        self.out = self.root
        self.tab = None

    def on_fence(self, block: Block, blocks: list[Block], k: int) -> None:
        info: str = block.data["info"]
        body: list[str] = block.data["body"]
        classes = re.findall(r"\.([\w-]+)", info) if info.startswith("{") else []
        if info == "toc":
            self.toc(block)
        elif info in ("eval_rst", "{eval_rst}", "{.eval_rst}"):
            for m in re.finditer(r"^\s*\.\.\s+_([^:]+):\s*$", "\n".join(body), re.M):
                self.facts.labels.append((m.group(1), block.line))
            for n, raw in enumerate(body):
                m = RST_FILE.match(raw)
                if m:
                    self.facts.includes.append((m.group(1), block.line + 1 + n))
            if RST_TITLE.search("\n".join(body)):
                self.rst_title = True
            if AUTODOC.search("\n".join(body)):
                # The build documents the generated #@save library (render.apidoc).
                self.page.count("autodoc directives (documented from the #@save library)")
            self.emit(Item("fence", block.line, body, data={"info": "{eval-rst}"}))
            self.page.count("eval_rst -> {eval-rst}")
        elif "input" in classes:
            self.code(block, classes)
        elif "output" in classes:
            self.page.count("stored outputs dropped")
        elif info.startswith("{") and classes:
            self.emit(Item("fence", block.line, body, data={"info": classes[0]}))
        else:
            self.emit(Item("fence", block.line, body, data={"info": info}))

    def code(self, block: Block, classes: list[str]) -> None:
        language = next((c for c in classes if c not in ("input",)), "python")
        if language != "python":
            self.emit(Item("fence", block.line, block.data["body"], data={"info": language}))
            return
        cells = convert_cell(block.data["body"], block.line + 1, self.ctx.frameworks, self.page)
        if not cells:
            self.page.count("code cells removed (tab set-up or empty)")
            return
        self.cells.extend(cells)
        item = Item("cells", block.line, data={"cells": cells})
        if self.tab is not None:
            self.warn(block.line, "code cell inside :begin_tab: ... :end_tab:; moved after the "
                      "tabs (code cells cannot live inside a tab)", "cell-in-tab")
            self.tab.hoisted.append(item)
            return
        self.emit(item)

    def toc(self, block: Block) -> None:
        options: dict[str, str] = {}
        entries: list[str] = []
        for n, raw in enumerate(block.data["body"]):
            text = raw.strip()
            if not text:
                continue
            m = re.match(r"^:([\w-]+):\s*(.*)$", text)
            if m:
                if m.group(1) in TOC_OPTIONS:
                    options[m.group(1)] = m.group(2)
                else:
                    self.warn(block.line + 1 + n, f"unknown toc option :{m.group(1)}:; dropped",
                              "toc-option")
                continue
            entry = re.sub(r"\.(md|ipynb)$", "", text)
            target = entry
            m = re.match(r"^(.*?)\s*<([^<>]+)>$", entry)
            if m:
                target = re.sub(r"\.(md|ipynb)$", "", m.group(2))
                entry = f"{m.group(1)} <{target}>"
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                full = posixpath.normpath(posixpath.join(self.folder, target))
                if full not in self.ctx.pages:
                    self.warn(block.line + 1 + n, f"toc entry {text} is not a page of the book "
                              f"({full}.md); kept", "toc-entry")
            entries.append(entry)
        targets = [posixpath.normpath(posixpath.join(self.folder, re.sub(r"^.*<([^<>]+)>$",
                                                                         r"\1", e)))
                   for e in entries]
        self.facts.toctrees.append(("numbered" in options, targets))
        self.emit(Item("toctree", block.line, entries, options=options))
        self.page.count("toc -> {toctree}")


class _CaptionHolder:
    """A table caption waiting for its table (kept in place if none comes)."""

    kind = "caption-holder"

    def __init__(self, item: Item):
        self.item = item


_Node: TypeAlias = "Item | TabSet | _CaptionHolder"
"""What a page converts to: items, tab sets and captions waiting for their table."""


# ---------------------------------------------------------------------------- rendering
def _fence_for(lines: list[str]) -> str:
    longest = max((len(m) for x in lines for m in re.findall(r"`{3,}", x)), default=2)
    return "`" * max(3, longest + 1)


def _targets(item: Item, with_labels: bool) -> list[str]:
    return [f"({name})=" for name in item.labels] if with_labels else []


def render(items: list[_Node], frameworks: tuple[str, ...], with_labels: bool) -> list[str]:
    out: list[str] = []
    for item in items:
        lines = render_item(item, frameworks, with_labels)
        if lines is None:
            continue
        if out:
            out.append("")
        out.extend(lines)
    return out


def render_item(item: _Node, frameworks: tuple[str, ...], with_labels: bool) -> list[str] | None:
    if isinstance(item, _CaptionHolder):
        cap = item.item
        return _targets(cap, with_labels) + [cap.data["caption"]]
    if isinstance(item, TabSet):
        return render_tabset(item, frameworks, with_labels)
    kind = item.kind
    if kind == "heading":
        return _targets(item, with_labels) + item.lines
    if kind in ("text", "raw"):
        return _targets(item, with_labels) + item.lines
    if kind == "target":
        return _targets(item, with_labels) or None
    if kind == "bibliography":
        return ["```{bibliography}", "```"]
    if kind == "fence":
        fence = _fence_for(item.lines)
        return [f"{fence}{item.data['info']}", *item.lines, fence]
    if kind == "figure":
        caption = item.data["caption"]
        options = []
        if with_labels and item.labels:
            options.append(f":name: {item.labels[0]}")
        options += [f":{k}: {v}" for k, v in sorted(item.options.items())]
        extra = [f"({name})=" for name in item.labels[1:]] if with_labels else []
        body = [""] + caption.split("\n") if caption else []
        return extra + [f"```{{figure}} {item.data['src']}", *options, *body, "```"]
    if kind == "table":
        caption = item.data.get("caption", "")
        if not caption and not item.labels:
            return list(item.lines)
        options = [f":name: {item.labels[0]}"] if with_labels and item.labels else []
        extra = [f"({name})=" for name in item.labels[1:]] if with_labels else []
        title = f" {caption}" if caption else ""
        # CommonMark allows no backtick in a backtick fence's info string: a caption holding
        # a role ({cite:t}`x`) needs a tilde fence (a colon fence would close a tab item).
        fence = "~~~" if "`" in caption else "```"
        return extra + [f"{fence}{{table}}{title}", *options, "", *item.lines, fence]
    if kind == "math":
        options = [f":label: {item.labels[0]}"] if with_labels and item.labels else []
        options += [f":{k}: {v}" for k, v in sorted(item.options.items())]
        extra = [f"({name})=" for name in item.labels[1:]] if with_labels else []
        lines = ["```{math}", *options, *([""] if options else []), *item.lines, "```"]
        indent = item.data["indent"]
        if indent:
            marker = item.data.get("marker", "")
            lines = [indent + x if x else x for x in lines]
            if marker:
                lines[0] = marker + lines[0][len(indent):]
        return extra + lines
    if kind == "cells":
        out: list[str] = []
        for cell in item.data["cells"]:
            if out:
                out.append("")
            code = cell.code.split("\n")
            fence = _fence_for(code)
            out.append(f"{fence}{{code-cell}} ipython3")
            if cell.tags:
                out.append(f":tags: [{', '.join(cell.tags)}]")
            out.extend(code)
            out.append(fence)
        return out
    if kind == "toctree":
        options = [f":{k}: {v}".rstrip() for k, v in item.options.items()]
        return ["```{toctree}", *options, "", *item.lines, "```"]
    raise AssertionError(kind)


def render_tabset(tabset: TabSet, frameworks: tuple[str, ...], with_labels: bool) -> list[str]:
    if len(tabset.tabs) == 1 and frameworks and set(tabset.tabs[0][0]) >= set(frameworks):
        # A tab for every framework is shared prose: no tabs at all.
        out = render(tabset.tabs[0][1], frameworks, with_labels)
        for item in tabset.hoisted:
            out += [""] + (render_item(item, frameworks, with_labels) or [])
        return out
    order = {fw: n for n, fw in enumerate(frameworks)}
    per_fw: list[tuple[str, list[_Node], bool]] = []
    seen: set[str] = set()
    for fws, items in tabset.tabs:
        for n, fw in enumerate(fws):
            if fw in seen:
                continue
            seen.add(fw)
            per_fw.append((fw, items, n == 0))
    per_fw.sort(key=lambda t: order.get(t[0], len(order)))
    out = ["::::{tab-set}"]
    for fw, items, first in per_fw:
        out += [f":::{{tab-item}} {display_name(fw)}", f":sync: {fw}", ""]
        out += render(items, frameworks, with_labels and first)
        out += [":::"]
    out.append("::::")
    for item in tabset.hoisted:
        out.append("")
        out.extend(render_item(item, frameworks, with_labels) or [])
    return out


def convert_page(name: str, text: str, ctx: PageContext, page: Located) -> Converted:
    """Convert the page ``name`` (``chapter/page``, no ``.md``) written in the old dialect."""
    return PageConverter(name, text, ctx, page).convert()
