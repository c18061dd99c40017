"""An edition's slide decks: one per page with slide marks and framework (``render.slides``
makes each); decks of pages that lost their marks are removed."""

from __future__ import annotations

from pathlib import Path

from d2lbook.config import Language
from d2lbook.jsondata import Notebook
from d2lbook.layout import BookLayout
from d2lbook.render.website_notebooks import one_framework


def write_decks(layout: BookLayout, lang: Language,
                fw_notebooks: dict[str, dict[str, Notebook]]) -> list[Path]:
    """Every deck of the edition (``fw_notebooks``: page -> framework key -> notebook)."""
    from d2lbook.render.slides import REVEAL_URL_PREFIX, deck_notebook, write_deck

    cfg = layout.cfg
    decks = []
    for fw in cfg.frameworks:
        for name, nb in sorted(one_framework(fw_notebooks, fw.key).items()):
            deck = deck_notebook(nb)
            if deck is not None:
                decks.append(write_deck(deck, layout.deck(lang, name, fw.key),
                                        reveal_prefix(cfg.urls.reveal, name, fw.key)
                                        or REVEAL_URL_PREFIX))
    kept = set(decks)
    folder = layout.slides(lang)
    for old in folder.rglob("*.slides.html") if folder.is_dir() else ():
        if old not in kept:
            old.unlink()
    return decks


def reveal_prefix(reveal: str, page: str, framework: str) -> str:
    """``urls.reveal`` as seen from a deck: a URL or absolute path as it is, a relative path
    (relative to the site's root) prefixed with the way up from ``<lang>/slides/[<framework>/]
    <page>.slides.html``."""
    if not reveal or "://" in reveal or reveal.startswith("/"):
        return reveal
    return "../" * (2 + bool(framework) + page.count("/")) + reveal
