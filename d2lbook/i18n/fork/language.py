"""The language table a translated edition needs in ``pyproject.toml``, added when missing."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TypedDict

__all__ = ["DEFAULTS", "has_language", "language_table", "add_language"]

class LanguageDefaults(TypedDict, total=False):
    """The ``Language`` settings a known language starts with."""

    locale: str
    html_lang: str
    latex_engine: str
    cjk_fonts: list[str]


DEFAULTS: dict[str, LanguageDefaults] = {
    "zh": {"locale": "zh_CN", "html_lang": "zh-CN", "latex_engine": "xelatex",
           "cjk_fonts": ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]},
    "ja": {"locale": "ja", "html_lang": "ja", "latex_engine": "xelatex",
           "cjk_fonts": ["Noto Serif CJK JP", "Noto Sans CJK JP", "Noto Sans Mono CJK JP"]},
    "ko": {"locale": "ko", "html_lang": "ko", "latex_engine": "xelatex",
           "cjk_fonts": ["Noto Serif CJK KR", "Noto Sans CJK KR", "Noto Sans Mono CJK KR"]},
}
"""Settings of the languages we know; any other gets ``locale = <code>``."""


def has_language(pyproject: Path, code: str) -> bool:
    data = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))
    languages = data.get("tool", {}).get("d2lbook", {}).get("languages", {})
    return isinstance(languages, dict) and code in languages


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def language_table(code: str, title: str) -> str:
    """The ``[tool.d2lbook.languages.<code>]`` table for ``code`` with ``title``."""
    settings = DEFAULTS.get(code, {"locale": code})
    lines = [f"[tool.d2lbook.languages.{code}]", f"title = {_toml_string(title)}"]
    for key, value in settings.items():
        if isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(_toml_string(v) for v in value) + "]")
        else:
            lines.append(f"{key} = {_toml_string(str(value))}")
    return "\n".join(lines) + "\n"


def add_language(pyproject: Path, code: str, title: str) -> bool:
    """Add the language table after the last language table (False: already there)."""
    path = Path(pyproject)
    if has_language(path, code):
        return False
    text = path.read_text(encoding="utf-8")
    table = language_table(code, title)
    heads = list(re.finditer(r"(?m)^\[tool\.d2lbook\.languages\.[^\]]+\]\s*$", text))
    if heads:
        nxt = re.compile(r"(?m)^\[").search(text, heads[-1].end())
        at = nxt.start() if nxt else len(text)
        before = text[:at].rstrip("\n") + "\n\n"
        text = before + table + ("\n" + text[at:] if text[at:] else "")
    else:
        text = text.rstrip("\n") + "\n\n" + table
    path.write_text(text, encoding="utf-8")
    tomllib.loads(text)  # never leave a file that does not parse
    return True
