"""A small book with everything a build produces (executed outputs with images, a PNG and an
SVG figure, cross-references, a PDF, notebooks, the site), for the reliability tests."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

FRONT = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A tiny valid PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#36c"/></svg>\n')

PAGES = {
    "index": "# Small book\n\n```{toctree}\n:numbered:\nintro\nchapter/plots\n```\n",
    "intro": """(sec-intro)=
# Introduction

A figure from the source tree:

![A red square](img/dot.png)

A code cell:

```{code-cell} ipython3
print("hello from the intro")
```

See {ref}`sec-plots`.
""",
    "chapter/plots": """(sec-plots)=
# Plots

```{code-cell} ipython3
import base64
from IPython.display import Image, display
for colour in ("red", "green"):
    display(Image(data=base64.b64decode(%r), format="png"))
```

An SVG figure:

![A blue bar](../img/bar.svg)

Back to {ref}`sec-intro`.
""",
}


def make_book(root: Path, *, languages: str = "", extra: str = "") -> Path:
    """Write the small book at ``root`` (its own pyproject.toml)."""
    import base64

    src = root / "source" / "en"
    (src / "img").mkdir(parents=True, exist_ok=True)
    (src / "chapter").mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(f"""[tool.d2lbook]
name = "small"
author = "Tester"
version = "1"

[tool.d2lbook.languages.en]
title = "Small book"
{languages}
[tool.d2lbook.execution]
timeout = 120
jobs = 1
{extra}
""", encoding="utf-8")
    image = base64.b64encode(png(8, 8, (20, 160, 60))).decode()
    for name, text in PAGES.items():
        body = text % image if "%r" in text else text
        (src / f"{name}.md").write_text(FRONT + body, encoding="utf-8")
    (src / "img" / "dot.png").write_bytes(png())
    (src / "img" / "bar.svg").write_text(SVG, encoding="utf-8")
    return root


def cli(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``d2lbook --root root args...`` in a subprocess (this checkout's code)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-m", "d2lbook.cli", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def tree_digest(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """relative path -> sha256 of every file under ``root`` (names in ``skip`` left out).
    In HTML, Sphinx's cache-busting ``?v=<checksum>`` suffixes are ignored: Sphinx adds one to
    a stylesheet link only when the file already sat in the output folder (warm builds)."""
    digest = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or any(part in skip for part in p.relative_to(root).parts):
            continue
        data = p.read_bytes()
        if p.suffix == ".html":
            data = re.sub(rb"\?v=[0-9a-f]{8}\b", b"", data)
        digest[p.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return digest
