"""``d2lbook i18n ...`` subcommands (registered by ``cli.main``)."""

from __future__ import annotations

import argparse
import sys

from d2lbook.config import load_config
from d2lbook.i18n.status_format import FAIL_ON
from d2lbook.layout import BookLayout, catalog_file_name


def cmd_extract(args: argparse.Namespace) -> int:
    from d2lbook.commands.i18n import extract

    layout = BookLayout(load_config(args.root))
    paths = extract(layout)
    print(f"wrote {len(paths)} template(s) under {layout.templates}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from d2lbook.commands.i18n import translated_languages, update

    cfg = load_config(args.root)
    layout = BookLayout(cfg)
    for lang in translated_languages(cfg, args.lang):
        report = update(layout, lang)
        if report.note:
            print(f"note: {report.note}", file=sys.stderr)
        for old, new in report.moved.items():
            print(f"moved     {catalog_file_name(old)} -> {catalog_file_name(new)} "
                  "(git: the page was renamed)")
        for r in report.results:
            if r.status == "unchanged" and not args.verbose:
                continue
            extra = f" (+{r.new} new, {r.fuzzy} fuzzy, {r.obsolete} obsolete)" \
                if r.status == "updated" else ""
            if r.carried:
                extra += f", {r.carried} translation(s) carried from other catalogs"
            if r.suggested:
                extra += (f", {r.suggested} fuzzy suggestion(s) from the translation memory"
                          " (check them and remove `fuzzy`)")
            rec = report.recovered.get(r.page)
            extra += f", {rec} rewritten paragraph(s) matched through git history" if rec else ""
            print(f"{r.status:9} {r.path.relative_to(cfg.root)}{extra}")
        for page in report.replaced:
            print(f"replaced  {page}: translated as a whole file in "
                  f"{layout.relative(layout.overlay_page(lang, page))} (no catalog)")
        changed = sum(r.status in ("created", "updated") for r in report.results)
        print(f"{lang.code}: {changed} catalog(s) written, "
              f"{len(report.results) - changed} unchanged or orphaned")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from d2lbook.commands.i18n import coverage, translated_languages
    from d2lbook.errors import I18nError

    cfg = load_config(args.root)
    layout = BookLayout(cfg)
    failed: list[I18nError] = []
    for lang in translated_languages(cfg, args.lang):
        print(f"{lang.code} ({lang.locale})   translated / fuzzy / untranslated  (words)")
        total = None
        try:
            rows = coverage(layout, lang)
        except I18nError as err:
            rows = err.rows  # type: ignore[attr-defined]  # set by commands.i18n.coverage
            failed.append(err)
        for page, s in rows:
            total = s if total is None else total + s
            print(f"  {page:50} {s.translated:4} / {s.fuzzy:3} / {s.untranslated:3}   "
                  f"({s.translated_words}/{s.fuzzy_words}/{s.untranslated_words})"
                  + (f"   {s.rejected} rejected by the build (see i18n status)"
                     if s.rejected else ""))
        if total is not None:
            print(f"  {'total':50} {total.translated:4} / {total.fuzzy:3} / "
                  f"{total.untranslated:3}   {total.percent:.0f}% of messages translated"
                  + (f"; code comments: {total.comments_translated} / {total.comments} "
                     "translated" if total.comments else "")
                  + (f"; {total.rejected} rejected" if total.rejected else ""))
    for err in failed:
        print(f"error: {err}\n(counted as untranslated above: the catalog cannot be read)",
              file=sys.stderr)
    return err.exit_code if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    from d2lbook.commands.i18n import status, translated_languages
    from d2lbook.i18n.status_format import exit_code, render

    cfg = load_config(args.root)
    layout = BookLayout(cfg)
    code = 0
    for lang in translated_languages(cfg, args.lang):
        report = status(layout, lang, args.paths or None)
        color = args.format == "text" and sys.stdout.isatty()
        sys.stdout.write(render(report, args.format, color=color))
        code = max(code, exit_code(report, args.fail_on))
    return code


def cmd_import(args: argparse.Namespace) -> int:
    from d2lbook.commands.fork_import import import_fork
    from d2lbook.i18n.fork.report import render_json, render_text

    result = import_fork(args.fork_dir, args.lang, root=args.root,
                         english_history=args.english_history, write=not args.dry_run,
                         progress=lambda line: print(line, file=sys.stderr, flush=True))
    sys.stdout.write(render_json(result) if args.format == "json" else render_text(result))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    i18n = sub.add_parser("i18n", help="translation catalogs: extract, update, stats, status, "
                          "import")
    verbs = i18n.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("extract", help="write .pot templates under _build/gettext")
    p.set_defaults(func=cmd_extract)

    p = verbs.add_parser("update", help="create or update locale/<locale>/LC_MESSAGES/*.po")
    p.add_argument("--lang", default="all")
    p.add_argument("--verbose", "-v", action="store_true", help="list unchanged catalogs too")
    p.set_defaults(func=cmd_update)

    p = verbs.add_parser("stats", help="translated / fuzzy / untranslated per page")
    p.add_argument("--lang", default="all")
    p.set_defaults(func=cmd_stats)

    p = verbs.add_parser("status", help="which translated sections are out of date, and why")
    p.add_argument("--lang", default="all")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    p.add_argument("--fail-on", choices=FAIL_ON, default="none")
    p.add_argument("paths", nargs="*", help="limit to these pages or folders")
    p.set_defaults(func=cmd_status)

    p = verbs.add_parser("import", help="turn a translated fork of the book into catalogs")
    p.add_argument("fork_dir", metavar="FORK_DIR", help="the translated copy of the book")
    p.add_argument("--lang", required=True, help="the fork's language code (zh)")
    p.add_argument("--english-history", metavar="GIT_DIR",
                   help="git repository holding the English history (default: the book's)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.set_defaults(func=cmd_import)
