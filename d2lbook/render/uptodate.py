"""Skip a rendering step whose inputs hash the same as when it last succeeded.

A step (Sphinx HTML, Sphinx LaTeX, latexmk, the notebook bundle) of one edition is *fresh*
when the digest of everything it reads equals the digest stored when it last succeeded and every
file it made (the whole HTML folder, the notebook folders and zips, the ``.tex``, the PDF)
still has the size and modification time it had then: a page or image deleted or changed by
hand in ``_build/<lang>/html`` makes the step run again. A fresh step is not started; its
stored warnings are reported again, so a no-op build says what the build that made the
outputs said.

Stamps live in ``_build/<lang>/stamps.json``, written atomically after a step succeeds (a
killed or failed step leaves the old stamp, whose digest no longer matches: it runs again).
The digest of a Sphinx run covers its source tree (``conf.py``, executed notebooks, assets),
the book's configuration, the page names of every edition (the language links), d2lbook's
rendering code and templates, and the installed packages (Sphinx, extensions, theme).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from d2lbook.layout import BookLayout

STAMPS_FORMAT = 2


def files_digest(root: Path, ignore: Callable[[Path], bool] = lambda rel: False,
                 extra: Iterable[str] = ()) -> str:
    """SHA-256 of every file under ``root`` (relative path and bytes), in path order, and of
    ``extra`` strings. Hidden files and those ``ignore`` (given the relative path) do not
    count."""
    h = hashlib.sha256(f"d2lbook-stamp-{STAMPS_FORMAT}\0".encode())
    for item in extra:
        h.update(b"\0extra\0" + item.encode())
    if root.is_dir():
        paths = sorted(p for p in root.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(root).parts)
                       and not ignore(p.relative_to(root)))
        for path in paths:
            h.update(b"\0file\0" + path.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@cache
def code_digest() -> str:
    """All of d2lbook's code (what ``commands.last_build`` and the page memo depend on),
    hashed once a process."""
    return files_digest(Path(__file__).resolve().parent.parent,
                        ignore=lambda rel: "__pycache__" in rel.parts)


@cache
def toolchain_digest(memo: Path | None = None) -> str:
    """d2lbook's rendering code and templates, and every installed distribution's version
    (``memo``: where the listing of distributions is remembered, ``execute.environment``)."""
    import sys

    from d2lbook.execute.environment import interpreter_packages

    h = hashlib.sha256(sys.version.encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    for name in interpreter_packages(sys.executable, memo)[1:]:  # [0] is sys.version
        h.update(name.encode() + b"\0")
    return h.hexdigest()


def sphinx_digest(layout: BookLayout, tree: Path, extra: Iterable[tuple[str, str]] = ()
                  ) -> str:
    """What a Sphinx run of an edition's tree reads: the tree, the configuration, the page
    names of every edition (language links), the toolchain; ``extra``: (name, text) pairs
    the step also ships (the ``#@save`` library in the notebook zips)."""
    cfg = layout.cfg
    pages = json.dumps({lang.code: sorted(layout.edition_page_names(lang))
                        for lang in cfg.languages})
    config = (cfg.root / "pyproject.toml").read_bytes()
    from d2lbook.execute.environment import output_variables

    shipped = [f"{name}\0{hashlib.sha256(text.encode()).hexdigest()}" for name, text in extra]
    return files_digest(tree, extra=(toolchain_digest(layout.environments_memo), pages,
                                     output_variables(),
                                     hashlib.sha256(config).hexdigest(), *shipped))


def latex_digest(latex_dir: Path, stem: str) -> str:
    """What latexmk reads: the ``.tex`` and every other file Sphinx put beside it (styles,
    images), not LaTeX's own auxiliary files and outputs."""
    from d2lbook.render.latex import AUX_SUFFIXES

    def aux(rel: Path) -> bool:
        return rel.parent == Path(".") and rel.stem == stem and rel.suffix in AUX_SUFFIXES

    from d2lbook.execute.environment import output_variables

    return files_digest(latex_dir, ignore=aux, extra=(toolchain_digest(), output_variables()))


def signature(path: Path) -> list[int]:
    """Size and modification time of a file; [-1, -1] when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def every_file(*paths: Path) -> list[Path]:
    """``paths`` with each folder replaced by every file under it (in path order): what a
    step's stamp checks is everything it made, not one file of it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Stamp:
    digest: str
    warnings: list[str]
    outputs: list[str]
    """Paths (relative to the stamps' folder) that must still exist for the step to be
    fresh, with the size and time they had (``signatures``)."""
    signatures: list[list[int]]


class Stamps:
    """The stamps of one edition's steps."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / "stamps.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != STAMPS_FORMAT:
                raise ValueError("other format")
            self._stamps = {step: Stamp(s["digest"], list(s["warnings"]), list(s["outputs"]),
                                        list(s["signatures"]))
                            for step, s in data["steps"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            self._stamps = {}

    def fresh(self, step: str, digest: str) -> list[str] | None:
        """The stored warnings when ``step`` is fresh, else None."""
        stamp = self._stamps.get(step)
        if stamp is None or stamp.digest != digest:
            return None
        if any(signature(self.folder / out) != list(sig)
               for out, sig in zip(stamp.outputs, stamp.signatures, strict=True)):
            return None  # removed, or changed by hand
        return list(stamp.warnings)

    def tampered(self, step: str, digest: str) -> bool:
        """The inputs are the stored ones but an output was removed or changed by hand: the
        step must make every output again (Sphinx rewrites only pages older than their
        sources)."""
        stamp = self._stamps.get(step)
        return stamp is not None and stamp.digest == digest and self.fresh(step, digest) is None

    def record(self, step: str, digest: str, warnings: list[str], outputs: list[Path]) -> None:
        self._stamps[step] = Stamp(digest, list(warnings),
                                   [os.path.relpath(p, self.folder) for p in outputs],
                                   [signature(p) for p in outputs])
        self._save()

    def forget(self, step: str) -> None:
        """Before a step runs: a crash in the middle must not leave it looking fresh."""
        if self._stamps.pop(step, None) is not None:
            self._save()

    def _save(self) -> None:
        from d2lbook.files import write_atomic

        data = {"format": STAMPS_FORMAT,
                "steps": {step: {"digest": s.digest, "warnings": s.warnings,
                                 "outputs": s.outputs, "signatures": s.signatures}
                          for step, s in self._stamps.items()}}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
