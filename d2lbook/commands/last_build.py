"""A build asked again with nothing changed returns the last build's result at once.

Before it prepares anything, a build hashes everything it reads:

- every file under the sources folder (every language's pages, overlays and assets) and the
  catalogs folder (compiled ``.mo`` files aside), and ``pyproject.toml``;
- the configuration as loaded, command-line overrides included (``--no-execute``, ...);
- the checked-out commit: the marks on outdated translations come from the history;
- d2lbook's own code and templates;
- the installed distributions of this interpreter and of every kernel's (listed through
  ``execute.environment``'s memo, so a no-op starts no interpreter);
- what was asked: the editions, the formats, whether the site is assembled;
- the environment variables that reach the outputs (``SOURCE_DATE_EPOCH`` and the others of
  ``execute.environment.OUTPUT_VARIABLES``).

When the digest equals the one stored by the last successful build, and the outputs that
build listed (every file of each edition's HTML folder, its PDFs and notebook zips; every
file of the site; the execution cache's folder, which is gone after ``rm -rf _build/cache``)
still have the size and time they had then, the stored result is returned:
no edition is prepared, no notebook looked up, no Sphinx or LaTeX started. The result says so
(``BuildResult.up_to_date``); its warnings are the ones that build reported.

The last build of each request (what was asked: editions, formats, site) is remembered, up to
``KEPT`` requests (``_build/last-build.pickle``): ``build html`` right after ``build all`` is
as quick as ``build all`` again. A build that does any work forgets its own request's entry
before it starts, so that a build that fails or is killed leaves nothing to be taken for
fresh; outputs another build (other editions, other formats) has rewritten since no longer
have the size and time an entry stored, so they are never taken for that entry's.
``d2lbook cache clear`` forgets every entry, so that the next build executes the notebooks
again. Every finer case (one page edited) is the per-step stamps' (``render.uptodate``), the
per-page memo's (``memo``) and Sphinx's own incremental build.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

from d2lbook.config import BookConfig, Language
from d2lbook.jsondata import JSONDict
from d2lbook.layout import BookLayout
from d2lbook.render.uptodate import code_digest, files_digest, signature

LAST_BUILD_FORMAT = 2
KEPT = 8
"""Requests remembered (the most recent ones)."""

T = TypeVar("T")


def remembered(cfg: BookConfig, what: str, langs: Iterable[Language], formats: Iterable[str],
               work: Callable[[], T], outputs: Callable[[T], Iterable[Path]]) -> tuple[T, bool]:
    """``work()``'s result, or the last build's when the inputs are unchanged (then True):
    the round trip ``commands.build`` and ``commands.site`` share."""
    langs, formats = tuple(langs), tuple(formats)
    layout = BookLayout(cfg)
    last = LastBuild(layout)
    request = json.dumps([what, [lang.code for lang in langs], list(formats)])
    digest = inputs_digest(layout, what, langs, formats)
    stored = last.result(digest, request)
    if stored is not None:
        return cast(T, stored), True  # what work() made, stored by record
    last.forget(request)
    result = work()
    last.record(digest, result, outputs(result), request)
    return result, False


def inputs_digest(book: BookConfig | BookLayout, what: str, langs: Iterable[Language],
                  formats: Iterable[str]) -> str:
    """The digest of everything a build of ``langs`` in ``formats`` reads (``what``: ``build``
    or ``site``)."""
    import sys

    from d2lbook.execute.environment import fingerprint, interpreter_packages, output_variables

    layout = BookLayout.of(book)
    cfg = layout.cfg
    memo = layout.environments_memo
    kernels = sorted({fw.kernel for fw in cfg.frameworks if fw.kernel} | {cfg.execution.kernel})
    asked = json.dumps([LAST_BUILD_FORMAT, what, [lang.code for lang in langs], list(formats)])
    config = cfg.root / "pyproject.toml"
    parts = [
        asked,
        repr(cfg),
        output_variables(),
        hashlib.sha256(config.read_bytes() if config.is_file() else b"").hexdigest(),
        files_digest(layout.sources),
        files_digest(layout.locale, ignore=lambda rel: rel.suffix == ".mo"),
        _checked_out(cfg.root),
        code_digest(),
        json.dumps(interpreter_packages(sys.executable, memo)),
        *(f"{kernel}={fingerprint(kernel, memo)}" for kernel in kernels),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _checked_out(root: Path) -> str:
    from d2lbook.vcs import GitError, Repository

    try:
        return Repository(root).head().sha or "no commit"
    except GitError:
        return "no repository"


class LastBuild:
    """The last successful build of each request: its inputs' digest, its result and the
    outputs it made. The file: a JSON line (request -> digest and outputs), then the pickled
    results (request -> result)."""

    def __init__(self, book: BookConfig | BookLayout):
        layout = BookLayout.of(book)
        self.path = layout.last_build
        self.execution_cache = layout.execution_cache

    def _load(self) -> tuple[dict[str, JSONDict], dict[str, object]]:
        """(request -> header entry, request -> result); empty when missing, damaged or from
        another d2lbook."""
        try:
            with open(self.path, "rb") as f:
                header = json.loads(f.readline())
                if header.get("format") != LAST_BUILD_FORMAT:
                    return {}, {}
                entries = dict(header["entries"])
                return entries, dict(pickle.load(f))
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError,
                AttributeError, ImportError):
            return {}, {}

    def result(self, digest: str, request: str = "") -> object | None:
        """The stored result when ``digest`` is the one stored for ``request`` and its outputs
        are intact."""
        try:
            with open(self.path, "rb") as f:
                header = json.loads(f.readline())
                entry = header.get("entries", {}).get(request) \
                    if header.get("format") == LAST_BUILD_FORMAT else None
                if not entry or entry.get("digest") != digest:
                    return None
                if any(signature(Path(path)) != list(stored)
                       for path, stored in entry["outputs"]):
                    return None
                return cast(object, pickle.load(f)[request])  # checked by the caller
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError,
                AttributeError, ImportError):
            return None  # missing, damaged or from another d2lbook: the build does its work

    def forget(self, request: str | None = None) -> None:
        """Before a build works, its request's entry (a failed or killed build leaves nothing
        to be taken for fresh); every entry when ``request`` is None."""
        if request is not None:
            entries, results = self._load()
            if entries.pop(request, None) is not None and entries:
                results.pop(request, None)
                if self._write(entries, results):
                    return
            elif entries:
                return
        self.path.unlink(missing_ok=True)

    def record(self, digest: str, result: object, outputs: Iterable[Path | None],
               request: str = "") -> None:
        from d2lbook.render.uptodate import every_file

        # every file of an output folder (a page or image removed by hand is made again);
        # the execution cache's folder alone (``d2lbook cache clear`` removes it)
        made = every_file(*(p for p in outputs if p is not None))
        entries, results = self._load()
        entries.pop(request, None)
        results.pop(request, None)
        entries[request] = {"digest": digest, "outputs": [[str(p), signature(p)] for p in
                                                          [*made, self.execution_cache]]}
        results[request] = result
        for old in list(entries)[:-KEPT]:
            entries.pop(old)
            results.pop(old, None)
        if not self._write(entries, results):
            # The memo is an optimisation: a build that succeeded does not fail for it (a
            # full disk); the next build does its work.
            self.path.unlink(missing_ok=True)

    def _write(self, entries: dict[str, JSONDict], results: dict[str, object]) -> bool:
        from d2lbook.files import write_atomic

        header = {"format": LAST_BUILD_FORMAT, "entries": entries}
        try:
            data = json.dumps(header).encode() + b"\n" + pickle.dumps(results)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data)
            return True
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return False
