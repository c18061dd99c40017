"""Turn the MyST source of one markdown cell into clean Jupyter markdown.

Readers download the book's pages as ``.ipynb`` notebooks. Jupyter understands CommonMark
(plus GitHub tables, raw HTML and ``$`` math) but none of MyST's roles, directives, labels or
comments, so the notebooks would show markup such as ``{numref}`fig-x``` verbatim.
:func:`to_reader_markdown` rewrites a cell into what Jupyter can show:

* roles become links, math, code spans or plain text; cross-references are numbered through a
  :class:`Resolver` supplied by the caller (it knows every page of the book);
* directives become blockquotes, images with numbered captions, tables, link lists, code
  fences or plain text;
* labels become HTML anchors so that links such as ``page.ipynb#fig-x`` still land;
* everything else is kept byte for byte -- code fences, code spans, indented code and raw
  HTML blocks are never touched, and clean markdown comes back unchanged.

The function is pure: it never reads files, and it reports what it could not resolve as
warnings instead of raising.

The scanner is line based. markdown-it (CommonMark rules) is used only to find indented code
blocks and raw HTML blocks, whose lines are copied as they are.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from markdown_it import MarkdownIt

from d2lbook.myst import Fence, close_index, directive_options, open_fence

__all__ = ["Resolver", "Target", "to_reader_markdown"]


@dataclass(frozen=True)
class Target:
    """What a cross-reference points at, as a reader of the notebook should see it."""

    title: str
    """Display text, e.g. ``"Fig. 3.1"``, ``"(3.2)"``, ``"Section 3.1 Linear Regression"``."""
    url: str
    """Link for readers (relative notebook path with anchor, or absolute URL); ``""``: no link."""


class Resolver(Protocol):
    """Resolves cross-references for :func:`to_reader_markdown`.

    ``role`` is the MyST role name (``"numref"``, ``"ref"``, ``"eq"``, ``"doc"``, ``"term"``,
    ``"cite"``, ``"cite:p"``, ``"cite:t"``, ...); ``target`` is the label, document path
    (relative to ``docname``'s folder unless it starts with ``/``) or citation key as written;
    ``docname`` is the page being converted, e.g. ``"chapter_linear-networks/linear-regression"``.
    Return ``None`` when the target is unknown.

    A resolver may also define ``bibliography(self) -> list[str]``: the markdown entries that a
    ``{bibliography}`` directive lists. Without that method the directive renders nothing.
    """

    def resolve(self, role: str, target: str, docname: str) -> Target | None: ...


def to_reader_markdown(source: str, docname: str, resolver: Resolver) -> tuple[str, list[str]]:
    """Return ``(clean markdown, warnings)`` for the MyST source of one markdown cell.

    The warnings name the role or directive and the target that could not be resolved, or the
    directive whose content could not be shown; each distinct warning is listed once.
    """
    converter = _Converter(docname, resolver)
    return converter.blocks(source), list(converter.warnings)


# ---------------------------------------------------------------------------------------------
# Syntax

# An opening fence: backticks or tildes (code or directive) or colons (directive only).
_YAML_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*?)\s*$")

_TARGET = re.compile(r"^(?P<indent> *)\((?P<label>[^()\s]+)\)=\s*$")
_COMMENT = re.compile(r"^ *%")
_BLOCK_BREAK = re.compile(r"^ *\+\+\+")
_HEADING_ID = re.compile(
    r"^(?P<heading> {0,3}#{1,6}[ \t].*?)[ \t]*\{#(?P<id>[^\s{}]+)[^{}]*\}[ \t]*$"
)
_ATTRS_LINE = re.compile(r"^(?P<indent> *)\{(?P<attrs>[#.][^{}]*)\}\s*$")

_MATH_OPEN = re.compile(r"^(?P<indent> *)\$\$(?P<rest>.*)$")
_MATH_ONE_LINE = re.compile(
    r"^(?P<indent> *)\$\$(?P<body>.*?)\$\$[ \t]*(?:\((?P<label>[^()\s]+)\))?\s*$"
)
_MATH_CLOSE = re.compile(r"^(?P<body>.*?)\$\$[ \t]*(?:\((?P<label>[^()\s]+)\))?\s*$")

_QUOTE = re.compile(r"^ {0,3}>")
_QUOTE_PREFIX = re.compile(r"^ {0,3}> ?")

# Lines that start a new block: inline code spans never run across them.
_BLOCK_START = re.compile(
    r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|>|\||[*+-](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))"
)
_ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:.+-]*)\}(?P<ticks>`+)")
_EXPLICIT = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
_LIST_ITEM = re.compile(r"^(?P<marker>[*+-])(?P<space> +|$)")
_MD_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# ---------------------------------------------------------------------------------------------
# Roles and directives by kind

_REFERENCE_ROLES = {"numref", "ref", "eq", "doc", "term", "any"}
_CODE_ROLES = {
    "code", "literal", "kbd", "file", "command", "guilabel", "menuselection", "samp",
    "program", "option", "envvar", "mimetype", "makevar", "regexp",
}
_PLAIN_ROLES = {"sub", "sup", "abbr", "subscript", "superscript", "emphasis", "strong"}

_ADMONITIONS = {
    "note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important",
    "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
    "hint": "Hint", "seealso": "See also",
}
# Admonition-like directives whose argument is a title rather than the first line of the body.
_TITLED_QUOTES = {"admonition": "Note", "topic": "", "dropdown": ""}
_VERSION_NOTES = {
    "versionadded": "New in version", "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
}
_QUOTES = {"epigraph", "pull-quote", "highlights", "blockquote"}
# Layout wrappers: the content is shown; an argument, when it is a title, becomes a bold line.
_WRAPPERS_TITLED = {"sidebar", "margin", "tab-item", "card", "grid-item-card"}
_WRAPPERS = {"div", "container", "grid", "grid-item", "tab-set", "centered"}
_SILENT_DROPS = {"index", "highlight", "tabularcolumns", "meta", "contents"}
_CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "code-cell"}

# Tags for which `{only}` content is kept: a notebook is closest to the HTML build.
_ONLY_TRUE_TAGS = {"html", "format_html", "builder_html", "notebook", "ipynb", "jupyter"}

_COMMONMARK = MarkdownIt("commonmark")

# A directive renderer: (name as written, argument, options, body lines) -> output lines.
_Handler = Callable[[str, str, dict[str, str], list[str]], list[str]]


# ---------------------------------------------------------------------------------------------
# The converter


class _Converter:
    def __init__(self, docname: str, resolver: Resolver) -> None:
        self.docname = docname
        self.resolver = resolver
        self.warnings: list[str] = []
        self.handlers: dict[str, _Handler] = {
            "figure": self.figure,
            "image": self.image,
            "math": self.math,
            "list-table": self.list_table,
            "table": self.table,
            "toctree": self.toctree,
            "bibliography": self.bibliography,
            "raw": self.raw,
            "eval-rst": self.eval_rst,
            "only": self.only,
            "rubric": self.rubric,
            "glossary": self.glossary,
            "mermaid": self.mermaid,
        }

    # -- helpers --------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def resolve(self, role: str, target: str) -> Target | None:
        return self.resolver.resolve(role, target, self.docname)

    def unresolved(self, role: str, target: str, where: str = "") -> None:
        suffix = f" ({where})" if where else ""
        self.warn(f"unresolved {{{role}}} target {target!r}{suffix}")

    def asset(self, path: str) -> str:
        """Sphinx reads ``/x`` as relative to the source root; make it relative to the page."""
        if path.startswith("/") and not path.startswith("//"):
            return "../" * self.docname.count("/") + path.lstrip("/")
        return path

    # -- blocks ---------------------------------------------------------------------------------

    def blocks(self, text: str) -> str:
        """Convert a run of markdown blocks (a cell, or the body of a directive)."""
        lines = text.split("\n")
        verbatim = _verbatim_lines(text)
        out: list[str] = []
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                out.extend(self.inline("\n".join(paragraph)).split("\n"))
                paragraph.clear()

        i = 0
        while i < len(lines):
            line = lines[i]
            if i in verbatim or not line.strip():
                flush()
                out.append(line)
                i += 1
                continue

            fence = _open_fence(line)
            if fence is not None:
                flush()
                indent = fence.indent
                end = close_index(lines, fence, i + 1)
                directive = fence.directive
                if directive is None:  # an ordinary code fence: copied untouched
                    out.extend(lines[i : end + 1])
                    i = end + 1
                    continue
                inner = [_dedent(body_line, len(indent)) for body_line in lines[i + 1 : end]]
                rendered = self.directive(*directive, inner)
                if rendered:
                    # A directive is a block of its own: keep it apart from neighbouring text
                    # (or a paragraph would absorb it, or it would absorb the next line).
                    after_text = bool(out) and bool(out[-1].strip())
                    if after_text and (
                        not _ANCHOR_LINE.match(out[-1]) or rendered[0].startswith("|")
                    ):
                        out.append("")
                    out.extend(_indent(rendered, indent))
                    if end + 1 < len(lines) and lines[end + 1].strip():
                        out.append("")
                    i = end + 1
                else:
                    i = _drop(out, lines, end + 1)
                continue

            if _MATH_OPEN.match(line):
                math = self.display_math(lines, i)
                if math is not None:
                    flush()
                    rendered, i = math
                    out.extend(rendered)
                    continue

            target = _TARGET.match(line)
            if target:
                flush()
                out.append(target["indent"] + _anchor(target["label"]))
                if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("|"):
                    out.append("")  # a table may not interrupt the anchor's paragraph
                i += 1
                continue

            if _COMMENT.match(line) or _BLOCK_BREAK.match(line):
                flush()
                i = _drop(out, lines, i + 1)
                continue

            attrs = _ATTRS_LINE.match(line)
            if attrs:
                flush()
                anchor_id = _attrs_id(attrs["attrs"])
                if anchor_id:
                    out.append(attrs["indent"] + _anchor(anchor_id))
                i += 1
                continue

            heading = _HEADING_ID.match(line)
            if heading:
                flush()
                out.append(_anchor(heading["id"]))
                out.append(self.inline(heading["heading"]))
                i += 1
                continue

            if _QUOTE.match(line):
                flush()
                end = i
                while end < len(lines) and end not in verbatim and _QUOTE.match(lines[end]):
                    end += 1
                out.extend(self.blockquote(lines[i:end]))
                i = end
                continue

            if _BLOCK_START.match(line):
                flush()
            paragraph.append(line)
            i += 1
        flush()
        return "\n".join(out)

    def blockquote(self, lines: list[str]) -> list[str]:
        """Convert the content of ``>`` lines; untouched quotes are kept byte for byte."""
        prefixes = [_quote_prefix(line) for line in lines]
        inner = "\n".join(line[len(p) :] for line, p in zip(lines, prefixes, strict=True))
        converted = self.blocks(inner)
        if converted == inner:
            return lines
        marker = prefixes[0].rstrip()
        return [f"{marker} {line}" if line.strip() else marker for line in converted.split("\n")]

    def display_math(self, lines: list[str], start: int) -> tuple[list[str], int] | None:
        """``$$ ... $$ (label)``: number the equation with ``\\tag``; ``None``: not math."""
        first = lines[start]
        opening = _MATH_OPEN.match(first)
        assert opening is not None
        indent = opening["indent"]
        if "$$" in opening["rest"]:
            one = _MATH_ONE_LINE.match(first)
            if one is None:
                return None
            label = one["label"]
            if not label:
                return [first], start + 1
            tag = self.equation_tag(label)
            body = one["body"].strip()
            inner = f"{body} {tag}" if tag else body
            return [indent + _anchor(label), f"{indent}$$ {inner} $$"], start + 1
        for end in range(start + 1, len(lines)):
            if "$$" not in lines[end]:
                continue
            closing = _MATH_CLOSE.match(lines[end])
            if closing is None or not closing["label"]:
                return lines[start : end + 1], end + 1
            label = closing["label"]
            tag = self.equation_tag(label)
            rendered = [indent + _anchor(label), *lines[start:end]]
            if closing["body"].strip():
                rendered.append(closing["body"].rstrip())
            if tag:
                rendered.append(indent + tag)
            rendered.append(indent + "$$")
            return rendered, end + 1
        return None

    def equation_tag(self, label: str) -> str:
        found = self.resolve("eq", label)
        if found is None:
            self.unresolved("eq", label, "equation label")
            return ""
        number = _number_part(found.title)
        return f"\\tag{{{number}}}" if number else ""

    # -- inline ---------------------------------------------------------------------------------

    def inline(self, text: str) -> str:
        """Replace roles in inline text; code spans and backslash escapes are left as they are."""
        if "`" not in text:
            return text
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            char = text[i]
            if char == "\\" and i + 1 < n and text[i + 1] in _ASCII_PUNCT:
                out.append(text[i : i + 2])
                i += 2
            elif char == "{":
                role = _ROLE.match(text, i)
                close = _find_ticks(text, role.end(), len(role["ticks"])) if role else -1
                if role and close >= 0:
                    content = _code_content(text[role.end() : close])
                    out.append(self.role(role["name"], content))
                    i = close + len(role["ticks"])
                else:
                    out.append(char)
                    i += 1
            elif char == "`":
                run = _run_length(text, i)
                close = _find_ticks(text, i + run, run)
                end = i + run if close < 0 else close + run
                out.append(text[i:end])
                i = end
            else:
                j = i + 1
                while j < n and text[j] not in "\\{`":
                    j += 1
                out.append(text[i:j])
                i = j
        return "".join(out)

    def role(self, name: str, content: str) -> str:
        key = name.lower()
        if key == "math":
            return f"${content.strip()}$"
        if key in _CODE_ROLES:
            return _code_span(content)
        if key.startswith("cite"):
            return self.citation(name, content)
        if key in _REFERENCE_ROLES:
            return self.reference(name, content)
        if key == "download":
            title, target = _split_explicit(content)
            return _link(title or target, self.asset(target))
        if key == "pep":
            return f"PEP {content.strip()}"
        if key == "rfc":
            return f"RFC {content.strip()}"
        if key in _PLAIN_ROLES:
            return content
        if key in ("slide", "slide-more"):  # slide marks: their text, as the book shows it
            return self.inline(content)
        if key in ("slide-only", "slide-only-more"):
            return ""
        title, target = _split_explicit(content)
        if title:
            return title
        if target.startswith("~"):  # Sphinx's "show only the last component"
            return target[1:].rsplit(".", 1)[-1]
        return target.lstrip("!")

    def reference(self, name: str, content: str) -> str:
        key = name.lower()
        title, target = _split_explicit(content)
        found = self.resolve(key, target)
        numbered = key == "numref" and title is not None and _has_number_slot(title)
        if found is None:
            self.unresolved(name, target)
            return title if title and not numbered else target
        text = found.title
        if title:  # text on the website (Sphinx escapes it), so text here too
            title = _escape_text(title)
            if numbered:
                number = _number_part(found.title)
                text = title.replace("%s", number).replace("{number}", number)
            else:
                text = title
        return _link(text, found.url)

    def citation(self, name: str, content: str) -> str:
        parts: list[str] = []
        for key in (k.strip() for k in content.split(",")):
            if not key:
                continue
            found = self.resolve(name.lower(), key)
            if found is None:
                self.unresolved(name, key)
                parts.append(key)
            else:
                parts.append(_link(found.title, found.url))
        return ", ".join(parts)

    # -- directives -----------------------------------------------------------------------------

    def directive(self, name: str, arg: str, lines: list[str]) -> list[str]:
        """Render one directive; an empty list means it shows nothing."""
        key = name.lower()
        options, body = _split_options(lines)
        body = _trim(body)
        rendered = self._render_directive(key, name, arg, options, body)
        anchor_id = options.get("name") or (options.get("label") if key == "math" else None)
        if rendered and anchor_id:
            gap = [""] if rendered[0].startswith("|") else []
            rendered = [_anchor(anchor_id), *gap, *rendered]
        return rendered

    def _render_directive(
        self, key: str, name: str, arg: str, options: dict[str, str], body: list[str]
    ) -> list[str]:
        handler = self.handlers.get(key)
        if handler is not None:
            return handler(name, arg, options, body)
        if key in _ADMONITIONS:
            return self.quote(_ADMONITIONS[key], [arg, *body] if arg else body)
        if key in _TITLED_QUOTES:
            return self.quote(self.inline(arg) if arg else _TITLED_QUOTES[key], body)
        if key in _VERSION_NOTES:
            version, _, rest = arg.partition(" ")
            title = f"{_VERSION_NOTES[key]} {version}".strip()
            return self.quote(title, [rest.strip(), *body] if rest.strip() else body)
        if key in _QUOTES:
            return self.quote("", [arg, *body] if arg else body)
        if key in _WRAPPERS_TITLED:
            return self.wrapper(self.inline(arg) if arg else "", body)
        if key in _WRAPPERS:
            return self.wrapper("", [arg, *body] if key == "centered" and arg else body)
        if key in _SILENT_DROPS:
            return []
        if key in _CODE_DIRECTIVES:
            return self.code_block(arg, options, body)
        if not body:
            self.warn(f"unknown directive {{{name}}}: dropped (it has no content to show)")
            return []
        self.warn(f"unknown directive {{{name}}}: kept its content as plain text")
        return self.wrapper("", body)

    def quote(self, title: str, body: list[str]) -> list[str]:
        """A blockquote: ``> **Title**``, an empty quote line, then the converted body."""
        content = _trim(self.blocks("\n".join(body)).split("\n")) if body else []
        out = [f"> **{title}**"] if title else []
        if out and content:
            out.append(">")
        out.extend(f"> {line}" if line.strip() else ">" for line in content)
        return out

    def wrapper(self, title: str, body: list[str]) -> list[str]:
        content = _trim(self.blocks("\n".join(body)).split("\n")) if body else []
        out = [f"**{title}**"] if title else []
        if out and content:
            out.append("")
        return out + content

    def number_label(self, name: str | None, directive: str) -> str:
        """The resolver's numbered title for a figure or table with ``:name:``; ``""`` if none."""
        if not name:
            return ""
        found = self.resolve("numref", name)
        if found is None:
            self.unresolved("numref", name, f":name: of a {{{directive}}}")
            return ""
        return found.title

    def figure(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        caption_lines, legend = _first_paragraph(body)
        caption = self.inline(" ".join(line.strip() for line in caption_lines))
        alt = options.get("alt") or _plain_text(caption)
        out = [f"![{_escape_brackets(alt)}]({_url(self.asset(arg.strip()))})"]
        caption_line = _caption_line(self.number_label(options.get("name"), name), caption)
        if caption_line:
            out += ["", caption_line]
        legend_lines = _trim(self.blocks("\n".join(legend)).split("\n")) if legend else []
        if legend_lines:
            out += ["", *legend_lines]
        return out

    def image(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        alt = options.get("alt", "")
        return [f"![{_escape_brackets(alt)}]({_url(self.asset(arg.strip()))})"]

    def math(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        lines = [arg, *body] if arg else body
        if "nowrap" in options:
            return lines
        groups: list[list[str]] = [[]]
        for line in lines:
            if line.strip():
                groups[-1].append(line)
            elif groups[-1]:
                groups.append([])
        groups = [group for group in groups if group]
        if len(groups) > 1:  # several equations: one display, one per row
            for group in groups[:-1]:
                group[-1] += " \\\\"
            content = ["\\begin{gathered}", *(ln for g in groups for ln in g), "\\end{gathered}"]
        else:
            content = groups[0] if groups else []
        label = options.get("label") or options.get("name")
        tag = self.equation_tag(label) if label else ""
        return ["$$", *content, *([tag] if tag else []), "$$"]

    def list_table(
        self, name: str, arg: str, options: dict[str, str], body: list[str]
    ) -> list[str]:
        rows = [[self.table_cell(cell) for cell in _list_items(row)] for row in _list_items(body)]
        try:
            header_rows = int(options.get("header-rows", "0") or 0)
        except ValueError:
            header_rows = 0
        width = max((len(row) for row in rows), default=0)
        rows = [row + [""] * (width - len(row)) for row in rows]
        out: list[str] = []
        caption = _caption_line(
            self.number_label(options.get("name"), name), self.inline(arg.strip())
        )
        if caption:
            out += [caption, ""]
        if not width:
            return out[:1]
        if header_rows >= 1:
            bold_rows = [[f"**{c}**" if c else c for c in row] for row in rows[1:header_rows]]
            header, rest = rows[0], bold_rows + rows[header_rows:]
        else:
            header, rest = [""] * width, rows
        out.append(_table_row(header))
        out.append(_table_row(["---"] * width))
        out.extend(_table_row(row) for row in rest)
        return out

    def table_cell(self, lines: list[str]) -> str:
        converted = self.blocks("\n".join(_trim(lines)))
        paragraphs = [p for p in re.split(r"\n\s*\n", converted) if p.strip()]
        text = "<br>".join(" ".join(ln.strip() for ln in p.split("\n")) for p in paragraphs)
        return text.replace("|", "\\|")

    def table(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        out: list[str] = []
        caption = _caption_line(
            self.number_label(options.get("name"), name), self.inline(arg.strip())
        )
        if caption:
            out.append(caption)
        content = _trim(self.blocks("\n".join(body)).split("\n")) if body else []
        if out and content:
            out.append("")
        return out + content

    def toctree(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        items: list[str] = []
        for entry in (line.strip() for line in body):
            if not entry:
                continue
            title, target = _split_explicit(entry)
            if target == "self":
                continue
            if re.match(r"^[A-Za-z][\w+.-]*://", target):
                items.append(f"- {_link(title or target, target)}")
                continue
            if any(char in target for char in "*?["):
                self.warn(f"{{{name}}} glob entry {target!r} not listed (globs are not expanded)")
                continue
            found = self.resolve("doc", target)
            if found is None:
                self.unresolved("doc", target, f"entry of a {{{name}}}")
            fallback = self.asset(re.sub(r"\.(md|ipynb|rst|txt)$", "", target)) + ".ipynb"
            text = title or (found.title if found else target)
            url = found.url if found and found.url else fallback
            items.append(f"- {_link(text, url)}")
        caption = options.get("caption", "").strip()
        head = [f"**{self.inline(caption)}**"] if caption else []
        if head and items:
            head.append("")
        return head + items

    def bibliography(
        self, name: str, arg: str, options: dict[str, str], body: list[str]
    ) -> list[str]:
        provider = getattr(self.resolver, "bibliography", None)
        if not callable(provider):
            return []
        out: list[str] = []
        for entry in provider():
            first, *rest = str(entry).strip().split("\n")
            out.append(f"- {first}")
            out.extend(f"  {line}" if line.strip() else "" for line in rest)
        return out

    def raw(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        return body if "html" in arg.lower().split() else []

    def eval_rst(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        self.warn(f"{{{name}}} block dropped: reStructuredText cannot be shown in a notebook")
        return []

    def only(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        try:
            keep = _OnlyExpression(arg).evaluate()
        except ValueError:
            self.warn(f"{{{name}}} expression {arg!r} not understood: content kept")
            keep = True
        return self.wrapper("", body) if keep else []

    def rubric(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        text = " ".join([arg, *(line.strip() for line in body)]).strip()
        return [f"**{self.inline(text)}**"] if text else []

    def glossary(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        """Terms start in column 0; their definitions are indented below them."""
        out: list[str] = []
        terms: list[str] = []
        definition: list[str] = []

        def emit() -> None:
            if terms:
                if out:
                    out.append("")
                out.append(", ".join(f"**{self.inline(t.strip())}**" for t in terms))
                content = _trim(self.blocks("\n".join(_dedent_block(definition))).split("\n"))
                if content:
                    out.extend(["", *content])
            terms.clear()
            definition.clear()

        for line in body:
            if line.strip() and not line[0].isspace():
                if definition:
                    emit()
                terms.append(line)
            elif terms:
                definition.append(line)
        emit()
        return out

    def mermaid(self, name: str, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        return self.code_block("mermaid", {}, body)

    def code_block(self, arg: str, options: dict[str, str], body: list[str]) -> list[str]:
        words = arg.split()
        language = words[0] if words else ""
        longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
        fence = "`" * max(3, longest + 1)
        out: list[str] = []
        caption = options.get("caption", "").strip()
        if caption:
            out += [f"*{self.inline(caption)}*", ""]
        return out + [fence + language, *body, fence]


# ---------------------------------------------------------------------------------------------
# Small pure helpers


def _verbatim_lines(text: str) -> set[int]:
    """Lines of indented code blocks and raw HTML blocks (CommonMark rules): never rewritten."""
    if "    " not in text and "\t" not in text and "<" not in text:
        return set()
    keep: set[int] = set()
    for token in _COMMONMARK.parse(text):
        if token.type in ("code_block", "html_block") and token.map:
            keep.update(range(*token.map))
    return keep


def _open_fence(line: str) -> Fence | None:
    """The code fence or directive fence ``line`` opens (inside a cell or a directive body,
    whatever its indentation); colon fences only make directives."""
    fence = open_fence(line, nested=True)
    if fence is not None and fence.marker[0] == ":" and not fence.info.strip().startswith("{"):
        return None
    return fence


def _drop(out: list[str], lines: list[str], following: int) -> int:
    """Account for a removed line or block; return where scanning resumes.

    A removed line between two text lines still separates them (as in MyST), and a removed
    block surrounded by blank lines takes one of them along.
    """
    previous_blank = not out or not out[-1].strip()
    has_next = following < len(lines)
    next_blank = not has_next or not lines[following].strip()
    if previous_blank and has_next and next_blank:
        return following + 1
    if not previous_blank and not next_blank:
        out.append("")
    return following


def _dedent(line: str, width: int) -> str:
    lead = len(line) - len(line.lstrip(" "))
    return line[min(lead, width) :]


def _dedent_block(lines: list[str]) -> list[str]:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    width = min(widths, default=0)
    return [line[width:] if line.strip() else "" for line in lines]


def _indent(lines: list[str], indent: str) -> list[str]:
    if not indent:
        return lines
    return [indent + line if line else line for line in lines]


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Options at the top of a directive body: a ``---`` YAML block or ``:key: value`` lines."""
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                for line in lines[1:end]:
                    match = _YAML_LINE.match(line)
                    if match:
                        options[match["key"]] = _unquote(match["value"])
                return options, lines[end + 1 :]
        return options, lines
    written, count = directive_options(lines)
    options.update((key, _unquote(value)) for key, value in written.items())
    return options, lines[count:]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _first_paragraph(lines: list[str]) -> tuple[list[str], list[str]]:
    for index, line in enumerate(lines):
        if not line.strip():
            return lines[:index], lines[index + 1 :]
    return lines, []


def _list_items(lines: list[str]) -> list[list[str]]:
    """Split a bullet list (markers in column 0) into the content lines of each item."""
    items: list[list[str]] = []
    width = 2
    for line in lines:
        match = _LIST_ITEM.match(line)
        if match:
            width = len(match.group(0)) if match["space"] else 2
            items.append([line[len(match.group(0)) :]])
        elif items:
            items[-1].append(_dedent(line, width))
    return items


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _caption_line(label: str, caption: str) -> str:
    caption = caption.strip()
    if label and caption:
        return f"*{label}: {caption}*"
    if label or caption:
        return f"*{label or caption}*"
    return ""


def _attrs_id(attrs: str) -> str:
    match = re.search(r"(?:^|\s)#([^\s#.]+)", attrs)
    return match.group(1) if match else ""


_ANCHOR_LINE = re.compile(r'^\s*<a id="[^"]*"></a>\s*$')


def _quote_prefix(line: str) -> str:
    match = _QUOTE_PREFIX.match(line)
    return match.group(0) if match else ""


def _number_part(title: str) -> str:
    """The number in a resolver title, its last word: ``"Fig. 3.1"`` -> ``"3.1"``,
    ``"(3.2)"`` -> ``"3.2"``, ``"Fig. A.1"`` -> ``"A.1"``, ``"图3.1"`` -> ``"3.1"``."""
    words = title.split()
    if not words:
        return ""
    last = words[-1].strip("()[]")
    return re.sub(r"^[^0-9A-Za-z]+", "", last) or last


def _anchor(label: str) -> str:
    return f'<a id="{html.escape(label, quote=True)}"></a>'


def _run_length(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    return end - start


def _find_ticks(text: str, start: int, length: int) -> int:
    """Start of the next run of exactly ``length`` backticks at or after ``start``; -1 if none."""
    position = start
    while True:
        found = text.find("`", position)
        if found < 0:
            return -1
        run = _run_length(text, found)
        if run == length:
            return found
        position = found + run


def _code_content(raw: str) -> str:
    """The content of a code span (CommonMark: line ends become spaces, one space unpadded)."""
    text = raw.replace("\n", " ")
    if len(text) >= 2 and text[0] == " " and text[-1] == " " and text.strip():
        text = text[1:-1]
    return text


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (
        text.startswith(" ") and text.endswith(" ") and text.strip()
    ) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _split_explicit(content: str) -> tuple[str | None, str]:
    """``"title <target>"`` -> ``("title", "target")``; otherwise ``(None, content)``."""
    stripped = content.strip()
    match = _EXPLICIT.match(stripped)
    if match and match["title"].strip():
        return match["title"].strip(), match["target"].strip()
    if match:
        return None, match["target"].strip()
    return None, stripped


def _has_number_slot(title: str) -> bool:
    return "%s" in title or "{number}" in title


def _escape_text(text: str) -> str:
    """``text`` as Markdown that shows it literally: no tag, link, math or emphasis in it."""
    return re.sub(r"([\\`*_\[\]<>$&!#|~])", r"\\\1", text)


def _escape_brackets(text: str) -> str:
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", text)


def _url(url: str) -> str:
    """A link destination that CommonMark reads back unchanged."""
    url = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    if url.count("(") != url.count(")"):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


def _link(text: str, url: str) -> str:
    if not url:
        return text
    if text.count("[") != text.count("]"):
        text = _escape_brackets(text)
    return f"[{text}]({_url(url)})"


def _plain_text(markdown: str) -> str:
    """Inline markdown reduced to text, for image alt texts."""
    text = _MD_LINK.sub(lambda m: m["text"], markdown)
    return re.sub(r"\*{1,3}(?=\S)|(?<=\S)\*{1,3}", "", text).strip()


class _OnlyExpression:
    """The boolean tag expression of ``{only}``: names, ``and``, ``or``, ``not``, parentheses."""

    def __init__(self, text: str) -> None:
        self.tokens = re.findall(r"\(|\)|[^\s()]+", text)
        self.position = 0

    def evaluate(self) -> bool:
        if not self.tokens:
            raise ValueError("empty expression")
        value = self._or()
        if self.position != len(self.tokens):
            raise ValueError("trailing tokens")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ValueError("unexpected end")
        self.position += 1
        return token

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "or":
            self._take()
            value = self._and() or value
        return value

    def _and(self) -> bool:
        value = self._not()
        while self._peek() == "and":
            self._take()
            value = self._not() and value
        return value

    def _not(self) -> bool:
        if self._peek() == "not":
            self._take()
            return not self._not()
        token = self._take()
        if token == "(":
            value = self._or()
            if self._take() != ")":
                raise ValueError("missing )")
            return value
        if token in (")", "and", "or"):
            raise ValueError(f"unexpected {token}")
        return token in _ONLY_TRUE_TAGS
