"""The Chinese edition: one source, catalogs applied, every format in Chinese."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import copy_book
from tests.helpers import git

pytestmark = pytest.mark.slow

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_zh_reuses_every_execution_of_en(built_book):
    assert built_book.en.executed > 0
    assert built_book.zh.executed == 0
    zh = built_book.zh.editions[0]
    assert zh.executed == 0 and zh.cached == built_book.en.editions[0].executed
    # One notebook per (page, framework): the pages with code are those English ran.
    assert zh.without_code == zh.pages - len({page for page, _ in built_book.en.editions[0].runs})


def test_the_site_is_chinese(built_book):
    html = built_book.cfg.build_dir / "zh" / "html"
    page = (html / "chapter_linear-networks" / "linear-regression.html").read_text()
    assert '<html lang="zh-CN"' in page
    assert "线性回归" in page and "损失函数" in page
    assert "搜索" in page  # theme UI strings come from Sphinx's zh_CN catalog
    assert 'class="math' in page
    # The Chinese-only preface exists and is listed in the table of contents.
    assert (html / "chapter_preface" / "zh-preface.html").is_file()
    assert "zh-preface.html" in (html / "index.html").read_text()


def test_chinese_search_index_has_words(built_book):
    index = (built_book.cfg.build_dir / "zh" / "html" / "searchindex.js").read_text()
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"]
    chinese = [t for t in terms if HAN.search(t)]
    assert len(chinese) > 200, "jieba must be installed for Sphinx to index Chinese"
    assert any(t in ("回归", "线性回归") for t in chinese)
    assert "梯度" in chinese or "梯度下降" in chinese


def test_the_pdf_is_chinese(built_book):
    from d2lbook.layout import BookLayout

    cfg = built_book.cfg
    pdf = BookLayout(cfg).pdf(cfg.language("zh"), cfg.default_framework.key)
    assert built_book.zh.editions[0].pdf == pdf
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("目录", "第 1 章", "第 3 章", "线性回归", "预备知识", "自动微分"):
        assert expected in text, expected
    assert re.search(r"图 ?3\.1", text) and re.search(r"表 ?2\.1", text)
    contents = text[:text.index("第 1 章", text.index("附录"))]
    assert contents.count("参考文献") == 1, contents  # once, not again as a chapter of its own
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts  # bold headings use Sans


def test_the_notebooks_are_chinese_with_shared_outputs(built_book):
    import nbformat

    from d2lbook.layout import BookLayout

    cfg = built_book.cfg
    layout, fw = BookLayout(cfg), cfg.default_framework.key
    zip_path = layout.notebook_zip(cfg.language("zh"), fw)
    stem = layout.stem(cfg.language("zh"), fw)
    with zipfile.ZipFile(zip_path) as zf:
        nb = nbformat.reads(
            zf.read(f"{stem}/chapter_linear-networks/softmax-regression.ipynb").decode(),
            as_version=4)
        assert f"{stem}/chapter_preface/zh-preface.ipynb" in zf.namelist()
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert len(HAN.findall(prose)) > 500
    assert "{numref}" not in prose and "{eq}" not in prose
    assert re.search(r"\[图 ?\d+\.\d+\]|\[\(\d+\.\d+\)\]", prose)
    en = json.loads((layout.notebooks(cfg.language("en"), fw) / "chapter_linear-networks"
                     / "softmax-regression.ipynb").read_text())
    # the book's code cells (the set-up cell first is written in each edition's language)
    en_code = [(c["source"], c["outputs"]) for c in en["cells"]
               if c["cell_type"] == "code" and not c["metadata"].get("d2lbook", {}).get("setup")]
    zh_code = [(c.source, c.outputs) for c in nb.cells
               if c.cell_type == "code" and not c.metadata.get("d2lbook", {}).get("setup")]
    comment = re.compile(r"#.*$", re.MULTILINE)  # the comments are translated, not the code
    assert [comment.sub("", s) for s, _ in zh_code] == [comment.sub("", s) for s, _ in en_code]
    assert any("# 防止溢出，结果不变" in s for s, _ in zh_code)
    assert [o for _, o in zh_code] == [o for _, o in en_code]  # one execution, both editions
    assert sum(1 for _, o in zh_code if o) >= 3


def test_a_bad_translation_falls_back_to_english_and_fails_strict(built_book, tmp_path: Path,
                                                                    capsys):
    from d2lbook.cli import main
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    root = copy_book(tmp_path / "book")
    shutil.copytree(built_book.cfg.build_dir / "cache", root / "_build" / "cache")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "chapter_linear-networks" / \
        "linear-regression.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog.entries if "{numref}" in e.msgid and e.msgstr)
    entry.msgstr = re.sub(r"\{numref\}`[^`]+`", "图", entry.msgstr)
    script = next(e for e in catalog.entries if e.msgstr and e is not entry
                  and e.msgid.startswith("The "))
    script.msgstr += '<script>alert("x")</script>'
    write_catalog(catalog, po)
    line = read_catalog(po).find(entry.msgid).msgstr_line  # reported at its msgstr

    assert main(["--root", str(root), "build", "html", "--lang", "zh"]) == 0
    err = capsys.readouterr().err
    assert f"linear-regression.po:{line}:" in err and "numref" in err
    assert "<script" in err or "script" in err.lower()
    html = (root / "_build" / "zh" / "html" / "chapter_linear-networks" /
            "linear-regression.html").read_text()
    assert 'alert("x")' not in html
    first_words = " ".join(entry.msgid.split()[:4])
    assert first_words in re.sub(r"<[^>]+>", "", html).replace("\n", " ")

    assert main(["--root", str(root), "build", "html", "--lang", "zh", "--strict"]) == 1


def test_a_broken_catalog_renders_its_page_in_english(built_book, tmp_path: Path):
    from d2lbook.commands.build import build
    from d2lbook.config import load_config

    root = copy_book(tmp_path / "book")
    shutil.copytree(built_book.cfg.build_dir / "cache", root / "_build" / "cache")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "chapter_preliminaries" / "autograd.po"
    lines = po.read_text().splitlines(keepends=True)
    lines.insert(20, 'msgstr "dangling\n')
    po.write_text("".join(lines))
    cfg = load_config(root)
    result = build(cfg, cfg.select("zh"), ("html",))
    problems = [str(p) for p in result.editions[0].problems]
    assert any("autograd.po:" in p for p in problems), problems
    html = (root / "_build" / "zh" / "html" / "chapter_preliminaries" / "autograd.html")
    assert "Automatic Differentiation" in html.read_text()
    other = (root / "_build" / "zh" / "html" / "chapter_preliminaries" / "ndarray.html")
    assert HAN.search(other.read_text())



def test_english_shown_in_the_chinese_site_is_marked(built_book, tmp_path: Path):
    """An English edit after the last sync: the paragraph shows its last translation, marked
    outdated (git says it changed since it was translated); a new paragraph shows English,
    marked untranslated; the translation-status page counts both."""
    from d2lbook.commands.build import build
    from d2lbook.commands.i18n import update
    from d2lbook.config import load_config

    root = copy_book(tmp_path / "book")
    shutil.copytree(built_book.cfg.build_dir / "cache", root / "_build" / "cache")
    (root / ".gitignore").write_text("_build/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "book")
    cfg = load_config(root)
    update(cfg, cfg.language("zh"))  # records this repository's commits as sync points
    git(root, "commit", "-q", "-am", "sync catalogs")

    from d2lbook.i18n.segment import segment

    page = root / "source" / "en" / "chapter_preliminaries" / "autograd.md"
    text = page.read_text()
    para = [s for s in segment(text) if s.kind == "paragraph"][1]
    edited = text[para.start:para.end] + " This sentence was added later."
    page.write_text(text[:para.start] + edited + "\n\nA brand new paragraph." +
                    text[para.end:])
    git(root, "commit", "-q", "-am", "Expand the autograd introduction")

    result = build(cfg, cfg.select("zh"), ("html",))
    progress = result.editions[0]
    assert progress.executed == 0
    html = (root / "_build" / "zh" / "html" / "chapter_preliminaries" / "autograd.html")
    page_html = html.read_text()
    # the edited paragraph shows its last translation, marked as possibly outdated
    outdated = re.search(r'<p class="d2l-outdated">(.*?)</p>', page_html, re.S)
    assert outdated and outdated.group(1).startswith("深度学习框架用<em>自动微分</em>")
    assert "This sentence was added later" not in page_html
    assert re.search(r'<p class="d2l-untranslated">A brand new paragraph', page_html)
    notice = re.search(r'<div class="d2l-translation-notice".*?</div>', page_html, re.S).group(0)
    assert "本页有 2 段尚未翻译或译文可能已过时" in notice
    assert 'href="../../en/chapter_preliminaries/autograd.html"' in notice
    assert 'href="../translation-status.html"' in notice
    other = (root / "_build" / "zh" / "html" / "chapter_preliminaries" / "ndarray.html")
    assert "d2l-translation-notice" not in other.read_text()
    status = (root / "_build" / "zh" / "html" / "translation-status.html").read_text()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*autograd\.html(?:(?!</tr>).)*</tr>", status,
                    re.S).group(0)
    # every other message of the page is current (each distinct message counted once)
    assert [int(n) for n in re.findall(r"<td[^>]*>(?:<p>)?(\d+)", row)][:4] == \
        [len({s.msgid for s in segment(text)}) - 1, 1, 1, 0]


def test_a_third_edition_is_configuration_plus_catalogs(built_book, tmp_path: Path):
    """Adding a language needs no code: a [tool.d2lbook.languages.<code>] table and catalogs.
    Untranslated text shows in English, marked, and the edition links to the others."""
    from d2lbook.commands.build import build
    from d2lbook.commands.i18n import update
    from d2lbook.config import load_config
    from d2lbook.i18n.catalog import read_catalog, write_catalog

    root = copy_book(tmp_path / "book")
    shutil.copytree(built_book.cfg.build_dir / "cache", root / "_build" / "cache")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        "[tool.d2lbook.execution]",
        '[tool.d2lbook.languages.fr]\ntitle = "L\'apprentissage profond par la pratique"\n'
        'locale = "fr"\n\n[tool.d2lbook.execution]'))
    cfg = load_config(root)
    fr = cfg.language("fr")
    report = update(cfg, fr)
    assert {r.status for r in report.results} == {"created"}
    po = root / "locale" / "fr" / "LC_MESSAGES" / "chapter_preface" / "index.po"
    catalog = read_catalog(po)
    catalog.find("Preface").msgstr = "Préface"
    write_catalog(catalog, po)

    result = build(cfg, (fr,), ("html",))
    assert result.executed == 0
    html = root / "_build" / "fr" / "html"
    preface = (html / "chapter_preface" / "index.html").read_text()
    assert '<html lang="fr"' in preface and "Préface" in preface
    assert 'class="d2l-untranslated"' in preface
    assert 'hreflang="zh-CN"' in preface and 'hreflang="en"' in preface


def test_code_comments_are_chinese_and_nothing_runs_again(built_book):
    """The sample book's Chinese pages show Chinese comments in their code, the English code
    and outputs, and the Chinese edition executed nothing (the key is the English cell's)."""
    import nbformat

    from d2lbook.layout import BookLayout

    cfg = built_book.cfg
    assert built_book.zh.executed == 0
    html = (cfg.build_dir / "zh" / "html" / "chapter_preliminaries" / "ndarray.html").read_text()
    assert "最后一行" in html and "the last row" not in html
    assert "第一列" in html and "print" in html
    layout, fw = BookLayout(cfg), cfg.default_framework.key
    stem = layout.stem(cfg.language("zh"), fw)
    path = f"{stem}/chapter_linear-networks/linear-regression.ipynb"
    with zipfile.ZipFile(layout.notebook_zip(cfg.language("zh"), fw)) as zf:
        zh_nb = nbformat.reads(zf.read(path).decode(), as_version=4)
    stem_en = layout.stem(cfg.language("en"), fw)
    with zipfile.ZipFile(layout.notebook_zip(cfg.language("en"), fw)) as zf:
        en_nb = nbformat.reads(zf.read(path.replace(stem, stem_en)).decode(), as_version=4)
    # the book's code cells (the set-up cell first is written in each edition's language)
    zh_code = [c for c in zh_nb.cells
               if c.cell_type == "code" and not c.metadata.get("d2lbook", {}).get("setup")]
    en_code = [c for c in en_nb.cells
               if c.cell_type == "code" and not c.metadata.get("d2lbook", {}).get("setup")]
    assert any("# 停靠站数" in c.source for c in zh_code)
    assert not any("number of stops" in c.source for c in zh_code)
    assert [c.outputs for c in zh_code] == [c.outputs for c in en_code]
    # comments aside, the code is the English code
    strip = re.compile(r"#.*$", re.MULTILINE)
    assert [strip.sub("", c.source) for c in zh_code] == [strip.sub("", c.source) for c in en_code]
