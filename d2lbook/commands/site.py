"""``d2lbook build site`` and ``d2lbook serve``: the published site, and a local preview of it
that rebuilds when the sources or catalogs change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from d2lbook.commands.build import FORMATS, BuildResult, as_up_to_date, build_editions
from d2lbook.commands.live import STATE_PATH, LiveState, with_script
from d2lbook.config import BookConfig, Language, load_config
from d2lbook.execute.jobs import ExecutionEvent
from d2lbook.layout import BookLayout
from d2lbook.lock import locked
from d2lbook.render.site import Site, assemble_site

if TYPE_CHECKING:
    from d2lbook.render.steps import SphinxRuns


@dataclass
class SiteBuild:
    build: BuildResult
    site: Site


@locked
def build_site(cfg: BookConfig, formats: tuple[str, ...] = FORMATS, jobs: int | None = None,
               progress: Callable[[ExecutionEvent], None] = lambda e: None,
               langs: tuple[Language, ...] | None = None,
               runs: SphinxRuns | None = None) -> SiteBuild:
    """Build the editions (default: all) in ``formats`` and assemble ``_build/site/`` from
    the outputs (editions not rebuilt are taken as they were last built); at once when nothing
    changed since the last build (``commands.last_build``). ``runs``: the Sphinx runs a
    session of several builds remembers (``serve``)."""
    from d2lbook.commands.last_build import remembered

    langs = langs or cfg.languages

    def work() -> SiteBuild:
        return SiteBuild(build_editions(cfg, langs, formats, jobs, progress,
                                               sphinx_runs=runs),
                         assemble_site(cfg))

    built, stored = remembered(cfg, "site", langs, formats, work,
                               lambda b: [*b.build.outputs(), b.site.root])
    return SiteBuild(as_up_to_date(built.build), built.site) if stored else built


@locked
def refresh_site(cfg: BookConfig) -> Site | None:
    """After a build of some editions (``build html --lang en``): ``_build/site/`` assembled
    again, the other editions as they were last built, so that the preview shows what was just
    built. None (the site is left as it is) while an edition's HTML has never been built."""
    layout = BookLayout(cfg)
    if not all((layout.html(lang) / "index.html").is_file() for lang in cfg.languages):
        return None
    return assemble_site(cfg)


# --------------------------------------------------------------------------------------------
# serve


def watched_paths(book: BookConfig | BookLayout) -> list[Path]:
    """What a preview watches: the configuration, the sources and the catalogs."""
    layout = BookLayout.of(book)
    return [layout.root / "pyproject.toml", layout.sources, layout.locale]


Snapshot = dict[str, tuple[int, int, int, str]]
"""Path -> (mtime, size, ctime, SHA-256 of the content) of every watched file."""


def snapshot(paths: Iterable[Path], previous: Snapshot | None = None) -> Snapshot:
    """Every file under ``paths`` (compiled ``.mo`` files excepted) with its content's hash.
    A file whose times and size are those of ``previous`` keeps its hash unread; any write
    changes the inode's ctime (which, unlike the mtime, no program can set back), so an edit
    of the same size whose mtime was restored is hashed again, and seen."""
    import hashlib

    previous = previous or {}
    state: Snapshot = {}
    for top in paths:
        files = [top] if top.is_file() else (top.rglob("*") if top.is_dir() else [])
        for path in files:
            if path.suffix == ".mo" or path.name.startswith(".") or not path.is_file():
                continue
            try:
                st = path.stat()
                key = str(path)
                seen = previous.get(key)
                if seen is not None and seen[:3] == (st.st_mtime_ns, st.st_size,
                                                     st.st_ctime_ns):
                    state[key] = seen
                    continue
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except (FileNotFoundError, IsADirectoryError):
                continue
            state[key] = (st.st_mtime_ns, st.st_size, st.st_ctime_ns, digest)
    return state


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or whose content changed (a file only touched is not)."""
    return sorted(k for k in before.keys() | after.keys()
                  if (before[k][3] if k in before else None)
                  != (after[k][3] if k in after else None))


def settled(book: BookConfig | BookLayout, seen: Snapshot, pause: float = 0.03,
            limit: float = 1.0) -> Snapshot:
    """The watched files once they stop changing: an editor or ``git checkout`` writing
    several files, or one file in two steps (truncate, then write), is rebuilt once, from the
    finished files. Gives up waiting after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(pause)
        now = snapshot(watched_paths(book), seen)
        if now == seen:
            break
        seen = now
    return seen


def editions_to_rebuild(book: BookConfig | BookLayout, before: Snapshot,
                        after: Snapshot) -> tuple[Language, ...]:
    """The editions whose inputs the change touches, the source language first. A file that
    was edited (neither added nor removed) under one translated edition's catalogs or overlay
    touches that edition only; anything else (English sources, the configuration, a page
    added or removed: the language links of every edition) touches them all."""
    layout = BookLayout.of(book)
    cfg = layout.cfg
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


def _warm_up_in_background(layout: BookLayout) -> None:
    """While the preview waits for the first change: Sphinx's imports, the Chinese search
    dictionary and each English page read as a notebook (remembered in the process). A
    start-up build with nothing to do (``commands.last_build``) did none of it, and the first
    rebuild would pay for all of it."""
    from d2lbook.render.settings import sphinx_settings
    from d2lbook.render.sphinx_run import warm_up, warm_up_chinese

    cfg = layout.cfg
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
            for page in read_pages(layout.english):
                page_notebook(page, cfg.default_framework.kernel)
        except Exception:  # noqa: BLE001 - a broken page is the rebuild's to report
            pass
        if chinese:
            warm_up_chinese()

    threading.Thread(target=work, daemon=True, name="d2lbook-warm-up").start()


def _quiet_root_logger() -> None:
    """The theme imports ``a11y_pygments``, which calls ``logging.basicConfig(level=INFO)``
    on import: in a process that stays up, every later INFO line of any library (nbclient's
    "Executing notebook with kernel" on each rebuild) would reach the terminal. Import it
    here first and undo what it did to the root logger."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import a11y_pygments  # noqa: F401
    except ImportError:
        return
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@dataclass
class ServeEvent:
    kind: str
    """``serving``, ``rebuilding``, ``rebuilt``, ``failed``, ``warning``."""
    message: str


class Preview:
    """A static server for ``_build/site/`` on ``host:port`` (a background thread)."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000,
                 live: LiveState | None = None):
        import functools
        import http.server
        import urllib.parse

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urllib.parse.urlsplit(self.path)
                if live is None:
                    return super().do_GET()
                if url.path == STATE_PATH:
                    page = urllib.parse.parse_qs(url.query).get("page", ["/"])[0]
                    return self._send(live.answer(page, root), "application/json")
                if url.path.endswith(("/", ".html")):
                    path = Path(self.translate_path(url.path))
                    path = path / "index.html" if path.is_dir() else path
                    if path.is_file():
                        return self._send(with_script(path.read_bytes()),
                                          "text/html; charset=utf-8")
                return super().do_GET()

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        # The folder is looked up by path on every request, so a swapped-in site is served at
        # once (never a half-copied one).
        handler = functools.partial(Quiet, directory=str(root))
        self.server = http.server.ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.host, self.port = cast(tuple[str, int], self.server.server_address[:2])
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
          rebuild: Callable[[BookConfig], object] | None = None, build_first: bool = True) -> int:
    """Build the site, serve it, and rebuild whenever a watched file changes, until ``stop``
    is set (or Ctrl-C). A failed rebuild (or first build, when a site was built before) is
    reported, and the last good site stays served with the error over its pages.
    Returns the number of rebuilds after the first build.

    A rebuild builds only the editions whose inputs changed (``editions_to_rebuild``), one
    after the other, the source language first, and swaps the site in after each: an English
    edit is served as soon as the English edition's HTML is built, then the translated ones
    follow, then the downloads (notebooks, PDFs) of each.
    (A process that stays up also keeps what it computed from unchanged pages: jupytext
    conversions, applied catalogs, Sphinx's Chinese search dictionary, its last Sphinx runs.)"""
    stop = stop or threading.Event()
    _quiet_root_logger()
    session = _Session(cfg, formats, jobs, report, rebuild)
    layout = BookLayout(cfg)
    state = snapshot(watched_paths(layout))
    if build_first:
        try:
            session.run(cfg)
        except Exception as err:
            if not (layout.site / "index.html").is_file():
                raise  # nothing to show yet
            # The last site is served, covered by the error, until a change fixes it.
            session.live.failed(str(err))
            report(ServeEvent("failed", f"build failed: {err}"))
    if rebuild is None:
        _warm_up_in_background(layout)
    site = layout.site
    site.mkdir(parents=True, exist_ok=True)
    preview = Preview(site, host, port, session.live).start()
    report(ServeEvent("serving", f"serving {site} at {preview.url} (Ctrl-C stops)"))
    try:
        return _watch(session, layout, state, interval, stop)
    finally:
        preview.stop()


class _Session:
    """One ``serve``: what it reported, the live pages' state, the Sphinx runs it keeps."""

    def __init__(self, cfg: BookConfig, formats: tuple[str, ...], jobs: int | None,
                 report: Callable[[ServeEvent], None],
                 rebuild: Callable[[BookConfig], object] | None) -> None:
        self.cfg, self.formats, self.jobs = cfg, formats, jobs
        self.report, self.rebuild = report, rebuild
        self.live = LiveState()
        self.said: set[str] = set()  # warnings and broken links already reported: said once
        from d2lbook.render.steps import SphinxRuns

        self.runs = SphinxRuns()

    def show(self, result: object, reload: bool = True) -> None:
        editions = result.build.editions if isinstance(result, SiteBuild) else []
        self.live.served(editions, reload)
        for e in editions:
            edition = "" if e.lang == self.cfg.source_language.code else f" ({e.lang} edition)"
            for warning in [*map(str, e.problems), *e.warnings]:
                if f"{warning}{edition}" not in self.said:
                    self.said.add(f"{warning}{edition}")
                    self.report(ServeEvent("warning", f"warning: {warning}{edition}"))

    def run(self, config: BookConfig, langs: tuple[Language, ...] | None = None) -> str:
        """Rebuild; returns when each edition was served ("en 2.1s, zh 5.0s")."""
        if self.rebuild is not None:
            results = [self.rebuild(config)]
            self.show(results[0])
            times = ""
        else:
            results, times = self._build(config, langs)
        missing = results[-1].site.missing if isinstance(results[-1], SiteBuild) else []
        missing = [m for m in missing if m not in self.said]
        if missing:
            self.said.update(missing)
            self.report(ServeEvent("warning", "not built yet, so these links are broken: "
                                   + ", ".join(missing) + " (serve --pdf builds the PDFs)"))
        return times

    def _build(self, config: BookConfig, langs: tuple[Language, ...] | None
               ) -> tuple[list[SiteBuild], str]:
        results: list[SiteBuild] = []
        served = []
        t0 = time.perf_counter()
        # The pages first, every edition; then the downloads (their Sphinx runs are kept
        # in memory, so the second pass only bundles).
        # The first build makes every edition at once: the site needs them all.
        formats = self.formats
        passes = [("html",), formats] if set(formats) - {"html"} else [formats]
        groups = [(lang,) for lang in langs] if langs else [config.languages]
        for fmts in passes:
            for group in groups:
                results.append(build_site(config, fmts, self.jobs, langs=group,
                                          runs=self.runs))
                self.show(results[-1], reload=fmts is passes[0])
                if fmts is passes[0]:
                    codes = "+".join(lang.code for lang in group)
                    served.append(f"{codes} {time.perf_counter() - t0:.1f}s")
        if len(passes) > 1:
            served.append(f"downloads {time.perf_counter() - t0:.1f}s")
        return results, ", ".join(served)


def _watch(session: _Session, layout: BookLayout, state: Snapshot, interval: float,
           stop: threading.Event) -> int:
    """Rebuild whenever a watched file changes, until ``stop``; the number of rebuilds.
    ``layout``: the book's, made again when the configuration is read again."""
    cfg, report = session.cfg, session.report
    rebuilds = 0
    while not stop.wait(interval):
        now = snapshot(watched_paths(layout), state)
        diff = changed(state, now)
        if not diff:
            state = now  # only touched: remember the new times, not read again
            continue
        now = settled(layout, now)
        diff = changed(state, now)
        langs = editions_to_rebuild(layout, state, now)
        state = now
        report(ServeEvent("rebuilding", f"{len(diff)} file(s) changed: "
                          f"{', '.join(Path(p).name for p in diff[:3])}"))
        t0 = time.perf_counter()
        try:
            cfg = session.cfg = load_config(cfg.root)
            layout = BookLayout(cfg)
            times = session.run(cfg, tuple(lang for lang in cfg.languages
                                           if lang.code in {x.code for x in langs}))
        except Exception as err:  # noqa: BLE001 - keep serving the last good site
            from d2lbook.errors import WRITE_ERRNOS, NotWritable

            if isinstance(err, OSError) and err.errno in WRITE_ERRNOS and err.filename:
                err = NotWritable(err)  # the folder and what to do, as the CLI says it
            session.live.failed(str(err))  # shown in the open pages instead of the stale ones
            report(ServeEvent("failed", f"rebuild failed: {err}"))
            continue
        rebuilds += 1
        report(ServeEvent("rebuilt", f"rebuilt in {time.perf_counter() - t0:.1f}s"
                          + (f" (served: {times})" if times else "")))
    return rebuilds
