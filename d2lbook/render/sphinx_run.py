"""Running Sphinx in-process on an edition's tree, keeping its warnings and environment."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from d2lbook.errors import RenderError

if TYPE_CHECKING:
    from collections.abc import Iterable, Set

    from jinja2 import Environment
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.config import Config
    from sphinx.domains.math import MathDomain
    from sphinx.domains.std import StandardDomain
    from sphinx.environment import BuildEnvironment
    from sphinxcontrib.bibtex.domain import BibtexDomain

    from d2lbook.render.rereads import Rereads

_WARNING = re.compile(r"^(?:(?P<loc>\S.*?): )?(?P<level>WARNING|ERROR|CRITICAL): (?P<msg>.*)$")


def warning_records(stream: str) -> list[str]:
    """Every warning Sphinx wrote to its warning stream, one string each: with a location
    (``page:line: WARNING: ...``) or without one (``WARNING: bibliography data error in ...``),
    a message of several lines kept whole (its further lines belong to the warning above)."""
    records: list[str] = []
    for line in stream.splitlines():
        if not line.strip():
            continue
        if _WARNING.match(line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


@dataclass
class SphinxRun:
    builder: str
    outdir: Path
    env: BuildEnvironment
    """The Sphinx BuildEnvironment after the build (numbers, titles, labels)."""
    config: Config
    warnings: list[str] = field(default_factory=list)
    processed: set[str] = field(default_factory=set)
    """Documents read or written by this run (their warnings, if any, were emitted now)."""
    docnames: set[str] = field(default_factory=set)
    """Every document of the project."""
    targets: dict[str, list[str]] = field(default_factory=dict)
    """What references can name: ``label``, ``equation`` and ``citation`` -> the names."""


def reference_targets(env: BuildEnvironment) -> dict[str, list[str]]:
    """The labels (sections, figures, tables), equation labels and bibliography keys a
    Sphinx environment knows (for "did you mean" hints)."""
    std = cast("StandardDomain", env.get_domain("std"))
    targets = {"label": sorted(set(std.labels) | set(std.anonlabels)),
               "equation": sorted(cast("MathDomain", env.get_domain("math")).equations)}
    try:
        cite = cast("BibtexDomain", env.get_domain("cite"))
        targets["citation"] = sorted(cite.bibdata.data.entries)
    except (KeyError, AttributeError):  # no sphinxcontrib-bibtex
        targets["citation"] = []
    return targets


INCOMPLETE = "d2lbook-incomplete"
"""Marker in the doctree folder while Sphinx runs: found at the start, the previous run was
killed, and Sphinx's environment may list outputs that were never written (images)."""


def _load_jieba_dictionary_once() -> None:
    """Sphinx's Chinese search splitter loads its jieba dictionary into jieba's process-wide
    model on every build: seconds each time, and each load adds the dictionary's counts again,
    so that a second build in one process (``serve``) splits words differently from the first.
    Load each dictionary once per process."""
    try:
        import sphinx.search.zh as zh
    except ImportError:  # jieba is optional for Sphinx
        return
    load = getattr(zh, "jieba_load_userdict", None)
    if load is None or getattr(load, "d2lbook_once", False):
        return
    loaded: set[str] = set()

    def once(path: str) -> None:
        if path not in loaded:
            load(path)
            loaded.add(path)

    once.d2lbook_once = True  # type: ignore[attr-defined]  # marks the wrapper as ours
    zh.jieba_load_userdict = once  # type: ignore[attr-defined]  # Sphinx imports it, unexported


def _chinese_search_once(app: Sphinx) -> None:
    """An HTML build in Chinese: jieba's dictionary loaded once per process (importing the
    Chinese splitter costs a second: only a Chinese edition pays it)."""
    if app.builder.format == "html" and (app.config.language or "").startswith("zh"):
        _load_jieba_dictionary_once()


def warm_up(modules: list[str]) -> None:
    """Import Sphinx and the modules a build will load (extensions, theme): a second the
    first Sphinx run of a process pays. ``serve`` calls it in the background after a start-up
    build that had nothing to do, so that its first rebuild is as quick as the next ones."""
    import importlib

    from sphinx.application import builtin_extensions

    # What Sphinx loads for every application, the book's extensions and the modules their
    # setup() imports (MyST-NB's), then a CSS selection (the theme's, on each page: its
    # regular expressions are compiled on first use).
    for name in ["sphinx.builders.html", *builtin_extensions, *modules, "myst_nb.sphinx_ext",
                 "myst_nb.sphinx_"]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the build itself will report it
            pass
    try:
        import bs4

        bs4.BeautifulSoup('<nav><a class="x">a</a></nav>', "html.parser").select("nav a.x")
    except Exception:  # noqa: BLE001 - optional
        pass


def warm_up_chinese() -> None:
    """Load the Chinese search splitter's dictionary (about a second, once per process)."""
    from d2lbook.render.sphinx_ext import quiet_jieba

    _load_jieba_dictionary_once()
    quiet_jieba()  # not its "Building prefix dict..." lines
    try:
        import jieba

        jieba.initialize()
    except Exception:  # noqa: BLE001 - optional
        pass


SERIAL_WRITES = 12
"""Up to this many pages to write, Sphinx writes them in this process: its parallel writer
forks, ships doctrees and polls every 20 ms, which costs more than it saves for a few pages
(an edit rewrites the page and its two neighbours)."""


def _write_few_serially(builder: Builder) -> None:
    parallel = builder.write_documents

    def write_documents(docnames: Set[str]) -> None:
        if len(docnames) <= SERIAL_WRITES:
            builder.parallel_ok = False
        parallel(docnames)

    builder.write_documents = write_documents  # type: ignore[method-assign]  # this builder only


def _read_serially(app: Sphinx) -> None:
    """Sphinx reads documents in this process, one after the other (it still writes them in
    parallel). Its parallel reader gives each worker process a share of the documents and
    merges their labels, equations and citations afterwards without comparing them
    (``merge_domaindata``): a label that two pages share is then reported only when both pages
    happen to be read by the same worker, and the reference goes to whichever page was merged
    last. Read one by one, every clash is warned about, and always at the later page. On two
    cores reading is not slower this way (no forks, no environment pickled back per worker)."""
    allowed = app.is_parallel_allowed
    # on this application only (``typ``: the parameter's name in Sphinx's method)
    app.is_parallel_allowed = (  # type: ignore[method-assign]  # replaced on purpose
        lambda typ: typ != "read" and allowed(typ))


def _cache_compiled_templates(builder: Builder, folder: Path | None) -> None:
    """Keep the theme's compiled Jinja templates in ``folder``: Sphinx compiles them again in
    every run (a fifth of a second; Jinja checks each template's source against its entry)."""
    environment: Environment | None = getattr(getattr(builder, "templates", None),
                                              "environment", None)
    if folder is None or environment is None:
        return
    from jinja2 import FileSystemBytecodeCache

    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def run_sphinx(srcdir: Path, outdir: Path, doctreedir: Path, builder: str,
               jobs: int = 1, reread: Iterable[str] = (),
               template_cache: Path | None = None) -> SphinxRun:
    """Build ``srcdir`` (which holds its ``conf.py``) with ``builder``; incremental, except
    after a run that did not finish (then from scratch). ``reread``: documents to read again
    even if unchanged (those with warnings, so that they are reported again; as a
    ``warnings_store.Standing``, none, but its documents are read if Sphinx writes one);
    ``template_cache``: where compiled templates are kept between runs."""
    from sphinx.util.console import nocolor

    from d2lbook.procs import die_with_parent_on_fork

    die_with_parent_on_fork()  # Sphinx's parallel workers end with the build
    nocolor()
    marker = doctreedir / INCOMPLETE
    fresh = marker.exists()
    if fresh:  # a killed run may have left half-copied files in the output too
        shutil.rmtree(outdir, ignore_errors=True)
    doctreedir.mkdir(parents=True, exist_ok=True)
    marker.touch()
    seen: set[str] = set()
    # Sphinx's environment keeps state a changed page leaves behind (render.rereads): pages
    # that share a label with a page read now are read with it, in a second run if needed.
    first = _run_once(srcdir, outdir, doctreedir, builder, fresh, jobs, set(reread), seen,
                      template_cache)
    app, warning, rereads = first
    records = warning_records(warning.getvalue())
    # Pages whose stored warnings were to be replayed but that Sphinx wrote without reading
    # them (a toctree parent, every page after a label changed): read them all, so that
    # their warnings from reading are found again with those from writing.
    standing: set[str] = set(getattr(reread, "standing", ())) & set(app.env.found_docs)
    unread = (seen - rereads.read) & standing
    if rereads.again or unread:
        from d2lbook.render.warnings_store import relocate

        again = set(rereads.again) | (standing if unread else set())
        app, second, _ = _run_once(srcdir, outdir, doctreedir, builder, False, jobs, again,
                                   seen, template_cache)
        # the warnings of the pages read twice are those of the second reading
        kept = [r for r in records if relocate(r.splitlines()[0], srcdir, {})[0] not in again]
        records = kept + warning_records(second.getvalue())
    marker.unlink()
    warnings = list(dict.fromkeys(records))
    return SphinxRun(builder, outdir, app.env, app.config, warnings, seen,
                     set(app.env.found_docs), reference_targets(app.env))


def _run_once(srcdir: Path, outdir: Path, doctreedir: Path, builder: str, fresh: bool,
              jobs: int, wanted: set[str], seen: set[str],
              template_cache: Path | None) -> tuple[Sphinx, io.StringIO, Rereads]:
    """One Sphinx application run; ``wanted``: documents to read even if unchanged."""
    from sphinx import locale
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from d2lbook.render.figure_numbers import number_from_outlines
    from d2lbook.render.rereads import Rereads

    labels: dict[str, tuple[str, str, str]] = {}

    def before_read(app: Sphinx, env: BuildEnvironment, docs: list[str]) -> None:
        seen.update(docs)
        labels.update(cast("StandardDomain", env.get_domain("std")).labels)
        # Forget every document about to be read before reading the first (as a parallel
        # read does), so that they meet each other the way they do in a clean build.
        for docname in docs:
            app.events.emit("env-purge-doc", env, docname)
            env.clear_doc(docname)

    def after_read(app: Sphinx, env: BuildEnvironment) -> list[str]:
        # A label added, moved or removed changes how other pages' references resolve, but
        # Sphinx rewrites only the pages it read: rewrite them all (their warnings with them).
        if seen and dict(cast("StandardDomain", env.get_domain("std")).labels) != labels:
            return sorted(env.found_docs)
        return []
    # Sphinx keeps its UI translations in a process-wide table that merges every language
    # loaded so far: an English build after a Chinese one in the same process (serve, tests)
    # would get Chinese strings. Each build starts from an empty table.
    locale.translators.clear()
    status, warning = io.StringIO(), io.StringIO()
    outdir.mkdir(parents=True, exist_ok=True)
    rereads = Rereads(builder)
    try:
        with patch_docutils(srcdir), docutils_namespace():
            app = Sphinx(str(srcdir), str(srcdir), str(outdir), str(doctreedir), builder,
                         status=status, warning=warning, freshenv=fresh,
                         parallel=jobs if jobs > 1 else 0, keep_going=True)
            app.connect("env-get-outdated", lambda app, env, added, changed, removed:
                        sorted(wanted & env.found_docs - added - changed))
            rereads.connect(app)
            number_from_outlines(app)
            # before the search index is made (a Chinese one loads jieba's dictionary)
            app.connect("builder-inited", _chinese_search_once)
            app.connect("env-before-read-docs", before_read)
            app.connect("env-updated", after_read)
            app.connect("doctree-resolved", lambda app, doctree, docname: seen.add(docname))
            _read_serially(app)
            _write_few_serially(app.builder)
            _cache_compiled_templates(app.builder, template_cache)
            app.build()
    except SphinxError as err:
        raise RenderError(f"Sphinx ({builder}) failed on {srcdir}: {err}\n"
                          f"{warning.getvalue()[-3000:]}") from None
    return app, warning, rereads
