"""What Sphinx must read or write again, beyond the pages whose text changed, so that a warm
build gives what a clean build gives (design decision 13).

Sphinx's pickled environment answers for pages it did not read this time. Three kinds of
state there outlive the change that made them:

- **A label defined by several pages.** Sphinx keeps one owner per label (math equations and
  ``(name)=`` targets alike: the last page read that defines it) and forgets the others. Undo
  the duplicate, and the page read again takes the label away with it: the page that still
  defines it is not read, so every reference says "not found" until ``_build`` goes. We keep
  every page's own labels (``env.d2lbook_labels``); the pages that share a label with a page
  read now (before or after its change) are read with it, in the order a clean build reads
  them. When a page read now starts to share a label with a page that was not read, the run
  reports those pages (:attr:`Rereads.again`) and the caller reads them together once more.
- **Citations.** A ``.bib`` edit makes the bibliography page be read again; a page citing
  the entry keeps the author and title it was written with. We keep a digest of each entry
  (``env.d2lbook_bib``) and read again the pages citing an entry whose digest changed.
- **Cross-page facts.** A label's owner or number, a page title, section, figure and
  equation numbers, the toctree: a change to any of them is shown by pages that were not
  read. When they differ from the start of the run, every page is written again.

A page removed from the book leaves its HTML, its ``_sources`` copy, its images and its
search-index entry in the output folder: Sphinx only ever adds. When a page was removed the
HTML output folder is emptied before Sphinx writes, so that every page is written again from
the environment (its text is not read again). An image no page shows any more is removed
from ``_images/`` after the build.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Set
    from pathlib import Path

    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.domains.citation import CitationDomain
    from sphinx.domains.std import StandardDomain
    from sphinx.environment import BuildEnvironment
    from sphinxcontrib.bibtex.domain import BibtexDomain

LABELS = "d2lbook_labels"
"""Environment attribute: docname -> the labels the page defines (``math:x``, ``std:x``)."""
RELEASED = "d2lbook_released"
"""Environment attribute: labels of pages purged since the last read (removed or read again)."""
BIB = "d2lbook_bib"
"""Environment attribute: bibliography key (lower case) -> digest of its entry."""


@dataclass
class Rereads:
    """Connects to one Sphinx application; :attr:`again` after the build."""

    builder: str
    again: set[str] = field(default_factory=set)
    """Pages that share a label with a page read now but were not read: read them again,
    together, for the result of a clean build."""
    read: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    _before: list[object] | None = None

    def connect(self, app: Sphinx) -> None:
        app.connect("env-get-outdated", self._outdated)
        # before any other handler purges the pages about to be read
        app.connect("env-before-read-docs", self._before_read, priority=100)
        app.connect("env-purge-doc", self._purge)
        app.connect("doctree-read", self._doctree_read)
        app.connect("env-merge-info", self._merge)
        app.connect("env-updated", self._updated, priority=900)
        # after Sphinx's own handlers have numbered sections and figures: it numbers them in
        # ``env-get-updated``, after ``env-updated``, so a page just read has no numbers before
        app.connect("env-get-updated", self._numbered, priority=900)
        app.connect("build-finished", self._finished)

    # -- reading ---------------------------------------------------------------------------

    def _outdated(self, app: Sphinx, env: BuildEnvironment, added: Set[str],
                  changed: Set[str], removed: Set[str]) -> list[str]:
        self.removed = set(removed)
        if removed and self.builder == "html":
            _empty(app.outdir)
        return sorted(_citing_changed_entries(env))

    def _before_read(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        self._before = _facts(env)
        labels = _labels(env)
        reading = set(docnames)
        released: set[str] = getattr(env, RELEASED, set())
        touched = set(released)
        for doc in reading:
            touched |= labels.get(doc, set())
        more = {doc for doc, own in labels.items() if doc not in reading and own & touched}
        docnames[:] = sorted(reading | (more & env.found_docs))
        setattr(env, RELEASED, set())

    def _purge(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        own = _labels(env).pop(docname, None)
        if own:
            released: set[str] = getattr(env, RELEASED, set())
            released |= own
            setattr(env, RELEASED, released)

    def _doctree_read(self, app: Sphinx, doctree: nodes.document) -> None:
        from docutils import nodes

        docname = app.env.docname
        own = {f"math:{node['label']}" for node in doctree.findall(nodes.math_block)
               if node.get("label")}
        own |= {f"std:{name}" for name, explicit in doctree.nametypes.items() if explicit}
        _labels(app.env)[docname] = own
        self.read.add(docname)

    def _merge(self, app: Sphinx, env: BuildEnvironment, docnames: Set[str],
               other: BuildEnvironment) -> None:
        theirs: dict[str, set[str]] = getattr(other, LABELS, {})
        _labels(env).update({doc: theirs[doc] for doc in docnames if doc in theirs})
        self.read |= set(docnames)

    # -- after reading ---------------------------------------------------------------------

    def _updated(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        setattr(env, RELEASED, set())  # the pages read now have taken their part
        labels = _labels(env)
        for doc in list(labels):
            if doc not in env.found_docs:
                del labels[doc]
        for doc in self.read:
            own = labels.get(doc, set())
            others = {o for o, theirs in labels.items() if o not in self.read and own & theirs}
            if others:
                self.again |= others | {doc}
        _remember_entries(env)
        return []

    def _numbered(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """Every page, when what pages show about each other changed in this run."""
        if self._before is not None and _facts(env) != self._before:
            return sorted(env.found_docs)
        return []

    def _finished(self, app: Sphinx, exception: Exception | None) -> None:
        if exception is None and self.builder == "html":
            _prune_images(app.outdir, app.env)


def _prune_images(outdir: Path, env: BuildEnvironment) -> None:
    """Images no page shows any more (a figure dropped, an image file removed): Sphinx
    copies the images of the pages it writes into ``_images/`` and never removes one."""
    from pathlib import Path

    folder = Path(outdir) / "_images"
    if not folder.is_dir():
        return
    shown = {unique for _docs, unique in env.images.values()}
    for path in folder.iterdir():
        if path.is_file() and path.name not in shown:
            path.unlink()


def _labels(env: BuildEnvironment) -> dict[str, set[str]]:
    labels: dict[str, set[str]] | None = getattr(env, LABELS, None)
    if labels is None:
        labels = {}
        setattr(env, LABELS, labels)
    return labels


def _facts(env: BuildEnvironment) -> list[object]:
    """What a page shows about other pages: label owners and numbers, titles, numbering, the
    toctree, objects (glossary terms), citation labels."""
    std = cast("StandardDomain", env.get_domain("std"))
    citations = cast("CitationDomain", env.get_domain("citation")).citations
    facts: list[object] = [dict(std.labels), dict(std.anonlabels),
                        # glossary terms, options and other objects, reST citations: a
                        # reference to one that appears or goes is resolved only when written
                        dict(std.objects), dict(std.progoptions),
                        {key: tuple(value[:2]) for key, value in citations.items()},
                        dict(env.get_domain("math").data.get("objects", {})),
                        {doc: title.astext() for doc, title in env.titles.items()},
                        repr(sorted(env.toc_secnumbers.items())),
                        repr(sorted(env.toc_fignumbers.items())),
                        {doc: list(children) for doc, children in env.toctree_includes.items()}]
    try:
        cite = cast("BibtexDomain", env.get_domain("cite"))
        facts.append([(c.key, c.citation_id, str(c.formatted_entry.label))
                      for c in cite.citations])
    except Exception:  # noqa: BLE001 - a book without the bibliography extension
        pass
    return facts


def _entry_digests(env: BuildEnvironment) -> dict[str, str] | None:
    try:
        domain = cast("BibtexDomain", env.get_domain("cite"))
    except Exception:  # noqa: BLE001 - no bibliography extension
        return None
    digests: dict[str, str] = {}
    for key, entry in domain.bibdata.data.entries.items():
        parts = [entry.type, *(f"{k}={v}" for k, v in sorted(entry.fields.items())),
                 *(f"{role}={person}" for role, people in sorted(entry.persons.items())
                   for person in people)]
        digests[key.lower()] = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return digests


def _citing_changed_entries(env: BuildEnvironment) -> set[str]:
    """Pages citing an entry whose text changed (or that appeared or went)."""
    now = _entry_digests(env)
    if now is None:
        return set()
    before: dict[str, str] | None = getattr(env, BIB, None)
    try:
        refs = cast("BibtexDomain", env.get_domain("cite")).citation_refs
    except Exception:  # noqa: BLE001
        return set()
    if before is None:  # made by an older build: every citing page
        return {ref.docname for ref in refs} & env.found_docs
    changed = {key for key in before.keys() | now.keys() if before.get(key) != now.get(key)}
    return {ref.docname for ref in refs
            if any(t.key.lower() in changed for t in ref.targets)} & env.found_docs


def _remember_entries(env: BuildEnvironment) -> None:
    now = _entry_digests(env)
    if now is not None:
        setattr(env, BIB, now)


def _empty(folder: Path) -> None:
    from pathlib import Path

    folder = Path(folder)
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
