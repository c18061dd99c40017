"""``d2lbook import SRC DEST``: a book in the old d2lbook dialect -> a book in our layout.

Reads ``SRC/config.ini`` and the pages it lists, writes ``DEST/pyproject.toml``,
``DEST/source/<lang>/**.md`` (MyST notebooks), the bibliography as
``DEST/source/<lang>/references.bib``, images and other resources beside the pages, the
``#@save`` library folder at ``DEST/`` and each library file's hand-written head as
``DEST/source/<lang>/_library/<module>_head.py``. Deterministic: the same input gives the
same bytes.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import D2lbookError, Problem
from d2lbook.importer.config_ini import OldConfig, check_config, pyproject, read_config
from d2lbook.importer.containment import climbs_out, decode_page, link_problem, outside, walk_files
from d2lbook.importer.page import Converted, PageContext, convert_page
from d2lbook.importer.report import Located, Report
from d2lbook.layout import PAGE_SUFFIX, is_page_file, page_file, page_file_name

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
    overwritten: list[str] = field(default_factory=list)
    """Files of a non-empty DEST (``--force``) whose bytes the import changed."""

    @property
    def warnings(self) -> int:
        return len(self.report.warnings)


def find_pages(src: Path, cfg: OldConfig, skip: Path | None) -> list[str]:
    """Pages (``chapter/page`` without ``.md``) matched by the notebooks and non-notebooks
    globs, minus the exclusions, sorted."""
    names: set[str] = set()
    for pattern in cfg.notebooks + cfg.non_notebooks:
        for path in src.glob(pattern):
            if not path.is_file() or not is_page_file(path):
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


class ImportRefused(ImportSourceError):
    """The book names files outside its folder, symbolic links leading out, invalid
    configuration values or pages that are not text: every problem, and nothing written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line))
        super().__init__("the import is refused; nothing was written:\n" +
                         "\n".join(f"  {p}" for p in self.problems))


def _check_dest(dest: Path, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise ImportSourceError(f"{dest}: exists and is not a folder; give a new or empty "
                                "folder as the destination")
    if dest.is_dir() and not force:
        entries = sorted(p.name for p in dest.iterdir())
        if entries:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise ImportSourceError(f"{dest}: not empty ({shown}); import into a new or empty "
                                    "folder, or pass --force to overwrite the files the "
                                    "import writes there")


def _read_config(src: Path, report: Report) -> OldConfig:
    path = src / "config.ini"
    text = ""
    if path.is_file() or path.is_symlink():
        problem = link_problem(src, path, "config.ini", 0, "file")
        if problem is not None:
            raise ImportRefused([problem])
        decoded = decode_page(path.read_bytes(), "config.ini")
        if isinstance(decoded, Problem):
            raise ImportRefused([decoded])
        text = decoded
    cfg = read_config(path, report)
    problems = check_config(cfg, text)
    if problems:
        raise ImportRefused(problems)
    return cfg


def import_book(src: Path | str, dest: Path | str, force: bool = False) -> ImportResult:
    """Import the old book at ``src`` into ``dest`` (which must be new or empty unless
    ``force``). Refuses (:class:`ImportRefused`, nothing written) a book that names files
    outside ``src``, holds symbolic links leading out of it, has invalid configuration values
    or pages that are not UTF-8 text."""
    src, dest = Path(src).resolve(), Path(dest).resolve()
    _check_folders(src, dest, force)
    report = Report()
    cfg = _read_config(src, report)
    skip = dest if dest.is_relative_to(src) else None
    pages = find_pages(src, cfg, skip)
    if not pages:
        raise ImportSourceError(f"{src}: no page matches [build] notebooks "
                           f"({' '.join(cfg.notebooks)})")
    if "index" not in pages:
        report.warn("index.md", 0, "the book has no root index.md; Sphinx needs one", "no-index")
    result = ImportResult(src, dest, cfg, pages, report)
    out_dir = dest / "source" / cfg.lang
    ctx = PageContext(cfg.tabs, frozenset(pages),
                      exists=lambda rel: not climbs_out(rel) and (src / rel).is_file())

    problems: list[Problem] = []
    converted = _convert_pages(src, cfg, pages, ctx, report, problems)
    bibs = _bib_files(src, cfg, converted, problems)
    copies = _plan_resources(src, dest, out_dir, cfg, converted, bibs, result, problems)
    if problems:
        raise ImportRefused(problems)
    bib_text = _book_checks(cfg, converted, bibs, report, problems)
    cfg.xelatex, cfg.cjk = pdf_needs(page.text for page in converted.values())
    toml = pyproject(cfg)
    _check_toml(toml)
    writes = _planned_writes(dest, out_dir, cfg, toml, converted, bib_text)
    written = {t for t, _ in writes}  # a resource never replaces a converted page
    copies = [c for c in copies if c[1] not in written]
    problems += _outside(dest, [t for t, _ in writes] + [t for _, t, _ in copies])
    if problems:
        raise ImportRefused(problems)

    dest.mkdir(parents=True, exist_ok=True)
    for target, text in writes:
        _write(target, text, result)
    for path, target, listed in copies:
        _copy(path, target)
        result.copied.append(listed)
    if bib_text is not None:
        result.copied.append((out_dir / "references.bib").relative_to(dest).as_posix())
    return result


def _check_folders(src: Path, dest: Path, force: bool) -> None:
    """The source is a folder; the destination neither is it nor holds it, and is new or
    empty (unless ``force``)."""
    if not src.is_dir():
        raise ImportSourceError(f"{src}: not a folder; give the old book's folder "
                                "(with config.ini)")
    if dest == src or src.is_relative_to(dest):
        raise ImportSourceError(f"{dest}: the destination must not be the source or "
                                "contain it")
    _check_dest(dest, force)


def _outside(dest: Path, targets: list[Path]) -> list[Problem]:
    """A problem for every target that a symbolic link leads out of ``dest``."""
    problems = []
    for target in targets:
        if outside(dest, target):  # a symbolic link in a non-empty destination (--force)
            problems.append(Problem(target.relative_to(dest).as_posix(), 0, "in the "
                                    f"destination is a symbolic link leading out of {dest}; "
                                    "remove it or import into a new folder", "import-outside"))
    return problems

def _convert_pages(src: Path, cfg: OldConfig, pages: list[str], ctx: PageContext,
                   report: Report, problems: list[Problem]) -> dict[str, Converted]:
    """Every page converted to MyST (name -> page); a page that cannot be read is a problem
    (``problems``), the cells counted per framework in ``report``."""
    converted = {}
    for name in pages:
        where = page_file_name(name)
        problem = link_problem(src, src / where, where, 0, "page")
        decoded = decode_page((src / where).read_bytes(), where) if problem is None else problem
        if isinstance(decoded, Problem):
            problems.append(decoded)
            continue
        page = Located(report, where)
        converted[name] = convert_page(name, decoded, ctx, page)
        for cell in converted[name].cells:
            if cell.tags:
                report.cells.update(cell.tags)
            else:
                report.shared_cells += 1
                report.cells.update(cfg.tabs or ("(no framework)",))
    report.count("pages", len(pages))
    return converted


def _planned_writes(dest: Path, out_dir: Path, cfg: OldConfig, toml: str,
                    converted: dict[str, Converted], bib_text: str | None
                    ) -> list[tuple[Path, str]]:
    """The files the import writes (target, text)."""
    writes = [(dest / "pyproject.toml", toml)]
    # the hand-written tops of the library files
    writes += [(dest / cfg.head_path(fw), head) for fw, head in cfg.lib_heads.items()]
    writes += [(page_file(out_dir, name), page.text) for name, page in converted.items()]
    if bib_text is not None:
        writes.append((out_dir / "references.bib", bib_text))
    if not (dest / ".gitignore").exists():  # a re-import keeps the author's own lines
        writes.append((dest / ".gitignore", GITIGNORE))
    return writes


def _check_toml(text: str) -> None:
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:  # the values are validated: a bug of ours
        raise ImportSourceError(f"config.ini: its values give an invalid pyproject.toml "
                                f"({err}); please report this with the config.ini") from err


# What pdflatex (Sphinx's utf8 inputenc, T1 fonts) sets beyond Latin-1: typographic punctuation.
PDFLATEX_EXTRA = frozenset("‐‑‒–—―‘’‚“”„†‡•…‰′″‹›€™−")
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def pdf_needs(texts: Iterable[str]) -> tuple[bool, bool]:
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
    if path.is_file() and path.read_bytes() != data:
        result.overwritten.append(path.relative_to(result.dest).as_posix())
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    result.written.append(path)


def _bib_files(src: Path, cfg: OldConfig, converted: dict[str, Converted],
               problems: list[Problem]) -> list[tuple[Path, str, int]]:
    """(path, referring file, line) of every bibliography the book names, in a stable order;
    one outside the book's folder is a problem instead."""
    found: dict[Path, tuple[str, int]] = {}

    def add(rel: str, where: str, line: int) -> None:
        if climbs_out(rel):
            problems.append(Problem(where, line, f"bibliography {rel} is outside the book's "
                                    "folder; copy it into the book and name it relative to "
                                    "the page", "import-outside"))
            return
        path = src / rel
        problem = link_problem(src, path, where, line, "bibliography") if path.exists() \
            else None
        if problem is not None:
            problems.append(problem)
        else:
            found.setdefault(path.resolve(), (where, line))

    for name, page in converted.items():
        folder = posixpath.dirname(name)
        for value, line in page.facts.bibliographies:
            for part in [p.strip() for p in value.split(",") if p.strip()]:
                rel = posixpath.normpath(posixpath.join(folder, part.replace("\\", "/")))
                add(rel, page_file_name(name), line)
    if cfg.bibfile:
        add(cfg.bibfile, "config.ini", 0)
    for res in cfg.resources:
        if res.endswith(".bib"):
            add(res, "config.ini", 0)
    return sorted(((p, f, n) for p, (f, n) in found.items()), key=lambda t: str(t[0]))


BIB_KEY = re.compile(r"@\w+\s*[{(]\s*([^,\s]+)\s*,")


def _book_checks(cfg: OldConfig, converted: dict[str, Converted],
                 bibs: list[tuple[Path, str, int]], report: Report,
                 problems: list[Problem]) -> str | None:
    """Book-wide warnings (labels, references, citations, tocs); returns the bibliographies
    merged (None when the book has none)."""
    defined = _labels(converted, report)
    texts, keys = _bibliographies(bibs, report, problems)
    for name, page in converted.items():
        for role, target, line in page.facts.refs:
            if target not in defined:
                report.warn(page_file_name(name), line,
                            f"{{{role}}}`{target}` refers to no label of the book",
                            "unknown-label")
        for key, line in page.facts.cites:
            if keys and key not in keys:
                report.warn(page_file_name(name), line,
                            f"citation key {key} is in no bibliography", "unknown-cite")
            elif not bibs:
                report.warn(page_file_name(name), line, f"citation {key} but the book has no "
                            "bibliography file", "unknown-cite")
    _numbering_checks(converted, report)
    in_toc = {p for page in converted.values() for _, pages in page.facts.toctrees
              for p in pages}
    for name in converted:
        if name != "index" and name not in in_toc:
            report.warn(page_file_name(name), 0, "page is in no toc; add it to a chapter's "
                        "toc or exclude it in config.ini", "not-in-toc")
    return "\n".join(texts) if texts else None


def _labels(converted: dict[str, Converted], report: Report) -> dict[str, str]:
    """Every label of the book -> where it is defined (``page.md:line``); a label defined
    twice is warned about."""
    defined: dict[str, str] = {}
    for name, page in converted.items():
        for label, line in page.facts.labels:
            if label in defined:
                report.warn(page_file_name(name), line, f"label {label} is also defined at "
                            f"{defined[label]}", "duplicate-label")
            else:
                defined[label] = f"{page_file_name(name)}:{line}"
    return defined


def _bibliographies(bibs: list[tuple[Path, str, int]], report: Report,
                    problems: list[Problem]) -> tuple[list[str], set[str]]:
    """The bibliography files' texts and every citation key they define."""
    keys: set[str] = set()
    texts: list[str] = []
    for path, where, line in bibs:
        if path.is_file():
            text = decode_page(path.read_bytes(), path.name)
            if isinstance(text, Problem):
                problems.append(text)
                continue
            texts.append(text.rstrip("\n") + "\n")
            keys |= set(BIB_KEY.findall(text))
        else:
            report.warn(where, line, f"bibliography {path.name} not found", "missing-bib")
    if len(texts) > 1:
        report.warn("config.ini", 0, f"{len(texts)} bibliography files merged into "
                    "references.bib", "bib-merged")
    return texts, keys


def _numbering_checks(converted: dict[str, Converted], report: Report) -> None:
    """References Sphinx cannot number: a non-{eq} role naming an equation, {numref} to a
    section no numbered toc reaches."""
    numbered = _numbered_pages(converted)
    sections = {label: name for name, page in converted.items()
                for label in page.facts.section_labels}
    equations = {label for page in converted.values() for label in page.facts.equation_labels}
    for name, page in converted.items():
        file = page_file_name(name)
        for role, target, line in page.facts.refs:
            if role != "eq" and target in equations:
                report.warn(file, line, f"{{{role}}}`{target}` refers to an equation: "
                            "Sphinx resolves only {eq} (:eqref:) to equations", "ref-equation")
            if role == "numref" and target in sections and sections[target] not in numbered:
                report.warn(page_file_name(name), line,
                            f"{{numref}}`{target}` refers to a section of "
                            f"{page_file_name(sections[target])}, which no numbered toc "
                            "reaches: Sphinx gives it no number; use {ref} or number that toc",
                            "numref-unnumbered")


def _numbered_pages(converted: dict[str, Converted]) -> set[str]:
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


def _copy(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_bytes() != src.read_bytes():
        shutil.copyfile(src, target)


Copy = tuple[Path, Path, str]
"""(file read inside SRC, file written inside DEST, what the report lists as copied)."""


def _plan_resources(src: Path, dest: Path, out_dir: Path, cfg: OldConfig,
                    converted: dict[str, Converted], bibs: list[tuple[Path, str, int]],
                    result: ImportResult, problems: list[Problem]) -> list[Copy]:
    """The files to copy: resources, the library folders and the images the pages use. A
    symbolic link leading out of SRC is a problem (and is not copied); the destination, when
    it lies inside SRC, is never copied into itself."""
    plan = _CopyPlan(src, dest, dest if dest.is_relative_to(src) else None, problems)
    library_dirs = {Path(f).parts[0] for f in cfg.lib_files.values() if len(Path(f).parts) > 1}
    if (src / "d2l").is_dir():
        library_dirs.add("d2l")
    _plan_listed(plan, out_dir, cfg, converted, {p for p, _, _ in bibs}, library_dirs,
                 result.report)
    for folder in sorted(library_dirs):
        if (src / folder).is_dir() and (src / folder).resolve() not in plan.done:
            plan.add(src / folder, dest / folder, "config.ini", 0, "library folder")
    _plan_includes(plan, out_dir, converted, result)
    # Images the pages use but the resources do not list.
    for name, page in sorted(converted.items()):
        for rel, line in page.facts.images:
            if climbs_out(rel):
                problems.append(Problem(page_file_name(name), line,
                                        f"image {rel} is outside the "
                                        "book's folder; copy it into the book and refer to it "
                                        "relative to the page", "import-outside"))
                continue
            path = src / rel
            if (path.is_file() or path.is_symlink()) and \
                    not any(path.resolve().is_relative_to(d) for d in plan.done):
                plan.add(path, out_dir / rel, page_file_name(name), line, "image")
    return plan.copies


@dataclass
class _CopyPlan:
    src: Path
    dest: Path
    skip: Path | None
    """The destination when it lies inside SRC: never copied into itself."""
    problems: list[Problem]
    copies: list[Copy] = field(default_factory=list)
    done: set[Path] = field(default_factory=set)
    """What is copied already (resolved)."""

    def add(self, path: Path, target: Path, where: str, line: int, what: str) -> None:
        problem = link_problem(self.src, path, where, line, what)
        if problem is not None:
            self.problems.append(problem)
            return
        listed = target.relative_to(self.dest).as_posix()
        if path.is_dir():
            for file in walk_files(self.src, path, self.skip, where, self.problems):
                self.copies.append((file, target / file.relative_to(path), listed))
        elif path.is_file():  # not a device or a pipe
            self.copies.append((path, target, listed))
        self.done.add(path.resolve())


def _plan_listed(plan: _CopyPlan, out_dir: Path, cfg: OldConfig,
                 converted: dict[str, Converted], bib_paths: set[Path],
                 library_dirs: set[str], report: Report) -> None:
    """The resources ``config.ini`` lists."""
    src, dest, skip = plan.src, plan.dest, plan.skip
    for pattern in cfg.resources:
        matches = sorted(src.glob(pattern.rstrip("/"))) if pattern.strip("/") else []
        if skip is not None:  # never the destination (nor its inside) again
            matches = [m for m in matches if not m.resolve().is_relative_to(skip)]
        if not matches:
            report.warn("config.ini", 0, f"resource {pattern} not found; not copied",
                        "missing-resource")
        for path in matches:
            rel = path.relative_to(src)
            if not rel.parts or path.resolve() in bib_paths:  # "**" matches the book itself
                continue
            if rel.parts[0] in library_dirs or path.suffix == ".py":
                target = dest / rel
            else:
                target = out_dir / rel
                stray = [path] if path.is_file() else sorted(path.rglob("*"))
                for doc in stray:
                    page = doc.relative_to(src).with_suffix("").as_posix()
                    if doc.suffix in (PAGE_SUFFIX, ".ipynb") and doc.is_file() and \
                            not (doc.suffix == PAGE_SUFFIX and page in converted):
                        report.warn("config.ini", 0, f"resource {doc.relative_to(src)} is copied "
                                    "beside the pages, where Sphinx reads it as a page; move it "
                                    "or leave it out of [build] resources", "resource-page")
            plan.add(path, target, "config.ini", 0, "resource")


def _plan_includes(plan: _CopyPlan, out_dir: Path, converted: dict[str, Converted],
                   result: ImportResult) -> None:
    """Files a directive reads (the front page's `.. raw:: html` `:file:`) go beside the page
    that reads them; the old tool also found them in static/."""
    src = plan.src
    for name, page in sorted(converted.items()):
        folder = Path(name).parent
        for written, line in page.facts.includes:
            rel = (folder / written).as_posix()
            inside = not climbs_out(written) and not Path(written).is_absolute()
            found = [p for p in (src / rel, src / "static" / written)
                     if inside and (p.is_file() or p.is_symlink())]
            if not found:
                result.report.warn(page_file_name(name), line,
                                   f"{written} (read by a directive) not found beside the page "
                                   "nor in static/; add it to "
                                   f"source/{result.config.lang}/{rel}", "missing-include")
            elif found[0].resolve() not in plan.done:
                plan.add(found[0], out_dir / rel, page_file_name(name), line, "included file")


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
    if result.overwritten:
        lines.append(f"overwritten (--force): {', '.join(sorted(result.overwritten))}")
    if cfg.ignored:
        lines.append(f"config.ini entries with no equivalent (not carried over): "
                     f"{', '.join(cfg.ignored)}")
    return lines
