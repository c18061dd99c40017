"""What markup a translation may carry, decided on the parsed structure.

The English source is trusted; a catalog is not (anyone who can send a translation can send a
payload). A translation is therefore parsed by the same markdown-it configuration MyST uses to
render the page (:func:`parser`), and its tokens are compared with those of its English message:

- prose markup is always allowed: text, emphasis, strong, code spans, backslash escapes and line
  breaks (the renderer escapes their content);
- everything else is *markup* (:func:`inventory`): raw HTML, links, autolinks and images (by
  URL), MyST roles (by name and target; the text of a reference role, before ``<target>``, and
  the words of a prose role are inventoried as Markdown too: Sphinx shows them as text, but the
  readers' notebooks turn roles into Markdown links), math, footnote references, character
  references (``&lt;``), block constructs (fences and directives, headings, lists, tables, targets,
  comments, ...), HTML attributes (``{#id key=value}`` blocks), link definitions, and TeX
  delimiters or ``<`` before a letter left in the text (a notebook renderer, or a browser given
  the text unescaped, would read them as math or a tag). A translation may only carry the
  markup of its English; where it has more, :func:`markup_issues` says what.

For the analysis the parser is made *more* permissive than the renderer: every link
destination counts as a link (markdown-it would show ``[x](javascript:...)`` as text, another
renderer might not), and character references stay separate tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from d2lbook.jsondata import JSONDict

from .segment import normalize

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["Issue", "MYST_EXTENSIONS", "REFERENCE_ROLES", "Markup", "describe", "inventory",
           "markup_issues", "normalize_math", "page_issues", "page_references", "parser",
           "plain_formula", "shown_text"]

MYST_EXTENSIONS = ("dollarmath", "amsmath", "colon_fence", "deflist", "attrs_block")
"""The MyST extensions the book is rendered with (``myst_enable_extensions`` in
:mod:`d2lbook.render.settings`; a test keeps the two equal)."""

REFERENCE_ROLES = frozenset(
    {"ref", "numref", "eq", "doc", "term", "download", "any", "label", "func", "class",
     "meth", "mod", "attr", "data", "obj", "exc", "envvar", "option", "external"}
)  # fmt: skip
"""Roles whose target must stay and whose text (before ``<target>``) may be translated."""

PROSE_ROLES = frozenset(
    {"sub", "sup", "subscript", "superscript", "abbr", "kbd", "guilabel", "menuselection",
     "dfn", "emphasis", "strong", "title-reference", "t", "command", "program", "index",
     "slide", "slide-more", "slide-only", "slide-only-more"}
)  # fmt: skip
"""Roles whose whole content is words and may be translated. Any other role must keep its
content byte for byte (``{raw-html}`` and friends put it into the page unescaped)."""

DANGEROUS_SCHEMES = frozenset({"javascript", "vbscript", "data", "file", "livescript"})

MATHJAX_ACTIVE = ("\\href", "\\url", "\\class", "\\cssId", "\\style", "\\require", "\\unicode",
                  "\\html", "\\data", "\\toggle", "\\texttip", "\\mathtip", "\\fragment")
"""TeX commands that make MathJax emit links, attributes or load code."""

TEX_DELIMITERS = ("\\(", "\\)", "\\[", "\\]", "\\begin", "$")
"""Sequences that notebook renderers (Jupyter, Colab) read as math before Markdown."""

_PROSE = frozenset(
    {"text", "softbreak", "hardbreak", "em_open", "em_close", "strong_open", "strong_close",
     "code_inline", "paragraph_open", "paragraph_close", "inline", "link_close"}
)  # fmt: skip
_MATH = frozenset({"math_inline", "math_inline_double", "math_block", "math_block_label",
                   "amsmath"})
_FENCES = frozenset({"fence", "colon_fence", "code_block"})
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


@dataclass(frozen=True)
class Issue:
    """What is wrong with a translation; ``code`` is ``i18n-markup`` (the English's markup
    changed) or ``i18n-unsafe`` (markup the English does not have)."""

    code: str
    message: str


@dataclass(frozen=True, order=True)
class Markup:
    """One piece of markup: its ``kind`` and what identifies it (a URL, a role and its
    target, a formula, an HTML tag, a block construct, ...)."""

    kind: str
    """``html``, ``link``, ``autolink``, ``image``, ``role``, ``math``, ``footnote``,
    ``entity``, ``fence``, ``block``, ``attribute``, ``definition``, ``tex`` or
    ``tag-like text``."""
    detail: str

    def __str__(self) -> str:
        if self.kind == "role":
            name, _, target = self.detail.partition("\x00")
            return f"{{{name}}}`{target}`" if target else f"{{{name}}}"
        if self.kind in ("link", "autolink", "image"):
            return f"{self.kind} to {self.detail!r}"
        if self.kind == "fence":
            return f"fence {self.detail!r}"
        if self.kind == "block":
            return f"block {self.detail!r}"
        if self.kind == "definition":
            return f"link definition [{self.detail}]"
        return repr(self.detail)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The markdown-it parser MyST renders the book with, made permissive for analysis."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    md = create_md_parser(MdParserConfig(enable_extensions=set(MYST_EXTENSIONS)), RendererHTML)
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # every link, for analysis
    md.core.ruler.disable("text_join")  # keep &entities; and \escapes as their own tokens
    return md


def page_references(text: str) -> dict[str, JSONDict]:
    """The link reference definitions of a page (``[label]: url``), as markdown-it keeps them:
    a translation's ``[text][label]`` resolves against them exactly as in the built page."""
    env: JSONDict = {}
    parser().parse(text, env)
    return dict(env.get("references", {}))


def _parse(text: str, references: Mapping[str, JSONDict] | None) -> tuple[list[Token], set[str]]:
    """Tokens of ``text`` and the labels of link definitions it makes itself (including
    labels the page defines too: placed before the page's, its definition would win)."""
    env: JSONDict = {"references": dict(references or {})}
    tokens = parser().parse(text, env)
    if not references:
        return tokens, set(env.get("references", {}))
    alone: JSONDict = {}
    parser().parse(text, alone)
    return tokens, set(alone.get("references", {}))


def _flat(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _flat(token.children)


def normalize_math(formula: str) -> str:
    """A formula with insignificant whitespace removed: TeX ignores spaces except between
    letters (``\\alpha x`` is not ``\\alphax``)."""
    return re.sub(r"(?<![A-Za-z]) | (?![A-Za-z])", "", normalize(formula))


def _role(name: str, body: str) -> str:
    """What of a role must not change, as ``name\\0target``."""
    if name.startswith(("cite", "footcite")):
        return name + "\x00" + ",".join(sorted(k.strip() for k in body.split(",")))
    if name in REFERENCE_ROLES or name.startswith(("py:", "std:", "prf:")):
        body = body.strip()
        if body.endswith(">") and "<" in body:
            body = body[body.rindex("<") + 1 : -1]
        return name + "\x00" + body.strip()
    if name == "math":
        return name + "\x00" + normalize_math(body)
    if name in PROSE_ROLES:
        return name + "\x00"
    return name + "\x00" + body


def _role_text(name: str, body: str) -> str:
    """The translatable text of a role: the words of a prose role, the text before
    ``<target>`` of a reference role ("" for other roles, which must keep their content)."""
    if name in PROSE_ROLES:
        return body
    if name in REFERENCE_ROLES or name.startswith(("py:", "std:", "prf:")):
        body = body.strip()
        if body.endswith(">") and "<" in body:
            return body[: body.rindex("<")]
    return ""


def inventory(text: str, references: Mapping[str, JSONDict] | None = None) -> Counter[Markup]:
    """Every piece of markup in ``text`` other than prose (see the module docstring)."""
    if not references:
        return Counter(dict(_inventory_alone(text)))
    return _inventory(text, references)


@lru_cache(maxsize=8192)
def _inventory_alone(text: str) -> tuple[tuple[Markup, int], ...]:
    return tuple(_inventory(text, None).items())


def _inventory(text: str, references: Mapping[str, JSONDict] | None) -> Counter[Markup]:
    tokens, own = _parse(text, references)
    found: Counter[Markup] = Counter(Markup("definition", label) for label in own)
    plain: list[str] = []
    for token in _flat(tokens):
        kind = token.type
        if kind == "text":
            plain.append(token.content)
            continue
        if kind == "text_special" and token.info == "escape":
            plain.append(token.markup)  # as written: a notebook renderer may read \( as math
            continue
        plain.append(" ")
        _attributes(token, found)
        if kind in _PROSE:
            continue
        if kind == "text_special":
            found[Markup("entity", token.markup)] += 1
        elif kind in ("html_inline", "html_block"):
            found[Markup("html", token.content.strip())] += 1
        elif kind == "link_open":
            link = "autolink" if token.markup == "autolink" else "link"
            found[Markup(link, str(token.attrs.get("href", "")))] += 1
        elif kind == "image":
            found[Markup("image", str(token.attrs.get("src", "")))] += 1
        elif kind == "myst_role":
            name = str(token.meta.get("name", ""))
            found[Markup("role", _role(name, token.content))] += 1
            title = _role_text(name, token.content)
            if title:  # shown as text by Sphinx, but as Markdown in the readers' notebooks
                found += inventory(title, references)
        elif kind in _MATH:
            found[Markup("math", normalize_math(token.content))] += 1
        elif kind == "footnote_ref":
            found[Markup("footnote", str(token.meta.get("label", "")))] += 1
        elif kind in _FENCES:
            name, _, argument = token.info.strip().partition(" ")
            found[Markup("fence", f"{token.markup}{name}")] += 1  # not the (translatable) title
            if _is_markdown_directive(name):  # MyST parses its title and body as Markdown
                found += inventory(argument, references) + \
                    inventory(_directive_body(token.content), references)
        else:  # headings, lists, tables, quotes, rules, targets, comments, attributes, ...
            found[Markup("block", kind.removesuffix("_open").removesuffix("_close"))] += \
                0 if kind.endswith("_close") else 1
    text_shown = "".join(plain)
    for delimiter in TEX_DELIMITERS:
        found[Markup("tex", delimiter)] += text_shown.count(delimiter)
    for start in _TAG_START.findall(text_shown):
        found[Markup("tag-like text", start)] += 1
    return +found


LITERAL_DIRECTIVES = frozenset(
    {"code-cell", "code", "code-block", "sourcecode", "literalinclude", "include", "raw",
     "eval-rst", "math", "toctree", "bibliography", "csv-table", "mermaid", "graphviz",
     "tableofcontents", "glue"}
)  # fmt: skip
"""Directives whose body is not Markdown (code, files, raw output, rST, TeX, lists)."""


def _is_markdown_directive(name: str) -> bool:
    return name.startswith("{") and name.endswith("}") and \
        name[1:-1].split(":")[-1] not in LITERAL_DIRECTIVES


def _directive_body(content: str) -> str:
    """A directive's content without its options (``:key: value`` lines or a YAML block)."""
    lines = content.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
        return "\n".join(lines[end + 1 :])
    start = 0
    while start < len(lines) and re.match(r"\s*:[\w-]+:", lines[start]):
        start += 1
    return "\n".join(lines[start:])


_OWN_ATTRIBUTES = {"link_open": {"href", "title"}, "image": {"src", "alt", "title"}}


def _attributes(token: Token, found: Counter[Markup]) -> None:
    """HTML attributes a token carries beyond its own (``{#id .class key=value}`` blocks
    of the attrs extension put them on the next block)."""
    own = _OWN_ATTRIBUTES.get(token.type, set())
    for key, value in sorted(token.attrs.items()):
        if key not in own:
            found[Markup("attribute", f"{key}={value}")] += 1


def _scheme(url: str) -> str:
    """The URL scheme as a browser reads it (control characters and spaces dropped)."""
    cleaned = "".join(ch for ch in url if not unicodedata.category(ch).startswith(("C", "Z")))
    match = _SCHEME.match(cleaned.lower())
    return match.group(1) if match else ""


def _printable(text: str, limit: int = 80) -> str:
    """``text`` safe for a terminal or a log: control characters (ANSI escapes) written as
    ``\\xNN``, long payloads shortened."""
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(items: Counter[Markup]) -> str:
    """Markup for a warning: sorted, printable, not too long."""
    return _printable(", ".join(str(m) for m in sorted(items.elements())), 200)


def _unsafe(extra: Counter[Markup], english: Counter[Markup]) -> list[Issue]:
    """Issues for markup of kinds (or URL schemes, role names) the English does not have."""
    schemes = {_scheme(m.detail) for m in english if m.kind in ("link", "autolink", "image")}
    roles = {m.detail.partition("\x00")[0] for m in english if m.kind == "role"}
    issues: list[Issue] = []

    def add(selected: list[Markup], what: str) -> None:
        if selected:
            shown = describe(Counter(selected))
            issues.append(Issue("i18n-unsafe", f"the translation adds {what} ({shown}); "
                                "a translation may only carry the English's markup"))

    html = [m for m in extra.elements() if m.kind == "html"]
    if html:
        shown = _printable(", ".join(m.detail for m in html), 200)
        issues.append(Issue("i18n-unsafe", f"the translation adds raw HTML ({shown}); use "
                            "Markdown markup or keep the English's HTML only"))
    for m in sorted(set(extra)):
        if m.kind in ("link", "autolink", "image"):
            scheme = _scheme(m.detail)
            if scheme in DANGEROUS_SCHEMES or scheme not in schemes:
                label = f"a {scheme}: URL" if scheme else "a URL the English does not have"
                issues.append(Issue("i18n-unsafe", f"the translation adds a {m} ({label}); "
                                    "keep every link target exactly as in the English"))
    add([m for m in extra.elements() if m.kind == "role"
         and m.detail.partition("\x00")[0] not in roles], "roles the English does not have")
    add([m for m in extra.elements() if m.kind == "fence"], "a code fence or directive")
    add([m for m in extra.elements() if m.kind == "attribute"], "HTML attributes")
    add([m for m in extra.elements() if m.kind in ("block", "definition")],
        "block markup (a heading, list, table, quote, target, comment, definition, ...)")
    add([m for m in extra.elements() if m.kind == "entity"], "character references")
    add([m for m in extra.elements() if m.kind == "tag-like text"],
        "text a browser or another Markdown renderer may read as HTML (write '< ' or avoid '<')")
    add([m for m in extra.elements() if m.kind == "tex"],
        "TeX math delimiters outside math")
    add([m for m in extra.elements() if m.kind == "math"
         and any(command in m.detail for command in MATHJAX_ACTIVE)],
        "math with links, styles or extensions")
    return issues


def _compare(what: str, english: Counter[Markup], translated: Counter[Markup],
             advice: str) -> list[Issue]:
    missing = english - translated
    extra = translated - english
    if not missing and not extra:
        return []
    parts = []
    if missing:
        parts.append(f"missing {describe(missing)}")
    if extra:
        parts.append(f"not in the English: {describe(extra)}")
    return [Issue("i18n-markup", f"{what} differ ({'; '.join(parts)}); {advice}")]


_PLAIN_FORMULA = re.compile(r"-?\d+(?:\.\d+)?|[A-Za-z]")
"""A formula that is only a number or a one-letter symbol (``3``, ``0.5``, ``x``): it may be
written as text on one side and as inline math on the other."""


def plain_formula(markup: Markup) -> bool:
    """True for inline math holding only a number or a one-letter symbol: it carries nothing
    (no command, no brace, no character a renderer could read as markup)."""
    return markup.kind == "math" and _PLAIN_FORMULA.fullmatch(markup.detail) is not None


def shown_text(text: str, references: Mapping[str, JSONDict] | None = None) -> str:
    """The prose of ``text`` as a reader sees it: its text tokens only."""
    tokens, _ = _parse(text, references)
    return " ".join(t.content for t in _flat(tokens) if t.type == "text")


def _written_as_text(token: str, prose: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(token)}(?![A-Za-z0-9_]|\.\d)",
                     prose) is not None


def _math_as_text(english: Counter[Markup], translated: Counter[Markup], msgid: str,
                  msgstr: str, references: Mapping[str, JSONDict] | None
                  ) -> tuple[Counter[Markup], Counter[Markup]]:
    """Both inventories without the plain formulas one side writes as math and the other as
    text (``3`` <-> ``$3$``, ``x`` <-> ``$x$``)."""
    extra = [m for m in translated - english if plain_formula(m)]
    missing = [m for m in english - translated if plain_formula(m)]
    if not extra and not missing:
        return english, translated
    english, translated = Counter(english), Counter(translated)
    if extra:
        prose = shown_text(msgid, references)
        for m in extra:
            if _written_as_text(m.detail, prose):
                translated[m] -= min((translated - english)[m], prose.count(m.detail))
    if missing:
        prose = shown_text(msgstr, references)
        for m in missing:
            if _written_as_text(m.detail, prose):
                english[m] -= min((english - translated)[m], prose.count(m.detail))
    return +english, +translated


def markup_issues(msgid: str, msgstr: str,
                  references: Mapping[str, JSONDict] | None = None) -> list[Issue]:
    """Everything wrong with the markup of ``msgstr`` as a translation of ``msgid``: markup
    the English does not have (``i18n-unsafe``) and changed roles, link targets, math or
    footnotes (``i18n-markup``). ``references`` are the page's link definitions. A number or
    one-letter symbol may be inline math on one side and text on the other
    (:func:`plain_formula`)."""
    english, translated = _math_as_text(inventory(msgid, references),
                                        inventory(msgstr, references), msgid, msgstr,
                                        references)
    issues = _unsafe(translated - english, english)

    def pick(counter: Counter[Markup], kinds: tuple[str, ...]) -> Counter[Markup]:
        return Counter({m: n for m, n in counter.items() if m.kind in kinds})

    for what, kinds, advice in (
        ("roles", ("role",), "keep every {role}`target` of the English (only the text before "
         "<target> may be translated)"),
        ("link targets", ("link", "autolink", "image"),
         "keep every link target ](url) exactly as in the English"),
        ("inline math", ("math",), "copy every $...$ formula unchanged from the English"),
        ("footnote references", ("footnote",), "keep every [^label] of the English"),
    ):
        issues += _compare(what, pick(english, kinds), pick(translated, kinds), advice)
    return issues


# ---------------------------------------------------------------------------- whole pages
SAFE_DIRECTIVES = frozenset(
    {"figure", "image", "math", "table", "list-table", "toctree", "bibliography", "code-cell",
     "code", "code-block", "sourcecode", "note", "warning", "tip", "hint", "important",
     "attention", "caution", "danger", "error", "seealso", "admonition", "tab-set", "tab-item",
     "rubric", "epigraph", "glossary", "margin", "sidebar", "dropdown"}
)  # fmt: skip
"""Directives a page from outside the book (a fork-only page) may use: none of them puts text
into the page unescaped or reads a file."""

SAFE_ROLES = REFERENCE_ROLES | PROSE_ROLES | frozenset(
    {"math", "code", "literal", "samp", "file", "cite", "cite:p", "cite:t", "footcite",
     "pep", "rfc"})
SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
FRONT_MATTER_KEYS = frozenset({"jupytext", "kernelspec", "language_info"})
_OPTION = re.compile(r"^\s*:([\w-]+):\s*(.*)$")


def page_issues(text: str) -> list[Issue]:
    """What makes a whole page from outside the book unsafe to publish (a page that exists
    only in an imported fork: it has no English to compare with). The same token analysis as
    for translations (:func:`inventory`), with a fixed allowance instead of the English's: no
    raw HTML, links and images only to http(s), mailto or relative targets, roles and
    directives from :data:`SAFE_ROLES` / :data:`SAFE_DIRECTIVES` only, no HTML attributes, no
    MathJax commands that make links or load code, no tag-like text, no front matter beyond
    the notebook's own keys. Empty when the page is safe."""
    found = inventory(text, page_references(text))
    issues: list[Issue] = []

    def add(what: str, items: list[Markup] | list[str]) -> None:
        if items:
            shown = _printable(", ".join(sorted({str(i) for i in items})), 200)
            issues.append(Issue("i18n-unsafe", f"{what} ({shown})"))

    add("raw HTML", [m.detail for m in found if m.kind == "html"])
    add("links to other than http(s), mailto or a relative target",
        [m for m in found if m.kind in ("link", "autolink", "image")
         and _scheme(m.detail) not in SAFE_SCHEMES])
    add("roles that may put text into the page unescaped",
        [m for m in found if m.kind == "role" and m.detail.partition("\x00")[0] not in SAFE_ROLES
         and not m.detail.startswith(("py:", "std:", "prf:", "cite"))])
    add("HTML attributes", [m for m in found if m.kind == "attribute"
                            and m.detail.partition("=")[0] not in ("id", "class")])
    add("text a browser or another Markdown renderer may read as HTML",
        [m for m in found if m.kind == "tag-like text"])
    add("MathJax commands that make links, styles or load code",
        [c for c in MATHJAX_ACTIVE if re.search(re.escape(c) + r"(?![A-Za-z])", text)])
    directives: list[str] = []
    options: list[str] = []
    front: list[str] = []
    for token in _flat(parser().parse(text, {})):
        if token.type == "front_matter":
            front += [key for key in re.findall(r"^([^\s#:][^:]*):", token.content, re.M)
                      if key.strip() not in FRONT_MATTER_KEYS]
        if token.type not in _FENCES:
            continue
        name, _, argument = token.info.strip().partition(" ")
        if not (name.startswith("{") and name.endswith("}")):
            continue  # a code block: shown as code
        directive = name[1:-1]
        if directive not in SAFE_DIRECTIVES:
            directives.append(directive)
            continue
        if directive in ("figure", "image") and _scheme(argument.strip()) not in SAFE_SCHEMES:
            options.append(f"{directive} {argument.strip()}")
        for line in token.content.split("\n"):
            option = _OPTION.match(line)
            scheme = _scheme(option.group(2).strip()) if option else ""
            if option and (scheme in DANGEROUS_SCHEMES or (
                    option.group(1) in ("target", "url", "file") and scheme not in SAFE_SCHEMES)):
                options.append(f":{option.group(1)}: {option.group(2).strip()}")
    add("directives that may put text into the page unescaped or read files", directives)
    add("directive arguments or options with URLs of other schemes", options)
    add("front matter beyond the notebook's keys (MyST settings, substitutions)", front)
    return issues
