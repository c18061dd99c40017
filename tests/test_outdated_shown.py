"""An outdated translation (fuzzy in the catalog) is shown, marked, in every format, unless the
language chooses the English; status and gates count it as outdated either way."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from d2lbook.config import load_config
from tests.helpers import git, pyproject

PAGE = """# Gradient Descent

Gradient descent follows the slope downhill step by step.

The learning rate sets the size of every step we take.
"""

PO = """# Messages of index.md
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_CN\\n"

#. heading
msgid "Gradient Descent"
msgstr "梯度下降"

#. paragraph
#, fuzzy
#| msgid "Gradient descent follows the slope down step by step."
msgid "Gradient descent follows the slope downhill step by step."
msgstr "梯度下降沿着斜坡一步一步向下走。"

#. paragraph
msgid "The learning rate sets the size of every step we take."
msgstr "学习率决定了每一步迈多大。"
"""



def make_book(root: Path, outdated: str | None) -> Path:
    (root / "source" / "en").mkdir(parents=True)
    (root / "source" / "en" / "index.md").write_text(PAGE, encoding="utf-8")
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "index.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    setting = f'outdated = "{outdated}"\n' if outdated else ""
    (root / "pyproject.toml").write_text(pyproject(zh="小书", extra=(
        'latex_engine = "xelatex"\n'
        'cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]\n'
        + setting)), encoding="utf-8")
    return root


def test_by_default_the_last_translation_shows_marked_everywhere(tmp_path: Path, capsys):
    from d2lbook.cli import main
    from d2lbook.commands.build import build
    from d2lbook.layout import BookLayout

    cfg = load_config(make_book(tmp_path, None))
    zh = cfg.language("zh")
    result = build(cfg, (zh,), ("html", "notebooks", "pdf")).editions[0]
    html = (BookLayout(cfg).html(zh) / "index.html").read_text(encoding="utf-8")
    assert "梯度下降沿着斜坡一步一步向下走。" in html
    assert "follows the slope" not in html
    # the paragraph is marked, and the page says one paragraph may be out of date
    assert 'class="d2l-outdated"' in html
    assert "本页有 1 段尚未翻译或译文可能已过时" in html
    with zipfile.ZipFile(result.notebooks) as zf:
        name = next(n for n in zf.namelist() if n.endswith("index.ipynb"))
        cells = json.loads(zf.read(name))["cells"]
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "梯度下降沿着斜坡一步一步向下走。" in prose and "d2l-outdated" not in prose
    pdf = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert "梯度下降沿着斜坡一步一步向下走" in pdf.replace("\n", "")
    # still outdated for the status and its gate
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "source", "locale", "pyproject.toml")
    git(tmp_path, "commit", "-q", "-m", "book")
    capsys.readouterr()
    assert main(["--root", str(tmp_path), "i18n", "status", "--lang", "zh", "--format",
                 "json", "--fail-on", "outdated"]) != 0
    report = json.loads(capsys.readouterr().out)
    assert "outdated" in json.dumps(report)


def test_a_language_may_choose_the_english(tmp_path: Path):
    from d2lbook.edition import prepare_edition

    cfg = load_config(make_book(tmp_path, "english"))
    edition = prepare_edition(cfg, cfg.language("zh"))
    text = (edition.tree / "index.md").read_text(encoding="utf-8")
    assert "{.d2l-outdated}\nGradient descent follows the slope downhill step by step." in text
    assert "梯度下降沿着斜坡" not in text and "学习率决定了每一步迈多大。" in text
    assert edition.status_counts["index"]["outdated"] == 1


def test_a_wrong_setting_is_located(tmp_path: Path):
    from d2lbook.errors import ConfigError

    make_book(tmp_path, "englsh")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    problem = err.value.problems[0]
    assert problem.file == tmp_path / "pyproject.toml" and problem.line == 14
    assert '"translation"' in problem.message and '"english"' in problem.message
