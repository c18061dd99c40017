"""One bilingual build of the real book, in every format, assembled into a site: shared by
``test_site.py`` and ``test_browser.py`` (built on first use, once per test session)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import copy_book

PAGE = "chapter_linear-networks/linear-regression"
"""The chapter the browser tests read: it has math, a plot and code."""


@dataclass(frozen=True)
class BuiltSite:
    cfg: Any
    build: Any
    site: Any

    @property
    def root(self) -> Path:
        return self.site.root


@functools.cache
def built_site(folder: Path) -> BuiltSite:
    from d2lbook.commands.site import build_site
    from d2lbook.config import load_config

    cfg = load_config(copy_book(folder))
    result = build_site(cfg)
    return BuiltSite(cfg, result.build, result.site)
