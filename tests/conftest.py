"""Shared fixtures: copies of the real book in temporary folders, built once per session."""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def built_en(tmp_path_factory: pytest.TempPathFactory):
    """The real English edition built in every format (one cold build per test session)."""
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    root = copy_book(tmp_path_factory.mktemp("book-en"))
    cfg = load_config(root)
    result = build(cfg, cfg.select("en"))
    return cfg, result
