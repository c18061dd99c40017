"""The translation-status page of a translated edition: how much of each page is translated."""

from __future__ import annotations

from collections.abc import Mapping

STATUS_PAGE = "translation-status"

_TEXT = {
    "en": {
        "title": "Translation Status",
        "intro": "How much of each page is translated. Paragraphs that are outdated or not yet "
                 "translated show the English text, marked in the margin. Computed at build "
                 "time from the catalogs in `locale/` and the git history of the English "
                 "source.",
        "page": "Page", "current": "Translated", "outdated": "Outdated",
        "untranslated": "Untranslated", "progress": "Progress", "total": "Total",
    },
    "zh": {
        "title": "翻译进度",
        "intro": "下表列出每一页的翻译情况。已过时或尚未翻译的段落会显示英文原文，"
                 "并在页边加以标注。本页在构建时根据 `locale/` 中的翻译目录"
                 "和英文原文的 git 历史自动生成。",
        "page": "页面", "current": "已翻译", "outdated": "已过时", "untranslated": "未翻译",
        "progress": "进度", "total": "合计",
    },
}


def strings(lang_code: str) -> dict[str, str]:
    return _TEXT.get(lang_code, _TEXT["en"])


def status_page(lang_code: str, pages: list[str],
                counts: Mapping[str, Mapping[str, int]]) -> str:
    """MyST source of the page (an orphan: reachable from links, not from the toctree)."""
    t = strings(lang_code)
    lines = ["---", "orphan: true", "---", "", f"({STATUS_PAGE})=", f"# {t['title']}", "",
             t["intro"], "",
             f"| {t['page']} | {t['current']} | {t['outdated']} | {t['untranslated']} | "
             f"{t['progress']} |", "|---|---:|---:|---:|---:|"]
    total = {"current": 0, "outdated": 0, "untranslated": 0}
    for page in pages:
        c = counts.get(page)
        if c is None:
            continue
        for key in total:
            total[key] += c.get(key, 0)
        depth = "" if page.endswith("index") else "&emsp;"
        lines.append(f"| {depth}{{doc}}`/{page}` | {c.get('current', 0)} | "
                     f"{c.get('outdated', 0)} | {c.get('untranslated', 0)} | "
                     f"{_percent(c)} |")
    lines.append(f"| **{t['total']}** | {total['current']} | {total['outdated']} | "
                 f"{total['untranslated']} | {_percent(total)} |")
    return "\n".join(lines) + "\n"


def _percent(c: Mapping[str, int]) -> str:
    n = sum(c.values())
    return f"{100 * c.get('current', 0) / n:.0f}%" if n else "—"
