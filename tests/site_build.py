"""The bilingual site of the real book, assembled from the session's one build of both
editions (``built_book`` in conftest): shared by ``test_site.py`` and ``test_browser.py``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE = "chapter_linear-networks/linear-regression"
"""The chapter the browser tests read: it has math, a plot and code."""


@dataclass(frozen=True)
class BuiltSite:
    cfg: Any
    site: Any

    @property
    def root(self) -> Path:
        return self.site.root
