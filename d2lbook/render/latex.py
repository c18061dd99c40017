"""LaTeX to PDF with latexmk, and errors a user can act on."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from d2lbook.errors import MissingToolError, RenderError
from d2lbook.procs import run_guarded

INSTALL = "sudo ci/setup.sh   (or: sudo apt-get install --no-install-recommends {packages})"

# What a missing file or font most likely needs on Debian/Ubuntu.
_PACKAGE_FOR = {
    "xeCJK.sty": "texlive-lang-chinese",
    "ctex.sty": "texlive-lang-chinese",
    "fontspec.sty": "texlive-latex-recommended",
    "fncychap.sty": "texlive-latex-extra",
    "tabulary.sty": "texlive-latex-extra",
    "capt-of.sty": "texlive-latex-extra",
    "needspace.sty": "texlive-latex-extra",
    "wrapfig.sty": "texlive-latex-extra",
    "cmap.sty": "texlive-latex-extra",
    "xindy": "xindy",
    "FreeSerif": "fonts-freefont-otf",
    "Noto": "fonts-noto-cjk",
    "tgtermes": "tex-gyre",
}
AUX_SUFFIXES = {".aux", ".toc", ".out", ".idx", ".ind", ".ilg", ".fls", ".fdb_latexmk", ".xdv",
                ".lof", ".lot", ".pdf", ".log"}
_IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".pdf", ".svg", ".eps"}
_ERROR = re.compile(r"^! (?P<msg>.*)$")
_LINE = re.compile(r"^l\.(?P<line>\d+) ?(?P<ctx>.*)$")
_DOC_LABEL = re.compile(r"\\label\{\\detokenize\{(?P<doc>[^{}]*?)::doc\}\}")
_TEX_COMMAND = re.compile(r"\\[A-Za-z@]+(\{\\detokenize\{[^{}]*\}\}|\{[^{}]*[:/][^{}]*\})?")
_TEX_WORD = re.compile(r"[^\W_]+")
_MISSING_FILE = re.compile(r"File `(?P<file>[^']+)' not found")
_MISSING_FONT = re.compile(r'The font "(?P<font>[^"]+)" cannot be found')


def check_tools(engine: str) -> None:
    missing = [tool for tool in ("latexmk", engine) if shutil.which(tool) is None]
    if missing:
        packages = "latexmk texlive-latex-recommended texlive-latex-extra "
        packages += "texlive-xetex texlive-lang-chinese fonts-noto-cjk" if engine == "xelatex" \
            else "texlive-fonts-recommended"
        raise MissingToolError(f"cannot make the PDF: {', '.join(missing)} not found. Install "
                               "TeX Live: " + INSTALL.format(packages=packages))


def build_pdf(latex_dir: Path, stem: str, engine: str,
              pages: Mapping[str, Path] | None = None) -> Path:
    """Compile ``<latex_dir>/<stem>.tex``; returns the PDF path. ``pages``: Sphinx document
    name -> the source file an author edits (for errors named by page and line)."""
    check_tools(engine)
    mode = "-pdfxe" if engine == "xelatex" else "-pdf"
    # latexmk reads Sphinx's ./latexmkrc by itself; it expects these variables to exist.
    env = {**os.environ, "LATEXOPTS": "", "LATEXMKOPTS": "", "XINDYOPTS": ""}
    cmd = ["latexmk", mode, "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error",
           f"{stem}.tex"]
    pdf = latex_dir / f"{stem}.pdf"
    proc = run_guarded(cmd, cwd=latex_dir, errors="replace", env=env)
    if proc.returncode != 0:
        # Auxiliary files of an earlier run (another preamble, a crash) can break the next
        # one: start again from the .tex alone before reporting an error.
        for path in latex_dir.glob(f"{stem}.*"):
            if path.suffix in AUX_SUFFIXES:
                path.unlink()
        proc = run_guarded(cmd, cwd=latex_dir, errors="replace", env=env)
    if proc.returncode != 0 or not pdf.is_file():
        log = latex_dir / f"{stem}.log"
        raise latex_error(log, proc.stdout + proc.stderr, pages or {})
    return pdf


def latex_error(log: Path, output: str, pages: Mapping[str, Path] | None = None) -> Exception:
    """The first LaTeX error with its source page and line (else its .tex line), a hint for
    missing packages, and the log path."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else output
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _ERROR.match(line)
        if not m:
            continue
        message = m["msg"]
        context = ""
        for follow in lines[i + 1:i + 30]:
            lm = _LINE.match(follow)
            if lm:
                context = f" (line {lm['line']} of {log.with_suffix('.tex').name}: " \
                          f"{lm['ctx'].strip()[:80]})"
                where = tex_source(log.with_suffix(".tex"), int(lm["line"]), pages or {})
                if where:
                    shown = _shown(where[0])
                    context += f"\nat {shown}:{where[1]}" if where[1] else f"\nin {shown}"
                break
        hint = _hint(message + "\n" + "\n".join(lines[i:i + 5]))
        if hint:
            return MissingToolError(f"LaTeX: {message}{context}\n{hint}\nlog: {log}")
        return RenderError(f"LaTeX error: {message}{context}\nlog: {log}")
    tail = "\n".join(output.strip().splitlines()[-15:])
    return RenderError(f"LaTeX failed without a '!' error line; log: {log}\n{tail}")


def tex_source(tex: Path, line: int, pages: Mapping[str, Path]) -> tuple[Path, int] | None:
    """The source page and line (0: unknown) that line ``line`` of a Sphinx ``.tex`` comes from.

    Sphinx opens each document's part of the ``.tex`` with ``\\label{\\detokenize{PAGE::doc}}``:
    the last such label before the line names the page. The line is the first in the page that
    holds a run of words of the ``.tex`` line (LaTeX commands and braces left out)."""
    if not pages or not tex.is_file() or line < 1:
        return None
    lines = tex.read_text(encoding="utf-8", errors="replace").splitlines()
    doc = ""
    for text in lines[:line]:
        for m in _DOC_LABEL.finditer(text):
            doc = m["doc"]
    source = pages.get(doc)
    if source is None:
        return None
    return source, _source_line(lines[line - 1] if line <= len(lines) else "", source)


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _source_line(tex_line: str, source: Path) -> int:
    words = _TEX_WORD.findall(_TEX_COMMAND.sub(" ", tex_line))
    try:
        page = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    flat = [" ".join(_TEX_WORD.findall(x)) for x in page]
    for size in (4, 3, 2):
        for k in range(len(words) - size + 1):
            run = " ".join(words[k:k + size])
            if len(run) < 8:
                continue
            for n, text in enumerate(flat):
                if run in text:
                    return n + 1
    return 0


def _hint(text: str) -> str:
    found = _MISSING_FILE.search(text) or _MISSING_FONT.search(text)
    if not found:
        return ""
    name = found.group(1)
    if Path(name).suffix.lower() in _IMAGES:
        return (f"the image {name!r} does not exist: a page refers to it (the build's "
                "warnings name the page and line); add the file or fix the path")
    package = next((pkg for key, pkg in _PACKAGE_FOR.items() if key in name), "")
    what = f"the font {name!r}" if "font" in found.re.pattern else f"the file {name!r}"
    if package:
        return f"{what} is missing; install it: " + INSTALL.format(packages=package)
    return (f"{what} is missing; find the Debian package that ships it with "
            f"`apt-file search {name}` and install it, or run `sudo ci/setup.sh`")
