"""``d2lbook import SRC DEST``: a book in the old d2lbook dialect -> a book in our layout.

Reads ``SRC/config.ini`` and the pages it lists, writes ``DEST/pyproject.toml``,
``DEST/source/<lang>/**.md`` (MyST notebooks), the bibliography as
``DEST/source/<lang>/references.bib``, images and other resources beside the pages, and the
``#@save`` library folder at ``DEST/``. Deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import D2lbookError
from d2lbook.importer.config_ini import OldConfig, pyproject, read_config
from d2lbook.importer.page import PageContext, convert_page
from d2lbook.importer.report import Located, Report

# What a book's repository never holds: build outputs, environments, compiled catalogs, caches.
GITIGNORE = """\
_build/
.venv/
.venvs/
*.mo
__pycache__/
*.pyc
.ipynb_checkpoints/
.DS_Store
"""
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")


class ImportSourceError(D2lbookError):
    """The import cannot start (no source folder, destination inside the source, ...)."""


@dataclass
class ImportResult:
    src: Path
    dest: Path
    config: OldConfig
    pages: list[str]
    report: Report
    written: list[Path] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    """Resources copied (paths relative to DEST)."""

    @property
    def warnings(self) -> int:
        return len(self.report.warnings)


def find_pages(src: Path, cfg: OldConfig, skip: Path | None) -> list[str]:
    """Pages (``chapter/page`` without ``.md``) matched by the notebooks and non-notebooks
    globs, minus the exclusions, sorted."""
    names: set[str] = set()
    for pattern in cfg.notebooks + cfg.non_notebooks:
        for path in src.glob(pattern):
            if not path.is_file() or path.suffix != ".md":
                continue
            if skip is not None and path.resolve().is_relative_to(skip):
                continue
            rel = path.relative_to(src).as_posix()
            if any(fnmatch.fnmatch(rel, ex) for ex in cfg.exclusions):
                continue
            if rel.startswith(("_build/", ".")):
                continue
            names.add(rel[:-3])
    return sorted(names)


def import_book(src: Path | str, dest: Path | str) -> ImportResult:
    src, dest = Path(src).resolve(), Path(dest).resolve()
    if not src.is_dir():
        raise ImportSourceError(f"{src}: not a folder; give the old book's folder "
                                "(with config.ini)")
    if dest == src or src.is_relative_to(dest):
        raise ImportSourceError(f"{dest}: the destination must not be the source or "
                                "contain it")
    report = Report()
    cfg = read_config(src / "config.ini", report)
    skip = dest if dest.is_relative_to(src) else None
    pages = find_pages(src, cfg, skip)
    if not pages:
        raise ImportSourceError(f"{src}: no page matches [build] notebooks "
                           f"({' '.join(cfg.notebooks)})")
    if "index" not in pages:
        report.warn("index.md", 0, "the book has no root index.md; Sphinx needs one", "no-index")
    result = ImportResult(src, dest, cfg, pages, report)
    out_dir = dest / "source" / cfg.lang
    ctx = PageContext(cfg.tabs, frozenset(pages), exists=lambda rel: (src / rel).is_file())

    converted = {}
    for name in pages:
        text = (src / f"{name}.md").read_text(encoding="utf-8-sig")
        page = Located(report, f"{name}.md")
        converted[name] = convert_page(name, text, ctx, page)
        for cell in converted[name].cells:
            if cell.tags:
                report.cells.update(cell.tags)
            else:
                report.shared_cells += 1
                report.cells.update(cfg.tabs or ("(no framework)",))
    report.count("pages", len(pages))
    cfg.xelatex, cfg.cjk = pdf_needs(page.text for page in converted.values())
    _book_checks(src, cfg, converted, report)

    dest.mkdir(parents=True, exist_ok=True)
    _write(dest / "pyproject.toml", pyproject(cfg), result)
    if not (dest / ".gitignore").exists():  # a re-import keeps the author's own lines
        _write(dest / ".gitignore", GITIGNORE, result)
    for name, page in converted.items():
        _write(out_dir / f"{name}.md", page.text, result)
    _copy_resources(src, dest, out_dir, cfg, converted, result)
    return result


# What pdflatex (Sphinx's utf8 inputenc, T1 fonts) sets beyond Latin-1: typographic punctuation.
PDFLATEX_EXTRA = frozenset("‐‑‒–—―‘’‚“”„†‡•…‰′″‹›€™−")
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def pdf_needs(texts) -> tuple[bool, bool]:
    """(xelatex, cjk): whether the pages hold characters pdflatex cannot typeset (Greek μ,
    ≈, ∈, CJK names...), and whether some are CJK (they need a CJK font)."""
    xelatex = cjk = False
    for text in texts:
        if not xelatex and any(ord(c) > 0xFF and c not in PDFLATEX_EXTRA for c in text):
            xelatex = True
        if not cjk and CJK.search(text):
            cjk = True
        if xelatex and cjk:
            break
    return xelatex, cjk


def _write(path: Path, text: str, result: ImportResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    result.written.append(path)


def _bib_files(src: Path, cfg: OldConfig, converted: dict) -> list[tuple[Path, str, int]]:
    """(path, referring file, line) of every bibliography the book names, in a stable order."""
    found: dict[Path, tuple[str, int]] = {}
    for name, page in converted.items():
        folder = src / name
        for value, line in page.facts.bibliographies:
            for part in [p.strip() for p in value.split(",") if p.strip()]:
                found.setdefault((folder.parent / part).resolve(), (f"{name}.md", line))
    if cfg.bibfile:
        found.setdefault((src / cfg.bibfile).resolve(), ("config.ini", 0))
    for res in cfg.resources:
        if res.endswith(".bib"):
            found.setdefault((src / res).resolve(), ("config.ini", 0))
    return sorted(((p, f, n) for p, (f, n) in found.items()), key=lambda t: str(t[0]))


BIB_KEY = re.compile(r"@\w+\s*[{(]\s*([^,\s]+)\s*,")


def _book_checks(src: Path, cfg: OldConfig, converted: dict, report: Report) -> None:
    defined: dict[str, str] = {}
    for name, page in converted.items():
        for label, line in page.facts.labels:
            if label in defined:
                report.warn(f"{name}.md", line, f"label {label} is also defined at "
                            f"{defined[label]}", "duplicate-label")
            else:
                defined[label] = f"{name}.md:{line}"
    keys: set[str] = set()
    bibs = _bib_files(src, cfg, converted)
    for path, where, line in bibs:
        if path.is_file():
            keys |= set(BIB_KEY.findall(path.read_text(encoding="utf-8", errors="replace")))
        else:
            report.warn(where, line, f"bibliography {path.name} not found", "missing-bib")
    for name, page in converted.items():
        for role, target, line in page.facts.refs:
            if target not in defined:
                report.warn(f"{name}.md", line, f"{{{role}}}`{target}` refers to no label of "
                            "the book", "unknown-label")
        for key, line in page.facts.cites:
            if keys and key not in keys:
                report.warn(f"{name}.md", line, f"citation key {key} is in no bibliography",
                            "unknown-cite")
            elif not bibs:
                report.warn(f"{name}.md", line, f"citation {key} but the book has no "
                            "bibliography file", "unknown-cite")
    numbered = _numbered_pages(converted)
    sections = {label: name for name, page in converted.items()
                for label in page.facts.section_labels}
    equations = {label for page in converted.values() for label in page.facts.equation_labels}
    for name, page in converted.items():
        for role, target, line in page.facts.refs:
            if role != "eq" and target in equations:
                report.warn(f"{name}.md", line, f"{{{role}}}`{target}` refers to an equation: "
                            "Sphinx resolves only {eq} (:eqref:) to equations", "ref-equation")
            if role == "numref" and target in sections and sections[target] not in numbered:
                report.warn(f"{name}.md", line, f"{{numref}}`{target}` refers to a section of "
                            f"{sections[target]}.md, which no numbered toc reaches: Sphinx "
                            "gives it no number; use {ref} or number that toc", "numref-unnumbered")
    in_toc = {p for page in converted.values() for _, pages in page.facts.toctrees
              for p in pages}
    for name in converted:
        if name != "index" and name not in in_toc:
            report.warn(f"{name}.md", 0, "page is in no toc; add it to a chapter's toc or "
                        "exclude it in config.ini", "not-in-toc")


def _numbered_pages(converted: dict) -> set[str]:
    """Pages that a ``:numbered:`` toctree reaches (directly or through their children)."""
    children = {name: [p for _, pages in page.facts.toctrees for p in pages]
                for name, page in converted.items()}
    todo = [p for page in converted.values() for numbered, pages in page.facts.toctrees
            if numbered for p in pages]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(children.get(name, []))
    return seen


def _copy(src: Path, target: Path, result: ImportResult) -> None:
    if src.is_dir():
        shutil.copytree(src, target, ignore=IGNORE, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != src.read_bytes():
            shutil.copyfile(src, target)
    result.copied.append(target.relative_to(result.dest).as_posix())


def _copy_resources(src: Path, dest: Path, out_dir: Path, cfg: OldConfig, converted: dict,
                    result: ImportResult) -> None:
    report = result.report
    library_dirs = {Path(f).parts[0] for f in cfg.lib_files.values() if len(Path(f).parts) > 1}
    if (src / "d2l").is_dir():
        library_dirs.add("d2l")
    bibs = {p for p, _, _ in _bib_files(src, cfg, converted)}
    done: set[Path] = set()
    for pattern in cfg.resources:
        matches = sorted(src.glob(pattern.rstrip("/"))) if pattern.strip("/") else []
        if not matches:
            report.warn("config.ini", 0, f"resource {pattern} not found; not copied",
                        "missing-resource")
        for path in matches:
            rel = path.relative_to(src)
            if path.resolve() in bibs:
                continue
            if rel.parts[0] in library_dirs or path.suffix == ".py":
                target = dest / rel
            else:
                target = out_dir / rel
                stray = [path] if path.is_file() else sorted(path.rglob("*"))
                for doc in stray:
                    if doc.suffix in (".md", ".ipynb") and doc.is_file():
                        report.warn("config.ini", 0, f"resource {doc.relative_to(src)} is copied "
                                    "beside the pages, where Sphinx reads it as a page; move it "
                                    "or leave it out of [build] resources", "resource-page")
            _copy(path, target, result)
            done.add(path.resolve())
    for folder in sorted(library_dirs):
        if (src / folder).is_dir() and (src / folder).resolve() not in done:
            _copy(src / folder, dest / folder, result)
    _copy_includes(src, out_dir, converted, result, done)
    # Images the pages use but the resources do not list.
    for _name, page in sorted(converted.items()):
        for rel, _ in page.facts.images:
            path = src / rel
            if path.is_file() and not any(path.resolve().is_relative_to(d) for d in done):
                _copy(path, out_dir / rel, result)
                done.add(path.resolve())
    existing = [p for p in sorted(bibs) if p.is_file()]
    if existing:
        text = "\n".join(p.read_text(encoding="utf-8").rstrip("\n") + "\n" for p in existing)
        _write(out_dir / "references.bib", text, result)
        result.copied.append((out_dir / "references.bib").relative_to(dest).as_posix())
        if len(existing) > 1:
            report.warn("config.ini", 0, f"{len(existing)} bibliography files merged into "
                        "references.bib", "bib-merged")


def _copy_includes(src: Path, out_dir: Path, converted: dict, result: ImportResult,
                   done: set[Path]) -> None:
    """Files an ``eval_rst`` directive reads (the front page's ``.. raw:: html`` ``:file:``)
    go beside the page that reads them. The old tool also found them in ``static/``."""
    for name, page in sorted(converted.items()):
        folder = Path(name).parent
        for written, line in page.facts.includes:
            rel = (folder / written).as_posix()
            found = [p for p in (src / rel, src / "static" / written) if p.is_file()]
            if not found or ".." in Path(written).parts or Path(written).is_absolute():
                result.report.warn(f"{name}.md", line, f"{written} (read by a directive) not "
                                   f"found beside the page nor in static/; add it to "
                                   f"source/{result.config.lang}/{rel}", "missing-include")
                continue
            if found[0].resolve() not in done:
                _copy(found[0], out_dir / rel, result)
                done.add(found[0].resolve())


def summary(result: ImportResult) -> list[str]:
    """The report as lines (the CLI prints them)."""
    report, cfg = result.report, result.config
    lines = [f"imported {len(result.pages)} page(s) from {result.src} into {result.dest} "
             f"(source/{cfg.lang})"]
    if cfg.tabs:
        per = ", ".join(f"{fw} {report.cells[fw]}" for fw in cfg.tabs)
        lines.append(f"code cells: {per} ({report.shared_cells} shared by every framework; "
                     f"default framework {cfg.tabs[0]})")
    else:
        lines.append(f"code cells: {report.shared_cells}")
    counts: Counter[str] = report.constructs
    lines.append("converted:")
    lines += [f"  {counts[k]:5d}  {k}" for k in sorted(counts)]
    if result.copied:
        lines.append(f"copied: {', '.join(sorted(set(result.copied)))}")
    if cfg.ignored:
        lines.append(f"config.ini entries with no equivalent (not carried over): "
                     f"{', '.join(cfg.ignored)}")
    return lines
