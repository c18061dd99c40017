"""``d2lbook build linkcheck``: Sphinx's link checker on each edition's pages.

The edition is built as for HTML first (its Sphinx tree, with executed notebooks, is what
Sphinx reads), then Sphinx's ``linkcheck`` builder visits every external link of it. A broken
link is reported with the file an author edits (the English page, or the edition's own page)
and the line that holds the link.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.commands.build import build
from d2lbook.config import BookConfig, Language
from d2lbook.execute.jobs import ExecutionEvent
from d2lbook.layout import BookLayout, is_page_file
from d2lbook.lock import locked


@dataclass(frozen=True)
class Link:
    file: str
    """The file to edit, relative to the book's root."""
    line: int
    """Its line holding the link (0 when it cannot be found there)."""
    uri: str
    status: str
    """Sphinx's word: ``working``, ``broken``, ``redirected``, ``ignored``, ``timeout``…"""
    info: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.status} link {self.uri}" + (f" ({self.info})" if self.info
                                                              else "")


@dataclass
class EditionLinks:
    lang: str
    links: list[Link] = field(default_factory=list)
    report: Path | None = None
    """Sphinx's ``output.txt``."""

    @property
    def broken(self) -> list[Link]:
        return [link for link in self.links if link.status in ("broken", "timeout")]


@locked
def linkcheck(cfg: BookConfig, langs: tuple[Language, ...], jobs: int | None = None,
              progress: Callable[[ExecutionEvent], None] = lambda e: None
              ) -> list[EditionLinks]:
    """Build ``langs`` as HTML (executing only what the cache lacks), then check their links."""
    from d2lbook.render.sphinx_run import run_sphinx

    build(cfg, langs, ("html",), jobs, progress)
    layout = BookLayout(cfg)
    results = []
    for lang in langs:
        out = layout.output(lang, "linkcheck")
        run_sphinx(layout.sphinx(lang), out, layout.doctrees(lang, "linkcheck"), "linkcheck",
                   jobs or 1)
        results.append(EditionLinks(lang.code, _read(layout, lang, out / "output.json"),
                                    out / "output.txt"))
    return results


def _read(layout: BookLayout, lang: Language, path: Path) -> list[Link]:
    links = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for raw in lines:
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if entry.get("status") in ("unchecked", "local"):
            continue
        docname = str(entry.get("filename", "")).rsplit(".", 1)[0]
        edited = layout.edit_file(lang, docname)
        page = edited if is_page_file(edited) else layout.source_page(docname)
        uri = str(entry.get("uri", ""))
        links.append(Link(layout.relative(page) if page.is_relative_to(layout.root)
                          else str(page),
                          _line_of(page, uri), uri, str(entry.get("status", "")),
                          str(entry.get("info", ""))))
    return sorted(links, key=lambda link: (link.file, link.line, link.uri))


def _line_of(page: Path, uri: str) -> int:
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return 0
    for number, line in enumerate(text.splitlines(), 1):
        if uri and uri in line:
            return number
    return 0
