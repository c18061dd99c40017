"""Scaffolding shared by the tests: git with fixed authors and dates, a minimal book, and a
static HTTP server for a built site."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AUTHOR = "A"
EMAIL = "a@example.org"
DATE = "2026-01-02T03:04:05Z"


def git(root: Path, *args: str, author: str = AUTHOR, email: str = EMAIL,
        date: str = DATE) -> str:
    """Run git in ``root`` as ``author`` at ``date``, without the user's or the system's git
    configuration (commits are reproducible); its stdout."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout


def pyproject(*, name: str = "tiny", author: str = "A", version: str = "1",
              title: str = "Tiny", zh: str | None = None, extra: str = "") -> str:
    """The ``[tool.d2lbook]`` text of a small book: English, and Chinese (``zh_CN``) when ``zh``
    gives its title; ``extra`` is appended (it continues the last table, or adds tables)."""
    text = (f'[tool.d2lbook]\nname = "{name}"\nauthor = "{author}"\nversion = "{version}"\n\n'
            f'[tool.d2lbook.languages.en]\ntitle = "{title}"\n')
    if zh is not None:
        text += f'\n[tool.d2lbook.languages.zh]\ntitle = "{zh}"\nlocale = "zh_CN"\n'
    return text + extra


def make_book(root: Path, pages: dict[str, str], config: str | None = None) -> Path:
    """A book at ``root``: pyproject.toml (``config``, by default ``pyproject()``) and the
    English pages (name without ``.md`` -> text). Returns ``root``."""
    source = root / "source" / "en"
    source.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject() if config is None else config,
                                         encoding="utf-8")
    for name, text in pages.items():
        page = source / f"{name}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
    return root


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def static_server(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (any free port unless ``port``), in a thread;
    yields the base URL, without a trailing slash."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
