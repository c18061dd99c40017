"""`d2lbook i18n import`: a hand-made Chinese fork of an older commit of a small English book
(tests/fork_book.py) becomes catalogs; measured against the recorded true pairing."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from d2lbook.cli import main
from d2lbook.commands.fork_import import import_fork
from d2lbook.config import load_config
from d2lbook.errors import ConfigError
from d2lbook.i18n.catalog import read_catalog, render_catalog
from d2lbook.i18n.fork.align import align_pages
from d2lbook.i18n.fork.language import add_language
from d2lbook.i18n.fork.structure import read_structure
from tests.fork_book import FORK, evaluate, make_book, truth

KEYS = ("mxnet", "pytorch")
"""The sample book's framework keys (its configuration)."""

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("msgcat") is None,
                                reason="git and GNU gettext needed")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    book = tmp_path_factory.mktemp("fork") / "book"
    shas = make_book(book)
    result = import_fork(FORK, "zh", root=book)
    return book, shas, result


def page(result, name: str):
    return next(p for p in result.pages if p.fork_file == f"source/en/{name}.md")


def test_confident_pairs_are_right_and_true_pairs_are_found(imported):
    _book, shas, result = imported
    figures = evaluate(result, truth(), shas)
    assert figures["precision"] >= 0.98, figures["wrong"]
    assert figures["recall"] >= 0.90, figures["missed"]
    # every true pair is found: the fork writing the English's $-1$ as text is a translation
    assert figures["missed"] == []
    assert figures["confident"] >= 40  # most pairs are sure enough to be translations


def test_pages_are_found_across_renames_at_the_version_they_were_translated_from(imported):
    _book, shas, result = imported
    assert result.fork_point == shas["C3"]
    tensors = page(result, "basics/tensors")
    assert tensors.english == "source/en/basics/arrays.md"  # renamed after the fork
    assert tensors.version_commit == shas["C2"]
    optimization = page(result, "basics/optimization")
    assert optimization.english == "source/en/training/optimization.md"  # moved
    assert optimization.version_commit == shas["C2"]
    # C4 rewrote a paragraph only: structurally the same, the fork point decides
    perceptron = page(result, "models/perceptron")
    assert perceptron.version_commit == shas["C3"] and perceptron.candidates == 2
    assert all(p.confidence >= 0.9 for p in (tensors, optimization, perceptron))
    assert result.missing == ["source/en/models/regularization.md"]


def test_fork_only_page_becomes_a_chinese_page_and_the_language_is_configured(imported):
    book, _shas, result = imported
    tips = page(result, "basics/zh-tips")
    assert tips.english is None and tips.written == "source/zh/basics/zh-tips.md"
    assert (book / tips.written).read_text(encoding="utf-8") == \
        (FORK / "source/en/basics/zh-tips.md").read_text(encoding="utf-8")
    # the image it uses comes along (the fork's copy of an English image does not)
    assert (book / "source/zh/img/zh-glossary.svg").is_file()
    assert not (book / "source/zh/img/descent-path.svg").exists()
    assert any("zh-tips.md: a page only in the fork" in w and "zh-glossary.svg" in w
               for w in result.warnings)
    assert result.language_added
    zh = tomllib.loads((book / "pyproject.toml").read_text())["tool"]["d2lbook"]["languages"]["zh"]
    assert zh["latex_engine"] == "xelatex" and zh["locale"] == "zh_CN"
    assert zh["cjk_fonts"][0] == "Noto Serif CJK SC"
    assert zh["title"] == "从数据中学习"  # the fork's own title
    assert load_config(book).language("zh").cjk_fonts[1] == "Noto Sans CJK SC"


def test_left_over_blocks_and_code_differences_are_reported_with_their_lines(imported):
    _book, _shas, result = imported
    for name, data in truth()["pages"].items():
        assert [x["line"] for x in page(result, name).leftovers] == data["left_over_lines"], name
    optimization = page(result, "basics/optimization")
    assert "译者注" in optimization.leftovers[0]["text"]
    perceptron = page(result, "models/perceptron")
    assert all("'pytorch'" in x["reason"] for x in perceptron.leftovers)
    assert any("pytorch" in w for w in result.warnings)
    # translated comments and re-wrapped code are not differences; changed code is, and so
    # is code of a framework the English page lacks
    assert [(c["fork_line"], c["english_line"]) for c in perceptron.code] == \
        [(29, 32), (50, None)]
    assert "'epochs = 10 )' -> 'epochs = 20 )'" in perceptron.code[0]["detail"]
    assert "framework pytorch" in perceptron.code[1]["detail"]
    tensors = page(result, "basics/tensors")
    assert [c["fork_line"] for c in tensors.code] == [48]


def test_catalogs_are_canonical_synced_to_today_and_stable_under_update(imported, tmp_path):
    book, shas, result = imported
    path = book / "locale/zh_CN/LC_MESSAGES/basics/arrays.po"
    data = path.read_bytes()
    catalog = read_catalog(path)
    assert render_catalog(catalog).encode() == data
    assert catalog.header["X-Source-Commit"] == shas["C5"]  # the page's last English commit
    changed = catalog.find("The call `np.arange(12)` creates a vector holding the integers from "
                           "0 to 11. Its `shape` attribute reports the length of every axis, "
                           "here `(12,)`, and `size` the number of elements.")
    assert changed.fuzzy and changed.msgstr.startswith("调用 `np.arange(12)`")
    assert changed.previous_msgid.endswith("tells us how many elements it holds along each axis.")
    as_text = catalog.find("We could also write `x.reshape(-1, 4)`: the value $-1$ asks NumPy "
                           "to work out that axis from the others.")
    assert as_text.msgstr.startswith("我们也可以写成") and "值 -1 让" in as_text.msgstr  # $-1$
    same = catalog.find("Changing the Shape")
    assert same.msgstr == "改变形状" and not same.fuzzy
    # a paragraph deleted from the English since: its translation stays, obsolete
    optimization = read_catalog(book / "locale/zh_CN/LC_MESSAGES/training/optimization.po")
    gone = [e for e in optimization.entries if e.obsolete]
    assert [e.msgid[:26] for e in gone] == ["With a learning rate of 1."]
    assert gone[0].msgstr.startswith("当学习率为 1.1 时") and not gone[0].fuzzy
    assert page(result, "basics/optimization").obsolete == 1
    from d2lbook.commands.i18n import update

    copy = tmp_path / "copy"
    shutil.copytree(book, copy)
    cfg = load_config(copy)
    report = update(cfg, cfg.language("zh"))
    statuses = {r.page: r.status for r in report.results}
    assert statuses.pop("models/regularization") == "created"  # the page the fork lacks
    assert set(statuses.values()) == {"unchanged"}
    assert (copy / path.relative_to(book)).read_bytes() == data
    again = import_fork(FORK, "zh", root=copy)  # importing again changes nothing
    assert (copy / path.relative_to(book)).read_bytes() == data
    assert page(again, "basics/tensors").kept == page(result, "basics/tensors").translated + \
        page(result, "basics/tensors").fuzzy


def test_status_afterwards_shows_what_to_update(imported, capsys):
    book, _shas, _result = imported
    assert main(["--root", str(book), "i18n", "status", "--lang", "zh", "--format",
                 "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    docs = {d["source"]: d for d in report["documents"]}
    sections = {(d["source"], " › ".join(s["path"])): s["status"]
                for d in report["documents"] for s in d["sections"]}
    assert docs["source/en/models/regularization.md"]["kind"] == "none"
    assert sections[("source/en/training/optimization.md", "Gradient Descent › Momentum")] == \
        "untranslated"
    assert sections[("source/en/basics/arrays.md", "Working with Arrays")] == "outdated"
    assert sections[("source/en/basics/arrays.md", "Working with Arrays › Operations")] \
        == "current"
    # the fork writes a formula ($-1$) as text there: imported, doubtful (fuzzy), so outdated
    assert sections[("source/en/basics/arrays.md", "Working with Arrays › Changing the Shape")] \
        == "outdated"
    assert sections[("source/en/models/perceptron.md",
                     "The Perceptron › When Does It Work?")] == "outdated"
    # the moved paragraph kept its translation: unchanged English is current
    assert sections[("source/en/training/optimization.md",
                     "Gradient Descent › Choosing the Learning Rate")] == "current"
    assert not report["orphaned"]


def test_existing_translations_are_kept(tmp_path):
    book = tmp_path / "book"
    make_book(book)
    path = book / "locale/zh_CN/LC_MESSAGES/models/perceptron.po"
    path.parent.mkdir(parents=True)
    path.write_text('msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n\nmsgid "The Perceptron"\n'
                    'msgstr "感知器"\n\nmsgid "Gone"\nmsgstr "没了"\n', encoding="utf-8")
    result = import_fork(FORK, "zh", root=book)
    catalog = read_catalog(path)
    assert catalog.find("The Perceptron").msgstr == "感知器"
    assert [e.msgid for e in catalog.entries if e.obsolete] == ["Gone"]
    assert page(result, "models/perceptron").kept == 1


def test_dry_run_json_writes_nothing(tmp_path, capsys):
    book = tmp_path / "book"
    make_book(book)
    before = (book / "pyproject.toml").read_text()
    assert main(["--root", str(book), "i18n", "import", str(FORK), "--lang", "zh",
                 "--format", "json", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and report["totals"]["matched"] == 5
    assert report["totals"]["translated"] > 40
    assert {p["catalog"] for p in report["pages"] if p["catalog"]} >= \
        {"locale/zh_CN/LC_MESSAGES/basics/arrays.po"}
    assert not (book / "locale").exists() and not (book / "source/zh").exists()
    assert (book / "pyproject.toml").read_text() == before


ENGLISH = """\
# Title

See {numref}`fig-a` for the plot of $x^2$, which grows fast.

Plain words follow here without any markup at all in the sentence.
"""


def test_a_pair_failing_the_validator_is_not_a_translation():
    fork = """\
# 标题

曲线见图，$x^2$ 增长很快。

这里是没有任何标记的普通句子。
"""
    aligned = align_pages(read_structure(ENGLISH, KEYS), read_structure(fork, KEYS), 0.3)
    used = {p.translation for p in aligned.pairs}
    assert "曲线见图，$x^2$ 增长很快。" not in used
    assert [x.line for x in aligned.leftovers] == [3]
    assert "fails the validator" in aligned.leftovers[0].reason
    assert "{numref}`fig-a`" in aligned.leftovers[0].reason


def test_language_table_is_added_once(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.d2lbook]\nname = "b"\n\n[tool.d2lbook.languages.en]\n'
                         'title = "B"\n\n[tool.other]\nx = 1\n', encoding="utf-8")
    assert add_language(pyproject, "zh", "书")
    assert not add_language(pyproject, "zh", "书")
    data = tomllib.loads(pyproject.read_text())
    assert list(data["tool"]["d2lbook"]["languages"]) == ["en", "zh"]
    assert data["tool"]["other"] == {"x": 1}


def test_fixture_truth_uses_messages_of_the_recorded_versions():
    """The truth file pairs real messages: every English text is a message of the version it
    names and every Chinese text a block of the fork (so the measure cannot drift)."""
    from d2lbook.i18n.segment import segment
    from tests.fork_book import COMMITS, ENGLISH

    versions = {tag: files for tag, _d, _s, files, _r in COMMITS}
    for name, data in truth()["pages"].items():
        files = versions[data["version"]]
        version = next(v for p, v in files.items() if p.endswith(Path(name).name + ".md"))
        english = {s.msgid for s in segment((ENGLISH / f"{version}.md").read_text())}
        fork = {s.msgid for s in segment((FORK / "source/en" / f"{name}.md").read_text())}
        for pair in data["pairs"]:
            assert set(pair["english"]) <= english, pair
            assert set(pair["chinese"]) <= fork, pair


def test_synthetic_forks_of_the_books_pages_align_precisely():
    """Pseudo-translations of this repository's English pages, with paragraphs merged, split,
    left out, notes and sections added (tests/synthetic_fork.py): the aligner on real page
    structures."""
    from d2lbook.i18n.segment import normalize
    from tests.synthetic_fork import make_fork

    confident = right = found = total = 0
    for path in sorted((REPO / "source/en").rglob("*.md")):
        english = path.read_text(encoding="utf-8")
        fork = make_fork(english, sum(map(ord, path.name)), merge=0.1, split=0.1, omit=0.05,
                         note=0.05, section=0.05)
        en, zh = read_structure(english, KEYS), read_structure(fork.text, KEYS)
        got = set()
        for pair in align_pages(en, zh, 0.3).pairs:
            key = (tuple(en.blocks[i].text for i in pair.english), normalize(pair.translation))
            got.add(key)
            confident += pair.confident
            right += pair.confident and key in fork.pairs
        total += len(fork.pairs)
        found += len(set(fork.pairs) & got)
    assert total > 200
    assert right / confident >= 0.98
    assert found / total >= 0.90


def test_old_dialect_fork_and_history_go_through_the_importer(tmp_path):
    """A fork in the old d2lbook dialect (config.ini) is converted by the importer first, and
    an English history in that dialect page by page: here the importer's own old-dialect
    fixture book is both the (untranslated) fork and the English history of its import."""
    pytest.importorskip("d2lbook.importer")
    from d2lbook.commands.import_book import import_book
    from tests.fork_book import _git

    old = REPO / "tests/fixtures/oldbook"
    if not (old / "config.ini").is_file():
        pytest.skip("the importer's old-dialect fixture book is not here")
    history = tmp_path / "old"
    shutil.copytree(old, history)
    _git(history, "init", "-q", "-b", "main")
    _git(history, "add", "-A")
    _git(history, "commit", "-q", "-m", "old dialect", date="2020-01-01T00:00:00+00:00")
    book = tmp_path / "book"
    import_book(history, book)
    try:
        load_config(book)
    except ConfigError:  # the importer merged before framework tables are configurable
        pyproject = book / "pyproject.toml"
        pyproject.write_text(re.sub(r"(?ms)^\[tool\.d2lbook\.frameworks[^\n]*\n.*?(?=^\[|\Z)",
                                    "", pyproject.read_text()), encoding="utf-8")
    _git(book, "init", "-q", "-b", "main")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "imported", date="2021-01-01T00:00:00+00:00")
    result = import_fork(history, "zh", root=book, english_history=history, write=False)
    sha = _git(history, "rev-parse", "HEAD")
    assert result.pages and not result.missing
    assert all(p.english and p.version_commit == sha and p.confidence > 0.9
               for p in result.pages)
    assert not any(p.leftovers for p in result.pages)  # every block is the English itself
    assert result.totals["translated"] == 0


def test_malformed_catalog_and_whole_file_replacement_are_left_alone(tmp_path):
    book = tmp_path / "book"
    make_book(book)
    broken = book / "locale/zh_CN/LC_MESSAGES/models/perceptron.po"
    broken.parent.mkdir(parents=True)
    broken.write_text('msgid "x"\nmsgstr "y"\nmsgstr "z"\n', encoding="utf-8")
    replacement = book / "source/zh/introduction.md"
    replacement.parent.mkdir(parents=True)
    replacement.write_text("---\nsource_commit: HEAD\n---\n# 引言\n", encoding="utf-8")
    result = import_fork(FORK, "zh", root=book)
    assert broken.read_text(encoding="utf-8") == 'msgid "x"\nmsgstr "y"\nmsgstr "z"\n'
    assert not (book / "locale/zh_CN/LC_MESSAGES/introduction.po").exists()
    assert any("models/perceptron.po cannot be read" in w and ":3:" in w
               for w in result.warnings)
    assert any("introduction is translated as a whole file" in w for w in result.warnings)
    assert (book / "locale/zh_CN/LC_MESSAGES/basics/arrays.po").is_file()  # the rest goes on


PAGE = """\
---
kernelspec:
  name: python3
---

(sec-a)=
# A

Text with $x$ and {numref}`fig-b`, see [site](https://example.org).

$$
y = 2 x
$$ (eq-y)

```{code-cell} ipython3
:tags: [pytorch]
z = f(a,
      b)  # sum them
```

```{figure} ../img/b.svg
:name: fig-b

A caption.
```

| Name | Value |
|---|---|
| one | 1 |

::::{tab-set}
:::{tab-item} MXNet
:sync: mxnet
Only for MXNet.
:::
::::

Last words.
"""


def test_structure_reads_what_translation_keeps():
    page_ = read_structure(PAGE, KEYS)
    anchors = [(a.kind, a.key if a.kind != "code" else "") for a in page_.anchors]
    assert anchors == [("label", "sec-a"), ("math", "y=2x"), ("label", "eq-y"), ("code", ""),
                       ("label", "fig-b"), ("figure", "b.svg"), ("table", "2"),
                       ("table-end", "2"), ("tab", "mxnet")]
    code = next(a for a in page_.anchors if a.kind == "code")
    assert code.frameworks == ("pytorch",) and code.line == 15
    assert page_.frameworks == {"pytorch", "mxnet"}
    kinds = [(b.kind, b.tab) for b in page_.blocks]
    assert kinds == [("heading1", None), ("paragraph", None), ("caption", None),
                     ("table-cell", None), ("table-cell", None), ("table-cell", None),
                     ("admonition-title", "mxnet"), ("paragraph", "mxnet"), ("paragraph", None)]
    assert page_.blocks[1].evidence == {"math:x": 1, "role:numref:fig-b": 1,
                                        "link:https://example.org": 1}


def test_code_keys_ignore_comments_and_layout_only():
    from d2lbook.i18n.fork.structure import code_key

    english = "z = f(a, b)  # sum them\nprint(z)\n"
    assert code_key(english) == code_key("z = f(\n    a,\n    b,\n)  # 求和\n\nprint( z )\n")
    assert code_key(english) != code_key("z = f(a, b)\nprint(z, 1)\n")
    assert code_key(english) != code_key("z = f(b, a)\nprint(z)\n")


def test_english_history_from_another_repository(tmp_path):
    """--english-history: the book was re-created without its history (as after an import);
    the versions come from the old English repository, today's pages from the book."""
    from tests.fork_book import _git

    old = tmp_path / "old"
    shas = make_book(old)
    book = tmp_path / "book"
    shutil.copytree(old, book, ignore=shutil.ignore_patterns(".git"))
    _git(book, "init", "-q", "-b", "main")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "imported", date="2024-01-01T00:00:00+00:00")
    result = import_fork(FORK, "zh", root=book, english_history=old, write=False)
    assert result.fork_point == shas["C3"]
    assert page(result, "basics/tensors").english == "source/en/basics/arrays.md"
    assert page(result, "basics/tensors").version_commit == shas["C2"]
    figures = evaluate(result, truth(), shas)
    assert figures["precision"] >= 0.98 and figures["recall"] >= 0.90
    head = _git(book, "rev-parse", "HEAD")
    assert result.head == head


def test_a_book_without_english_history_is_an_error(tmp_path, capsys):
    from tests.fork_book import _git

    book = tmp_path / "book"
    shutil.copytree(FORK, book)  # any book: here the fork itself, never committed
    (book / "pyproject.toml").write_text(
        '[tool.d2lbook]\nname = "b"\nauthor = "A"\nversion = "0.1"\n\n'
        '[tool.d2lbook.languages.en]\ntitle = "B"\n', encoding="utf-8")
    _git(book, "init", "-q", "-b", "main")
    assert main(["--root", str(book), "i18n", "import", str(FORK), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "holds no version of the English pages" in err and "--english-history" in err
    assert not (book / "locale").exists()
    assert "languages.zh" not in (book / "pyproject.toml").read_text()  # left as it was
