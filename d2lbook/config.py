"""The book's configuration: ``[tool.d2lbook]`` in pyproject.toml, typed and validated.

All problems are collected and reported together (``ConfigError``). Every field is documented
where it is declared. Adding a language edition is a ``[tool.d2lbook.languages.<code>]`` table
plus its catalogs: no code change.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from d2lbook.errors import ConfigError, Problem


@dataclass(frozen=True)
class Language:
    """One edition of the book."""

    code: str
    """Short code used in paths and the CLI: ``_build/<code>/``, ``--lang <code>``."""
    title: str
    """The book's title in this language."""
    locale: str = ""
    """gettext locale directory under ``locale/`` (``zh_CN``); empty for the source language."""
    sphinx_language: str = ""
    """Sphinx ``language`` (UI strings, search); defaults to ``locale`` or ``code``."""
    html_lang: str = ""
    """The ``<html lang>`` attribute (``zh-CN``); defaults to ``code``."""
    latex_engine: str = "pdflatex"
    """``pdflatex`` or ``xelatex`` (needed for CJK)."""
    cjk_fonts: tuple[str, str, str] = ("", "", "")
    """(serif, sans, mono) CJK fonts for xelatex; empty for languages that need none."""
    author: str = ""
    """Author line in this language; defaults to the book's."""
    apply_fuzzy: bool = False
    """Use fuzzy (possibly outdated) translations; by default the English shows instead."""

    @property
    def sphinx_lang(self) -> str:
        return self.sphinx_language or self.locale or self.code

    @property
    def html_language(self) -> str:
        return self.html_lang or self.code


@dataclass(frozen=True)
class Execution:
    """How code cells run."""

    timeout: int = 300
    """Seconds a single cell may run before the build stops with an error."""
    kernel: str = "python3"
    """Jupyter kernel name (an ipykernel installed in the project environment)."""
    jobs: int = 0
    """Notebooks executed in parallel; 0 means the number of CPU cores."""
    execute: bool = True
    """False: render without running code (cached outputs where they exist); ``--no-execute``."""
    scheduler: str = ""
    """Dask scheduler address (``tcp://host:8786``) to execute on; empty: this machine.
    ``--scheduler`` overrides it. See docs/execution.md."""
    gpus: int = -1
    """GPUs of this machine for the local pool; -1 counts them (``CUDA_VISIBLE_DEVICES``,
    else ``nvidia-smi -L``)."""
    fail_fast: bool = False
    """Stop at the first failing notebook instead of running the others; ``--fail-fast``."""


@dataclass(frozen=True)
class Urls:
    """Where the book lives; all optional."""

    site: str = ""
    """Public URL of the deployed site (``https://example.org/book``)."""
    repository: str = ""
    """Source repository, for edit links (``https://github.com/org/book``)."""
    branch: str = "main"
    """Branch that edit links point at."""
    forum: str = ""
    """Discussion forum; each page links to ``<forum>/<topic>`` (topic from front matter)."""
    colab: str = ""
    """GitHub ``org/repo`` holding the executed notebooks, for "Open in Colab" links."""


@dataclass(frozen=True)
class BookConfig:
    """Everything a build needs to know about the book."""

    root: Path
    """The repository root (where pyproject.toml is)."""
    name: str
    """File stem of the outputs: ``<name>-<lang>.pdf``, ``<name>-<lang>.zip``."""
    author: str
    version: str
    languages: tuple[Language, ...]
    """The editions; the first one is the source language."""
    source: str = "source"
    """Folder holding ``<lang>/`` source trees (``source/en`` is the single source of truth)."""
    locale_dir: str = "locale"
    """gettext catalogs: ``locale/<locale>/LC_MESSAGES/<page>.po``."""
    build: str = "_build"
    """Where every output goes."""
    execution: Execution = field(default_factory=Execution)
    urls: Urls = field(default_factory=Urls)

    @property
    def source_language(self) -> Language:
        return self.languages[0]

    @property
    def source_dir(self) -> Path:
        return self.root / self.source / self.source_language.code

    @property
    def build_dir(self) -> Path:
        return self.root / self.build

    @property
    def locale_path(self) -> Path:
        return self.root / self.locale_dir

    @property
    def jobs(self) -> int:
        return self.execution.jobs or os.cpu_count() or 1

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        known = ", ".join(lang.code for lang in self.languages)
        raise ConfigError(
            [Problem("pyproject.toml", 0, f"unknown language {code!r}; configured: {known}")]
        )

    def select(self, code: str) -> tuple[Language, ...]:
        """``all`` or one code -> the languages to build."""
        return self.languages if code == "all" else (self.language(code),)

    def overlay_dir(self, lang: Language) -> Path:
        """Language-only material (extra pages, whole-file replacements): ``source/<code>``."""
        return self.root / self.source / lang.code


def _build(cls: type, data: dict[str, Any], where: str, problems: list[Problem]) -> dict:
    """Keyword arguments for a dataclass from a TOML table; unknown keys and bad types are
    recorded in ``problems`` and left out."""
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in known:
            problems.append(Problem("pyproject.toml", 0, f"{where}: unknown key {key!r} "
                                    f"(known: {', '.join(sorted(known))})"))
            continue
        default = known[name].default
        expected = str if default is MISSING else type(default)
        if expected is tuple and isinstance(value, list):
            value = tuple(value)
        if type(value) is not expected:
            problems.append(Problem("pyproject.toml", 0, f"{where}.{key}: expected "
                                    f"{expected.__name__}, got {type(value).__name__}"))
            continue
        kwargs[name] = value
    return kwargs


def load_config(root: Path | str | None = None) -> BookConfig:
    """Read and validate ``[tool.d2lbook]`` from ``<root>/pyproject.toml``."""
    root = Path(root or os.environ.get("D2LBOOK_ROOT") or find_root()).resolve()
    path = root / "pyproject.toml"
    if not path.is_file():
        raise ConfigError([Problem(path, 0, "no pyproject.toml: run d2lbook inside the book")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([Problem(path, getattr(err, "lineno", 0), str(err))]) from None
    table = data.get("tool", {}).get("d2lbook")
    if not isinstance(table, dict):
        raise ConfigError([Problem(path, 0, "missing [tool.d2lbook] table")])
    return parse_config(root, table)


def parse_config(root: Path, table: dict[str, Any]) -> BookConfig:
    problems: list[Problem] = []
    table = dict(table)
    langs_table = table.pop("languages", None)
    exec_table = table.pop("execution", {})
    urls_table = table.pop("urls", {})

    languages: list[Language] = []
    if not isinstance(langs_table, dict) or not langs_table:
        problems.append(Problem("pyproject.toml", 0,
                                "[tool.d2lbook.languages] needs at least one language table"))
    else:
        for code, ltable in langs_table.items():
            if not isinstance(ltable, dict):
                problems.append(Problem("pyproject.toml", 0, f"languages.{code} must be a table"))
                continue
            kwargs = _build(Language, ltable, f"languages.{code}", problems)
            if "title" not in kwargs:
                problems.append(Problem("pyproject.toml", 0, f"languages.{code}: missing title"))
                continue
            if kwargs.get("latex_engine", "pdflatex") not in ("pdflatex", "xelatex"):
                problems.append(Problem("pyproject.toml", 0,
                                        f"languages.{code}.latex_engine must be pdflatex or "
                                        "xelatex"))
            fonts = kwargs.get("cjk_fonts")
            if fonts is not None and len(fonts) != 3:
                problems.append(Problem("pyproject.toml", 0, f"languages.{code}.cjk_fonts needs "
                                        "three names: serif, sans, mono"))
                kwargs.pop("cjk_fonts")
            languages.append(Language(code=code, **kwargs))
        for lang in languages[1:]:
            if not lang.locale:
                problems.append(Problem("pyproject.toml", 0, f"languages.{lang.code}: a "
                                        "translated edition needs `locale` (e.g. zh_CN)"))

    execution = Execution(**_build(Execution, exec_table, "execution", problems))
    if execution.timeout <= 0:
        problems.append(Problem("pyproject.toml", 0, "execution.timeout must be positive"))
    urls = Urls(**_build(Urls, urls_table, "urls", problems))

    top = _build(BookConfig, table, "tool.d2lbook", problems)
    for required in ("name", "author", "version"):
        if required not in top:
            problems.append(Problem("pyproject.toml", 0, f"tool.d2lbook: missing {required!r}"))
    if problems:
        raise ConfigError(problems)
    cfg = BookConfig(root=root, languages=tuple(languages), execution=execution, urls=urls,
                     **top)
    if not cfg.source_dir.is_dir():
        raise ConfigError([Problem(cfg.source_dir, 0, "source folder of the first language "
                                   "does not exist")])
    return cfg


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upwards holding a pyproject.toml with a [tool.d2lbook] table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.d2lbook" in candidate.read_text(encoding="utf-8"):
            return folder
    return here
