"""A small purpose-built book with two frameworks (both in the main environment's ``python3``
kernel, so the tests need no framework install), a ``#@save`` library and prose tabs."""

from __future__ import annotations

from pathlib import Path

HEADER = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

PYPROJECT = """
[tool.d2lbook]
name = "fwbook"
author = "T"
version = "1"

[tool.d2lbook.languages.en]
title = "Framework Book"

[tool.d2lbook.languages.zh]
title = "框架之书"
locale = "zh_CN"
latex_engine = "xelatex"
cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]

[tool.d2lbook.execution]
timeout = 60

[tool.d2lbook.frameworks.lists]
name = "Lists"
kernel = "python3"
library = "d2l.lists"
requirements = []

[tool.d2lbook.frameworks.numpy]
name = "NumPy"
kernel = "python3"
library = "d2l.numpy"
requirements = ["numpy==1.23.5"]
"""

INDEX = HEADER + """
# Framework Book

```{toctree}
:numbered:

intro
chapter/index
```
"""

INTRO = HEADER + """
(sec-intro)=
# Introduction

Plain prose and framework-independent code.

```{code-cell} ipython3
print(6 * 7)
```
"""

CHAPTER = HEADER + """
# The Chapter

```{toctree}
tools
use
```
"""

TOOLS = HEADER + """
(sec-tools)=
# Tools

::::{tab-set}
:::{tab-item} Lists
:sync: lists
With lists, a vector is a Python list.
:::
:::{tab-item} NumPy
:sync: numpy
With NumPy, a vector is an ndarray.
:::
::::

```{code-cell} ipython3
#@save
def add_to_class(Class):
    \"\"\"Register the decorated function as a method of ``Class``.\"\"\"
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper
```

## Vectors

```{code-cell} ipython3
:tags: [lists]
def ones(n):  #@save
    \"\"\"A vector of n ones.\"\"\"
    return [1.0] * n

print('lists', ones(3))
```

```{code-cell} ipython3
:tags: [numpy]
import numpy as np  #@save

def ones(n):  #@save
    \"\"\"A vector of n ones.\"\"\"
    return np.ones(n)

print('numpy', ones(3))
```

```{code-cell} ipython3
:tags: [lists, numpy]
#@save
class Counter:
    \"\"\"Counts.\"\"\"
    def __init__(self):
        self.n = 0
```

```{code-cell} ipython3
:tags: [lists, numpy]
#@save
@add_to_class(Counter)
def tick(self):
    self.n += 1
    return self.n
```
"""

USE = HEADER + """
# Using the Library

```{code-cell} ipython3
:tags: [lists]
from d2l import lists as d2l
c = d2l.Counter()
c.tick()
print('lists', d2l.ones(2), c.tick())
```

```{code-cell} ipython3
:tags: [numpy]
from d2l import numpy as d2l
print('numpy', d2l.ones(2).sum())
```

Prose between the groups.

```{code-cell} ipython3
:tags: [numpy]
print('numpy only', d2l.Counter().tick())
```
"""


STRINGS = """
[tool.d2lbook.frameworks.strings]
name = "Strings"
kernel = "python3"
library = "d2l.strings"
"""

STRINGS_CELL = """
```{code-cell} ipython3
:tags: [strings]
print('strings', '1.0 ' * 2)
```
"""


def make_book(root: Path, three: bool = False) -> Path:
    """The book; ``three`` adds a third framework by configuration and one cell for it."""
    root.mkdir(parents=True, exist_ok=True)
    text = PYPROJECT + (STRINGS if three else "")
    use = USE.replace("\nProse between", STRINGS_CELL + "\nProse between") if three else USE
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    src = root / "source" / "en"
    (src / "chapter").mkdir(parents=True, exist_ok=True)
    for rel, body in {"index.md": INDEX, "intro.md": INTRO, "chapter/index.md": CHAPTER,
                      "chapter/tools.md": TOOLS, "chapter/use.md": use}.items():
        (src / rel).write_text(body, encoding="utf-8")
    return root
