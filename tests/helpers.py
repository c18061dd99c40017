"""Scaffolding shared by the tests: git with fixed authors and dates, a minimal book, a
static HTTP server for a built site, and ``d2lbook serve`` running in a thread."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from d2lbook.commands.site import ServeEvent
    from d2lbook.config import BookConfig

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


def fetch_bytes(url: str, timeout: float = 5) -> bytes:
    """The bytes at ``url``; empty when they cannot be read (not served yet, an error
    status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except OSError:
        return b""


def fetch(url: str, timeout: float = 5) -> str:
    """The text at ``url``; empty when it cannot be read."""
    return fetch_bytes(url, timeout).decode()


def wait(condition: Callable[[], object], what: str, limit: float = 300) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@dataclass
class Serving:
    """A running preview: its base URL (with a trailing slash; empty when ``serve`` ended
    before serving), the events it reported as (kind, message), and its thread."""

    url: str
    events: list[tuple[str, str]]
    thread: threading.Thread


@contextmanager
def serving(cfg: BookConfig, *, start: float = 600, join: float = 120,
            **options: object) -> Iterator[Serving]:
    """``d2lbook serve`` (``commands.site.serve``, on a free port) in a thread; yields once it
    serves (waiting at most ``start`` seconds), then stops it and waits ``join`` seconds for
    its thread. ``options`` go to ``serve`` (``interval``, ``jobs``, ``rebuild``...)."""
    from d2lbook.commands.site import serve

    events: list[tuple[str, str]] = []
    urls: list[str] = []
    stop = threading.Event()

    def report(event: ServeEvent) -> None:
        events.append((event.kind, event.message))
        found = re.search(r"(http://\S+/)", event.message) if event.kind == "serving" else None
        if found:
            urls.append(found[1])

    thread = threading.Thread(target=serve, kwargs=dict(cfg=cfg, port=0, report=report,
                                                        stop=stop, **options))
    thread.start()
    try:
        wait(lambda: urls or not thread.is_alive(), f"serve did not start: {events}", start)
        yield Serving(urls[0] if urls else "", events, thread)
    finally:
        stop.set()
        thread.join(timeout=join)
