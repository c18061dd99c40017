"""The command line. Each command parses its options, loads the configuration, calls one
function of ``d2lbook.commands`` and prints what it returns. Only this module prints, and only
it maps errors to exit codes: 0 success, 1 a check failed (strict warnings, --fail-on), 2 error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypedDict

from d2lbook.errors import D2lbookError

if TYPE_CHECKING:
    from d2lbook.config import BookConfig
    from d2lbook.execute.jobs import ExecutionEvent
    from d2lbook.render.site import Site
    from d2lbook.source import PageKey


class Reporter:
    """Progress lines, one per event (coloured on a terminal, plain otherwise)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.failed: list[PageKey] = []
        """The pages (``PageKey``) whose notebook failed, for the failure summary."""
        self.executed = 0

    def record(self, event: ExecutionEvent) -> None:
        if event.kind == "failed":
            self.failed.append(event.page)
        elif event.kind == "done":
            self.executed += 1

    def __call__(self, event: ExecutionEvent) -> None:
        self.record(event)
        elapsed = time.perf_counter() - self.started
        where = f" on {event.where}" if getattr(event, "where", "") else ""
        if event.kind == "queued":
            line = f"[{elapsed:6.1f}s] queued    {event.page}"
        elif event.kind == "done":
            line = f"[{elapsed:6.1f}s] executed  {event.page} ({event.seconds:.1f}s){where}"
        elif event.kind == "failed":
            line = f"[{elapsed:6.1f}s] FAILED    {event.page}{where}"
        elif event.kind == "skipped":
            line = f"[{elapsed:6.1f}s] no output {event.page} (not cached, --no-execute)"
        else:
            line = f"[{elapsed:6.1f}s] cached    {event.page}"
        if self.tty:
            line = {"queued": "\033[33m", "done": "\033[32m", "failed": "\033[31m"}.get(
                event.kind, "\033[2m") + line + "\033[0m"
        print(line, file=self.stream, flush=True)


def _config(args: argparse.Namespace) -> BookConfig:
    from d2lbook.config import load_config

    return load_config(args.root)


def cmd_lib(args: argparse.Namespace) -> int:
    from d2lbook.library import write_library

    cfg = _config(args)
    result = write_library(cfg, check=args.check)
    if not result.files:
        print("no framework names a library module ([tool.d2lbook.frameworks.*] library)")
        return 0
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in result.changed:
        rel = path.relative_to(cfg.root)
        print(f"{rel}: differs from what the pages define" if args.check else f"wrote {rel}")
    print(f"library: {len(result.files)} file(s), {result.definitions} definition(s), "
          f"{len(result.changed)} {'out of date' if args.check else 'changed'}")
    if not args.check:
        from d2lbook.commands.lib_wheel import build_wheel

        wheel = build_wheel(cfg)
        if wheel:
            print(f"wheel: {wheel.relative_to(cfg.root)}")
        return 0
    from d2lbook.commands.library_check import import_problems, lost_names

    problems = lost_names(cfg, result) + import_problems(cfg, result.libraries)
    for problem in problems:
        print(f"{'error' if problem.fatal else 'warning'}: {problem.framework}: "
              f"{problem.message}", file=sys.stderr)
    if result.changed:
        print("error: the committed library is out of date; run `d2lbook build lib` and commit",
              file=sys.stderr)
    return 1 if result.changed or any(p.fatal for p in problems) else 0


class _ExecutionOverrides(TypedDict, total=False):
    """The ``[tool.d2lbook.execution]`` settings the command line overrides."""

    scheduler: str
    execute: bool
    fail_fast: bool


def _with_execution_options(cfg: BookConfig, args: argparse.Namespace) -> BookConfig:
    """``--scheduler``, ``--no-execute``, ``--fail-fast`` over ``[tool.d2lbook.execution]``."""
    from dataclasses import replace

    overrides: _ExecutionOverrides = {}
    if args.scheduler:
        overrides["scheduler"] = args.scheduler
    if args.no_execute:
        overrides["execute"] = False
    if args.fail_fast:
        overrides["fail_fast"] = True
    return replace(cfg, execution=replace(cfg.execution, **overrides)) if overrides else cfg


def cmd_build(args: argparse.Namespace) -> int:
    from d2lbook.commands.build import FORMATS, build
    from d2lbook.commands.site import build_site, refresh_site
    from d2lbook.layout import BookLayout

    if args.format == "lib":
        return cmd_lib(args)
    if args.format == "linkcheck":
        return cmd_linkcheck(args)
    if args.check:
        print("error: --check goes with `build lib`", file=sys.stderr)
        return 2
    cfg = _with_execution_options(_config(args), args)
    formats = FORMATS if args.format in ("all", "site") else (args.format,)
    if args.framework:
        keys = [fw.key for fw in cfg.frameworks if fw.key]
        if args.format not in ("pdf", "notebooks", "all"):
            print("error: --framework goes with `build pdf`, `build notebooks` or `build all` "
                  "(the website shows every framework)", file=sys.stderr)
            return 2
        if args.framework not in keys:
            print(f"error: --framework {args.framework}: not a framework of the book "
                  f"({', '.join(keys) or 'it has none'})", file=sys.stderr)
            return 2
        formats = tuple(f for f in formats if f != "html")
    langs = cfg.select(args.lang)
    whole_site = args.format == "site" or (args.format == "all" and langs == cfg.languages
                                           and not args.framework)
    reporter, started = Reporter(), time.time()
    try:
        if whole_site:
            built = build_site(cfg, formats, args.jobs, reporter, langs)
            result, site = built.build, built.site
        else:
            result = build(cfg, langs, formats, args.jobs, reporter, args.framework)
            # The preview follows the editions just built (not one framework's build: its
            # website holds only that framework's code).
            site = None if args.framework else refresh_site(cfg)
    except D2lbookError as err:
        from d2lbook.commands.failure import failure_summary

        print(f"error: {err}", file=sys.stderr)
        summary = failure_summary(cfg, langs, formats, reporter.failed, reporter.executed, True,
                                  started)
        print("\n".join(summary.lines()), file=sys.stderr)
        return err.exit_code
    for e in result.editions:
        # A translated edition's warnings often name the English page (code and structure
        # come from it): say which edition they are from.
        edition = "" if e.lang == cfg.source_language.code else f" ({e.lang} edition)"
        for problem in e.problems:
            print(f"warning: {problem}{edition}", file=sys.stderr)
        for warning in e.warnings:
            print(f"warning: {warning}{edition}", file=sys.stderr)
        paths = [e.html, *(e.pdfs.values() or [e.pdf]), *(e.zips.values() or [e.notebooks])]
        outputs = ", ".join(str(p.relative_to(cfg.root)) for p in paths if p)
        if e.decks:
            outputs += f"{', ' if outputs else ''}{len(e.decks)} slide deck(s) in " \
                       f"{BookLayout(cfg).slides(cfg.language(e.lang)).relative_to(cfg.root)}"
        unexecuted = (f", {e.unexecuted} with code shown without outputs (not executed)"
                      if e.unexecuted else "")
        fresh = f" ({', '.join(e.skipped)} up to date)" if e.skipped else ""
        print(f"{e.lang}: {e.pages} pages: {e.executed} executed, {e.cached} from the cache, "
              f"{e.without_code} without code{unexecuted} -> {outputs}{fresh}")
    if result.up_to_date:
        print("nothing changed since the last build: its outputs are up to date"
              + (" (the warnings above are the ones it reported)"
                 if result.warning_count else ""))
    warnings = result.warning_count
    if site is not None and whole_site:
        warnings += _report_site(cfg, site)
    elif site is not None:  # a preview: downloads not asked for are not a mistake
        later = f"; {len(site.missing)} download(s) not built yet" if site.missing else ""
        print(f"site: {site.root} refreshed{later}")
    print(f"executed {result.executed} notebook(s); {warnings} warning(s)")
    if args.strict and warnings:
        print("error: warnings are errors in --strict mode", file=sys.stderr)
        return 1
    return 0


def _report_site(cfg: BookConfig, site: Site) -> int:
    for missing in site.missing:
        print(f"warning: the site links to {missing}, which was not built", file=sys.stderr)
    where = site.root.relative_to(cfg.root) if site.root.is_relative_to(cfg.root) else site.root
    print(f"site: {where} ({site.files} files, "
          f"{site.bytes / 2**20:.1f} MiB)")
    return len(site.missing)


def cmd_linkcheck(args: argparse.Namespace) -> int:
    from d2lbook.commands.linkcheck import linkcheck

    cfg = _with_execution_options(_config(args), args)
    editions = linkcheck(cfg, cfg.select(args.lang), args.jobs, Reporter())
    for edition in editions:
        for link in edition.broken:
            print(f"broken: {link} ({edition.lang} edition)", file=sys.stderr)
        assert edition.report is not None  # linkcheck names every edition's report
        print(f"{edition.lang}: {len(edition.links)} link(s) checked, {len(edition.broken)} "
              f"broken -> {edition.report.relative_to(cfg.root)}")
    return 1 if any(e.broken for e in editions) else 0


def cmd_new(args: argparse.Namespace) -> int:
    from d2lbook.commands.new_book import new_book

    book = new_book(Path(args.dir))
    print(f"wrote {len(book.files)} files into {book.root}")
    print(f"next: cd {book.root} && d2lbook build html --lang all && d2lbook serve")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from d2lbook.commands.clean import clean

    cfg = _config(args)
    result = clean(cfg, everything=args.all)
    print(f"removed {len(result.removed)} item(s), {result.bytes / 2**20:.1f} MiB")
    for kept in result.kept:
        print(f"kept {kept.relative_to(cfg.root)} (clean --all removes it too)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from d2lbook.commands.publish import publish

    cfg = _config(args)
    for done in publish(cfg, args.message or ""):
        state = (f"commit {done.commit[:12]}" if done.commit
                 else "copied" if done.changed else "unchanged, nothing pushed")
        print(f"{done.what}: {done.files} file(s) -> {done.target} ({state})")
    return 0


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("d2lbook")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Version(argparse.Action):
    """``--version``, the installed version looked up only when asked (a fifth of a second:
    it scans every installed distribution)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"d2lbook {version()}")
        parser.exit()


def cmd_serve(args: argparse.Namespace) -> int:
    from d2lbook.commands.site import serve

    cfg = _config(args)
    formats = ("html", "notebooks", "pdf") if args.pdf else ("html", "notebooks")
    rebuilds = serve(cfg, args.host, args.port, formats, args.jobs,
                     report=lambda event: print(event.message, file=sys.stderr, flush=True),
                     build_first=not args.no_build)
    print(f"stopped after {rebuilds} rebuild(s)")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from d2lbook.commands.build import execution_cache

    cfg = _config(args)
    cache = execution_cache(cfg)
    if args.action == "clear":
        from d2lbook.commands.last_build import LastBuild

        LastBuild(cfg).forget()  # the next build executes again, though nothing changed
        print(f"removed {cache.clear()} cached execution(s) from {cache.root}")
        return 0
    entries = cache.entries()
    for e in entries:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created))
        print(f"{e.key[:12]}  {created}  {e.seconds:7.1f}s  {e.size / 1024:8.1f} KiB  {e.page}")
    print(f"{len(entries)} cached execution(s) in {cache.root}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from d2lbook.commands.import_book import import_book, summary

    result = import_book(args.src, args.dest, force=args.force)
    print("\n".join(summary(result)), flush=True)
    for warning in result.report.sorted_warnings():
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{result.warnings} warning(s)")
    return 1 if args.strict and result.warnings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="d2lbook", description=__doc__.split(".")[0])
    parser.add_argument("--root", help="the book's folder (default: found from the cwd)")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build editions: html, pdf, notebooks, slides or all")
    p.add_argument("format", choices=["html", "pdf", "notebooks", "slides", "site", "all", "lib",
                                       "linkcheck"],
                   nargs="?", default="all", help="site: every format, then _build/site/ (all "
                   "does that too when every language is built); lib: the #@save library; "
                   "linkcheck: check the pages' external links (exit 1 if one is broken)")
    p.add_argument("--check", action="store_true",
                   help="with lib: write nothing; exit 1 if the committed library differs, a "
                   "framework's module does not import in its kernel, or it lost a name a page "
                   "uses")
    p.add_argument("--lang", default="all", help="a language code, or all (default)")
    p.add_argument("--framework", metavar="KEY", default="",
                   help="pdf, notebooks, all: only this framework's (all: without the website)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="notebooks executed in parallel (default: CPU cores)")
    p.add_argument("--strict", action="store_true", help="exit 1 if there is any warning")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="execute on this Dask scheduler's workers (docs/execution.md)")
    p.add_argument("--no-execute", action="store_true",
                   help="run no code: cached outputs where they exist, none elsewhere")
    p.add_argument("--fail-fast", action="store_true",
                   help="stop at the first failing notebook (default: run the others, "
                   "report every failure at the end)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="preview _build/site/ locally; rebuild on changes")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--pdf", action="store_true",
                   help="also rebuild the PDFs (slower; by default the last built ones are served)")
    p.add_argument("--no-build", action="store_true", help="serve the site as it is first")
    p.add_argument("--jobs", "-j", type=int, default=None)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("new", help="start a new book (bilingual, two frameworks) in DIR")
    p.add_argument("dir", help="a folder that does not exist yet, or is empty")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("clean", help="remove _build/, keeping the execution cache")
    p.add_argument("--all", action="store_true", help="remove the execution cache too")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("publish", help="push the built site and notebooks where "
                       "[tool.d2lbook.publish] says (a git branch or a folder)")
    p.add_argument("--message", "-m", help="the commit message (default: says what and from "
                   "which commit)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("cache", help="list or clear cached executions")
    p.add_argument("action", choices=["list", "clear"])
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser("import", help="import a book written in the old d2lbook dialect")
    p.add_argument("src", help="the old book's folder (with config.ini)")
    p.add_argument("dest", help="where to write the book in this layout")
    p.add_argument("--strict", action="store_true", help="exit 1 if there is any warning")
    p.add_argument("--force", action="store_true", help="import into a folder that is not "
                   "empty, overwriting the files the import writes (listed in the report)")
    p.set_defaults(func=cmd_import)

    from d2lbook.cli_i18n import register

    register(sub)
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    # A build makes millions of small objects (doctrees, notebooks, Sphinx's environment)
    # that mostly live until it ends: collecting the youngest generation after 50,000
    # allocations rather than 700 takes about a tenth off an edit and a third off a cold
    # build of 190 pages, for a sixth more peak memory (docs/benchmarks.md).
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, *threshold[1:])
    try:
        return func(args)
    except D2lbookError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # a folder it writes into is read-only or full
        from d2lbook.errors import WRITE_ERRNOS, NotWritable

        if err.errno not in WRITE_ERRNOS or not err.filename:
            raise
        located = NotWritable(err)
        print(f"error: {located}", file=sys.stderr)
        return located.exit_code
    finally:
        gc.set_threshold(*threshold)


def run() -> int:
    """The ``d2lbook`` command: :func:`main`, then what it leaves is frozen, so that the
    interpreter's last collection does not walk it on the way out (most of a second after a
    build; the process ends right after, and exit handlers still run)."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
