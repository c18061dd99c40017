"""Figure, table and listing numbers without unpickling every page (issue 22).

With ``numfig`` on, Sphinx numbers every captioned figure, table and code listing of the book
after any page is read (``TocTreeCollector.assign_figure_numbers``): it walks the whole
toctree, and for that it unpickles the doctree of every page. On a book of 190 pages that is
about three seconds of a one-word edit, more than everything else the edit costs.

The walk looks at very little of a doctree: its sections (their first id), its toctrees (the
pages they include) and its numbered nodes (their kind and first id), in document order. That
*outline* is kept per page in the environment (``env.d2lbook_outlines``), stamped with the
time Sphinx read the page (``env.all_docs``): a page read again, by us or by anything else,
has another stamp, and its outline is taken from its doctree again. The numbering then walks
the outlines, exactly as Sphinx walks the doctrees (same order, same section lookup, same
counters, same pages reported as renumbered), so the numbers are the ones Sphinx gives.

Only d2lbook's own Sphinx runs (``render.sphinx_run``) number this way; the ``conf.py`` of
an edition's tree does not install it, so a bare ``sphinx-build`` of the tree is Sphinx's own
behaviour (the reference ``bench/bench_edit.py`` compares with).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

OUTLINE_FORMAT = "outline-1"
"""Changed when what an outline holds changes: outlines of another format are taken again."""
OUTLINES = "d2lbook_outlines"
"""Environment attribute: ``{"kinds": [...], "pages": {docname: (stamp, outline)}}``."""

Item = tuple[str, str, str, list[str], "Outline"]
"""``(kind, figtype, id, included pages, inner outline)``: a section ``("section", "", id,
[], its outline)``, a toctree ``("toctree", "", "", [docname, ...], [])`` or a numbered node
``("numbered", figtype, id, [], [])``."""
Outline = list[Item]
"""A page's items, in document order."""
Pages = dict[str, tuple[int, Outline]]


def number_from_outlines(app: Sphinx) -> None:
    """Make ``app``'s toctree collector number figures from the pages' outlines."""
    from sphinx.environment.collectors.toctree import TocTreeCollector

    for listener in app.events.listeners.get("env-get-updated", []):
        collector = getattr(listener.handler, "__self__", None)
        if isinstance(collector, TocTreeCollector):
            # this application's collector only: a bare Sphinx in the same process is untouched
            collector.assign_figure_numbers = assign_from_outlines  # type: ignore[method-assign]


def assign_from_outlines(env: BuildEnvironment) -> list[str]:
    """Sphinx's figure numbering (``env.toc_fignumbers``), from the outlines; the pages whose
    numbers changed."""
    from sphinx.util import url_re

    generated = frozenset(env.domains.standard_domain._virtual_doc_names)
    depth = env.config.numfig_secnum_depth
    outlines = _outlines(env)
    old, env.toc_fignumbers = env.toc_fignumbers, {}
    counters: dict[str, dict[tuple[int, ...], int]] = {}
    walked: set[str] = set()

    def walk_page(docname: str, secnum: tuple[int, ...]) -> None:
        if docname in walked:
            return
        walked.add(docname)
        walk(docname, _page_outline(env, outlines, docname), secnum)

    def walk(docname: str, outline: Outline, secnum: tuple[int, ...]) -> None:
        for kind, figtype, node_id, included, inner in outline:
            if kind == "section":
                numbers = env.toc_secnumbers.get(docname, {})
                anchor = "#" + node_id
                own = numbers[anchor] if anchor in numbers else numbers.get("")
                walk(docname, inner, own or secnum)
            elif kind == "toctree":
                for page in included:
                    if not (url_re.match(page) or page == "self" or page in generated):
                        walk_page(page, secnum)
            else:
                counter = counters.setdefault(figtype, {})
                prefix = secnum[:depth]
                counter[prefix] = counter.get(prefix, 0) + 1
                numbers = env.toc_fignumbers.setdefault(docname, {}).setdefault(figtype, {})
                numbers[node_id] = (*prefix, counter[prefix])

    if not env.config.numfig:
        return []
    walk_page(env.config.root_doc, ())
    return [docname for docname, numbers in env.toc_fignumbers.items()
            if numbers != old.get(docname)]


def _outlines(env: BuildEnvironment) -> Pages:
    """The environment's outlines by page, emptied when the kinds of numbered node differ from
    those they were taken with (an extension added or removed) and rid of removed pages."""
    kinds = _kinds(env)
    stored = getattr(env, OUTLINES, None)
    if not isinstance(stored, dict) or stored.get("kinds") != kinds:
        stored = {"kinds": kinds, "pages": {}}
        setattr(env, OUTLINES, stored)
    pages = cast(Pages, stored["pages"])
    for gone in set(pages) - set(env.all_docs):
        del pages[gone]
    return pages


def _kinds(env: BuildEnvironment) -> list[str]:
    """What decides which nodes are numbered: the domains and the standard domain's
    enumerable node classes with their figure types (and the outlines' format)."""
    std = env.domains.standard_domain
    return [OUTLINE_FORMAT, *(d.name for d in env.domains.sorted()),
            *sorted(f"{cls.__module__}.{cls.__qualname__}={kind}"
                    for cls, (kind, _) in std.enumerable_nodes.items())]


def _page_outline(env: BuildEnvironment, outlines: Pages, docname: str) -> Outline:
    """The page's outline: kept, when taken from the doctree Sphinx last read; else taken
    from its doctree now (and kept)."""
    stamp = env.all_docs.get(docname)
    kept = outlines.get(docname)
    if kept is not None and stamp is not None and kept[0] == stamp:
        return kept[1]
    outline = page_outline(env, env.get_doctree(docname))
    if stamp is not None:
        outlines[docname] = (stamp, outline)
    return outline


def page_outline(env: BuildEnvironment, doctree: nodes.Element) -> Outline:
    """What the numbering reads of a doctree: sections, toctrees and numbered nodes, in the
    order Sphinx's walk meets them (it does not look inside a toctree)."""
    from docutils import nodes
    from sphinx import addnodes

    domains = list(env.domains.sorted())
    std = env.domains.standard_domain

    def figtype(node: nodes.Element) -> str | None:
        for domain in domains:
            kind = domain.get_enumerable_node_type(node)
            if domain is std and not domain.get_numfig_title(node):
                continue  # an uncaptioned node is not numbered
            if kind:
                return str(kind)
        return None

    def outline_of(parent: nodes.Element, into: Outline) -> Outline:
        for node in parent.children:
            if isinstance(node, nodes.section):
                into.append(("section", "", node["ids"][0], [], outline_of(node, [])))
            elif isinstance(node, addnodes.toctree):
                into.append(("toctree", "", "", [page for _, page in node["entries"]], []))
            elif isinstance(node, nodes.Element):
                kind = figtype(node)
                if kind and node["ids"]:
                    into.append(("numbered", kind, node["ids"][0], [], []))
                outline_of(node, into)
        return into

    return outline_of(doctree, [])
