"""``d2lbook new DIR``: a small bilingual book with two frameworks that builds at once.

The starter book is written here in our own words: a root page, two short pages (one with a
code cell per framework and a ``#@save`` function), the book's configuration, and a Chinese
catalog per page with a few of its messages translated, so that ``d2lbook build html --lang
all`` shows both editions and the translation notice for what is still in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from d2lbook.errors import UsageError
from d2lbook.layout import catalog_file, page_file
from d2lbook.myst import PAGE_FRONT_MATTER

_HEADER = PAGE_FRONT_MATTER

_PYPROJECT = """\
# A book made by `d2lbook new`. Each [tool.d2lbook.languages.<code>] table is an edition (the
# first is the source language); each [tool.d2lbook.frameworks.<key>] table is a framework,
# with its own Jupyter kernel and pinned requirements (the first is the default).
[tool.d2lbook]
name = "{name}"
author = "{title} authors"
version = "0.1.0"

[tool.d2lbook.languages.en]
title = "{title}"

[tool.d2lbook.languages.zh]
title = "{title}（中文版）"
locale = "zh_CN"
html_lang = "zh-CN"
latex_engine = "xelatex"
cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]

[tool.d2lbook.execution]
timeout = 120

[tool.d2lbook.frameworks.mxnet]
name = "MXNet"
kernel = "d2l-mxnet"
library = "{package}.mxnet"
requirements = ["mxnet==1.9.1", "numpy==1.23.5"]

[tool.d2lbook.frameworks.pytorch]
name = "PyTorch"
kernel = "d2l-pytorch"
library = "{package}.torch"
requirements = ["torch==2.13.0", "numpy==2.4.6"]
"""

_INDEX = _HEADER + """
# {title}

This book was started with `d2lbook new`. Each page is a notebook: prose, math such as
$y = 2x + 1$, and code that runs when the book is built.

```{{toctree}}
:maxdepth: 2
:numbered:

basics
arrays
```
"""

_BASICS = _HEADER + """
(sec-basics)=
# First Steps

Write pages in MyST markdown under `source/en/`. A code cell runs in the kernel of its
framework, and its output is stored with the page.

```{code-cell} ipython3
print('one code cell, every framework')
```

The next page, {ref}`sec-arrays`, has code for each framework.
"""

_ARRAYS = _HEADER + """
(sec-arrays)=
# Arrays

Every framework stores numbers in arrays. Readers pick a framework with the tabs, and the
choice holds on every page.

```{code-cell} ipython3
:tags: [mxnet]
from mxnet import np, npx
npx.set_np()

def grid(rows, cols):  #@save
    \"\"\"A rows x cols array counting from zero.\"\"\"
    return np.arange(rows * cols).reshape(rows, cols)

print(grid(2, 3))
```

```{code-cell} ipython3
:tags: [pytorch]
import torch

def grid(rows, cols):  #@save
    \"\"\"A rows x cols tensor counting from zero.\"\"\"
    return torch.arange(rows * cols).reshape(rows, cols)

print(grid(2, 3))
```

Functions marked `#@save` go into the book's library, one module per framework.
"""

_PO_HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: {name}\\n"
"Language: zh_CN\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"""

_TRANSLATIONS = {
    "index": [("{title}", "{title}（中文版）")],
    "basics": [
        ("First Steps", "第一步"),
        ("Write pages in MyST markdown under `source/en/`. A code cell runs in the kernel of its "
         "framework, and its output is stored with the page.",
         "页面用 MyST markdown 写在 `source/en/` 下。代码单元在其框架的内核中运行，输出与页面"
         "一同保存。"),
    ],
    "arrays": [
        ("Arrays", "数组"),
        ("Every framework stores numbers in arrays. Readers pick a framework with the tabs, and "
         "the choice holds on every page.",
         "每个框架都用数组存放数值。读者用标签页选择框架，所选框架在每一页都保持不变。"),
    ],
}
"""Page -> (English message, Chinese translation): a few messages per page; the others stay
untranslated, so the new book also shows how an unfinished translation looks."""

_GITIGNORE = "_build/\n*.mo\n.venv/\n"


@dataclass
class NewBook:
    root: Path
    files: list[Path]


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _catalog(name: str, pairs: list[tuple[str, str]]) -> str:
    entries = [f"msgid {_po_string(en)}\nmsgstr {_po_string(zh)}\n" for en, zh in pairs]
    return "\n".join([_PO_HEADER.format(name=name), *entries])


def new_book(dest: Path) -> NewBook:
    """Write the starter book into ``dest`` (created; it must be empty if it exists)."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest}: is a file; give `d2lbook new` a folder to create")
    if dest.is_dir() and any(dest.iterdir()):
        raise UsageError(f"{dest}: the folder is not empty; `d2lbook new` writes a book only "
                         "into a new or empty folder (nothing was written)")
    stem = dest.resolve().name or "book"
    name = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "book"
    package = re.sub(r"\W+", "_", name).strip("_") or "book"
    if package[0].isdigit():
        package = f"book_{package}"
    title = " ".join(part.capitalize() for part in name.split("-"))
    values = {"name": name, "title": title, "package": package}
    files = {
        "pyproject.toml": _PYPROJECT.format(**values),
        ".gitignore": _GITIGNORE,
        **{page_file(Path("source", "en"), page).as_posix(): text for page, text in (
            ("index", _INDEX.format(**values)), ("basics", _BASICS), ("arrays", _ARRAYS))},
    }
    for page, pairs in _TRANSLATIONS.items():
        filled = [(en.format(**values), zh.format(**values)) for en, zh in pairs]
        files[catalog_file(Path("locale"), "zh_CN", page).as_posix()] = _catalog(name, filled)
    written = []
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (dest / "source" / "zh").mkdir(parents=True, exist_ok=True)
    return NewBook(dest, written)
