"""Pages written for several frameworks: which cells belong to which framework, one notebook per
(page, framework), and the page combined again for the website.

A code cell belongs to the frameworks named in its tags (``:tags: [mxnet, pytorch]``); a cell
without a framework tag is shared by every framework the page is written for. A page whose code
cells carry no framework tag at all is framework-independent: it runs once, in the default
framework, and every framework's outputs show that run.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from d2lbook import myst
from d2lbook.config import BookConfig, Framework
from d2lbook.jsondata import Cell, Notebook

META = "d2lbook"
"""Cell metadata key of the combined (website) notebook: ``{"framework": "<key>"}`` marks a cell
that shows one framework's code and outputs; consecutive such cells become one tab group."""

LIBRARY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+{pkg}(?:\.\w+)*[ \t]+import\b|"
                            r"import[ \t]+{pkg}\b)", re.M)


def _source(cell: Cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def cell_frameworks(cell: Cell, frameworks: tuple[Framework, ...]) -> tuple[str, ...]:
    """The framework keys a code cell's tags name (in configuration order); () when shared."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    return tuple(fw.key for fw in frameworks if fw.key and fw.key in tags)


def misnamed_tags(nb: Notebook, frameworks: tuple[Framework, ...]
                  ) -> list[tuple[int, str, str]]:
    """(code cell index, tag, framework key) for each code cell tag that looks like a framework
    key but is not one (``pytroch``, ``PyTorch``, ``torch``): such a cell would silently be
    shared by every framework."""
    import difflib

    keys = [fw.key for fw in frameworks if fw.key]
    found = []
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for index, cell in enumerate(code):
        for tag in cell.get("metadata", {}).get("tags", []):
            if not isinstance(tag, str) or tag in keys:
                continue
            close = difflib.get_close_matches(tag.lower(), keys, n=1, cutoff=0.75)
            if close:
                found.append((index, tag, close[0]))
    return found


def page_frameworks(nb: Notebook, frameworks: tuple[Framework, ...]) -> tuple[Framework, ...]:
    """The frameworks a page is executed for: those its code cells name; the default one alone
    when no cell names a framework (and nothing when the page has no code)."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if not code:
        return ()
    named = {key for cell in code for key in cell_frameworks(cell, frameworks)}
    if not named:
        return (frameworks[0],)
    return tuple(fw for fw in frameworks if fw.key in named)


def is_tagged(nb: Notebook, frameworks: tuple[Framework, ...]) -> bool:
    """True when some code cell of the page names a framework."""
    return any(cell_frameworks(c, frameworks) for c in nb["cells"] if c["cell_type"] == "code")


def framework_notebook(nb: Notebook, fw: Framework,
                       frameworks: tuple[Framework, ...]) -> Notebook:
    """The page for one framework: its prose, the shared code cells and this framework's cells,
    with this framework's kernelspec. Its code is the same in every language (code is never
    translated), so one execution serves every edition."""
    out = copy.deepcopy(nb)
    out["cells"] = [cell for cell in out["cells"] if cell["cell_type"] != "code"
                    or fw.key in cell_frameworks(cell, frameworks) or
                    not cell_frameworks(cell, frameworks)]
    out["metadata"]["kernelspec"] = kernelspec(fw)
    return out


def prose_only(nb: Notebook, fw: Framework) -> Notebook:
    """The page without any code (a framework the page has no code for)."""
    out = copy.deepcopy(nb)
    out["cells"] = [c for c in out["cells"] if c["cell_type"] != "code"]
    out["metadata"]["kernelspec"] = kernelspec(fw)
    return out


def kernelspec(fw: Framework) -> dict[str, str]:
    return {"display_name": fw.name if fw.key else "Python 3", "language": "python",
            "name": fw.kernel}


def imports_library(nb: Notebook, fw: Framework) -> bool:
    """Whether the notebook's code imports the framework's library package (``from d2l import
    torch as d2l``, ``import d2l``)."""
    if not fw.package:
        return False
    pattern = re.compile(LIBRARY_IMPORT.pattern.format(pkg=re.escape(fw.package)), re.M)
    return any(pattern.search(_source(c)) for c in nb["cells"] if c["cell_type"] == "code")


@dataclass(frozen=True)
class PageRun:
    """One notebook to execute: (page, framework)."""

    framework: Framework
    notebook: Notebook


def page_runs(nb: Notebook, cfg: BookConfig) -> list[PageRun]:
    """The notebooks a page is executed as, one per framework it is written for."""
    return [PageRun(fw, framework_notebook(nb, fw, cfg.frameworks))
            for fw in page_frameworks(nb, cfg.frameworks)]


def per_framework(nb: Notebook, executed: dict[str, Notebook],
                  cfg: BookConfig) -> dict[str, Notebook]:
    """For every framework of the book, the page as that framework's reader sees it (PDF,
    notebook bundle): executed for it, or the default run of a framework-independent page, or
    prose only when the page has code for other frameworks but none for this one."""
    out: dict[str, Notebook] = {}
    runs = page_frameworks(nb, cfg.frameworks)
    tagged = is_tagged(nb, cfg.frameworks)
    for fw in cfg.frameworks:
        out[fw.key] = reader_view(_for(fw, nb, executed, runs, tagged, cfg), fw, cfg.frameworks)
    return out


def _for(fw: Framework, nb: Notebook, executed: dict[str, Notebook],
         runs: tuple[Framework, ...], tagged: bool, cfg: BookConfig) -> Notebook:
    if fw.key in executed:
        return executed[fw.key]
    if not runs:
        return framework_notebook(nb, fw, cfg.frameworks)
    if not tagged:
        shared = copy.deepcopy(executed[runs[0].key])
        shared["metadata"]["kernelspec"] = kernelspec(fw)
        return shared
    return prose_only(nb, fw)


def _outputs_text(cell: Cell) -> str:
    outputs = [{k: v for k, v in o.items() if k != "execution_count"}
               for o in cell.get("outputs", [])]
    return json.dumps(outputs, sort_keys=True)


def combined_notebook(nb: Notebook, executed: dict[str, Notebook],
                      cfg: BookConfig) -> Notebook:
    """The page for the website: every cell once, each framework cell with its own outputs and
    marked (cell metadata ``d2lbook.framework``) so that consecutive framework cells render as
    one tab group. A shared cell whose outputs agree in every framework shows once."""
    runs = [fw for fw in cfg.frameworks if fw.key in executed]
    if not runs:
        return framework_notebook(nb, cfg.frameworks[0], cfg.frameworks)
    by_id = {fw.key: {c["id"]: c for c in executed[fw.key]["cells"]} for fw in runs}
    out = copy.deepcopy(executed[runs[0].key])
    out["metadata"]["kernelspec"] = kernelspec(runs[0])
    if len(runs) == 1 and not is_tagged(nb, cfg.frameworks):
        return out
    cells: list[Cell] = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            cells.append(copy.deepcopy(cell))
            continue
        owners = cell_frameworks(cell, cfg.frameworks) or tuple(fw.key for fw in runs)
        copies = [(key, by_id[key][cell["id"]]) for key in owners if key in by_id]
        if len(copies) > 1 and len({_outputs_text(c) for _, c in copies}) == 1 and \
                not cell_frameworks(cell, cfg.frameworks):
            copies = copies[:1]
            cells.append(copy.deepcopy(copies[0][1]))
            continue
        for key, executed_cell in copies:
            marked = copy.deepcopy(executed_cell)
            marked["id"] = f"{cell['id']}-{key}"
            marked.setdefault("metadata", {})[META] = {"framework": key}
            cells.append(marked)
    out["cells"] = cells
    return out


TAB_SET = "tab-set"
TAB_ITEM = "tab-item"


@dataclass(frozen=True)
class _TabItem:
    key: str
    """The ``:sync:`` key ("" without one)."""
    marker: str
    """Its fence (``:::``)."""
    lines: list[str]
    """The item as written, fences included."""
    body: list[str]
    """Its content (options and fences left out)."""


def _framework_tab_sets(markdown: str, frameworks: tuple[Framework, ...]
                        ) -> list[tuple[int, int, list[_TabItem]] | str]:
    """The markdown's lines, with each framework tab-set (one whose items are all synced by
    framework keys) as (its first line, its last line, its items) in place of its lines."""
    keys = {f.key for f in frameworks if f.key}
    lines = markdown.split("\n")
    out: list[tuple[int, int, list[_TabItem]] | str] = []
    done = 0
    for block in myst.blocks_in(lines, nested=True):
        if block.start < done or block.name != TAB_SET or block.argument:
            continue  # inside a tab-set already read, or not a tab-set
        if block.end >= len(lines):
            break  # unclosed: left as it is
        out += lines[done:block.start]
        items = _tab_items(lines[block.start + 1:block.end])
        if not items or not all(item.key in keys for item in items):
            out += lines[block.start:block.end + 1]
        else:
            out.append((block.start, block.end, items))
        done = block.end + 1
    return out + lines[done:]


def select_tabs(markdown: str, fw: Framework, frameworks: tuple[Framework, ...]) -> str:
    """The markdown with every framework tab-set (one whose items are synced by framework keys)
    replaced by the content of ``fw``'s tab, or removed when it has none. Other tab-sets are
    left as they are."""
    out: list[str] = []
    for part in _framework_tab_sets(markdown, frameworks):
        if isinstance(part, str):
            out.append(part)
        else:
            out += [line for item in part[2] if item.key == fw.key for line in item.body]
    return "\n".join(out)


def complete_tabs(markdown: str, frameworks: tuple[Framework, ...],
                  filler: Callable[[Framework], str]) -> str:
    """The website's markdown: a framework tab-set lacking some frameworks gets a tab for each,
    holding ``filler(framework)``, and its tabs in configuration order. (A lone PyTorch note
    would otherwise stay on screen while the reader follows MXNet.)"""
    lines = markdown.split("\n")
    out: list[str] = []
    for part in _framework_tab_sets(markdown, frameworks):
        if isinstance(part, str):
            out.append(part)
            continue
        first, last, items = part
        have = {item.key: item for item in items}
        if all(fw.key in have for fw in frameworks if fw.key):
            out += lines[first:last + 1]
            continue
        fence = items[0].marker
        out.append(lines[first])
        for fw in frameworks:
            if fw.key in have:
                out += have[fw.key].lines
            elif fw.key:
                out += [f"{fence}{{tab-item}} {fw.name}", f":sync: {fw.key}", "",
                        filler(fw), fence]
        out.append(lines[last])
    return "\n".join(out)


def _tab_items(lines: list[str]) -> list[_TabItem]:
    items: list[_TabItem] = []
    for block in myst.blocks_in(lines):
        if block.name != TAB_ITEM:
            continue
        options, count = block.options()
        items.append(_TabItem(options.get("sync", ""), block.fence.marker,
                              lines[block.start:block.end + 1], list(block.body[count:])))
    return items


def website_view(nb: Notebook, frameworks: tuple[Framework, ...],
                 filler: Callable[[Framework], str]) -> None:
    """The website's notebook, in place: its prose tab-sets get a tab for every framework
    (``complete_tabs``; nothing to do in a book with fewer than two frameworks)."""
    if sum(1 for fw in frameworks if fw.key) < 2:
        return
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and "{tab-set}" in _source(cell):
            cell["source"] = complete_tabs(_source(cell), frameworks, filler)


def reader_view(nb: Notebook, fw: Framework,
                frameworks: tuple[Framework, ...]) -> Notebook:
    """The notebook with its prose tab-sets resolved for ``fw`` (PDF, reader notebooks): a
    copy, or the notebook itself when it has no tab-set to resolve."""
    if not fw.key or not any(c["cell_type"] == "markdown" and
                             (not isinstance(c.get("source"), str) or "{tab-set}" in c["source"])
                             for c in nb["cells"]):
        return nb
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = select_tabs(_source(cell), fw, frameworks)
    return out
