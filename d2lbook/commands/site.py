"""``d2lbook build site`` and ``d2lbook serve``: the published site, and a local preview of it
that rebuilds when the sources or catalogs change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lbook.commands.build import FORMATS, BuildResult, as_up_to_date, build_editions
from d2lbook.config import BookConfig, Language, load_config
from d2lbook.layout import BookLayout
from d2lbook.lock import locked
from d2lbook.render.site import Site, assemble_site


@dataclass
class SiteBuild:
    build: BuildResult
    site: Site


@locked
def build_site(cfg: BookConfig, formats: tuple[str, ...] = FORMATS, jobs: int | None = None,
               progress: Callable[[Any], None] = lambda e: None,
               langs: tuple[Language, ...] | None = None) -> SiteBuild:
    """Build the editions (default: all) in ``formats`` and assemble ``_build/site/`` from
    the outputs (editions not rebuilt are taken as they were last built); at once when nothing
    changed since the last build (``commands.last_build``)."""
    from d2lbook.commands.last_build import remembered

    langs = langs or cfg.languages

    def work() -> SiteBuild:
        return SiteBuild(build_editions(cfg, langs, formats, jobs, progress), assemble_site(cfg))

    built, stored = remembered(cfg, "site", langs, formats, work,
                               lambda b: [*b.build.outputs(), b.site.root])
    return SiteBuild(as_up_to_date(built.build), built.site) if stored else built


# --------------------------------------------------------------------------------------------
# serve


def watched_paths(cfg: BookConfig) -> list[Path]:
    """What a preview watches: the configuration, the sources and the catalogs."""
    layout = BookLayout(cfg)
    return [cfg.root / "pyproject.toml", layout.sources, layout.locale]


def snapshot(paths: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under ``paths`` (compiled ``.mo`` files excepted)."""
    state: dict[str, tuple[int, int]] = {}
    for top in paths:
        files = [top] if top.is_file() else (top.rglob("*") if top.is_dir() else [])
        for path in files:
            if path.suffix == ".mo" or path.name.startswith(".") or not path.is_file():
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            state[str(path)] = (st.st_mtime_ns, st.st_size)
    return state


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def settled(cfg: BookConfig, seen: dict[str, tuple[int, int]], pause: float = 0.03,
            limit: float = 1.0) -> dict[str, tuple[int, int]]:
    """The watched files once they stop changing: an editor or ``git checkout`` writing
    several files, or one file in two steps (truncate, then write), is rebuilt once, from the
    finished files. Gives up waiting after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(pause)
        now = snapshot(watched_paths(cfg))
        if now == seen:
            break
        seen = now
    return seen


def editions_to_rebuild(cfg: BookConfig, before: dict[str, tuple[int, int]],
                        after: dict[str, tuple[int, int]]) -> tuple[Language, ...]:
    """The editions whose inputs the change touches, the source language first. A file that
    was edited (neither added nor removed) under one translated edition's catalogs or overlay
    touches that edition only; anything else (English sources, the configuration, a page
    added or removed: the language links of every edition) touches them all."""
    layout = BookLayout(cfg)
    touched: list[Language] = []
    for key in changed(before, after):
        path = Path(key)
        owner = None
        if key in before and key in after:
            for lang in cfg.languages[1:]:
                if path.is_relative_to(layout.catalogs(lang)) or (
                        path.is_relative_to(layout.overlay(lang))
                        and not path.is_relative_to(layout.english)):
                    owner = lang
                    break
        if owner is None:
            return cfg.languages
        if owner not in touched:
            touched.append(owner)
    return tuple(lang for lang in cfg.languages if lang in touched)


def _warm_up_in_background(cfg: BookConfig) -> None:
    """While the preview waits for the first change: Sphinx's imports, the Chinese search
    dictionary and each English page read as a notebook (remembered in the process). A
    start-up build with nothing to do (``commands.last_build``) did none of it, and the first
    rebuild would pay for all of it."""
    from d2lbook.render.settings import sphinx_settings
    from d2lbook.render.sphinx_run import warm_up, warm_up_chinese

    modules: list[str] = []
    chinese = False
    for lang in cfg.languages:
        settings = sphinx_settings(cfg, lang)
        modules += [m for m in [*settings["extensions"], settings["html_theme"]]
                    if m not in modules]
        chinese = chinese or str(settings.get("language", "")).startswith("zh")

    def work() -> None:
        from d2lbook.notebook import page_notebook
        from d2lbook.source import read_pages

        warm_up(modules)
        try:
            for page in read_pages(BookLayout(cfg).english):
                page_notebook(page, cfg.default_framework.kernel)
        except Exception:  # noqa: BLE001 - a broken page is the rebuild's to report
            pass
        if chinese:
            warm_up_chinese()

    threading.Thread(target=work, daemon=True, name="d2lbook-warm-up").start()


@dataclass
class ServeEvent:
    kind: str
    """``serving``, ``rebuilding``, ``rebuilt``, ``failed``, ``warning``."""
    message: str


class Preview:
    """A static server for ``_build/site/`` on ``host:port`` (a background thread)."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000):
        import functools
        import http.server

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        # The folder is looked up by path on every request, so a swapped-in site is served at
        # once (never a half-copied one).
        handler = functools.partial(Quiet, directory=str(root))
        self.server = http.server.ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> Preview:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(cfg: BookConfig, host: str = "127.0.0.1", port: int = 8000,
          formats: tuple[str, ...] = ("html", "notebooks"), jobs: int | None = None,
          interval: float = 0.25, report: Callable[[ServeEvent], None] = lambda e: None,
          stop: threading.Event | None = None,
          rebuild: Callable[[BookConfig], Any] | None = None, build_first: bool = True) -> int:
    """Build the site, serve it, and rebuild whenever a watched file changes, until ``stop``
    is set (or Ctrl-C). A failed rebuild is reported and the last good site stays served.
    Returns the number of rebuilds after the first build.

    A rebuild builds only the editions whose inputs changed (``editions_to_rebuild``), one
    after the other, the source language first, and swaps the site in after each: an English
    edit is served as soon as the English edition's HTML is built, then the translated ones
    follow, then the downloads (notebooks, PDFs) of each.
    (A process that stays up also keeps what it computed from unchanged pages: jupytext
    conversions, applied catalogs, Sphinx's Chinese search dictionary.)"""
    stop = stop or threading.Event()

    def run(config: BookConfig, langs: tuple[Language, ...] | None = None) -> str:
        """Rebuild; returns when each edition was served ("en 2.1s, zh 5.0s")."""
        if rebuild is not None:
            results = [rebuild(config)]
            times = ""
        else:
            results, served = [], []
            t0 = time.perf_counter()
            # The pages first, every edition; then the downloads (their Sphinx runs are kept
            # in memory, so the second pass only bundles).
            # The first build makes every edition at once: the site needs them all.
            passes = [("html",), formats] if set(formats) - {"html"} else [formats]
            groups = [(lang,) for lang in langs] if langs else [config.languages]
            for fmts in passes:
                for group in groups:
                    results.append(build_site(config, fmts, jobs, langs=group))
                    if fmts is passes[0]:
                        codes = "+".join(lang.code for lang in group)
                        served.append(f"{codes} {time.perf_counter() - t0:.1f}s")
            if len(passes) > 1:
                served.append(f"downloads {time.perf_counter() - t0:.1f}s")
            times = ", ".join(served)
        missing = results[-1].site.missing if isinstance(results[-1], SiteBuild) else []
        if missing:
            report(ServeEvent("warning", "not built yet, so these links are broken: "
                              + ", ".join(missing) + " (serve --pdf builds the PDFs)"))
        return times

    state = snapshot(watched_paths(cfg))
    if build_first:
        run(cfg)
    if rebuild is None:
        _warm_up_in_background(cfg)
    site = BookLayout(cfg).site
    site.mkdir(parents=True, exist_ok=True)
    preview = Preview(site, host, port).start()
    report(ServeEvent("serving", f"serving {site} at {preview.url} (Ctrl-C stops)"))
    rebuilds = 0
    try:
        while not stop.wait(interval):
            now = snapshot(watched_paths(cfg))
            diff = changed(state, now)
            if not diff:
                continue
            now = settled(cfg, now)
            diff = changed(state, now)
            langs = editions_to_rebuild(cfg, state, now)
            state = now
            report(ServeEvent("rebuilding", f"{len(diff)} file(s) changed: "
                              f"{', '.join(Path(p).name for p in diff[:3])}"))
            t0 = time.perf_counter()
            try:
                cfg = load_config(cfg.root)
                times = run(cfg, tuple(lang for lang in cfg.languages
                                       if lang.code in {x.code for x in langs}))
            except Exception as err:  # noqa: BLE001 - keep serving the last good site
                report(ServeEvent("failed", f"rebuild failed: {err}"))
                continue
            rebuilds += 1
            report(ServeEvent("rebuilt", f"rebuilt in {time.perf_counter() - t0:.1f}s"
                              + (f" (served: {times})" if times else "")))
    finally:
        preview.stop()
    return rebuilds
