from __future__ import annotations

from pathlib import Path

import pytest

from d2lbook.config import load_config, parse_config
from d2lbook.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_the_books_configuration_loads():
    cfg = load_config(REPO)
    assert [lang.code for lang in cfg.languages] == ["en", "zh"]
    assert cfg.source_language.code == "en"
    zh = cfg.language("zh")
    assert zh.locale == "zh_CN" and zh.latex_engine == "xelatex"
    assert zh.sphinx_lang == "zh_CN" and zh.html_language == "zh-CN"
    assert cfg.source_dir == REPO / "source" / "en"
    assert cfg.jobs >= 1


def test_every_problem_is_reported_at_once(tmp_path: Path):
    (tmp_path / "source" / "en").mkdir(parents=True)
    table = {
        "name": "b", "version": "1", "colour": "blue",
        "languages": {"en": {"title": "T", "latex_engine": "lualatex"},
                      "fr": {"title": "T"}},
        "execution": {"timeout": "soon"},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(tmp_path, table)
    text = str(info.value)
    assert "unknown key 'colour'" in text
    assert "latex_engine must be pdflatex or xelatex" in text
    assert "languages.fr: a translated edition needs `locale`" in text
    assert "execution.timeout: expected int, got str" in text
    assert "missing 'author'" in text
    assert len(info.value.problems) == 5


def test_unknown_language_names_the_configured_ones():
    cfg = load_config(REPO)
    with pytest.raises(ConfigError, match="unknown language 'fr'; configured: en, zh"):
        cfg.select("fr")
    assert [lang.code for lang in cfg.select("all")] == ["en", "zh"]


def test_missing_table(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    with pytest.raises(ConfigError, match=r"missing \[tool.d2lbook\] table"):
        load_config(tmp_path)
