"""The book's ``#@save`` library as a wheel, so that a notebook opened anywhere (Colab, a
fresh virtual environment) can ``pip install`` it.

The wheel is written by hand to the binary distribution format (PEP 427/491): a zip holding the
package files, ``<dist>-<version>.dist-info/{METADATA,WHEEL,RECORD}``, every entry dated
2020-01-01 so that the same library gives the same bytes. Its distribution name is the book's
``name`` and its version the book's ``version`` (``[tool.d2lbook]``); it has no dependencies:
each notebook's set-up cell installs its own framework's pinned requirements.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

from d2lbook.config import BookConfig
from d2lbook.errors import ConfigError, Problem
from d2lbook.files import atomic_path

WHEEL_FOLDER = "lib"
"""Folder of the wheel inside the published site (``_build/site/lib/``)."""
_DATE = (2020, 1, 1, 0, 0, 0)


def distribution(cfg: BookConfig) -> str:
    """The wheel's distribution name in file names: the book's name, normalised (PEP 491)."""
    return re.sub(r"[-_.]+", "_", cfg.name).lower()


def wheel_version(cfg: BookConfig) -> str:
    """The book's version, checked to be a version pip accepts (PEP 440)."""
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(cfg.version))
    except InvalidVersion:
        raise ConfigError([Problem("pyproject.toml", 0, f"tool.d2lbook.version "
                                   f"{cfg.version!r} is not a version pip accepts (PEP 440, "
                                   "e.g. 1.0 or 0.2.1): the library's wheel is named by it")]
                          ) from None


def wheel_filename(cfg: BookConfig) -> str:
    return f"{distribution(cfg)}-{wheel_version(cfg)}-py3-none-any.whl"


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def write_wheel(cfg: BookConfig, folder: Path, files: dict[str, str]) -> Path:
    """Write the wheel of the package ``files`` (``d2l/torch.py`` -> text) into ``folder``;
    returns its path. Unchanged bytes when the library is unchanged."""
    dist, version = distribution(cfg), wheel_version(cfg)
    info = f"{dist}-{version}.dist-info"
    metadata = (f"Metadata-Version: 2.1\nName: {cfg.name}\nVersion: {version}\n"
                f"Summary: The library of the book {cfg.languages[0].title}\n"
                f"Author: {cfg.author}\n")
    generator = "Wheel-Version: 1.0\nGenerator: d2lbook\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries = {rel: text.encode("utf-8") for rel, text in sorted(files.items())}
    entries[f"{info}/METADATA"] = metadata.encode("utf-8")
    entries[f"{info}/WHEEL"] = generator.encode("utf-8")
    record = "".join(f"{rel},{_digest(data)},{len(data)}\n" for rel, data in entries.items())
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode("utf-8")
    path = folder / wheel_filename(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in entries.items():
            item = zipfile.ZipInfo(rel, date_time=_DATE)
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o100644 << 16
            zf.writestr(item, data)
    return path


def package_files(folder: Path, package: str) -> dict[str, str]:
    """``<package>/**.py`` under ``folder`` (``_build/lib``) as ``wheel-relative path -> text``."""
    root = folder / package
    if not root.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts}
