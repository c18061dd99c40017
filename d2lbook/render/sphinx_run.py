"""Running Sphinx in-process on an edition's tree, keeping its warnings and environment."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d2lbook.errors import RenderError

_WARNING = re.compile(r"^(?P<loc>\S.*?): (?P<level>WARNING|ERROR|CRITICAL): (?P<msg>.*)$")


@dataclass
class SphinxRun:
    builder: str
    outdir: Path
    warnings: list[str] = field(default_factory=list)
    env: Any = None
    """The Sphinx BuildEnvironment after the build (numbers, titles, labels)."""
    config: Any = None


def run_sphinx(srcdir: Path, outdir: Path, doctreedir: Path, builder: str,
               jobs: int = 1) -> SphinxRun:
    """Build ``srcdir`` (which holds its ``conf.py``) with ``builder``; incremental."""
    from sphinx import locale
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    # Sphinx keeps its UI translations in a process-wide table that merges every language
    # loaded so far: an English build after a Chinese one in the same process (serve, tests)
    # would get Chinese strings. Each build starts from an empty table.
    locale.translators.clear()
    status, warning = io.StringIO(), io.StringIO()
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        with patch_docutils(srcdir), docutils_namespace():
            app = Sphinx(str(srcdir), str(srcdir), str(outdir), str(doctreedir), builder,
                         status=status, warning=warning, freshenv=False,
                         parallel=jobs if jobs > 1 else 0, keep_going=True)
            app.build()
    except SphinxError as err:
        raise RenderError(f"Sphinx ({builder}) failed on {srcdir}: {err}\n"
                          f"{warning.getvalue()[-3000:]}") from None
    warnings = [line for line in warning.getvalue().splitlines() if _WARNING.match(line)]
    return SphinxRun(builder, outdir, warnings, app.env, app.config)
