"""Every text the build writes around the book's own content, one table per language: the
links the theme shows on each page, the translation notice, the translation-status page.
A language without a table gets English. Adding a language's texts is one more table here.
"""

from __future__ import annotations

NATIVE_NAMES = {"en": "English", "zh": "中文", "ja": "日本語", "ko": "한국어", "fr": "Français",
                "de": "Deutsch", "es": "Español", "pt": "Português", "ru": "Русский"}
"""Names of languages in their own script, for the switcher; others show their code."""

UI = {
    "en": {
        # around each page (render.site, render.sphinx_ext)
        "switch": "Read this page in {name}",
        "downloads": "Download",
        "notebook": "This page's notebook (.ipynb)",
        "zip": "All notebooks (.zip)",
        "pdf": "The whole book (PDF)",
        "slides": "Slides",
        "colab": "Open in Colab",
        "discuss": "Discuss this section",
        "edit": "Edit this page",
        "edit_translation": "Improve this translation",
        "choose": "Choose a language",
        "notice": "{count} paragraph(s) of this page are not translated yet or may be out of "
                  "date; they are marked in the margin.",
        "read_english": "Read the English page",
        "status": "Translation status",
        # the translation-status page (i18n.status_page)
        "status_title": "Translation Status",
        "status_intro": "How much of each page is translated. Paragraphs not yet translated "
                        "show the English text; outdated ones show their last translation (or "
                        "the English, as the edition chooses); both are marked in the margin. "
                        "Computed at build time from the catalogs in `locale/` and the git "
                        "history of the English source.",
        "status_page": "Page", "status_current": "Translated", "status_outdated": "Outdated",
        "status_untranslated": "Untranslated", "status_rejected": "Rejected",
        "status_progress": "Progress",
        "status_total": "Total",
        # a framework's tab added to a prose tab set that has none for it (website)
        "tab_nothing": "Nothing here is specific to {name}.",
        # the first cell of a downloaded notebook (render.setup_cell)
        "setup_comment": "Set-up. This notebook needs the packages listed below. Where one is\n"
                         "missing (Colab, a new environment), this cell installs it with pip;\n"
                         "where all are present, it does nothing.",
        "setup_installing": "installing:",
        "setup_no_wheel": "The book's library ({library}) is not published as a wheel: unzip\n"
                          "the book's notebooks and run this one beside its library folder.",
        # the README.md of a notebook zip (render.bundle)
        "readme": "# {title}: the notebooks ({framework})\n\n"
                  "One Jupyter notebook per page of the book, executed, with its figures"
                  "{library}.\n\n"
                  "To run them on your machine:\n\n"
                  "```sh\npython -m venv .venv\n.venv/bin/pip install -r requirements.txt "
                  "jupyterlab\n.venv/bin/jupyter lab\n```\n\n"
                  "`requirements.txt` lists the pinned packages the book was built with. "
                  "Each notebook starts with a set-up cell that installs what is missing, so "
                  "a notebook opened on its own (Colab) runs as well.\n",
        "readme_library": " and the book's library (`{package}/`)",
    },
    "zh": {
        "switch": "阅读本页的{name}版",
        "downloads": "下载",
        "notebook": "本节的 Jupyter 笔记本（.ipynb）",
        "zip": "全部笔记本（.zip）",
        "pdf": "全书（PDF）",
        "slides": "幻灯片",
        "colab": "在 Colab 中打开",
        "discuss": "讨论本节",
        "edit": "编辑本页",
        "edit_translation": "改进本页翻译",
        "choose": "选择语言",
        "notice": "本页有 {count} 段尚未翻译或译文可能已过时，已在页边标出。",
        "read_english": "阅读英文原文",
        "status": "翻译进度",
        "status_title": "翻译进度",
        "status_intro": "下表列出每一页的翻译情况。尚未翻译的段落显示英文原文，"
                        "译文可能已过时的段落显示原有译文（或按本版设置显示英文），"
                        "两者都在页边加以标注。本页在构建时根据 `locale/` 中的翻译目录"
                        "和英文原文的 git 历史自动生成。",
        "status_page": "页面", "status_current": "已翻译", "status_outdated": "已过时",
        "status_untranslated": "未翻译", "status_rejected": "未通过检查",
        "status_progress": "进度", "status_total": "合计",
        "tab_nothing": "这里没有专门针对 {name} 的说明。",
        "setup_comment": "准备环境：本笔记本需要下面列出的软件包。缺少其中某个时（如在 Colab\n"
                         "或新建的环境中），本单元用 pip 安装它；全部具备时，本单元什么也不做。",
        "setup_installing": "正在安装：",
        "setup_no_wheel": "本书的库（{library}）没有以 wheel 形式发布：请解压本书的笔记本压缩包，\n"
                          "在库文件夹旁边运行本笔记本。",
        "readme": "# {title}：Jupyter 笔记本（{framework}）\n\n"
                  "本书每一页对应一个已执行的 Jupyter 笔记本，附带插图{library}。\n\n"
                  "在自己的计算机上运行：\n\n"
                  "```sh\npython -m venv .venv\n.venv/bin/pip install -r requirements.txt "
                  "jupyterlab\n.venv/bin/jupyter lab\n```\n\n"
                  "`requirements.txt` 列出了构建本书时使用的软件包及其固定版本。"
                  "每个笔记本的第一个单元会安装缺少的软件包，"
                  "因此单独打开的笔记本（如在 Colab 中）也能运行。\n",
        "readme_library": "和本书的库（`{package}/`）",
    },
}


def ui_strings(code: str) -> dict[str, str]:
    """The texts in the language ``code`` (``zh``; ``pt-BR`` falls back to ``pt``), English
    when there are none for it."""
    return UI.get(code, UI.get(code.split("-")[0], UI["en"]))


def native_name(code: str) -> str:
    return NATIVE_NAMES.get(code, NATIVE_NAMES.get(code.split("-")[0], code))
