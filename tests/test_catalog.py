"""Catalog reading and writing: faithful, and byte-identical with GNU gettext's output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest

from d2lbook.errors import I18nError
from d2lbook.i18n.catalog import Catalog, Entry, parse_catalog, read_catalog, render_catalog

pytestmark = pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU gettext missing")

LONG_EN = ("Minibatch stochastic gradient descent estimates the gradient from a small random "
           "batch of examples and updates the parameters with {eq}`eq-sgd-update`, see "
           "[the docs](https://example.org/a/very/long/path/that/does/not/wrap/nicely.html).")
LONG_ZH = ("小批量随机梯度下降从一小批随机样本中估计梯度，并按照 {eq}`eq-sgd-update` "
           "更新参数，参见[文档](https://example.org/a/very/long/path/that/does/not/wrap/nicely.html)。"
           "这是一个很长的段落，它肯定比七十九列还要长，确实如此，而且全是中文字符没有空格可以断行。")

SAMPLE = f'''# Chinese translation of chapter_linear-networks/linear-regression.md
#  (two spaces kept)
#
msgid ""
msgstr ""
"Project-Id-Version: d2lbook\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: 2024-05-01 12:00+0000\\n"
"PO-Revision-Date: 2024-05-02 08:30+0800\\n"
"Last-Translator: 张三 <zhang@example.org>\\n"
"Language-Team: zh <zh@example.org>\\n"
"Language: zh_CN\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"X-Source-Commit: 0123456789abcdef0123456789abcdef01234567\\n"
"X-Custom-Field: kept\\n"

#. heading
msgid "Linear Regression"
msgstr "线性回归"

# translator note: check the term
#. paragraph
#, fuzzy
#| msgid "An old version of a long paragraph whose English has since been edited, twice."
msgid "{LONG_EN}"
msgstr "{LONG_ZH}"

#. list-item
msgid "Say \\"hi\\"\\tnow \\\\ here"
msgstr "说\\"你好\\""

#. table-cell
msgid "Untranslated cell"
msgstr ""

#~ msgid "A paragraph that was deleted."
#~ msgstr "一个被删除的段落。"

#, fuzzy
#~| msgid "A paragraph that was edited, then deleted."
#~ msgid "A paragraph that was edited and then deleted from the page."
#~ msgstr "一个被编辑后又被删除的段落，它的翻译必须保留下来，不能丢失，即使它很长很长很长很长。"
'''


def msgcat(text: str) -> str:
    return subprocess.run(["msgcat", "-", "-o", "-"], input=text, capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture()
def canonical() -> str:
    return msgcat(SAMPLE)


def test_sample_is_wrapped_by_gettext(canonical: str) -> None:
    assert canonical != SAMPLE  # gettext wraps the long lines
    assert max(len(line) for line in canonical.splitlines()) <= 80


def test_round_trip_is_byte_identical(canonical: str) -> None:
    assert render_catalog(parse_catalog(canonical)) == canonical


def test_round_trip_of_unwrapped_input_equals_msgcat() -> None:
    assert render_catalog(parse_catalog(SAMPLE)) == msgcat(SAMPLE)


def test_render_is_a_fixed_point_of_msgcat(canonical: str) -> None:
    rendered = render_catalog(parse_catalog(canonical))
    assert msgcat(rendered) == rendered


def test_fields_are_read_faithfully(canonical: str) -> None:
    cat = parse_catalog(canonical)
    assert list(cat.header)[-2:] == ["X-Source-Commit", "X-Custom-Field"]
    assert cat.header["X-Source-Commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert cat.header["Last-Translator"] == "张三 <zhang@example.org>"
    assert cat.header_comments[:2] == [
        "Chinese translation of chapter_linear-networks/linear-regression.md",
        " (two spaces kept)",
    ]
    heading, para, quoted, cell, gone, gone2 = cat.entries
    assert (heading.msgid, heading.msgstr, heading.extracted) == ("Linear Regression", "线性回归",
                                                                  ["heading"])
    assert para.fuzzy and para.msgid == LONG_EN and para.msgstr == LONG_ZH
    assert para.previous_msgid is not None and para.previous_msgid.startswith("An old version")
    assert para.comments == ["translator note: check the term"]
    assert quoted.msgid == 'Say "hi"\tnow \\ here' and quoted.msgstr == '说"你好"'
    assert cell.msgstr == "" and not cell.fuzzy
    assert gone.obsolete and gone.msgstr == "一个被删除的段落。"
    assert gone2.obsolete and gone2.fuzzy
    assert gone2.previous_msgid == "A paragraph that was edited, then deleted."
    assert heading.line == canonical.splitlines().index("#. heading") + 1


def test_lookup(canonical: str) -> None:
    cat = parse_catalog(canonical)
    assert cat.lookup("Linear   Regression\n") == "线性回归"
    assert cat.lookup(LONG_EN) is None
    assert cat.lookup(LONG_EN, fuzzy=True) == LONG_ZH
    assert cat.lookup("Untranslated cell") is None
    assert cat.lookup("A paragraph that was deleted.") is None  # obsolete


def test_polib_agrees_on_what_it_reads(canonical: str, tmp_path: Path) -> None:
    """polib is a second reader for the parts it supports (it drops #~| itself)."""
    path = tmp_path / "a.po"
    path.write_text(canonical, encoding="utf-8")
    theirs = polib.pofile(str(path))
    ours = read_catalog(path)
    assert [(e.msgid, e.msgstr, bool(e.obsolete), bool(e.fuzzy)) for e in theirs] == \
        [(e.msgid, e.msgstr, e.obsolete, e.fuzzy) for e in ours.entries]
    assert theirs.metadata["X-Source-Commit"] == ours.header["X-Source-Commit"]


def test_polib_would_lose_obsolete_previous(canonical: str, tmp_path: Path) -> None:
    path = tmp_path / "a.po"
    path.write_text(canonical, encoding="utf-8")
    assert "#~|" in canonical
    assert "#~|" not in str(polib.pofile(str(path)))  # why polib is not used for writing


def test_built_catalog_renders_like_gettext() -> None:
    cat = Catalog(header={"Content-Type": "text/plain; charset=UTF-8", "X-Source-Commit": "abc"},
                  entries=[Entry(msgid=LONG_EN, msgstr=LONG_ZH, extracted=["paragraph"]),
                           Entry(msgid="two\nlines", msgstr="两\n行")])
    text = render_catalog(cat)
    assert text == msgcat(text)
    again = parse_catalog(text)
    assert [(e.msgid, e.msgstr) for e in again.entries] == [(LONG_EN, LONG_ZH),
                                                            ("two\nlines", "两\n行")]
    assert again.header["X-Source-Commit"] == "abc"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('msgid "a"\nmsgstr "b"\n\nmsgid "c\nmsgstr "d"\n', 4, "quoted string"),
        ('msgid "a"\nmsgstr "b"\nmsgstr "c"\n', 3, "duplicate msgstr"),
        ('msgstr "b"\n', 1, "without a msgid"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "x"\n', 4, "no msgstr"),
        ('msgid "a"\nmsgstr "b"\n\nbogus line\n', 4, "expected msgid"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 4, "duplicate message"),
        ('msgid "a"\nmsgstr "b\\q"\n', 2, "invalid escape"),
        ('"orphan"\n', 1, "continuation"),
    ],
)
def test_syntax_errors_name_file_and_line(text: str, line: int, words: str,
                                          tmp_path: Path) -> None:
    path = tmp_path / "bad.po"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(I18nError) as info:
        read_catalog(path)
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == (path, line)
    assert words in problem.message
    assert f"{path}:{line}:" in str(info.value)


def test_gettext_rejects_what_we_reject(tmp_path: Path) -> None:
    path = tmp_path / "bad.po"
    path.write_text('msgid "a"\nmsgstr "b"\n\nmsgid "c\nmsgstr "d"\n', encoding="utf-8")
    assert subprocess.run(["msgcat", str(path)], capture_output=True).returncode != 0


def test_real_catalogs_round_trip() -> None:
    root = Path(__file__).parent.parent / "locale"
    for path in sorted(root.rglob("*.po")) if root.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        assert render_catalog(parse_catalog(text, path)) == msgcat(text), path


def sphinx_catalogs() -> list[Path]:
    """Real-world catalogs shipped with Sphinx (plural forms, CJK, RTL scripts)."""
    import sphinx

    root = Path(sphinx.__file__).parent / "locale"
    wanted = ("zh_CN", "zh_TW", "ja", "ko", "ru", "ar", "fr", "pl", "he")
    return [root / lang / "LC_MESSAGES" / "sphinx.po" for lang in wanted
            if (root / lang / "LC_MESSAGES" / "sphinx.po").is_file()]


@pytest.mark.parametrize("path", sphinx_catalogs(), ids=lambda p: p.parent.parent.name)
def test_third_party_catalogs_round_trip(path: Path) -> None:
    canonical = subprocess.run(["msgcat", "--force-po", str(path)], capture_output=True,
                               text=True, check=True).stdout
    assert render_catalog(read_catalog(path)) == canonical
    assert render_catalog(parse_catalog(canonical)) == canonical


def test_header_only_catalog_is_kept() -> None:
    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"X-A: b\\n"\n'
    rendered = render_catalog(parse_catalog(text))
    assert parse_catalog(rendered).header == {"Content-Type": "text/plain; charset=UTF-8",
                                              "X-A": "b"}
