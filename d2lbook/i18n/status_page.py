"""The translation-status page of a translated edition: how much of each page is translated."""

from __future__ import annotations

from collections.abc import Mapping

from d2lbook.ui import ui_strings

from .status import Status

STATUS_PAGE = "translation-status"
"""The page's name in every translated edition."""


def status_page(lang_code: str, pages: list[str],
                counts: Mapping[str, Mapping[str, int]]) -> str:
    """MyST source of the page (an orphan: reachable from links, not from the toctree)."""
    t = ui_strings(lang_code)
    columns = " | ".join(t[f"status_{s}"] for s in Status)
    lines = ["---", "orphan: true", "---", "", f"({STATUS_PAGE})=", f"# {t['status_title']}", "",
             t["status_intro"], "",
             f"| {t['status_page']} | {columns} | {t['status_progress']} |",
             "|---|" + "---:|" * (len(Status) + 1)]
    total: dict[str, int] = dict.fromkeys(Status, 0)
    for page in pages:
        c = counts.get(page)
        if c is None:
            continue
        for key in total:
            total[key] += c.get(key, 0)
        depth = "" if page.endswith("index") else "&emsp;"
        numbers = " | ".join(str(c.get(s, 0)) for s in Status)
        lines.append(f"| {depth}{{doc}}`/{page}` | {numbers} | {_percent(c)} |")
    numbers = " | ".join(str(total[s]) for s in Status)
    lines.append(f"| **{t['status_total']}** | {numbers} | {_percent(total)} |")
    return "\n".join(lines) + "\n"


def _percent(c: Mapping[str, int]) -> str:
    n = sum(c.values())
    return f"{100 * c.get(Status.CURRENT, 0) / n:.0f}%" if n else "—"
