"""What translation does not change: a page's anchors and its messages' invariant tokens.

A page is read twice. The one segmenter (:func:`d2lbook.i18n.segment.segment`) gives its
messages; a line scan gives its *anchors*, the blocks a translator copies: labels, display
equations, code cells, figures, pipe tables and framework tabs. Each message carries its
*evidence*: inline math, code spans, roles, link targets, numbers and Latin words, which a
translation keeps, plus a size for the length ratio.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import PurePosixPath

from d2lbook import myst

from ..segment import Segment, normalize, segment
from ..validate import inline_math, link_targets, normalize_math, roles

__all__ = ["Anchor", "Block", "PageStructure", "read_structure", "code_key", "size_of",
           "latin_words", "is_wide"]

_LABEL = re.compile(r"^ {0,3}\((?P<name>[^()\s]+)\)=\s*$")
_MATH_LABEL = re.compile(r"\$\$\s*\((?P<name>[^()\s]+)\)\s*$")
_TABLE_DELIM = re.compile(r"^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
_CODE_DIRECTIVES = {"code-cell", "code", "code-block", "sourcecode"}
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?![A-Za-z0-9_])")  # CJK may touch it
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+#-]*[A-Za-z0-9+#]|[A-Za-z]")
_MARKUP = re.compile(
    r"\{[\w:.+-]+\}`[^`]*`"  # roles
    r"|`+[^`]*`+"  # code spans
    r"|\$\$.+?\$\$|\$[^$]+\$"  # inline math
    r"|\]\([^)]*\)"  # link targets
    r"|<[^>\s]*>",  # autolinks and tags
    re.DOTALL,
)
_CODE_SPAN = re.compile(r"(?<![`}])(`+)(?!`)(.+?)(?<!`)\1(?!`)")


@dataclass(frozen=True)
class Anchor:
    """A block translation leaves alone, as a key both the English and the fork share."""

    kind: str
    """``label``, ``math``, ``code``, ``figure``, ``table`` or ``tab``."""
    key: str
    """What must be equal: the label, the normalized formula, the code's token key, the
    figure's file name, the table's column count, the tab's sync key."""
    start: int
    """Offset in the page."""
    line: int
    text: str = ""
    """The code of a code cell (for reports), else empty."""
    tokens: tuple[str, ...] = ()
    """Code tokens without comments and layout (code cells only)."""
    tab: str | None = None
    """The framework tab (sync key) the anchor is in, or None."""
    frameworks: tuple[str, ...] = ()
    """A code cell's framework tags (empty: every framework)."""


@dataclass
class Block:
    """One message of the page with the evidence a translation keeps."""

    seg: Segment
    index: int
    kind: str
    """The segment kind; headings carry their level (``heading2``)."""
    tab: str | None
    """The framework tab (sync key) the message is in, or None."""
    evidence: Counter[str] = field(default_factory=Counter)
    """``math:…``, ``code:…``, ``role:…``, ``link:…``, ``num:…`` tokens."""

    @property
    def text(self) -> str:
        return self.seg.msgid

    @cached_property
    def words(self) -> Counter[str]:
        """Latin words outside markup (lower case)."""
        return latin_words(self.seg.msgid)

    @cached_property
    def letters(self) -> int:
        """Letters and digits outside markup."""
        return int(size_of(self.seg.msgid))


@dataclass
class PageStructure:
    text: str
    blocks: list[Block]
    anchors: list[Anchor]
    tabs: dict[str, int]
    """Sync key -> number of tab items with that key."""
    frameworks: frozenset[str] = frozenset()
    """Frameworks the page names: tab sync keys and code cells' framework tags."""


# ----------------------------------------------------------------------------------------------


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def latin_words(text: str) -> Counter[str]:
    plain = _MARKUP.sub(" ", text)
    return Counter(w.lower() for w in _LATIN.findall(plain) if len(w) > 1)


def size_of(text: str) -> float:
    """How much text a message holds, markup left out: wide (CJK) characters and other
    letters or digits."""
    return float(sum(1 for ch in _MARKUP.sub(" ", text) if ch.isalnum()))


def _evidence(msgid: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for formula, n in inline_math(msgid).items():
        found[f"math:{formula}"] += n
    for (name, target), n in roles(msgid).items():
        found[f"role:{name}:{target}"] += n
    for target, n in link_targets(msgid).items():
        found[f"link:{target}"] += n
    without_roles = re.sub(r"\{[\w:.+-]+\}`[^`]*`", " ", msgid)
    for match in _CODE_SPAN.finditer(without_roles):
        found[f"code:{normalize(match.group(2))}"] += 1
    plain = _MARKUP.sub(" ", msgid)
    for number in _NUMBER.findall(plain):
        found[f"num:{number}"] += 1
    return found


@lru_cache(maxsize=1 << 16)
def code_tokens(code: str) -> tuple[str, ...]:
    """The code's tokens without comments, blank lines or indentation: a reformatted cell
    or one with translated comments has the same tokens."""
    try:
        out = []
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            out.append(tok.string)
        return _unwrap(out)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        lines = [re.sub(r"(^|\s)#.*$", "", line) for line in code.splitlines()]
        return tuple(re.findall(r"\w+|[^\w\s]", "\n".join(lines)))


def _unwrap(tokens: list[str]) -> tuple[str, ...]:
    """Tokens with formatting-only differences removed: trailing commas before a closing
    bracket (a formatter adds them) and magic-comma style."""
    out: list[str] = []
    for tok in tokens:
        if tok in (")", "]", "}") and out and out[-1] == ",":
            out.pop()
        out.append(tok)
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def code_key(code: str) -> str:
    return hashlib.sha1("\x00".join(code_tokens(code)).encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------


@dataclass
class _Tab:
    key: str
    start: int
    end: int


def _line_offsets(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _scan(text: str, frameworks: Collection[str]) -> tuple[list[Anchor], list[_Tab]]:
    """Anchors and framework-tab regions of a page, by a line scan. ``frameworks``: the
    configured framework keys, recognised in code cells' tags."""
    lines = text.split("\n")
    starts = _line_offsets(text)
    anchors: list[Anchor] = []
    tabs: list[_Tab] = []
    containers: list[tuple[myst.Fence, int, str | None]] = []  # (fence, start offset, tab key)

    def current_tab() -> str | None:
        for _, _, key in reversed(containers):
            if key:
                return key
        return None

    def add(kind: str, key: str, i: int, text_: str = "", tokens: tuple[str, ...] = (),
            frameworks: tuple[str, ...] = ()) -> None:
        anchors.append(Anchor(kind, key, starts[i], i + 1, text_, tokens, current_tab(),
                              frameworks))

    i = myst.front_matter_length(lines)
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if containers and containers[-1][0].closed_by(line):
            _fence, begin, key = containers.pop()
            if key:
                tabs.append(_Tab(key, begin, starts[i]))
            i += 1
            continue
        label = _LABEL.match(line)
        if label:
            add("label", label.group("name"), i)
            i += 1
            continue
        if stripped.startswith("$$"):
            i = _scan_math(lines, i, add)
            continue
        if _TABLE_DELIM.match(line) and i > 0 and "|" in lines[i - 1]:
            cols = len(lines[i].strip().strip("|").split("|"))
            add("table", str(cols), i - 1)
            end = i + 1
            while end < len(lines) and lines[end].strip() and "|" in lines[end]:
                end += 1
            if end < len(lines):  # the table's end: its cells form a run of their own
                add("table-end", str(cols), end)
            i = end
            continue
        for image in myst.IMAGE.finditer(line):
            add("figure", PurePosixPath(image.group("path")).name, i)
        fence = myst.open_fence(line)
        if not fence:
            i += 1
            continue
        directive = fence.directive
        name = directive[0].lower() if directive else ""
        arg = directive[1] if directive else ""
        options, count = myst.directive_options(lines[i + 1:])
        j = i + 1 + count
        if options.get("name") or options.get("label"):
            add("label", options.get("name") or options.get("label", ""), i)
        opaque = not directive or name in _CODE_DIRECTIVES or name in ("math", "toctree",
                                                                       "raw", "eval-rst")
        if not opaque:
            key = None
            if name == "tab-item":
                key = options.get("sync") or normalize(arg).lower() or "?"
                containers.append((fence, starts[i], key))
                add("tab", key, i)
            else:
                containers.append((fence, starts[i], None))
                if name in ("figure", "image") and arg:
                    add("figure", PurePosixPath(arg).name, i)
            i = j
            continue
        k = j
        if k < len(lines) and lines[k].strip() == "---":  # YAML options block
            k += 1
            while k < len(lines) and lines[k].strip() != "---":
                k += 1
            k += 1
        end = myst.close_index(lines, fence, k)
        content = "\n".join(lines[min(k, end) : end])
        if name == "math":
            add("math", normalize_math(content), i)
        elif name in _CODE_DIRECTIVES or not directive:
            tags = re.findall(r"[\w-]+", options.get("tags", ""))
            add("code", code_key(content), i, content, code_tokens(content),
                tuple(t.lower() for t in tags if t.lower() in frameworks))
        i = end + 1
    for _fence, begin, key in containers:
        if key:
            tabs.append(_Tab(key, begin, len(text)))
    anchors.sort(key=lambda a: a.start)
    return anchors, tabs


def _scan_math(lines: list[str], i: int, add: Callable[[str, str, int], None]) -> int:
    """A ``$$ ... $$`` block starting on line ``i``: its formula (and ``(label)``)."""
    stripped = lines[i].strip()
    rest = stripped[2:]
    if "$$" in rest:
        formula, tail = rest.split("$$", 1)
        end = i
    else:
        body = [rest]
        end = i + 1
        while end < len(lines) and "$$" not in lines[end]:
            body.append(lines[end])
            end += 1
        tail = ""
        if end < len(lines):
            before, tail = lines[end].split("$$", 1)
            body.append(before)
        formula = " ".join(body)
    add("math", normalize_math(formula), i)
    found = _MATH_LABEL.search("$$" + tail)
    if found:
        add("label", found.group("name"), i)
    return end + 1


def _heading_level(text: str, seg: Segment) -> int:
    line_start = text.rfind("\n", 0, seg.start) + 1
    prefix = text[line_start : seg.start].strip()
    if prefix.startswith("#"):
        return len(prefix) - len(prefix.lstrip("#"))
    nxt = text.find("\n", seg.end)
    under = text[nxt + 1 : text.find("\n", nxt + 1)] if nxt >= 0 else ""
    return 1 if under.strip().startswith("=") else 2


def read_structure(text: str, frameworks: Collection[str]) -> PageStructure:
    """The page's messages (with evidence and tab) and anchors. ``frameworks``: the book's
    configured framework keys (code cells tagged with one belong to that framework)."""
    anchors, tabs = _scan(text, frameworks)
    blocks: list[Block] = []
    for index, seg in enumerate(segment(text)):
        tab = None
        for region in tabs:
            if region.start <= seg.start < region.end and region.key:
                tab = region.key
        kind = seg.kind
        if kind == "heading":
            kind = f"heading{_heading_level(text, seg)}"
        blocks.append(Block(seg, index, kind, tab, _evidence(seg.msgid)))
    tab_counts = Counter(t.key for t in tabs if t.key)
    frameworks = set(tab_counts) | {f for a in anchors for f in a.frameworks}
    return PageStructure(text, blocks, anchors, dict(tab_counts), frozenset(frameworks))


_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<![\\$])\$(?!\$)")
_ROLE_TARGET = re.compile(r"\{(ref|numref|eq|cite:p|cite:t|cite|doc|label)\}`([^`]*)`")


def features_of(text: str) -> Counter[str]:
    """A page's structural fingerprint without segmenting it (cheap enough to compute for
    every version in the history): anchors plus inline formulas and cross-references."""
    anchors, _tabs = _scan(text, ())
    found: Counter[str] = Counter()
    code_starts = []
    for anchor in anchors:
        found[f"{anchor.kind}:{anchor.key}"] += 1
        if anchor.kind == "code":
            code_starts.append(anchor.start)
    headings = len(re.findall(r"(?m)^#{1,6} ", text))
    for n in range(min(headings, 40)):
        found[f"heading:{n}"] += 1
    prose = myst.without_blocks(text, lambda block: block.name == myst.CODE_CELL)
    found.update(_paragraphs(prose))
    for match in _INLINE_MATH.finditer(prose):
        found[f"imath:{normalize_math(match.group(1))}"] += 1
    for match in _ROLE_TARGET.finditer(prose):
        target = re.sub(r"^.*<([^<>]+)>\s*$", r"\1", match.group(2)).strip()
        found[f"ref:{match.group(1)}:{target}"] += 1
    return found


_DISPLAY_MATH = re.compile(r"(?ms)^ {0,3}\$\$.*?\$\$.*?$")


def _paragraphs(prose: str) -> Counter[str]:
    """How many paragraphs each section has (``para:<section>`` per paragraph): added and
    deleted paragraphs tell versions apart where nothing else in the structure does."""
    found: Counter[str] = Counter()
    section = 0
    fenced = myst.without_blocks(prose, lambda block: block.fence.marker[0] in "`~")
    for chunk in re.split(r"\n[ \t]*\n", _DISPLAY_MATH.sub("\n\n", fenced)):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("#"):
            section += 1
        elif chunk[0].isalpha() or chunk[0] in "*_[{`$\"'(":
            if not _LABEL.match(chunk.split("\n")[0]):
                found[f"para:{section}"] += 1
    return found


WEIGHTS = {"label": 4.0, "math": 2.0, "code": 2.0, "figure": 3.0, "table": 0.5,
           "table-end": 0.0, "tab": 0.5, "para": 0.25,
           "heading": 0.3, "imath": 1.0, "ref": 2.0}


def _weight(key: str) -> float:
    return WEIGHTS.get(key.split(":", 1)[0], 1.0)


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Weighted Dice coefficient of two fingerprints (1 identical, 0 nothing shared)."""
    shared = sum(min(n, b[k]) * _weight(k) for k, n in a.items() if k in b)
    total = sum(n * _weight(k) for k, n in a.items()) + sum(n * _weight(k) for k, n in b.items())
    return 2 * shared / total if total else 0.0
