"""Golden snapshots of the Sphinx settings each edition gets (a pure function of the config).

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_settings.py`` and
review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from d2lbook.config import load_config
from d2lbook.render.settings import conf_py, sphinx_settings

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "fixtures" / "settings"


def masked(text: str) -> str:
    return text.replace(str(REPO), "<book>")


@pytest.mark.parametrize("code", ["en", "zh"])
def test_settings_match_the_snapshot(code: str):
    cfg = load_config(REPO)
    text = masked(conf_py(sphinx_settings(cfg, cfg.language(code))))
    golden = GOLDEN / f"{code}.conf.py"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


def test_conf_py_is_valid_python_that_round_trips():
    cfg = load_config(REPO)
    settings = sphinx_settings(cfg, cfg.language("zh"))
    namespace: dict = {}
    exec(compile(conf_py(settings), "conf.py", "exec"), namespace)  # noqa: S102
    assert {k: namespace[k] for k in settings} == settings


def test_language_specific_settings():
    cfg = load_config(REPO)
    en, zh = (sphinx_settings(cfg, cfg.language(c)) for c in ("en", "zh"))
    assert (en["language"], en["latex_engine"]) == ("en", "pdflatex")
    assert (zh["language"], zh["latex_engine"]) == ("zh_CN", "xelatex")
    assert "ctex" in zh["latex_elements"]["fontpkg"] and "fontpkg" not in en["latex_elements"]
    assert zh["latex_documents"][0][1] == "dl-by-doing-zh-mxnet.tex"  # the default framework
    torch = sphinx_settings(cfg, cfg.language("zh"), cfg.framework("pytorch"))
    assert torch["latex_documents"][0][1] == "dl-by-doing-zh-pytorch.tex"
    assert (torch["d2lbook_framework"], zh["d2lbook_framework"]) == ("pytorch", "")
    assert "sphinx_design" in zh["extensions"]
    assert en["nb_execution_mode"] == "off"


def test_latex_fonts_and_cjk_names_in_a_book_of_another_language():
    from dataclasses import replace

    cfg = load_config(REPO)
    fonts = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC")
    lang = replace(cfg.source_language, latex_engine="xelatex", cjk_fonts=fonts,
                   latex_fonts=("TeX Gyre Termes", "TeX Gyre Heros", ""))
    elements = sphinx_settings(cfg, lang)["latex_elements"]
    assert elements["fontpkg"] == "\\setmainfont{TeX Gyre Termes}\n\\setsansfont{TeX Gyre Heros}\n"
    # xeCJK for the CJK characters only: no ctex (it would name the chapters in Chinese).
    assert elements["preamble"].startswith("\\usepackage{xeCJK}\n\\setCJKmainfont{Noto Serif")
    assert "ctex" not in str(elements)
    # pdflatex cannot load xeCJK: nothing CJK is asked of it.
    elements = sphinx_settings(cfg, replace(lang, latex_engine="pdflatex"))["latex_elements"]
    assert "CJK" not in str(elements) and "fontpkg" not in elements
