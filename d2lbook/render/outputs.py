"""What Sphinx gets: executed notebooks with bounded outputs and a map to the source lines.

A cell may print megabytes (or one 50 MB line). The page shows at most ``output_limit``
characters of each output, no line longer than :data:`LINE_LIMIT`, and says so visibly; the
downloadable notebook keeps the full output. Truncating before Sphinx matters for speed, not
only size: myst-nb's stream coalescing is quadratic in the length of a line (1 MB takes
minutes).
"""

from __future__ import annotations

from collections.abc import Mapping

from d2lbook.jsondata import Notebook, Output

__all__ = ["LINE_LIMIT", "limit_outputs", "sphinx_notebooks"]

LINE_LIMIT = 10_000
"""Characters of one output line shown in the page (myst-nb handles this in milliseconds)."""
_TEXT = ("text/plain", "text/markdown", "text/latex")


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _note(total: int, lines: int, limit: int) -> str:
    return (f"\n… [output truncated for the page: {total:,} characters in {lines:,} line(s); "
            f"the downloadable notebook has all of it (limit: execution.output_limit = "
            f"{limit:,} in pyproject.toml)]\n")


def _cut(text: str, limit: int) -> str | None:
    """``text`` shortened to the limits with a note, or None when it fits."""
    line_limit = min(limit, LINE_LIMIT)
    if len(text) <= line_limit or (len(text) <= limit and
                                   max(map(len, text.split("\n"))) <= line_limit):
        return None
    kept: list[str] = []
    size = 0
    for line in text[:limit].split("\n"):
        if len(line) > line_limit:
            line = line[:line_limit] + " …"
        kept.append(line)
        size += len(line) + 1
        if size >= limit:
            break
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return "\n".join(kept).rstrip("\n") + _note(len(text), lines, limit)


def _coalesced(outputs: list[Output]) -> list[Output]:
    """Consecutive stream outputs of one stream joined (what the page shows anyway), so that
    a big output sent in many messages is limited as a whole."""
    joined: list[Output] = []
    for out in outputs:
        last = joined[-1] if joined else None
        if (last is not None and out.get("output_type") == "stream"
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"].append(_text(out.get("text", "")))
        elif out.get("output_type") == "stream":
            joined.append({**out, "text": [_text(out.get("text", ""))]})
        else:
            joined.append(out)
    return [{**o, "text": "".join(o["text"])} if o.get("output_type") == "stream" else o
            for o in joined]


def limit_outputs(nb: Notebook, limit: int) -> Notebook:
    """``nb`` with every text output over the limits truncated (a copy where needed; the
    argument is not modified)."""
    if limit <= 0:
        return nb
    cells = list(nb["cells"])
    changed = False
    for k, cell in enumerate(cells):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        new_outputs = []
        if sum(1 for o in outputs if o.get("output_type") == "stream") > 1:
            coalesced = _coalesced(outputs)
            if len(coalesced) < len(outputs):
                outputs, changed = coalesced, True
        for out in outputs:
            new = out
            if out.get("output_type") == "stream":
                cut = _cut(_text(out.get("text", "")), limit)
                if cut is not None:
                    new = {**out, "text": cut}
            elif "data" in out:
                data = dict(out["data"])
                for mime, value in out["data"].items():
                    if mime in _TEXT or (mime == "text/html" and len(_text(value)) > limit):
                        cut = _cut(_text(value), limit)
                        if cut is None:
                            continue
                        if mime == "text/html":  # half an HTML document is not HTML
                            del data[mime]
                            plain = _text(data.get("text/plain", value))
                            data["text/plain"] = _cut(plain, limit) or plain
                        else:
                            data[mime] = cut
                if data != out["data"]:
                    new = {**out, "data": data}
            changed |= new is not out
            new_outputs.append(new)
        cells[k] = {**cell, "outputs": new_outputs}
    return {**nb, "cells": cells} if changed else nb


def sphinx_notebooks(notebooks: Mapping[str, Notebook], sources: Mapping[str, str],
                     limit: int) -> dict[str, Notebook]:
    """The notebooks Sphinx reads: outputs limited, and each cell mapped to its line in the
    page's text (``sources``: page -> the text the notebook was made from), which myst-nb
    uses for the locations of warnings."""
    from d2lbook.render.warnings_store import cell_starts

    out: dict[str, Notebook] = {}
    for name, nb in notebooks.items():
        nb = limit_outputs(nb, limit)
        starts = cell_starts(sources.get(name, ""), nb["cells"])
        if starts is not None:  # myst-nb reports source_map[cell] + 2 + line in cell (0-based)
            source_map = [start - 1 for start in starts]
            nb = {**nb, "metadata": {**nb.get("metadata", {}), "source_map": source_map}}
        out[name] = nb
    return out
