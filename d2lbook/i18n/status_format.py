"""Rendering a :class:`~d2lbook.i18n.status.StatusReport`: a compact tree for a terminal,
stable JSON (documented in docs/i18n-status.md) and Markdown for a pull-request comment; and
the exit code of ``--fail-on``. Functions return strings; the CLI prints them."""

from __future__ import annotations

import json

from .status import (
    DocumentStatus,
    MessageStatus,
    SectionStatus,
    Status,
    StatusReport,
    word_diff,
)

__all__ = ["FAIL_ON", "FORMATS", "exit_code", "render", "render_json", "render_markdown",
           "render_text"]

FORMATS = ("text", "json", "markdown")
FAIL_ON = (Status.REJECTED, Status.OUTDATED, Status.UNTRANSLATED, "none")

_RESET = "\033[0m"
_COLORS: dict[str, str] = {Status.CURRENT: "\033[32m", Status.OUTDATED: "\033[33m",
                          Status.UNTRANSLATED: "\033[31m", Status.REJECTED: "\033[35m",
                          "-": "\033[31m", "+": "\033[32m", "dim": "\033[2m", "bold": "\033[1m"}
_MARKS: dict[str, str] = {Status.CURRENT: "✓", Status.OUTDATED: "!",
                         Status.UNTRANSLATED: "·", Status.REJECTED: "✗"}


def render(report: StatusReport, fmt: str = "text", color: bool = False) -> str:
    """The report in ``fmt`` (``text``, ``json`` or ``markdown``)."""
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "text":
        return render_text(report, color=color)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def exit_code(report: StatusReport, fail_on: str = "none") -> int:
    """``--fail-on``: 1 when a translation is ``rejected`` by the build (any ``--fail-on``
    but ``none``), when something is ``outdated`` (for ``outdated`` and ``untranslated``) or
    untranslated (for ``untranslated``), else 0; 2 when a page could not be analysed (unknown
    sync commit, unreadable catalog) unless ``fail_on`` is ``none``. Raised errors are the
    CLI's to map (also 2)."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"unknown --fail-on {fail_on!r}; choose one of {', '.join(FAIL_ON)}")
    if fail_on == "none":
        return 0
    if report.errors:
        return 2
    totals = report.totals
    if totals[Status.REJECTED]:
        return 1
    if fail_on == Status.REJECTED:
        return 0
    if totals[Status.OUTDATED]:
        return 1
    if fail_on == Status.UNTRANSLATED and totals[Status.UNTRANSLATED]:
        return 1
    return 0


def render_json(report: StatusReport) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"


# ----------------------------------------------------------------------------------------------
# Text.


class _Paint:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, key: str, text: str) -> str:
        return f"{_COLORS[key]}{text}{_RESET}" if self.color and text else text

    def diff(self, old: str, new: str) -> str:
        parts = []
        for op, text in word_diff(old, new):
            if op == "=":
                parts.append(text)
            elif self.color:
                parts.append(self(op, text))
            else:
                parts.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
        return "".join(parts)


def _short(sha: str) -> str:
    return sha if sha == "WORKTREE" else sha[:10]


def _counts_text(counts: dict[str, int], paint: _Paint) -> str:
    parts = [paint(k, f"{counts[k]} {k}")
             for k in (Status.REJECTED, Status.OUTDATED, Status.UNTRANSLATED) if counts[k]]
    return ", ".join(parts) or paint(Status.CURRENT, Status.CURRENT)


def _clip(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: StatusReport, color: bool = False, show_current: bool = False) -> str:
    """A compact tree: one line per page, the sections that are not current under it, and
    for each outdated message the commits and a word diff (``[-old-]{+new+}`` without
    colour)."""
    paint = _Paint(color)
    lines = [_headline(report, paint)]
    lines += [f"warning: {w}" for w in report.warnings]
    for doc in report.documents:
        if doc.status == Status.CURRENT and not doc.error and not show_current:
            continue
        lines += _document_text(doc, paint)
    for orphan in report.orphaned:
        by = orphan.deleted_by
        when = f", deleted by {_short(by.sha)} {by.subject!r}" if by else ""
        lines.append(f"{paint(Status.OUTDATED, 'orphaned')} {orphan.catalog} "
                     f"(English page {orphan.source} is gone{when})")
    return "\n".join(lines) + "\n"


def _headline(report: StatusReport, paint: _Paint) -> str:
    head = report.head
    where = "no commits"
    if head.get("sha"):
        where = f"{head['sha'][:10]} {head['branch'] or '(detached HEAD)'}"
    if head.get("dirty"):
        where += " + uncommitted English edits"
    t = report.totals
    summary = ", ".join(paint(k, f"{t[k]} {k}") for k in Status)
    return (f"{paint('bold', report.language)} ({report.locale}) at {where}: "
            f"{_plural(t['documents'], 'page')}, {_plural(t['messages'], 'message')}: {summary}")


def _document_text(doc: DocumentStatus, paint: _Paint) -> list[str]:
    mark = paint(doc.status, _MARKS[doc.status])
    via = doc.catalog or "no translation"
    moved = f" (moved from {doc.renamed_from})" if doc.renamed_from else ""
    lines = [f"{mark} {doc.source}{moved}  [{_counts_text(doc.counts, paint)}]  ← {via}"]
    if doc.error:
        lines.append(f"    {paint(Status.UNTRANSLATED, 'error:')} {doc.error}")
    for section in doc.sections:
        if section.status == Status.CURRENT:
            continue
        lines += _section_text(section, paint)
    return lines


def _section_text(section: SectionStatus, paint: _Paint) -> list[str]:
    mark = paint(section.status, _MARKS[section.status])
    title = section.label or "(before the first heading)"
    lines = [f"  {mark} {title}  [{_counts_text(section.counts, paint)}]"]
    for msg in section.messages:
        if msg.status == Status.OUTDATED:
            lines += _message_text(msg, paint)
        elif msg.status == Status.REJECTED:
            lines += _rejected_text(msg, paint)
    return lines


def _rejected_text(msg: MessageStatus, paint: _Paint) -> list[str]:
    return [f"      {paint(Status.REJECTED, 'rejected')} (line {msg.line}): "
            f"{_clip(msg.english)}",
            f"        msgstr line {msg.msgstr_line}: {msg.reason}"]


def _message_text(msg: MessageStatus, paint: _Paint) -> list[str]:
    where = f"line {msg.line}" if msg.line else "deleted"
    lines = [f"      {paint(Status.OUTDATED, msg.reason or Status.OUTDATED)} ({where}): "
             f"{_clip(msg.english or msg.previous_english or '')}"]
    if msg.previous_english is not None and msg.english:
        lines.append(f"        diff: {paint.diff(msg.previous_english, msg.english)}")
    for c in msg.commits:
        if c.date is None:
            lines.append(paint("dim", f"        {c.sha} ({c.subject})"))
        else:
            lines.append(paint("dim", f"        {_short(c.sha)} {c.date[:10]} {c.author}: "
                                      f"{c.subject}"))
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ----------------------------------------------------------------------------------------------
# Markdown.


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_diff(old: str, new: str) -> str:
    """``~~removed~~ **added**``, the markers hugging the words (GitHub ignores ``~~ x ~~``)."""
    parts = []
    previous = "="
    for op, text in word_diff(old, new):
        core = text.strip()
        if op == "=" or not core:
            parts.append(_md_escape(text) if op != "-" else "")
        else:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            mark = "~~" if op == "-" else "**"
            space = " " if previous == "-" and op == "+" and not lead else ""
            parts.append(f"{space}{lead}{mark}{_md_escape(core)}{mark}{trail}")
        previous = op
    return "".join(parts)


def render_markdown(report: StatusReport) -> str:
    """A pull-request comment: a summary table of the pages that need work and, folded, the
    outdated messages with their commits and diffs."""
    t = report.totals
    head = report.head.get("sha") or "no commits"
    lines = [f"### Translation status: {report.language} ({report.locale})", "",
             f"At `{head[:10]}`: **{t[Status.REJECTED]} rejected**, "
             f"**{t[Status.OUTDATED]} outdated**, **{t[Status.UNTRANSLATED]} "
             f"untranslated**, {t[Status.CURRENT]} current of "
             f"{_plural(t['messages'], 'message')} in "
             f"{_plural(t['documents'], 'page')}.", ""]
    lines += [f"> ⚠️ {w}" for w in report.warnings]
    todo = [d for d in report.documents if d.status != Status.CURRENT or d.error]
    if todo:
        lines += ["| Page | Translation | Rejected | Outdated | Untranslated | Current |",
                  "|---|---|---:|---:|---:|---:|"]
        for doc in todo:
            c = doc.counts
            error = " ⚠️ " + _md_escape(doc.error) if doc.error else ""
            lines.append(f"| `{doc.source}`{error} | `{doc.catalog or '—'}` "
                         f"| {c[Status.REJECTED]} | {c[Status.OUTDATED]} "
                         f"| {c[Status.UNTRANSLATED]} | {c[Status.CURRENT]} |")
        lines.append("")
    for doc in todo:
        details = _md_document(doc)
        if details:
            lines += [f"<details><summary><code>{doc.source}</code>: {doc.counts[Status.OUTDATED]} "
                      "outdated</summary>", "", *details, "</details>", ""]
    if report.orphaned:
        lines.append("**Orphaned translations** (their English page is gone):")
        lines += [f"- `{o.catalog}` (was `{o.source}`)" for o in report.orphaned]
        lines.append("")
    if not todo and not report.orphaned:
        lines.append("Everything is translated and up to date. ✅")
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_document(doc: DocumentStatus) -> list[str]:
    lines: list[str] = []
    for section in doc.sections:
        outdated = [m for m in section.messages if m.status == Status.OUTDATED]
        if not outdated:
            continue
        lines += [f"**{_md_escape(section.label) or '(top)'}**", ""]
        for msg in outdated:
            where = f"line {msg.line}" if msg.line else "deleted"
            if msg.previous_english is not None and msg.english:
                text = _md_diff(msg.previous_english, msg.english)
            else:
                text = _md_escape(msg.english or f"~~{msg.previous_english}~~")
            commits = ", ".join(f"`{_short(c.sha)}` {_md_escape(c.subject)}"
                                for c in msg.commits)
            lines.append(f"- {msg.reason} ({where}): {text}" + (f" — {commits}" if commits
                                                                   else ""))
        lines.append("")
    return lines
