"""Cells run in a scratch copy of their page's folder: what a cell writes never lands in
``source/`` (a written ``.md`` never becomes a page), and the files beside the page are still
there to read."""

from __future__ import annotations

from pathlib import Path

from tests.robust_book import tree_digest
from tests.test_errors import build, small_book

PAGE = """# Page

```{code-cell} ipython3
print('read', open('numbers.txt').read().split())
```

```{code-cell} ipython3
import os
open('x.md', 'w').write('# Written by a cell\\n')
open('data.txt', 'w').write('scratch')
open('numbers.txt', 'a').write('99\\n')
print('wrote', sorted(os.listdir('.')))
```
"""


def test_a_cell_writes_into_a_scratch_copy_not_the_sources(tmp_path: Path) -> None:
    root = small_book(tmp_path, PAGE)
    (root / "source" / "en" / "numbers.txt").write_text("3 4 5\n")
    before = tree_digest(root / "source")
    build(root)
    html = (root / "_build" / "en" / "html" / "page.html").read_text()
    assert "read ['3', '4', '5']" in html
    assert "wrote ['data.txt', 'numbers.txt', 'x.md']" in html
    assert tree_digest(root / "source") == before  # nothing added, nothing changed
    # The next build (code edited, so it executes again) has no page made by a cell, and the
    # page reads the shipped file as it is in the sources.
    page = root / "source" / "en" / "page.md"
    page.write_text(page.read_text().replace("print('read'", "print('read again'"))
    result = build(root)
    html = (root / "_build" / "en" / "html" / "page.html").read_text()
    assert "read again ['3', '4', '5']" in html
    assert not list((root / "_build").rglob("x.html")) and not list(root.rglob("x.md"))
    assert result.editions[0].pages == 2
    assert not any((root / "_build" / "cache" / "run").glob("*"))  # scratch removed
