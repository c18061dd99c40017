"""Sphinx warnings that are never lost, and that point at the page a user edits.

Sphinx only warns about documents it reads or writes, so an incremental build is silent about
a page with a problem that did not change. Each edition keeps its warnings per document in
``_build/<lang>/warnings-<builder>.json``; the documents listed there are read again by the
next build (so their warnings are emitted afresh, or disappear once fixed) and an entry is
replaced whenever its document is processed. Every build therefore reports what a clean build
would, and ``--strict`` gives the same answer warm and cold.

Sphinx sees generated notebooks (``_build/<lang>/sphinx/<page>.ipynb``); each notebook carries a
``source_map`` (the line of each cell in the source page, which myst-nb uses for locations)
and :func:`relocate` rewrites the file name to the source page, without ANSI colour codes.
The store keeps warnings as Sphinx gave them (at the line of the edition's page), and so do
the build's step stamps; :func:`place` names the source page and line on every report, stored
warnings too: where a translated page's line lands in the English page changes with the
English page and with its catalog, not only when Sphinx reads the page again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from d2lbook.jsondata import Cell

__all__ = ["cell_starts", "line_map", "named_file", "place", "relocate", "Standing",
           "WarningStore"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def cell_starts(text: str, cells: list[Cell]) -> list[int] | None:
    """The 0-based line of the page where each cell's source starts (found in order), or
    None when the page has no lines. A cell the website repeats (a shared code cell shown once
    per framework tab) maps to where it was last found; a cell the build made (a prose tab's
    "nothing specific" note) to where the cell before it starts: never myst-nb's own
    numbering (cell index x 10000 + line), which names no line of the page."""
    lines = [line.rstrip() for line in text.splitlines()]
    if not lines:
        return None
    starts: list[int] = []
    cursor = 0
    for cell in cells:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        own = source.splitlines()
        first = next((k for k, line in enumerate(own) if line.strip()), None)
        if first is None:
            starts.append(cursor)
            continue
        needle = own[first].rstrip()
        found = next((i for i in range(cursor, len(lines)) if lines[i] == needle), None)
        if found is None:  # repeated or made by the build: stay where the page was
            earlier = next((i for i in range(min(cursor, len(lines)) - 1, -1, -1)
                            if lines[i] == needle), None)
            starts.append(max(0, (earlier if earlier is not None else
                                  (starts[-1] + first if starts else 0)) - first))
            continue
        starts.append(found - first)
        cursor = found + len(own) - first
    return starts


def line_map(generated: str, source: str) -> list[int]:
    """For each line of ``generated`` (a translated page), the 1-based line of ``source`` (the
    English page) it comes from: equal lines (labels, fences, code, blank lines) pair up, a
    translated paragraph maps onto the English paragraph it replaced."""
    import difflib

    ours, theirs = generated.splitlines(), source.splitlines()
    mapping = [0] * len(ours)
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            offset = i - i1 if tag == "equal" else min(i - i1, max(j2 - j1 - 1, 0))
            mapping[i] = min(j1 + offset, max(len(theirs) - 1, 0)) + 1
    return mapping


LineMaps = Callable[[str], "list[int] | None"]
"""docname -> for each line of the edition's page, the line of the source page (None: the
same lines)."""


def relocate(line: str, srcdir: Path, origins: Mapping[str, str],
             lines: LineMaps | None = None,
             files: str | None = None) -> tuple[str | None, str]:
    """(docname, the warning with every ``<srcdir>/<docname>.ipynb[:line]`` replaced by the
    source page named in ``origins`` (and the line mapped through ``lines(docname)`` when
    given), every other ``<srcdir>/<file>`` by ``<files>/<file>`` (the folder the edition's
    assets, such as its ``.bib``, come from) and no ANSI codes). docname is None for warnings
    about no document in particular."""
    line = _ANSI.sub("", line)
    prefix = re.escape(str(srcdir).rstrip("/") + "/")
    docname = None
    head = re.match(prefix + r"(?P<doc>.+?)\.(?:ipynb|md)(?=[:\s]|$)", line)
    if head:
        docname = head["doc"]

    def to_source(m: re.Match[str]) -> str:
        doc = m["doc"]
        if doc not in origins:
            return m.group(0)
        number = m["line"]
        mapped = lines(doc) if lines is not None else None
        if number and mapped and 0 < int(number) <= len(mapped):
            number = str(mapped[int(number) - 1])
        return origins[doc] + (f":{number}" if number else "")

    line = re.sub(prefix + r"(?P<doc>[^\s:]+?)\.(?:ipynb|md)(?::(?P<line>\d+))?"
                  r"(?=[:\s,;)]|$)", to_source, line)
    if files is not None:
        line = re.sub(prefix + r"(?=[^\s:])", files.rstrip("/") + "/", line)
    return docname, line


def named_file(warning: str, srcdir: Path) -> str | None:
    """The file of ``srcdir`` (not a page) a warning about no document names, if any: a
    ``.bib`` file's data error is reported only when the file is read again."""
    m = re.search(re.escape(str(srcdir).rstrip("/") + "/") + r"(?P<rel>[^\s:]+)", warning)
    return m["rel"] if m else None


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "gone"
    return f"{st.st_mtime_ns}-{st.st_size}"


TREE = "@tree"
"""The store's entry for what its warnings were found in: [the Sphinx folder, the digest of
:func:`tree_context`]."""

FORMAT = "@format"
"""The store's entry for how its warnings are kept: [:data:`STORED_AS`]."""

STORED_AS = "raw-2"
"""Warnings as Sphinx gave them, the Sphinx folder written :data:`SRCDIR`. A store without
this entry holds warnings relocated when they were found: their documents are read again."""

SRCDIR = "<srcdir>"
"""Stands for the Sphinx folder in stored warnings (the book may move)."""

_META = (TREE, FORMAT)


def tree_context(srcdir: Path) -> str:
    """What a page's warnings depend on besides its own text and the labels, numbers and
    titles of the other pages: which pages there are, and every other file of the Sphinx
    folder (``conf.py``, images, the ``.bib``) with its size and time (unchanged files keep
    their time: the tree is written only where it changed)."""
    import hashlib
    import os

    h = hashlib.sha256()
    root = str(srcdir)
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if name.endswith(".ipynb"):
                h.update(f"page\0{rel}\0".encode())
            else:
                h.update(f"file\0{rel}\0{_stamp(Path(path))}\0".encode())
    return h.hexdigest()


class Standing(set[str]):
    """No document to read again; :attr:`standing`: those with stored warnings, to be read
    if Sphinx writes one of them."""

    def __init__(self, standing: Iterable[str]):
        super().__init__()
        self.standing = set(standing)


class WarningStore:
    """``_build/<lang>/warnings-<builder>.json``: docname -> its warnings; ``""``: warnings
    about no document and no file, replaced by every run; ``file:<rel>:<stamp>``: warnings
    about the file ``<rel>`` of the Sphinx folder (a ``.bib``), kept while the file is
    unchanged (the extension that reads it warns only when it reads it again); ``@tree``:
    the folder and its :func:`tree_context` when they were found."""

    def __init__(self, path: Path):
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.pages: dict[str, list[str]] = {str(k): list(v) for k, v in data.items()}
        except (OSError, ValueError, AttributeError):
            self.pages = {}

    def pending(self, origins: Mapping[str, str]) -> set[str]:
        """Documents to read again: those with warnings last time, and the documents their
        warnings name (``duplicate label x, other instance in <page>``: Sphinx warns only
        when both are read); none when the Sphinx folder's pages and other files are those
        the warnings were found with (:func:`tree_context`): then a page's warnings change
        only with its own text (Sphinx reads it again), with a label it shares (read with it,
        ``render.rereads``) or with what it refers to (every page is written again when a
        label, title or number changes, and its warnings with it), so the stored ones stand.
        (Unless warnings about no page stood: reading may have caused them; and for the
        HTML builder only: LaTeX resolves every page's references in each run, so a page's
        warnings from reading and from writing cannot be told apart there.) The documents
        not read again are returned as :class:`Standing`: one that Sphinx writes without
        reading it is read after all (``render.sphinx_run``), else its warnings from reading
        would be replaced by those from writing alone."""
        docs = {doc for doc, found in self.pages.items()
                if doc and found and not doc.startswith(("file:", *_META))}
        text = "\n".join(w for key, found in self.pages.items() if key not in _META
                         for w in found)
        named = set(re.findall(re.escape(SRCDIR + "/") + r"([^\s:]+?)\.(?:ipynb|md)\b", text))
        docs |= {doc for doc, path in origins.items()
                 if doc in named or (path and path in text)}
        tree = self.pages.get(TREE)
        if self.path.name.startswith("warnings-html") and not self.pages.get("") and tree \
                and len(tree) == 2 and tree_context(Path(tree[0])) == tree[1] \
                and self.pages.get(FORMAT) == [STORED_AS]:
            return Standing(docs)
        return docs

    def update(self, warnings: Iterable[str], processed: set[str], docnames: set[str],
               srcdir: Path) -> list[str]:
        """Record this run's warnings (each document processed now gets exactly its new
        ones) and return every warning still standing, as stored (:func:`place` names the
        source pages), in document order, each once."""
        fresh: dict[str, list[str]] = {}
        prefix = str(srcdir).rstrip("/") + "/"
        for raw in warnings:
            raw = _ANSI.sub("", raw)
            doc, _ = relocate(raw, srcdir, {})
            if doc is None and (rel := named_file(raw, srcdir)) is not None:
                doc = f"file:{rel}:{_stamp(srcdir / rel)}"
            fresh.setdefault(doc or "", []).append(raw.replace(prefix, SRCDIR + "/"))
        named_now = {key.rsplit(":", 1)[0] for key in fresh if key.startswith("file:")}

        def standing(key: str) -> bool:
            """An earlier warning this run could not have repeated: about a document it did
            not process, or about a file it did not name that is unchanged since."""
            if not key or key in fresh or key in _META:
                return False
            if key.startswith("file:"):
                named, stamp = key.rsplit(":", 1)
                return named not in named_now and _stamp(srcdir / named[5:]) == stamp
            return key in docnames and key not in processed

        kept = {key: found for key, found in self.pages.items() if standing(key)}
        self.pages = {"": fresh.pop("", []), **kept, **fresh}
        shown = list(dict.fromkeys(w for doc in sorted(self.pages) for w in self.pages[doc]))
        self.pages[TREE] = [str(srcdir), tree_context(srcdir)]
        self.pages[FORMAT] = [STORED_AS]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.pages, indent=1, ensure_ascii=False, sort_keys=True),
                       encoding="utf-8")
        tmp.replace(self.path)
        return shown


def place(warnings: Iterable[str], srcdir: Path, origins: Mapping[str, str],
          lines: LineMaps | None = None, files: str | None = None) -> list[str]:
    """Stored warnings (:meth:`WarningStore.update`) as a user reads them: each
    ``<srcdir>/<docname>.ipynb[:line]`` replaced by the source page and line as they are now
    (:func:`relocate`), each once. Already placed warnings come back unchanged."""
    prefix = str(srcdir).rstrip("/") + "/"
    return list(dict.fromkeys(
        relocate(w.replace(SRCDIR + "/", prefix), srcdir, origins, lines, files)[1]
        for w in warnings))


def reader_warnings(reader: Iterable[str], sphinx: Iterable[str],
                    origins: Mapping[str, str]) -> list[str]:
    """The reader notebooks' warnings (``<docname>: <message>``) that tell the user something
    the website's Sphinx warnings do not, each once and naming the source page: an unresolved
    reference or an unknown directive that Sphinx already reported for the same page is the
    same mistake (one mistake, one warning)."""
    said = list(sphinx)
    out: list[str] = []
    for warning in reader:
        doc, _, message = warning.partition(": ")
        page = origins.get(doc, doc)
        target = re.search(r"'([^']+)'", message) or re.search(r"\{([^}]+)\}", message)
        name = target[1] if target else None
        if name and any(w.startswith(page) and name in w for w in said):
            continue
        text = f"{page}: {message}"
        if text not in out:
            out.append(text)
    return out


_UNRESOLVED = (
    (re.compile(r"undefined label: '(?P<target>[^']+)'"), "label"),
    (re.compile(r"equation not found: (?P<target>\S+)"), "equation"),
    (re.compile(r'could not find bibtex key "(?P<target>[^"]+)"'), "citation"),
)


def with_suggestions(warnings: Iterable[str], targets: Mapping[str, Iterable[str]]
                     ) -> list[str]:
    """Each warning about a reference to a label, equation or citation key that does not
    exist, with ``; did you mean 'x'?`` when one that does exist is close to it (as code
    cell tags close to a framework key are: ``difflib``, the same cutoff); ``targets``: kind
    (``label``, ``equation``, ``citation``) -> the names the book defines."""
    import difflib

    out = []
    for warning in warnings:
        for pattern, kind in _UNRESOLVED:
            m = pattern.search(warning)
            if not m:
                continue
            known = [t for t in targets.get(kind, ()) if t != m["target"]]
            close = difflib.get_close_matches(m["target"], known, n=1, cutoff=0.75)
            if close:
                hint = f"; did you mean '{close[0]}'?"
                code = re.search(r" \[[\w.]+\]$", warning)
                at = code.start() if code else len(warning)
                warning = warning[:at] + hint + warning[at:]
            break
        out.append(warning)
    return out
