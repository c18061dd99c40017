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

Only one build is remembered (``_build/last-build.pickle``), and a build that does any work
forgets it before it starts: outputs another build (other editions, other formats) has
rewritten since are never taken for this build's, and a build that fails or is killed leaves
nothing to be taken for fresh. ``d2lbook cache clear`` forgets it too, so that the next build
executes the notebooks again. Every finer case (one page edited) is the per-step stamps'
(``render.uptodate``) and Sphinx's own incremental build.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, cast

from d2lbook.config import BookConfig, Language
from d2lbook.layout import BookLayout
from d2lbook.render.uptodate import files_digest, signature

LAST_BUILD_FORMAT = 1

T = TypeVar("T")


def remembered(cfg: BookConfig, what: str, langs: Iterable[Language], formats: Iterable[str],
               work: Callable[[], T], outputs: Callable[[T], Iterable[Path]]) -> tuple[T, bool]:
    """``work()``'s result, or the last build's when the inputs are unchanged (then True):
    the round trip ``commands.build`` and ``commands.site`` share."""
    langs, formats = tuple(langs), tuple(formats)
    layout = BookLayout(cfg)
    last = LastBuild(layout)
    digest = inputs_digest(layout, what, langs, formats)
    stored = last.result(digest)
    if stored is not None:
        return cast(T, stored), True  # what work() made, stored by record
    last.forget()
    result = work()
    last.record(digest, result, outputs(result))
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
        files_digest(Path(__file__).resolve().parent.parent,
                     ignore=lambda rel: "__pycache__" in rel.parts),
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
    """The last successful build: its inputs' digest, its result and the outputs it made."""

    def __init__(self, book: BookConfig | BookLayout):
        layout = BookLayout.of(book)
        self.path = layout.last_build
        self.execution_cache = layout.execution_cache

    def result(self, digest: str) -> object | None:
        """The stored result when ``digest`` is the stored one and its outputs are intact."""
        try:
            with open(self.path, "rb") as f:
                header = json.loads(f.readline())
                if header.get("format") != LAST_BUILD_FORMAT or header.get("digest") != digest:
                    return None
                if any(signature(Path(path)) != list(stored)
                       for path, stored in header["outputs"]):
                    return None
                return cast(object, pickle.load(f))  # checked by the caller
        except (OSError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError,
                AttributeError, ImportError):
            return None  # missing, damaged or from another d2lbook: the build does its work

    def forget(self) -> None:
        """Before a build works: a failed or killed build leaves nothing to be taken for
        fresh, and outputs rewritten by another build are not taken for this one's."""
        self.path.unlink(missing_ok=True)

    def record(self, digest: str, result: object, outputs: Iterable[Path | None]) -> None:
        from d2lbook.files import write_atomic
        from d2lbook.render.uptodate import every_file

        # every file of an output folder (a page or image removed by hand is made again);
        # the execution cache's folder alone (``d2lbook cache clear`` removes it)
        made = every_file(*(p for p in outputs if p is not None))
        header = {"format": LAST_BUILD_FORMAT, "digest": digest,
                  "outputs": [[str(p), signature(p)] for p in [*made, self.execution_cache]]}
        try:
            data = json.dumps(header).encode() + b"\n" + pickle.dumps(result)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            # The memo is an optimisation: a build that succeeded does not fail for it (a
            # full disk); the next build does its work.
            self.forget()
