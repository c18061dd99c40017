"""``d2lbook build lib`` also makes the library's wheel (``_build/dist/``), from the library
files it has just written: the same package a reader's set-up cell installs from the site."""

from __future__ import annotations

from pathlib import Path

from d2lbook.config import BookConfig
from d2lbook.layout import BookLayout


def build_wheel(cfg: BookConfig) -> Path | None:
    """The wheel of the library at the book's root (``d2l/``); None without a library."""
    from d2lbook.render.site import library_wheel

    return library_wheel(cfg, cfg.root, BookLayout(cfg).dist)
