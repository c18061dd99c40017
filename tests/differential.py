"""Warm equals clean, checked on a seeded random sequence of edits (design decision 13).

A small purpose-made bilingual book (two chapters, a few pages, one code cell per page, a
bibliography, images, catalogs) is edited step by step the way a real book is: prose, code,
equation labels added, duplicated and removed, references, citations and ``.bib`` entries,
figures and images, pages added, removed and renamed with their toctree, catalogs edited,
the configuration. After every step the book is built incrementally in place and from
scratch in a copy of the same tree; the published site (HTML text and links, search index,
notebooks, zips) and the warnings must be equal.

The execution cache of the warm build is copied into the clean one before it builds: it is
content-addressed, and executing the same code again would only cost time.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FRONT = ("---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n"
         "---\n")
WORDS = ("gradient loss tensor layer model weight bias batch epoch sample feature label "
         "softmax kernel norm vector matrix scalar").split()
CODES = ("print({n} * 7)", "x = {n}\nprint(x + 1)", "print('page {n}'.upper())")


def svg(colour: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="4">'
            f'<rect width="8" height="4" fill="{colour}"/></svg>\n')


@dataclass
class Page:
    title: str
    prose: list[str]
    code: int
    equations: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    """``eq:label`` or ``ref:label`` references."""
    cites: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


@dataclass
class Book:
    """The model of the book; :meth:`write` makes its files."""

    chapters: dict[str, list[str]]
    """Chapter folder -> its pages (names inside the folder), in toctree order."""
    pages: dict[str, Page]
    """``<chapter>/<page>`` -> page."""
    bib: dict[str, tuple[str, str]]
    """key -> (author, title)."""
    images: dict[str, str]
    """file name under img/ -> colour."""
    author: str = "Tester"
    zh_title: str = "小书"
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def new_book(rng: random.Random) -> Book:
    book = Book({"ch1": [], "ch2": []}, {}, {
        "smith20": ("Smith, Jane", "Deep things"),
        "lee19": ("Lee, Min", "Shallow things"),
    }, {"dot.svg": "#c33", "bar.svg": "#36c"})
    for chapter in book.chapters:
        for _ in range(2):
            add_page(book, rng, chapter)
    first = next(iter(book.pages.values()))
    first.cites.append("smith20")
    first.figures.append("dot.svg")
    return book


def add_page(book: Book, rng: random.Random, chapter: str) -> str:
    name = book.fresh("p")
    book.chapters[chapter].insert(rng.randrange(len(book.chapters[chapter]) + 1), name)
    book.pages[f"{chapter}/{name}"] = Page(
        f"Page {name}", [sentence(rng) for _ in range(2)], rng.randrange(len(CODES)),
        [book.fresh("eq-")])
    return name


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize() + "."


def page_text(name: str, page: Page) -> str:
    label = "sec-" + name.replace("/", "-")
    parts = [f"({label})=\n# {page.title}\n", page.prose[0] + "\n"]
    for i, eq in enumerate(page.equations):
        parts.append(f"$$\nx_{i} = {i + 1}\n$$ ({eq})\n")
    for ref in page.refs:
        kind, target = ref.split(":", 1)
        parts.append(f"See {{{kind}}}`{target}`.\n")
    for key in page.cites:
        parts.append(f"As {{cite:t}}`{key}` shows.\n")
    for j, image in enumerate(page.figures):
        if j % 2:  # a captioned figure: numbered, so that its number moves with the others
            parts.append(f":::{{figure}} ../img/{image}\n:name: fig-{label}-{j}\n\n"
                         f"A numbered figure.\n:::\n")
        else:
            parts.append(f"![A figure](../img/{image})\n")
    parts.append(page.prose[1] + "\n")
    n = sum(map(ord, name)) % 10
    parts.append(f"```{{code-cell}} ipython3\n{CODES[page.code].format(n=n)}\n```\n")
    return FRONT + "\n".join(parts)


def write(book: Book, root: Path) -> None:
    """The book's files at ``root`` (pages no longer in the model are removed)."""
    src = root / "source" / "en"
    (src / "img").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[tool.d2lbook]\nname = "diff"\nauthor = "{book.author}"\nversion = "1"\n'
        '[tool.d2lbook.languages.en]\ntitle = "Diff"\n'
        f'[tool.d2lbook.languages.zh]\ntitle = "{book.zh_title}"\nlocale = "zh_CN"\n'
        'latex_engine = "xelatex"\n'
        'cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]\n',
        encoding="utf-8")
    files = {"index.md": FRONT + "# Diff\n\n```{toctree}\n:numbered:\nch1/index\nch2/index\n"
                         "```\n\n```{toctree}\nreferences\n```\n",
             "references.md": FRONT + "# References\n\n```{bibliography}\n```\n"}
    for chapter, names in book.chapters.items():
        toc = "\n".join(names)
        files[f"{chapter}/index.md"] = (FRONT + f"# Chapter {chapter}\n\n```{{toctree}}\n"
                                        f"{toc}\n```\n")
    for name, page in book.pages.items():
        files[f"{name}.md"] = page_text(name, page)
    wanted = set(files)
    for path in src.rglob("*.md"):
        if path.relative_to(src).as_posix() not in wanted:
            path.unlink()
    for rel, text in files.items():
        _write_if_changed(src / rel, text)
    bib = "".join(f"@article{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n"
                  f"  journal = {{J}},\n  year = {{2020}}\n}}\n\n"
                  for key, (author, title) in book.bib.items())
    _write_if_changed(src / "references.bib", bib)
    for path in (src / "img").iterdir():
        if path.name not in book.images:
            path.unlink()
    for image, colour in book.images.items():
        _write_if_changed(src / "img" / image, svg(colour))


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------------
# Edits: each changes the model (or the catalogs) and says what it did.


def _page(book: Book, rng: random.Random) -> tuple[str, Page]:
    name = rng.choice(sorted(book.pages))
    return name, book.pages[name]


def _all_equations(book: Book) -> list[str]:
    return sorted({eq for page in book.pages.values() for eq in page.equations})


def edit_prose(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    page.prose[rng.randrange(2)] = sentence(rng)
    return f"prose of {name}"


def edit_code(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    page.code = (page.code + 1 + rng.randrange(len(CODES) - 1)) % len(CODES)
    return f"code of {name}"


def edit_title(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    page.title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}"
    return f"title of {name}"


def add_equation(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    page.equations.insert(rng.randrange(len(page.equations) + 1), book.fresh("eq-"))
    return f"equation added to {name}"


def duplicate_label(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    others = [eq for eq in _all_equations(book) if eq not in page.equations]
    if not others:
        return add_equation(book, rng, root)
    label = rng.choice(others)
    if page.equations:
        page.equations[rng.randrange(len(page.equations))] = label
    else:
        page.equations.append(label)
    return f"{name} takes label {label}"


def remove_equation(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    if not page.equations:
        return add_equation(book, rng, root)
    label = page.equations.pop(rng.randrange(len(page.equations)))
    return f"{label} removed from {name}"


def add_reference(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    if rng.random() < 0.5 and _all_equations(book):
        ref = "eq:" + rng.choice(_all_equations(book))
    else:
        ref = "ref:sec-" + rng.choice(sorted(book.pages)).replace("/", "-")
    page.refs.append(ref)
    return f"{name} refers to {ref}"


def remove_reference(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    if not page.refs:
        return add_reference(book, rng, root)
    return f"{name} drops {page.refs.pop(rng.randrange(len(page.refs)))}"


def cite(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    if page.cites and rng.random() < 0.4:
        return f"{name} no longer cites {page.cites.pop()}"
    key = rng.choice(sorted(book.bib) + ["missing99"])
    page.cites.append(key)
    return f"{name} cites {key}"


def edit_bib(book: Book, rng: random.Random, root: Path) -> str:
    choice = rng.random()
    if choice < 0.5 and book.bib:
        key = rng.choice(sorted(book.bib))
        author, title = book.bib[key]
        book.bib[key] = (rng.choice(["Smith, Jane", "Jones, Ann", "Wu, Li"]),
                         f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}")
        return f"bib entry {key} edited"
    if choice < 0.8 or len(book.bib) < 2:
        key = book.fresh("key")
        book.bib[key] = ("Doe, John", "New things")
        return f"bib entry {key} added"
    key = rng.choice(sorted(book.bib))
    del book.bib[key]
    return f"bib entry {key} removed"


def edit_figure(book: Book, rng: random.Random, root: Path) -> str:
    name, page = _page(book, rng)
    if page.figures and rng.random() < 0.4:
        return f"{name} drops figure {page.figures.pop()}"
    image = rng.choice(sorted(book.images))
    page.figures.append(image)
    return f"{name} shows {image}"


def edit_image(book: Book, rng: random.Random, root: Path) -> str:
    choice = rng.random()
    if choice < 0.5:
        image = rng.choice(sorted(book.images))
        book.images[image] = rng.choice(["#c33", "#3c3", "#33c", "#999"])
        return f"image {image} redrawn"
    if choice < 0.8 or len(book.images) < 2:
        image = book.fresh("img") + ".svg"
        book.images[image] = "#963"
        return f"image {image} added"
    image = rng.choice(sorted(book.images))
    del book.images[image]
    return f"image {image} removed"


def new_page(book: Book, rng: random.Random, root: Path) -> str:
    chapter = rng.choice(sorted(book.chapters))
    return f"page {chapter}/{add_page(book, rng, chapter)} added"


def remove_page(book: Book, rng: random.Random, root: Path) -> str:
    chapter = rng.choice(sorted(book.chapters))
    if len(book.chapters[chapter]) < 2:
        return new_page(book, rng, root)
    name = book.chapters[chapter].pop(rng.randrange(len(book.chapters[chapter])))
    del book.pages[f"{chapter}/{name}"]
    return f"page {chapter}/{name} removed"


def rename_page(book: Book, rng: random.Random, root: Path) -> str:
    chapter = rng.choice(sorted(book.chapters))
    names = book.chapters[chapter]
    index = rng.randrange(len(names))
    old = names[index]
    new = book.fresh("r")
    target = rng.choice(sorted(book.chapters))
    del names[index]
    book.chapters[target].insert(rng.randrange(len(book.chapters[target]) + 1), new)
    book.pages[f"{target}/{new}"] = book.pages.pop(f"{chapter}/{old}")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / chapter / f"{old}.po"
    if po.is_file():  # the translator's catalog goes with the page
        dest = root / "locale" / "zh_CN" / "LC_MESSAGES" / target / f"{new}.po"
        dest.parent.mkdir(parents=True, exist_ok=True)
        po.rename(dest)
    return f"page {chapter}/{old} renamed {target}/{new}"


def edit_catalog(book: Book, rng: random.Random, root: Path) -> str:
    from d2lbook.commands.i18n import update
    from d2lbook.config import load_config
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    cfg = load_config(root)
    update(cfg, cfg.language("zh"))
    catalogs = sorted((root / "locale" / "zh_CN" / "LC_MESSAGES").rglob("*.po"))
    po = rng.choice(catalogs)
    catalog = read_catalog(po)
    entries = [e for e in catalog.entries if e.msgid and not e.obsolete]
    if not entries:
        return f"catalog {po.name} merged"
    entry = rng.choice(entries)
    if entry.msgstr and rng.random() < 0.3:
        entry.msgstr = ""
        what = "cleared"
    elif entry.msgid.startswith(("$$", "See {", "As {", "![")) or "{" in entry.msgid:
        entry.msgstr = entry.msgid  # markup kept as it is
        what = "kept"
    else:
        entry.msgstr = "译文" + rng.choice("一二三四五六七八九") + "。"
        what = "translated"
    write_catalog(catalog, po)
    return f"catalog {po.relative_to(root / 'locale')}: {entry.msgid[:30]!r} {what}"


def edit_config(book: Book, rng: random.Random, root: Path) -> str:
    if rng.random() < 0.5:
        book.author = rng.choice(["Tester", "Other Author", "Third Person"])
        return f"author is {book.author}"
    book.zh_title = rng.choice(["小书", "一本小书", "书"])
    return f"Chinese title is {book.zh_title}"


EDITS = (edit_prose, edit_prose, edit_code, edit_title, add_equation, duplicate_label,
         remove_equation, add_reference, remove_reference, cite, edit_bib, edit_figure,
         edit_image, new_page, remove_page, rename_page, edit_catalog, edit_catalog,
         edit_config)


# ------------------------------------------------------------------------------------------
# Building and comparing


def build(root: Path, formats: tuple[str, ...]) -> dict[str, list[str]]:
    """Build the site (every edition) at ``root``; each edition's warnings."""
    from d2lbook.commands.site import build_site
    from d2lbook.config import load_config

    cfg = load_config(root)
    result = build_site(cfg, formats, jobs=1)
    return {e.lang: sorted({str(w) for w in (*e.warnings, *e.problems)})
            for e in result.build.editions}


_VOLATILE = [
    (re.compile(r"Last updated on [^.<]*\."), "Last updated on DATE."),
    (re.compile(r"最后更新于 [^.<]*\."), "最后更新于 DATE."),
]


def normalise(data: bytes, roots: tuple[Path, ...]) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    for root in roots:
        text = text.replace(str(root), "ROOT")
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text.encode("utf-8", errors="surrogateescape")


def tree_contents(folder: Path, roots: tuple[Path, ...], pdf: bool) -> dict[str, bytes]:
    """Every published file under ``folder``, normalised (zips by their members; PDFs by
    their text, when ``pdf``: a site keeps the PDF of the last build that made one)."""
    out: dict[str, bytes] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.endswith(".buildinfo") or "/.doctrees/" in rel:
            continue
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                for name in sorted(zf.namelist()):
                    out[f"{rel}!{name}"] = normalise(zf.read(name), roots)
        elif path.suffix == ".pdf":
            if pdf:
                out[rel] = pdf_text(path)
        else:
            out[rel] = normalise(path.read_bytes(), roots)
    return out


def pdf_text(path: Path) -> bytes:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout
    text = re.sub(rb"[A-Z][a-z]+ \d{1,2}, \d{4}", b"DATE", text)
    return re.sub(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日".encode(), b"DATE", text)


def differences(warm: Path, clean: Path, pdf: bool = False) -> list[str]:
    """What differs between the two sites, file by file (at most a few lines each)."""
    import difflib

    roots = (warm, clean)
    ours = tree_contents(warm / "_build" / "site", roots, pdf)
    theirs = tree_contents(clean / "_build" / "site", roots, pdf)
    found = []
    for rel in sorted(ours.keys() | theirs.keys()):
        if rel not in theirs:
            found.append(f"only in the warm build: {rel}")
        elif rel not in ours:
            found.append(f"only in the clean build: {rel}")
        elif ours[rel] != theirs[rel]:
            if rel.endswith("searchindex.js") and _same_index(ours[rel], theirs[rel]):
                continue
            a = ours[rel].decode("utf-8", "replace").splitlines()
            b = theirs[rel].decode("utf-8", "replace").splitlines()
            diff = [line for line in difflib.unified_diff(a, b, "warm", "clean", n=0, lineterm="")
                    if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            found.append(f"{rel} differs: " + " | ".join(x[:200] for x in diff[:6]))
    return found


def _same_index(a: bytes, b: bytes) -> bool:
    """Search indexes equal up to the order of their lists and the terms that name no page
    (Sphinx keeps a term with an empty list when the pages that had it are read again)."""
    def parse(data: bytes):
        text = data.decode()
        return json.loads(text[text.index("(") + 1:text.rindex(")")])

    def canonical(value):
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items() if v != []}
        if isinstance(value, list):
            return sorted((canonical(v) for v in value), key=repr)
        return value

    try:
        return canonical(parse(a)) == canonical(parse(b))
    except ValueError:
        return False


@dataclass
class Step:
    number: int
    edit: str
    differences: list[str]


def run(base: Path, seed: int, steps: int, pdf_every: int = 0,
        report=lambda step: None) -> list[Step]:
    """The differential run: ``steps`` random edits of a book at ``base/warm``, each followed
    by a warm build there and a clean build of a copy at ``base/clean``; every step's
    differences (site files and warnings)."""
    rng = random.Random(seed)
    warm, clean = base / "warm", base / "clean"
    book = new_book(rng)
    write(book, warm)
    edit_catalog(book, rng, warm)
    done = []
    for number in range(steps + 1):
        what = "the book" if number == 0 else rng.choice(EDITS)(book, rng, warm)
        write(book, warm)
        formats = ("html", "notebooks")
        if pdf_every and number % pdf_every == 0:
            formats += ("pdf",)
        warm_warnings = build(warm, formats)
        shutil.rmtree(clean, ignore_errors=True)
        clean.mkdir(parents=True)
        for part in ("source", "locale", "pyproject.toml"):
            if (warm / part).is_dir():
                shutil.copytree(warm / part, clean / part)
            elif (warm / part).is_file():
                shutil.copy2(warm / part, clean / part)
        # only the content-addressed execution cache and the listing of installed packages
        cache = warm / "_build" / "cache"
        shutil.copytree(cache / "execute", clean / "_build" / "cache" / "execute")
        if (cache / "environments.json").is_file():
            shutil.copy2(cache / "environments.json", clean / "_build" / "cache")
        clean_warnings = build(clean, formats)
        found = differences(warm, clean, "pdf" in formats)
        for lang in sorted(warm_warnings.keys() | clean_warnings.keys()):
            ours = {w.replace(str(warm), "ROOT") for w in warm_warnings.get(lang, [])}
            theirs = {w.replace(str(clean), "ROOT") for w in clean_warnings.get(lang, [])}
            found += [f"{lang}: warning only in the warm build: {w}" for w in ours - theirs]
            found += [f"{lang}: warning only in the clean build: {w}" for w in theirs - ours]
        step = Step(number, what, found)
        report(step)
        done.append(step)
    return done


def main() -> None:
    """``python -m tests.differential FOLDER [--seed N] [--steps N] [--pdf-every N]``: the
    long run with a line per step (the folder is emptied first)."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--pdf-every", type=int, default=25)
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    args.folder.mkdir(parents=True)
    started = time.perf_counter()

    def report(step: Step) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] step {step.number}: {step.edit}: "
              f"{len(step.differences)} differences", flush=True)
        for line in step.differences[:8]:
            print("    " + line[:400], flush=True)

    steps = run(args.folder, args.seed, args.steps, args.pdf_every, report)
    print(f"{len(steps) - 1} steps, {sum(bool(s.differences) for s in steps)} with differences")


if __name__ == "__main__":
    main()
