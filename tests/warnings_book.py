"""A small book made to provoke every kind of Sphinx warning we can, on pages with and
without code: duplicate labels of each kind (section, figure, equation) between two prose
pages, a prose page and a code page, and two code pages; undefined references of each role;
missing images; unknown directives and roles; a citation of a key the .bib lacks, a duplicate
.bib entry, a page in no toctree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

FRONT = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

BIB = """@book{goodfellow2016,
  title = {Deep Learning},
  author = {Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron},
  publisher = {MIT Press},
  year = {2016},
}

@book{goodfellow2016,
  title = {Deep Learning (again)},
  author = {Goodfellow, Ian},
  publisher = {MIT Press},
  year = {2016},
}
"""


def _labels(tag: str) -> str:
    """A section, a figure and an equation labelled ``*-<tag>``."""
    return f"""(sec-{tag})=
## Section {tag}

```{{figure}} img/dot.svg
:name: fig-{tag}

A figure.
```

$$
x_{{{tag}}} = 1
$$ (eq-{tag})
"""


def _code(text: str, tag: str = "") -> str:
    tags = f":tags: [{tag}]\n" if tag else ""
    return f"```{{code-cell}} ipython3\n{tags}{text}\n```\n"


PAGES = {
    "index": """# Warnings book

```{toctree}
:numbered:
prose_a
prose_b
code_c
code_d
bibliography
```
""",
    # prose_a owns *-pp (shared with prose_b) and *-pc (shared with code_c)
    "prose_a": "# Prose A\n\n" + _labels("pp") + "\n" + _labels("pc") + """
See {ref}`sec-missing-prose`, {numref}`fig-missing-prose`, {eq}`eq-missing-prose`,
{doc}`no-such-page`, and near misses: {ref}`sec-ppp`, {eq}`eq-pcc`, {cite}`goodfelow2016`.

![gone](img/missing-prose.png)

```{no-such-directive}
text
```

A {no-such-role}`text` and {cite}`no-such-key`, and {cite}`goodfellow2016`.
""",
    "prose_b": "# Prose B\n\n" + _labels("pp"),
    # framework cells, then a shared cell whose output differs by framework (the website
    # shows it once per framework tab)
    "code_c": "# Code C\n\n" + _code("fw = 'a'", "alpha") + "\n" + _code("fw = 'b'", "beta")
              + "\n" + _code("print(fw)") + "\n" + _labels("pc") + "\n" + _code("print(2)") + "\n"
              + _labels("cc") + """
See {ref}`sec-missing-code` and {numref}`fig-missing-code`.

![gone](img/missing-code.png)

```{another-missing-directive}
```
""" + "\n" + _code("print(3)"),
    "code_d": "# Code D\n\n" + _code("print(4)") + "\n" + _labels("cc") + "\n" + _code("print(5)"),
    "bibliography": "# Bibliography\n\n```{bibliography}\n```\n",
    "orphan_page": "# In no toctree\n\nNothing links here.\n",
}

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#36c"/></svg>\n')


def make_book(root: Path) -> Path:
    src = root / "source" / "en"
    (src / "img").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("""[tool.d2lbook]
name = "warnings"
author = "Tester"
version = "1"

[tool.d2lbook.languages.en]
title = "Warnings book"

[tool.d2lbook.execution]
timeout = 120

[tool.d2lbook.frameworks.alpha]
name = "Alpha"
kernel = "python3"

[tool.d2lbook.frameworks.beta]
name = "Beta"
kernel = "python3"
""", encoding="utf-8")
    for name, text in PAGES.items():
        (src / f"{name}.md").write_text(FRONT + text, encoding="utf-8")
    (src / "img" / "dot.svg").write_text(SVG, encoding="utf-8")
    (src / "references.bib").write_text(BIB, encoding="utf-8")
    return root


_SPHINX = re.compile(r"^(?:(?P<path>/\S+?)\.(?:ipynb|md)(?::(?P<line>\d+))?: )?"
                     r"(?:WARNING|ERROR|CRITICAL): (?P<msg>.*)$")
_OURS = re.compile(r"^warning: (?:(?P<path>source/\S+?)\.md(?::(?P<line>\d+))?: )?"
                   r"(?:WARNING|ERROR|CRITICAL): (?P<msg>.*)$")


def bare_sphinx(tree: Path, out: Path) -> list[tuple[str, str, str]]:
    """(page, line, message) of every warning a plain, serial, clean ``sphinx-build -b html``
    of ``tree`` (an edition's generated Sphinx folder) reports; page and line are empty for a
    warning about no page, and paths inside the tree are written relative to it."""
    run = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E",
                          "-d", str(out / "doctrees"), str(tree), str(out / "html")],
                         capture_output=True, text=True, timeout=600,
                         # Sphinx colours its messages when CI=true, as on the CI machine
                         env={**os.environ, "NO_COLOR": "1"})
    assert run.returncode == 0, run.stderr
    found = []
    inside = re.compile(re.escape(str(tree) + "/") + r"(\S+?)(?:\.ipynb)?(?=[\s:,]|$)")
    for line in run.stderr.splitlines():
        m = _SPHINX.match(line)
        if m:
            page = Path(m["path"]).relative_to(tree).as_posix() if m["path"] else ""
            found.append((page, m["line"] or "", inside.sub(r"\1", m["msg"])))
    return found


def ours(stderr: str, lang: str = "en") -> list[tuple[str, str, str]]:
    """(page, line, message) of every Sphinx warning d2lbook's CLI printed, as
    :func:`bare_sphinx` gives them ("did you mean" hints taken out)."""
    found = []
    inside = re.compile(re.escape(f"source/{lang}/") + r"(\S+?)(?:\.md)?(?=[\s:,]|$)")
    for line in stderr.splitlines():
        m = _OURS.match(line)
        if m:
            page = m["path"].split("/", 2)[2] if m["path"] else ""
            message = re.sub(r"; did you mean '[^']*'\?", "", m["msg"])
            found.append((page, m["line"] or "", inside.sub(r"\1", message)))
    return found
