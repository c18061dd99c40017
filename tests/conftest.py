"""Shared fixtures: copies of the real book in temporary folders, built once per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def copy_book(dest: Path) -> Path:
    """The book's pyproject, sources and catalogs copied to ``dest`` (no build outputs)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    for folder in ("source", "locale"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder,
                            ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    return dest


@dataclass
class BuiltBook:
    cfg: object
    en: object
    """BuildResult of the English edition (built first, from a cold cache)."""
    zh: object
    """BuildResult of the Chinese edition, built right after (shares the execution cache)."""


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """The real book, both editions in every format: one cold build per test session."""
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    root = copy_book(tmp_path_factory.mktemp("book"))
    cfg = load_config(root)
    en = build(cfg, cfg.select("en"))
    zh = build(cfg, cfg.select("zh"))
    return BuiltBook(cfg, en, zh)


@pytest.fixture(scope="session")
def built_en(built_book: BuiltBook):
    return built_book.cfg, built_book.en


@pytest.fixture(scope="session")
def built_site(built_book: BuiltBook):
    """``_build/site/`` assembled from the session's bilingual build."""
    from d2lbook.render.site import assemble_site
    from tests.site_build import BuiltSite

    return BuiltSite(built_book.cfg, assemble_site(built_book.cfg))
