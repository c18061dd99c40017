"""A warm build gives what a clean build gives (design decision 13): Sphinx's pickled
environment, the step stamps and the outputs of pages that no longer exist never show
through."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from tests.helpers import make_book, pyproject
from tests.test_errors import FRONT


def book(root: Path, pages: dict[str, str], bib: str = "") -> Path:
    toc = "\n".join(name for name in pages)
    index = f"# Tiny\n\n```{{toctree}}\n:numbered:\n{toc}\n```\n"
    make_book(root, {name: FRONT + text for name, text in {"index": index, **pages}.items()},
              pyproject(author="Tester"))
    if bib:
        (root / "source" / "en" / "references.bib").write_text(bib)
    return root


def write(root: Path, name: str, text: str) -> None:
    path = root / "source" / "en" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT + text)


def build(root: Path, formats: tuple[str, ...] = ("html",), site: bool = False):
    from d2lbook.commands.build import build as run
    from d2lbook.commands.site import build_site
    from d2lbook.config import load_config

    cfg = load_config(root)
    if site:
        return build_site(cfg, formats, jobs=1, langs=cfg.select("en")).build.editions[0]
    return run(cfg, cfg.select("en"), formats, jobs=1).editions[0]


def html(root: Path, name: str) -> str:
    return (root / "_build" / "en" / "html" / f"{name}.html").read_text(encoding="utf-8")


A = "# A\n\n$$\nx = 1\n$$ (eq-a)\n\nSee {eq}`eq-a`.\n"
C = "# C\n\nCite {eq}`eq-c`.\n"
B = "# B\n\n$$\ny = 2\n$$ (eq-b)\n\n$$\nz = 3\n$$ (eq-c)\n\nSee {eq}`eq-c`.\n"


def test_an_equation_label_duplicated_then_undone_resolves_again(tmp_path: Path):
    root = book(tmp_path, {"a": A, "b": B, "c": C})
    assert build(root).warnings == []
    assert "(2.2)" in html(root, "c")
    # Page a takes the label page b has; the build says so.
    write(root, "a", A.replace("(eq-a)", "(eq-c)"))
    duplicated = build(root)
    assert any("eq-c" in w for w in duplicated.warnings)
    # Undone: b's equation is (2.2) again, and stays so when c, which cites it, is read again.
    write(root, "a", A)
    assert build(root).warnings == []
    write(root, "c", C.replace("Cite", "Quote"))
    again = build(root)
    assert again.warnings == [] and "(2.2)" in html(root, "c")
    assert build(root).warnings == []


def test_a_duplicate_label_warns_as_in_a_clean_build(tmp_path: Path):
    """The later page in reading order is the one a clean build blames, whichever was
    edited."""
    root = book(tmp_path / "warm", {"a": A, "b": B})
    build(root)
    for a, b in [(A.replace("(eq-a)", "(eq-c)"), B),  # the earlier page takes a label
                 (A, B),
                 (A, B.replace("(eq-b)", "(eq-a)"))]:  # the later page takes one
        write(root, "a", a)
        write(root, "b", b)
        warm = build(root).warnings
        clean = tmp_path / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        shutil.copytree(root / "source", clean / "source")
        shutil.copy(root / "pyproject.toml", clean)
        assert warm == build(clean).warnings
        assert html(root, "a") == html(clean, "a") and html(root, "b") == html(clean, "b")


BIB = ("@article{smith2020,\n  author = {Smith, Jane},\n  title = {Old Title},\n"
       "  journal = {J},\n  year = {2020}\n}\n")
CITING = "# Citing\n\nAs {cite:t}`smith2020` shows.\n"
BIBLIO = "# References\n\n```{bibliography}\n```\n"


def test_a_bib_edit_reaches_the_pages_that_cite_the_entry(tmp_path: Path):
    root = book(tmp_path, {"citing": CITING, "refs": BIBLIO}, BIB)
    build(root)
    assert "Smith" in html(root, "citing")
    bib = root / "source" / "en" / "references.bib"
    bib.write_text(BIB.replace("Smith, Jane", "Jones, Ann").replace("Old Title", "New Title"))
    build(root)
    assert "Jones" in html(root, "refs")
    assert "Jones" in html(root, "citing") and "Smith" not in html(root, "citing")


def test_a_page_removed_from_the_book_leaves_no_output(tmp_path: Path):
    root = book(tmp_path, {"a": A, "gone": "# Gone\n\n![dot](img/dot.svg)\n\nBye.\n"})
    (root / "source" / "en" / "img").mkdir()
    (root / "source" / "en" / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n')
    build(root, ("html", "notebooks"), site=True)
    out = root / "_build" / "en" / "html"
    site = root / "_build" / "site" / "en"
    assert (out / "gone.html").is_file() and (site / "gone.html").is_file()
    (root / "source" / "en" / "gone.md").unlink()
    write(root, "index", "# Tiny\n\n```{toctree}\n:numbered:\na\n```\n")
    build(root, ("html", "notebooks"), site=True)
    published = [out, root / "_build" / "en" / "notebooks", root / "_build" / "site"]
    left = [p.relative_to(root) for folder in published for p in folder.rglob("*gone*")]
    left += [p.relative_to(root) for p in out.rglob("dot*.svg")]
    assert left == []
    with zipfile.ZipFile(root / "_build" / "en" / "notebooks" / "tiny-en.zip") as zf:
        assert not [n for n in zf.namelist() if "gone" in n]
    assert "gone" not in (out / "searchindex.js").read_text()
    assert "gone" not in html(root, "index")


def test_an_output_removed_by_hand_is_made_again(tmp_path: Path):
    root = book(tmp_path, {"a": A + "\n![dot](img/dot.svg)\n"})
    (root / "source" / "en" / "img").mkdir()
    (root / "source" / "en" / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n')
    build(root)
    out = root / "_build" / "en" / "html"
    (out / "a.html").unlink()
    rebuilt = build(root)
    assert rebuilt.skipped == [] and (out / "a.html").is_file()
    (image,) = out.glob("_images/dot*.svg")
    image.unlink()
    assert build(root).skipped == [] and image.is_file()
    # a no-op checks every output again and starts nothing
    assert build(root).skipped == ["html"]


def test_an_image_no_page_shows_any_more_leaves_the_output(tmp_path: Path):
    root = book(tmp_path, {"a": A + "\n![dot](img/dot.svg)\n"})
    (root / "source" / "en" / "img").mkdir()
    (root / "source" / "en" / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>\n')
    build(root)
    out = root / "_build" / "en" / "html"
    assert list(out.glob("_images/dot*.svg"))
    write(root, "a", A)
    build(root)
    assert not list(out.glob("_images/dot*.svg"))


def test_an_edited_page_is_written_as_a_first_build_writes_it(tmp_path: Path):
    """Sphinx links a static file with ``?v=<checksum>`` only when the file is already in the
    output, and keeps search terms no page has any more: a page written again, and the search
    index, must still be byte for byte a first build's."""
    root = book(tmp_path / "warm", {"a": A + "\nA zebrafish swims.\n", "b": B})
    build(root)
    write(root, "a", A + "\nA goldfish swims.\n")
    build(root)
    clean = book(tmp_path / "clean", {"a": A + "\nA goldfish swims.\n", "b": B})
    build(clean)
    out, first = root / "_build" / "en" / "html", clean / "_build" / "en" / "html"
    assert "?v=" in html(clean, "a")  # the stylesheet links carry their checksum in both
    for name in ("a.html", "b.html", "index.html", "searchindex.js"):
        warm = (out / name).read_text(encoding="utf-8").replace(str(root), "ROOT")
        assert warm == (first / name).read_text(encoding="utf-8").replace(str(clean), "ROOT"), name
    assert "zebrafish" not in (out / "searchindex.js").read_text(encoding="utf-8")


def test_a_change_of_d2lbook_itself_reaches_every_page(tmp_path: Path, monkeypatch):
    """Sphinx keeps pages it read and wrote with the code of the last build: a d2lbook whose
    Sphinx side reads pages otherwise must read them all again (as after an upgrade)."""
    from docutils import nodes

    from d2lbook.render import sphinx_ext, uptodate

    root = book(tmp_path, {"a": "# A\n\nAlpha.\n", "b": "# B\n\nBeta.\n"})
    build(root)
    assert "Upgraded." not in html(root, "b")
    read = sphinx_ext._unnumbered_chapters

    def upgraded(app, doctree) -> None:  # the new code adds a paragraph to every page
        read(app, doctree)
        doctree += nodes.paragraph(text="Upgraded.")

    monkeypatch.setattr(sphinx_ext, "_unnumbered_chapters", upgraded)
    monkeypatch.setattr(uptodate, "code_digest", lambda: "f" * 64)
    monkeypatch.setattr(uptodate, "toolchain_digest", lambda memo=None: "e" * 64)
    write(root, "a", "# A\n\nAlpha, edited.\n")
    assert build(root).warnings == []
    assert "Upgraded." in html(root, "a")
    assert "Upgraded." in html(root, "b"), "b did not change, but the code that reads it did"
