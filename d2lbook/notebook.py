"""Pages as notebooks (jupytext MyST <-> nbformat)."""

from __future__ import annotations

import json
from functools import lru_cache

from d2lbook.errors import SourceError
from d2lbook.jsondata import Notebook
from d2lbook.source import Page

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def page_notebook(page: Page, kernel: str = "python3") -> Notebook:
    """The page as an nbformat-4 notebook (plain dicts), with its kernelspec set."""
    try:
        data: Notebook = json.loads(_myst_json(page.text))  # a fresh copy: callers change it
    except Exception as err:  # noqa: BLE001 - jupytext raises many kinds
        raise SourceError(f"{page.path}: cannot read as a MyST notebook: {err}") from None
    meta = data.setdefault("metadata", {})
    meta.pop("jupytext", None)
    meta["kernelspec"] = {**KERNELSPEC, "name": kernel}
    meta["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for i, cell in enumerate(data["cells"]):
        cell["id"] = f"cell-{i}"
    data["nbformat"], data["nbformat_minor"] = 4, 5
    return data


@lru_cache(maxsize=4096)
def _myst_json(text: str) -> str:
    """The MyST text read by jupytext, as JSON (plain, JSON-safe values). A pure function of the
    text, remembered: ``serve`` converts every page on each rebuild."""
    import jupytext

    return json.dumps(jupytext.reads(text, fmt="md:myst"))


def dumps(nb: Notebook) -> str:
    """Canonical notebook text (stable bytes: unchanged notebooks are not rewritten)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
