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


_TOP = '[tool.d2lbook]\nname = "b"\nauthor = "A"\nversion = "1"\n'
_EN = '[tool.d2lbook.languages.en]\ntitle = "T"\n'
_FW = '[tool.d2lbook.frameworks.pytorch]\nname = "PyTorch"\n'

# Each book marks the line its problem must be reported at with "# <-".
_PROBLEMS = {
    "unknown key": (_TOP + 'colour = "blue"  # <-\n' + _EN, "unknown key 'colour'"),
    "wrong type": (_TOP + _EN + '[tool.d2lbook.execution]\n# timeout = 1\ntimeout = "soon"  # <-\n',
                   "execution.timeout: expected int, got str"),
    "not a table": (_TOP + 'publish = 3  # <-\n' + _EN, "tool.d2lbook.publish must be a table"),
    "no language": (_TOP + '[tool.d2lbook.languages]  # <-\n',
                    "needs at least one language table"),
    "language not a table": (_TOP + '[tool.d2lbook.languages]\nen = 3  # <-\n',
                             "languages.en must be a table"),
    "missing title": (_TOP + '[tool.d2lbook.languages.en]  # <-\nlocale = "en"\n',
                      "languages.en: missing title"),
    "latex engine": (_TOP + _EN + 'latex_engine = "lualatex"  # <-\n',
                     "languages.en.latex_engine must be pdflatex or xelatex"),
    "outdated": (_TOP + _EN + 'outdated = "never"  # <-\n',
                 'languages.en.outdated must be "translation"'),
    "cjk fonts": (_TOP + _EN + 'cjk_fonts = ["A"]  # <-\n', "cjk_fonts needs three names"),
    "latex fonts": (_TOP + _EN + 'latex_fonts = [  # <-\n  "A",\n  "B",\n]\n',
                    "latex_fonts needs three names"),
    "no locale": (_TOP + _EN + '[tool.d2lbook.languages.zh]  # <-\ntitle = "T"\n',
                  "languages.zh: a translated edition needs `locale`"),
    "timeout": (_TOP + _EN + '[tool.d2lbook.execution]\ntimeout = 0  # <-\n',
                "execution.timeout must be positive"),
    "output limit": (_TOP + _EN + '[tool.d2lbook.execution]\noutput_limit = -1  # <-\n',
                     "execution.output_limit must be 0"),
    "missing author": ('[project]\nauthor = "x"\n[tool.d2lbook]  # <-\nname = "b"\nversion = "1"\n'
                       + _EN, "tool.d2lbook: missing 'author'"),
    "frameworks not tables": (_TOP + 'frameworks = 3  # <-\n' + _EN,
                              "[tool.d2lbook.frameworks] must hold one table per framework"),
    "framework not a table": (_TOP + _EN + '[tool.d2lbook.frameworks]\npytorch = 3  # <-\n',
                              "frameworks.pytorch must be a table"),
    "framework key": (_TOP + _EN + '[tool.d2lbook.frameworks.PyTorch]  # <-\nname = "P"\n',
                      "frameworks.PyTorch: a framework key is lower case"),
    "framework unknown key": (_TOP + _EN + _FW + 'colour = 1  # <-\n',
                              "frameworks.pytorch: unknown key 'colour'"),
    "framework name": (_TOP + _EN + '[tool.d2lbook.frameworks.pytorch]  # <-\nkernel = "k"\n',
                       "frameworks.pytorch: missing name"),
    "library": (_TOP + _EN + _FW + 'library = "torch"  # <-\n',
                "frameworks.pytorch.library: 'torch' is not a module inside a package"),
    "requirements": (_TOP + _EN + _FW + 'requirements = ["torch", ""]  # <-\n',
                     "frameworks.pytorch.requirements: a list of pip requirement strings"),
    "alias": (_TOP + _EN + _FW + 'alias = [\n  "x = 1",\n]\nreverse_alias = ["x"]  # <-\n',
              "frameworks.pytorch.reverse_alias: 'x' is not"),
    "simple alias": (_TOP + _EN + _FW + 'simple_alias = ["ones"]  # <-\n',
                     "frameworks.pytorch: simple_alias needs alias_module"),
    "shared library": (_TOP + _EN + _FW + 'library = "d2l.torch"\n'
                       '[tool.d2lbook.frameworks.mx]\nname = "M"\nlibrary = "d2l.torch"  # <-\n',
                       "two frameworks share the library module 'd2l.torch'"),
    "two packages": (_TOP + _EN + '[tool.d2lbook.frameworks.pytorch]  # <-\nname = "P"\n'
                     'library = "d2l.torch"\n[tool.d2lbook.frameworks.mx]\nname = "M"\n'
                     'library = "e2l.mx"\n', "every library module must be in one package"),
}


@pytest.mark.parametrize("kind", sorted(_PROBLEMS))
def test_a_configuration_problem_is_reported_at_its_line(tmp_path: Path, kind: str):
    text, message = _PROBLEMS[kind]
    (tmp_path / "pyproject.toml").write_text(text)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.endswith("# <-"))
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    found = [p for p in info.value.problems if message in p.message]
    assert found, str(info.value)
    assert f"{tmp_path / 'pyproject.toml'}:{line}: {found[0].message}" in str(info.value)


def test_an_unknown_language_points_at_the_configured_ones(tmp_path: Path):
    (tmp_path / "source" / "en").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(_TOP + "\n" + _EN)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path).select("fr")
    assert f"{tmp_path / 'pyproject.toml'}:6: unknown language 'fr'" in str(info.value)
