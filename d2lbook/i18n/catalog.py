"""Faithful reading and canonical writing of gettext catalogs (.po and .pot).

Reading is done here in Python and keeps everything GNU gettext keeps: translator, extracted
and reference comments, flags, previous messages (``#|`` and ``#~|``), obsolete entries and
every header field in order. Writing produces a plain PO text and canonicalizes it with GNU
``msgcat``, so the bytes on disk are exactly what gettext's own tools write (79-column,
CJK-aware wrapping included): a catalog read and written again is byte-identical, and so is a
catalog passed through ``msgcat``, ``msgmerge`` or Poedit-then-``msgcat``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import I18nError, MissingToolError, Problem
from d2lbook.files import write_atomic

from .segment import normalize

__all__ = [
    "Catalog",
    "Entry",
    "parse_catalog",
    "read_catalog",
    "render_catalog",
    "write_catalog",
    "gettext_tool",
]


@dataclass
class Entry:
    """One message of a catalog."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    fuzzy: bool = False
    obsolete: bool = False
    previous_msgid: str | None = None
    """The English the (fuzzy) translation was made for, from ``#| msgid``."""
    comments: list[str] = field(default_factory=list)
    """Translator comments (``# ...``), without the ``# `` prefix."""
    extracted: list[str] = field(default_factory=list)
    """Extracted comments (``#. ...``)."""
    references: list[str] = field(default_factory=list)
    """Source references (``#: file``), one per item."""
    flags: list[str] = field(default_factory=list)
    """Flags other than ``fuzzy`` (``#, python-format``)."""
    line: int = 0
    """Line in the file where the entry starts (its first comment or keyword)."""
    msgstr_line: int = field(default=0, compare=False)
    """Line of its ``msgstr`` keyword (0 when not read from a file): where a rejected
    translation is reported."""
    previous_msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    previous_msgid_plural: str | None = None

    @property
    def translated(self) -> bool:
        """Has a non-empty translation (fuzzy or not)."""
        if self.msgid_plural is not None:
            return any(self.msgstr_plural.values())
        return bool(self.msgstr)


@dataclass
class Catalog:
    """A parsed catalog: header fields in order plus the entries in file order (the header
    entry itself is not in ``entries``)."""

    header: dict[str, str] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    path: Path | None = None
    header_comments: list[str] = field(default_factory=list)
    """Translator comments above the header (``# SOME DESCRIPTIVE TITLE.``)."""
    header_flags: list[str] = field(default_factory=list)
    """Flags of the header entry (``fuzzy`` in a fresh template)."""
    has_header: bool = True
    """False when the file has no ``msgid ""`` entry."""

    def lookup(self, msgid: str, *, fuzzy: bool = False) -> str | None:
        """The translation of ``msgid`` (compared normalized), or None. Obsolete entries never
        count; fuzzy ones only when ``fuzzy`` is true."""
        key = normalize(msgid)
        for entry in self.entries:
            if entry.obsolete or not entry.msgstr or (entry.fuzzy and not fuzzy):
                continue
            if entry.msgctxt is None and normalize(entry.msgid) == key:
                return entry.msgstr
        return None

    def find(self, msgid: str) -> Entry | None:
        """The live (non-obsolete) entry for ``msgid`` (compared normalized), or None."""
        key = normalize(msgid)
        for entry in self.entries:
            if not entry.obsolete and entry.msgctxt is None and normalize(entry.msgid) == key:
                return entry
        return None

    def translations(self, *, fuzzy: bool = False, context: str | None = None
                     ) -> dict[str, Entry]:
        """Normalized msgid -> entry for every usable translation (see :meth:`lookup`) of the
        entries with ``msgctxt`` ``context`` (None: the prose messages, without one)."""
        found: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.obsolete or not entry.msgstr or (entry.fuzzy and not fuzzy):
                continue
            if entry.msgctxt == context:
                found.setdefault(normalize(entry.msgid), entry)
        return found


# ----------------------------------------------------------------------------------------------
# Reading.

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
            "\\": "\\", '"': '"', "'": "'", "?": "?"}  # fmt: skip
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)[ \t]+(\".*)$")


class _Syntax(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _unquote(token: str, line: int) -> str:
    """The value of one C string literal ``"..."`` (trailing spaces allowed)."""
    token = token.rstrip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise _Syntax(line, f"expected a quoted string, found {token!r}")
    body = token[1:-1]
    if "\\" not in body and '"' not in body:
        return body  # the common case: nothing to unescape
    out: list[str] = []
    k = 0
    while k < len(body):
        ch = body[k]
        if ch == '"':
            raise _Syntax(line, "unescaped double quote inside a string")
        if ch != "\\":
            out.append(ch)
            k += 1
            continue
        if k + 1 >= len(body):
            raise _Syntax(line, "string ends with a lone backslash")
        nxt = body[k + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            k += 2
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[k + 1 :])
            assert digits is not None
            out.append(chr(int(digits.group(0), 8)))
            k += 1 + len(digits.group(0))
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]+", body[k + 2 :])
            if not digits:
                raise _Syntax(line, "invalid \\x escape")
            out.append(chr(int(digits.group(0), 16)))
            k += 2 + len(digits.group(0))
        else:
            raise _Syntax(line, f"invalid escape sequence \\{nxt}")
    return "".join(out)


@dataclass
class _Draft:
    """An entry being read."""

    line: int
    entry: Entry = field(default_factory=lambda: Entry(msgid=""))
    fields: dict[str, list[str]] = field(default_factory=dict)
    previous: dict[str, list[str]] = field(default_factory=dict)
    last: tuple[str, str] | None = None  # ("field"|"previous", key) receiving continuations
    lines: dict[str, int] = field(default_factory=dict)  # keyword -> line it is on
    obsolete_lines: int = 0
    plain_lines: int = 0

    @property
    def has_keywords(self) -> bool:
        return bool(self.fields)

    @property
    def complete(self) -> bool:
        return any(k.startswith("msgstr") for k in self.fields)


def _strip_one_space(text: str) -> str:
    return text[1:] if text.startswith(" ") else text


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None

    def draft(self, number: int) -> _Draft:
        if self.current is None:
            self.current = _Draft(number)
        return self.current

    def finish(self) -> None:
        if self.current is None:
            return
        if self.current.has_keywords or self.current.entry.comments or \
                self.current.entry.extracted or self.current.entry.flags or \
                self.current.entry.references:
            self.drafts.append(self.current)
        self.current = None

    def read(self) -> list[_Draft]:
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, raw in enumerate(lines, start=1):
            self.line(number, raw.rstrip("\r"))
        self.finish()
        return self.drafts

    def line(self, number: int, raw: str) -> None:
        stripped = raw.strip()
        if not stripped:
            if self.current is not None and self.current.complete:
                self.finish()
            elif self.current is not None:
                self.current.last = None
            return
        if raw.startswith("#~|"):
            self.keyword(number, raw[3:].strip(), previous=True, obsolete=True)
        elif raw.startswith("#~"):
            self.keyword(number, raw[2:].strip(), previous=False, obsolete=True)
        elif raw.startswith("#|"):
            self.keyword(number, raw[2:].strip(), previous=True, obsolete=False)
        elif raw.startswith("#"):
            self.comment(number, raw)
        else:
            self.keyword(number, stripped, previous=False, obsolete=False)

    def comment(self, number: int, raw: str) -> None:
        if self.current is not None and (self.current.has_keywords or self.current.previous):
            self.finish()
        entry = self.draft(number).entry
        kind, rest = raw[1:2], raw[2:]
        if kind == ".":
            entry.extracted.append(_strip_one_space(rest))
        elif kind == ":":
            entry.references.extend(rest.split())
        elif kind == ",":
            for flag in (f.strip() for f in rest.split(",")):
                if flag == "fuzzy":
                    entry.fuzzy = True
                elif flag:
                    entry.flags.append(flag)
        else:
            entry.comments.append(_strip_one_space(raw[1:]))

    def keyword(self, number: int, body: str, *, previous: bool, obsolete: bool) -> None:
        match = _KEYWORD.match(body)
        if match is None and body.startswith('"'):
            self.continuation(number, body, previous=previous)
            return
        if match is None:
            raise _Syntax(number, f"expected msgid, msgstr, msgctxt or a comment, found {body!r}")
        key = match.group(1)
        value = _unquote(match.group(3), number)
        if self.current is not None and self.current.complete and not previous and \
                key in ("msgctxt", "msgid"):
            self.finish()
        if self.current is not None and self.current.complete and previous:
            self.finish()
        draft = self.draft(number)
        if obsolete:
            draft.obsolete_lines += 1
        else:
            draft.plain_lines += 1
        target = draft.previous if previous else draft.fields
        if key in target:
            raise _Syntax(number, f"duplicate {key} in one entry (missing blank line?)")
        if not previous:
            self.check_order(draft, key, number)
        target[key] = [value]
        if not previous:
            draft.lines[key] = number
        draft.last = ("previous" if previous else "field", key)

    def check_order(self, draft: _Draft, key: str, number: int) -> None:
        have = draft.fields
        if key == "msgid" and any(k.startswith("msgstr") for k in have):
            raise _Syntax(number, "msgid after msgstr in one entry")
        if key.startswith("msgstr") and "msgid" not in have:
            raise _Syntax(number, "msgstr without a msgid before it")
        if key == "msgid_plural" and "msgid" not in have:
            raise _Syntax(number, "msgid_plural without a msgid before it")
        if key == "msgctxt" and "msgid" in have:
            raise _Syntax(number, "msgctxt after msgid in one entry")

    def continuation(self, number: int, body: str, *, previous: bool) -> None:
        draft = self.current
        if draft is None or draft.last is None:
            raise _Syntax(number, "string continuation without a keyword before it")
        where, key = draft.last
        if (where == "previous") != previous:
            raise _Syntax(number, "string continuation does not match the line above")
        target = draft.previous if previous else draft.fields
        target[key].append(_unquote(body, number))


def _build_entry(draft: _Draft) -> Entry:
    entry = draft.entry
    entry.line = draft.line
    entry.msgstr_line = draft.lines.get("msgstr", draft.line)
    values = {k: "".join(v) for k, v in draft.fields.items()}
    prev = {k: "".join(v) for k, v in draft.previous.items()}
    if "msgid" not in values:
        raise _Syntax(draft.line, "entry without msgid")
    if not any(k.startswith("msgstr") for k in values):
        raise _Syntax(draft.line, f"msgid {values['msgid'][:40]!r} has no msgstr")
    if draft.obsolete_lines and draft.plain_lines:
        raise _Syntax(draft.line, "entry mixes obsolete (#~) and live lines")
    entry.msgid = values["msgid"]
    entry.msgctxt = values.get("msgctxt")
    entry.msgid_plural = values.get("msgid_plural")
    entry.obsolete = bool(draft.obsolete_lines)
    if entry.msgid_plural is None:
        if "msgstr" not in values:
            raise _Syntax(draft.line, "msgstr[n] without msgid_plural")
        entry.msgstr = values["msgstr"]
    else:
        plural = {int(k[7:-1]): v for k, v in values.items() if k.startswith("msgstr[")}
        if not plural or "msgstr" in values:
            raise _Syntax(draft.line, "msgid_plural needs msgstr[0], msgstr[1], ...")
        entry.msgstr_plural = dict(sorted(plural.items()))
        entry.msgstr = plural.get(0, "")
    entry.previous_msgctxt = prev.get("msgctxt")
    entry.previous_msgid = prev.get("msgid")
    entry.previous_msgid_plural = prev.get("msgid_plural")
    return entry


def _parse_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.split("\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip()] = value.strip()
    return header


def parse_catalog(text: str, path: Path | None = None) -> Catalog:
    """Parse PO/POT text. Raises :class:`I18nError` naming ``file:line`` on syntax errors."""
    where: Path | str = path if path is not None else "<catalog>"
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        drafts = _Reader(text).read()
        entries = [_build_entry(d) for d in drafts]
    except _Syntax as err:
        raise I18nError([Problem(where, err.line, err.message, "i18n-catalog")]) from None
    catalog = Catalog(path=path, has_header=False)
    seen: dict[tuple[str | None, str], int] = {}
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None and not entry.obsolete:
            if catalog.has_header:
                raise I18nError([Problem(where, entry.line, "second header entry (msgid \"\")",
                                         "i18n-catalog")])
            catalog.has_header = True
            catalog.header = _parse_header(entry.msgstr)
            catalog.header_comments = entry.comments
            catalog.header_flags = (["fuzzy"] if entry.fuzzy else []) + entry.flags
            continue
        key = (entry.msgctxt, entry.msgid)
        if key in seen:  # gettext refuses duplicates, obsolete ones included
            raise I18nError([Problem(where, entry.line, f"duplicate message {entry.msgid[:50]!r}"
                                     f" (first defined at line {seen[key]})", "i18n-catalog")])
        seen[key] = entry.line
        catalog.entries.append(entry)
    return catalog


def read_catalog(path: Path) -> Catalog:
    """Read a catalog file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise I18nError([Problem(path, line, "catalog is not valid UTF-8", "i18n-catalog")]) \
            from None
    except OSError as err:
        raise I18nError([Problem(path, 0, f"cannot read catalog: {err.strerror}",
                                 "i18n-catalog")]) from None
    catalog = parse_catalog(text, path)
    charset = _CHARSET.search(catalog.header.get("Content-Type", ""))
    if charset and charset.group(1).replace("-", "").lower() != "utf8":
        line = next((n for n, raw in enumerate(text.splitlines(), 1)
                     if "Content-Type" in raw), 0)
        raise I18nError([Problem(path, line, f"the header declares charset={charset.group(1)}, "
                                 "but catalogs are UTF-8 (gettext would re-encode or reject "
                                 "the translations): set `charset=UTF-8`", "i18n-catalog")])
    return catalog


_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)


# ----------------------------------------------------------------------------------------------
# Writing.

_QUOTE_MAP = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
              "\b": "\\b", "\f": "\\f", "\v": "\\v"}  # fmt: skip


def _quote(value: str) -> str:
    return '"' + "".join(_QUOTE_MAP.get(ch, ch) for ch in value) + '"'


def _keyword_lines(prefix: str, key: str, value: str) -> list[str]:
    """``key "value"`` split after each newline, the way gettext starts a new string."""
    pieces = value.split("\n")
    chunks = [p + "\n" for p in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    if len(chunks) <= 1:
        return [f"{prefix}{key} {_quote(value)}"]
    return [f'{prefix}{key} ""'] + [f"{prefix}{_quote(c)}" for c in chunks]


def _entry_lines(entry: Entry) -> list[str]:
    out = [f"# {c}" if c else "#" for c in entry.comments]
    out += [f"#. {c}" if c else "#." for c in entry.extracted]
    out += [f"#: {r}" for r in entry.references]
    flags = (["fuzzy"] if entry.fuzzy else []) + entry.flags
    if flags:
        out.append("#, " + ", ".join(flags))
    prev = "#~| " if entry.obsolete else "#| "
    if entry.previous_msgctxt is not None:
        out += _keyword_lines(prev, "msgctxt", entry.previous_msgctxt)
    if entry.previous_msgid is not None:
        out += _keyword_lines(prev, "msgid", entry.previous_msgid)
    if entry.previous_msgid_plural is not None:
        out += _keyword_lines(prev, "msgid_plural", entry.previous_msgid_plural)
    lead = "#~ " if entry.obsolete else ""
    if entry.msgctxt is not None:
        out += _keyword_lines(lead, "msgctxt", entry.msgctxt)
    out += _keyword_lines(lead, "msgid", entry.msgid)
    if entry.msgid_plural is not None:
        out += _keyword_lines(lead, "msgid_plural", entry.msgid_plural)
        plural = entry.msgstr_plural or {0: entry.msgstr}
        for n, value in sorted(plural.items()):
            out += _keyword_lines(lead, f"msgstr[{n}]", value)
    else:
        out += _keyword_lines(lead, "msgstr", entry.msgstr)
    return out


def header_entry(catalog: Catalog) -> Entry:
    """The ``msgid ""`` entry that carries the header fields."""
    text = "".join(f"{k}: {v}\n" for k, v in catalog.header.items())
    flags = [f for f in catalog.header_flags if f != "fuzzy"]
    return Entry(msgid="", msgstr=text, comments=list(catalog.header_comments),
                 fuzzy="fuzzy" in catalog.header_flags, flags=flags)


def render_plain(catalog: Catalog) -> str:
    """Valid PO text for ``catalog`` without gettext's line wrapping (input for ``msgcat``)."""
    blocks: list[list[str]] = []
    if catalog.has_header or catalog.header:
        blocks.append(_entry_lines(header_entry(catalog)))
    blocks += [_entry_lines(e) for e in catalog.entries]
    return "\n\n".join("\n".join(b) for b in blocks) + "\n" if blocks else ""


def gettext_tool(name: str) -> str:
    """The path of a GNU gettext program, or MissingToolError saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise MissingToolError(f"GNU gettext's `{name}` is not installed: install the `gettext` "
                               "package (apt-get install gettext, brew install gettext)")
    return found


def run_gettext(args: list[str], stdin: str | None, where: Path | str) -> str:
    """Run a gettext program; its located complaints become an I18nError about ``where``."""
    proc = subprocess.run([gettext_tool(args[0]), *args[1:]], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", check=False)
    if proc.returncode != 0:
        raise I18nError(_gettext_problems(proc.stderr, where))
    return proc.stdout


_LOCATED = re.compile(r"^(?:[^:\n]*?):(\d+):(?:\d+:)?\s*(.*)$")


def _gettext_problems(stderr: str, where: Path | str) -> list[Problem]:
    problems: list[Problem] = []
    for raw in stderr.splitlines():
        located = _LOCATED.match(raw)
        if located:
            problems.append(Problem(where, int(located.group(1)), located.group(2),
                                    "i18n-catalog"))
    if not problems:
        detail = " ".join(stderr.split()) or "gettext failed"
        problems.append(Problem(where, 0, detail, "i18n-catalog"))
    return problems


def render_catalog(catalog: Catalog) -> str:
    """The catalog as GNU gettext writes it (``msgcat`` canonical form)."""
    plain = render_plain(catalog)
    if not plain:
        return ""
    # --force-po: a page without messages still gets its header-only catalog
    args = ["msgcat", "--force-po", "-", "-o", "-"]
    return run_gettext(args, plain, catalog.path or "<catalog>")


def write_catalog(catalog: Catalog, path: Path) -> bool:
    """Write ``catalog`` to ``path`` in canonical form; False (nothing written) when the file
    already holds exactly these bytes."""
    text = render_catalog(catalog)
    path = Path(path)
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True
