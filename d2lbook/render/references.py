"""Cross-reference targets for reader notebooks, taken from a finished Sphinx build.

Sphinx has numbered every figure, table, equation and section and knows every title; this
resolver hands those to ``reader_markdown`` so a downloaded notebook shows "Fig. 3.1" linked to
the right notebook instead of raw ``{numref}`` markup.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, cast

from d2lbook.layout import page_of_file
from d2lbook.render.reader_markdown import Target

if TYPE_CHECKING:
    from pybtex.database import Entry
    from sphinx.config import Config
    from sphinx.domains.math import MathDomain
    from sphinx.domains.std import StandardDomain
    from sphinx.environment import BuildEnvironment
    from sphinxcontrib.bibtex.domain import BibtexDomain


def notebook_link(from_doc: str, to_doc: str, anchor: str = "") -> str:
    rel = posixpath.relpath(f"{to_doc}.ipynb", posixpath.dirname(from_doc) or ".")
    return f"{rel}#{anchor}" if anchor else rel


class SphinxResolver:
    """Resolves MyST roles against a Sphinx ``BuildEnvironment``."""

    def __init__(self, env: BuildEnvironment, config: Config):
        self.env = env
        self.config = config
        self.std = cast("StandardDomain", env.get_domain("std"))
        self.math = cast("MathDomain", env.get_domain("math"))
        self.cite: BibtexDomain | None
        try:
            self.cite = cast("BibtexDomain", env.get_domain("cite"))
        except Exception:  # noqa: BLE001 - bibtex extension not loaded
            self.cite = None
        self.citations = {c.key: c for c in self.cite.citations} if self.cite else {}

    # -- helpers --------------------------------------------------------------------------
    def _title(self, docname: str) -> str:
        title = self.env.titles.get(docname)
        return title.astext() if title is not None else docname

    def _secnumber(self, docname: str, anchor: str) -> str:
        numbers = self.env.toc_secnumbers.get(docname, {}).get(anchor)
        return ".".join(map(str, numbers)) if numbers else ""

    def _figure(self, docname: str, labelid: str) -> tuple[str, str] | None:
        for figtype, ids in self.env.toc_fignumbers.get(docname, {}).items():
            if labelid in ids:
                return figtype, ".".join(map(str, ids[labelid]))
        return None

    # -- Resolver protocol ----------------------------------------------------------------
    def resolve(self, role: str, target: str, docname: str) -> Target | None:
        target = target.strip()
        if role.startswith("cite"):
            return self._cite(role, target, docname)
        if role == "doc":
            doc = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target)) \
                if not target.startswith("/") else target.lstrip("/")
            doc = page_of_file(doc).removesuffix(".ipynb")
            if doc not in self.env.titles:
                return None
            number = self._secnumber(doc, "")
            title = f"{number} {self._title(doc)}".strip()
            return Target(title, notebook_link(docname, doc))
        if role == "eq":
            return self._equation(target, docname)
        label = target.lower()
        if label not in self.std.labels and label not in self.std.anonlabels:
            return self._equation(target, docname) if role == "numref" else None
        if label in self.std.labels:
            doc, labelid, sectname = self.std.labels[label]
        else:
            doc, labelid = self.std.anonlabels[label]
            sectname = ""
        link = notebook_link(docname, doc, labelid)
        if role == "numref":
            figure = self._figure(doc, labelid)
            if figure is not None:
                figtype, number = figure
                fmt = self.config.numfig_format.get(figtype, "%s")
                return Target(fmt % number, link)
            number = self._secnumber(doc, "#" + labelid) or self._secnumber(doc, "")
            fmt = self.config.numfig_format.get("section", "Section %s")
            return Target(fmt % number if number else sectname, link)
        return Target(sectname or self._title(doc), link)

    def _equation(self, label: str, docname: str) -> Target | None:
        found = self.math.equations.get(label)
        if not found:
            return None
        doc, number = found
        node_id = f"equation-{label}".lower().replace("_", "-")
        numbers = self.env.toc_fignumbers.get(doc, {}).get("displaymath", {}).get(node_id)
        eqno = ".".join(map(str, numbers)) if numbers else str(number)
        # In the notebooks the anchor is the label itself (``<a id="eq-x">``).
        return Target(f"({eqno})", notebook_link(docname, doc, label))

    def _cite(self, role: str, target: str, docname: str) -> Target | None:
        parts = []
        link = ""
        for key in (k.strip() for k in target.split(",")):
            citation = self.citations.get(key)
            if citation is None:
                return None
            authors, year = _author_year(citation.entry)
            parts.append(f"{authors} ({year})" if role.startswith("cite:t") else
                         f"{authors}, {year}")
            link = link or notebook_link(docname, citation.bibliography_key.docname,
                                         citation.citation_id)
        text = "; ".join(parts)
        return Target(text if role.startswith("cite:t") else f"({text})", link)

    def bibliography(self) -> list[str]:
        entries = []
        for citation in self.citations.values():
            text = citation.formatted_entry.text.render_as("markdown")
            entries.append(f'<a id="{citation.citation_id}"></a>{text}')
        return entries


def _author_year(entry: Entry) -> tuple[str, str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [" ".join(p.last_names) for p in people]
    if len(last) > 2:
        authors = f"{last[0]} et al."
    else:
        authors = " and ".join(last) or entry.fields.get("title", "?")
    return authors.replace("{", "").replace("}", ""), str(entry.fields.get("year", "n.d."))
