"""No translation can run script: the real book built with poisoned Chinese catalogs (many
messages carry a payload that would set ``window.__pwned`` or open a dialog), every page of
both editions loaded in Debian's Chromium. The build reports each poisoned message, ``--strict``
fails, the payloads reach no built file, and no page sets the sentinel or opens a dialog."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_book
from tests.helpers import static_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow

SENTINEL = "__pwned"
RUN = "window.__pwned=1;alert(1)"

PAYLOADS = [
    # The hole of issue 9: an escaped backtick is not a code span.
    "{t} \\`<img src=x onerror=\"" + RUN + "\">\\`",
    "{t}<script>" + RUN + "</script>",
    "<details open ontoggle=\"" + RUN + "\">{t}</details>",
    "{t} <svg onload=\"" + RUN + "\"></svg>",
    "{t} *<img src=x onerror=\"" + RUN + "\">*",
    "{t} <iframe srcdoc=\"<script>parent.__pwned=1;parent.alert(1)</script>\"></iframe>",
    "{t} [点此](javascript:" + RUN + ")",
    "{t} <javascript:" + RUN + ">",
    "{t}\n```{eval-rst}\n.. raw:: html\n\n   <script>" + RUN + "</script>\n```",
    "{t}\n:::{raw} html\n<img src=x onerror=\"" + RUN + "\">\n:::",
    "{#x onclick=\"" + RUN + "\"}\n{t}",
    "{t} $\\href{javascript:" + RUN + "}{x}$",
    "[x]: javascript:" + RUN + "\n{t}[点此][x]",
    "{t}&lt;img src=x onerror=" + RUN + "&gt;",
    "{t} \\<img src=x onerror=\"" + RUN + "\">",
    "{t} ``a` <img src=x onerror=\"" + RUN + "\">",
]
# The text of a reference role (issue 19): Sphinx shows it as text, but the readers' notebooks
# turn the role into a Markdown link whose text is the role's.
ROLE_TEXTS = [
    "<img src=x onerror=\"" + RUN + "\"> ",
    "[点此](javascript:" + RUN + ") ",
]
REFERENCE = re.compile(r"\{(numref|ref)\}`([^`<>]+)`")


def poison(root: Path) -> dict[tuple[str, int], str]:
    """Give every other translated message of every Chinese catalog a payload (in turn); the
    poisoned (catalog, msgstr line) pairs, read back from the rewritten catalogs."""
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    poisoned: dict[tuple[str, int], str] = {}
    turn = roles = 0
    for po in sorted((root / "locale").rglob("*.po")):
        cat = read_catalog(po)
        chosen = []
        for n, entry in enumerate(e for e in cat.entries
                                  if e.msgid and e.msgstr and not e.obsolete and not e.fuzzy
                                  and e.msgctxt is None):  # prose: code comments stay code
            if n % 2 == 0:
                entry.msgstr = PAYLOADS[turn % len(PAYLOADS)].replace("{t}", entry.msgstr)
                chosen.append(entry.msgid)
                turn += 1
            elif REFERENCE.search(entry.msgstr):  # a title given to a reference role
                text = ROLE_TEXTS[roles % len(ROLE_TEXTS)]
                entry.msgstr = REFERENCE.sub(
                    lambda m, t=text: f"{{{m.group(1)}}}`{t}<{m.group(2)}>`", entry.msgstr, 1)
                chosen.append(entry.msgid)
                roles += 1
        write_catalog(cat, po)
        reread = read_catalog(po)
        for msgid in chosen:
            entry = reread.find(msgid)
            assert entry is not None and SENTINEL in entry.msgstr
            poisoned[(po.relative_to(root).as_posix(), entry.msgstr_line)] = msgid
    assert turn >= 2 * len(PAYLOADS) and roles >= 2 * len(ROLE_TEXTS)
    return poisoned


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import contextlib
    import io

    from d2lbook.cli import main

    root = copy_book(tmp_path_factory.mktemp("hostile") / "book")
    poisoned = poison(root)
    runs = {}
    for lang, extra in (("zh", ["--strict"]), ("en", [])):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(root), "build", "html", "--lang", lang, *extra])
        runs[lang] = (code, out.getvalue(), err.getvalue())
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(root), "build", "notebooks", "--lang", "zh"])
    runs["zh-notebooks"] = (code, out.getvalue(), err.getvalue())
    return {"root": root, "poisoned": poisoned, "runs": runs}


def test_build_reports_every_poisoned_message(hostile_book) -> None:
    code, out, err = hostile_book["runs"]["zh"]
    assert code == 1, out + err  # --strict
    assert "warnings are errors in --strict mode" in err
    reported = set()
    for line in err.splitlines():
        match = re.match(r"warning: (\S+\.po):(\d+): translation of .* \[(i18n-[a-z]+)\] "
                         r"\(zh edition\)$", line)
        if match and match.group(3) == "i18n-unsafe":
            file = Path(match.group(1))
            rel = file.relative_to(hostile_book["root"]) if file.is_absolute() else file
            reported.add((rel.as_posix(), int(match.group(2))))
    assert reported == set(hostile_book["poisoned"]), sorted(
        set(hostile_book["poisoned"]) ^ reported)
    en_code, en_out, en_err = hostile_book["runs"]["en"]
    assert en_code == 0, en_out + en_err


def html_dirs(root: Path) -> dict[str, Path]:
    dirs = {lang: root / "_build" / lang / "html" for lang in ("en", "zh")}
    for lang, d in dirs.items():
        assert (d / "index.html").is_file(), f"no {lang} HTML in {d}"
    return dirs


def test_no_payload_reaches_a_built_file(hostile_book) -> None:
    code, out, err = hostile_book["runs"]["zh-notebooks"]
    assert code == 0, out + err
    folders = html_dirs(hostile_book["root"])
    folders["zh notebooks"] = hostile_book["root"] / "_build" / "zh" / "notebooks"
    assert list(folders["zh notebooks"].rglob("*.ipynb"))
    for lang, folder in folders.items():
        files = [p for p in folder.rglob("*") if p.is_file()
                 and p.suffix in (".html", ".js", ".txt", ".ipynb", ".json")]
        assert len(files) > 10
        leaked = [p for p in files if SENTINEL in p.read_text(encoding="utf-8", errors="replace")]
        assert leaked == [], lang


@pytest.fixture(scope="module")
def server(hostile_book) -> Iterator[str]:
    with static_server(hostile_book["root"] / "_build") as url:
        yield f"{url}/"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_runs_a_payload(hostile_book, server: str, lang: str) -> None:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run ci/setup.sh (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    folder = html_dirs(hostile_book["root"])[lang]
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                   if "_static" not in p.parts)
    assert len(pages) >= 10
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--headless", *CHROMIUM_ARGS])
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"),
                                         d.dismiss()))
            chinese = 0
            for rel in pages:
                page.goto(f"{server}{lang}/html/{rel}")
                page.wait_for_load_state("load")
                if page.locator("span.math, div.math").count():
                    page.wait_for_function(
                        "document.querySelectorAll('mjx-container').length > 0",
                        timeout=30_000)
                page.wait_for_timeout(50)  # let onerror/ontoggle handlers fire if any exist
                state = page.evaluate(
                    """() => ({
                        pwned: window.__pwned,
                        framePwned: Array.from(window.frames).some(f => {
                            try { return f.__pwned !== undefined } catch (e) { return true } }),
                        jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
                        iframes: document.querySelectorAll('iframe').length,
                        html: document.documentElement.outerHTML.includes('__pwned'),
                        cjk: (document.body.innerText.match(/[\\u4e00-\\u9fff]/g) || []).length,
                    })""")
                assert state["pwned"] is None, rel
                assert not state["framePwned"] and state["iframes"] == 0, rel
                assert state["jsLinks"] == 0 and not state["html"], rel
                chinese += state["cjk"] > 50
            if lang == "zh":
                # The messages not poisoned are still shown translated.
                assert chinese >= len(pages) // 2, chinese
        finally:
            browser.close()
    assert dialogs == []
