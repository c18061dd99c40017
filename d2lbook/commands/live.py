"""The live part of ``d2lbook serve``: every served page carries a small script that asks the
preview, a few times a second, for the state of the last build (``/_d2lbook/state``). When a
rebuild has been swapped in, the page reloads itself; while the last rebuild failed, the page
is covered by that failure's message (the site underneath is the last good one); the build's
warnings about the page are shown on it.

Nothing of this is in the built site: the script is added to HTML responses by the preview
server only.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from d2lbook.commands.build import EditionResult

from d2lbook.layout import CATALOG_FOLDER, CATALOG_SUFFIX, PAGE_SUFFIX

STATE_PATH = "/_d2lbook/state"

SCRIPT = """<script id="d2lbook-live">
(function () {
  "use strict";
  var seen = null;
  function box(id, css) {
    var el = document.getElementById(id);
    if (!el) {
      el = document.createElement("div");
      el.id = id;
      el.style.cssText = css;
      document.body.appendChild(el);
    }
    return el;
  }
  function show(state) {
    var failed = document.getElementById("d2lbook-live-error");
    if (state.status === "failed") {
      var el = box("d2lbook-live-error", "position:fixed;inset:0;z-index:10000;overflow:auto;" +
        "background:#fff;color:#900;padding:2em;font:14px/1.5 monospace;white-space:pre-wrap");
      el.textContent = "The last rebuild failed (fix the source; this page reloads by " +
        "itself):\\n\\n" + state.error;
    } else if (failed) {
      failed.remove();
    }
    var warned = document.getElementById("d2lbook-live-warnings");
    if (state.warnings && state.warnings.length) {
      var w = box("d2lbook-live-warnings", "position:fixed;right:1em;bottom:1em;z-index:9999;" +
        "max-width:40em;max-height:40vh;overflow:auto;background:#fff8e1;color:#5d4000;" +
        "border:1px solid #e0b000;padding:.6em 1em;font:13px/1.4 monospace;" +
        "white-space:pre-wrap");
      w.textContent = state.warnings.length + " warning(s) on this page:\\n" +
        state.warnings.join("\\n");
    } else if (warned) {
      warned.remove();
    }
  }
  function poll() {
    fetch("STATE_PATH?page=" + encodeURIComponent(location.pathname), {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (seen === null) seen = state.id;
        if (state.id !== seen && state.id && state.status === "ok") {
          location.reload();
          return;
        }
        show(state);
        setTimeout(poll, 100);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", poll);
  } else {
    poll();
  }
})();
</script>
""".replace("STATE_PATH", STATE_PATH)

_LOCATION = re.compile(rf"^(?:source/[^/]+/(?P<page>[^:]+?){re.escape(PAGE_SUFFIX)}|"
                       rf"[^:]*?/{CATALOG_FOLDER}/(?P<catalog>[^:]+?){re.escape(CATALOG_SUFFIX)})"
                       r"(?::\d+)?:|^(?P<docname>[\w/.-]+): ")
"""``source/<code>/<page>.md:<line>:``, ``locale/…/LC_MESSAGES/<page>.po:<line>:`` or, for the
notebooks' warnings, ``<page>: ``."""


@dataclass
class LiveState:
    """What the pages ask for: whether the last rebuild failed and why, and the warnings per
    served page path (``/en/page.html``); each page's version is read from the site."""

    status: str = "ok"
    error: str = ""
    warnings: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def served(self, editions: list[EditionResult], reload: bool = True) -> None:
        """A build was swapped in: ``editions`` are its ``EditionResult``s (their warnings
        replace those of the same editions); ``reload``: its pages were built (not only
        the downloads bundled), so a failure shown before is over."""
        with self.lock:
            for e in editions:
                prefix = f"/{e.lang}/"
                self.warnings = {k: v for k, v in self.warnings.items()
                                 if not k.startswith(prefix)}
                for warning in [*map(str, e.problems), *e.warnings]:
                    page = page_of(warning)
                    if page:
                        self.warnings.setdefault(f"{prefix}{page}.html", []).append(warning)
            if reload:
                self.status, self.error = "ok", ""

    def failed(self, error: str) -> None:
        with self.lock:
            self.status, self.error = "failed", error

    def answer(self, page: str, site: Path) -> bytes:
        """The state for the page at URL path ``page`` of the site served from ``site``. Its
        id is the page file's own (modification time, size): a site is swapped in whole,
        and a page file is copied with its time only when Sphinx wrote it again, else
        linked from the site before, so an open page reloads as soon as a new version of it
        is served, and only then."""
        if page.endswith("/"):
            page += "index.html"
        path = (site / page.lstrip("/")).resolve()
        try:
            st = path.stat() if path.is_relative_to(site.resolve()) else None
        except OSError:
            st = None
        version = f"{st.st_mtime_ns}-{st.st_size}" if st else ""
        with self.lock:
            return json.dumps({"id": version, "status": self.status, "error": self.error,
                               "warnings": self.warnings.get(page, [])},
                              ensure_ascii=False).encode("utf-8")


def page_of(warning: str) -> str:
    """The page a warning is about (``chapter/page``), from its location; empty if none."""
    m = _LOCATION.match(warning)
    return (m.group("page") or m.group("catalog") or m.group("docname")) if m else ""


def with_script(html: bytes) -> bytes:
    """The page with the live script before ``</body>`` (at the end if there is none)."""
    at = html.rfind(b"</body>")
    script = SCRIPT.encode("utf-8")
    return html[:at] + script + html[at:] if at >= 0 else html + script
