"""Sphinx extension loaded into every edition's build (see ``settings.sphinx_settings``)."""

from __future__ import annotations

from typing import Any


def _html_lang(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    # Sphinx writes <html lang="zh_CN">; browsers and search engines expect a BCP 47 tag.
    context["lang_attr"] = app.config.d2lbook_html_lang


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("d2lbook_language", "en", "env")
    app.add_config_value("d2lbook_html_lang", "en", "html")
    app.connect("html-page-context", _html_lang)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
