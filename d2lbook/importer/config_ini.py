"""The old book's ``config.ini`` -> our ``pyproject.toml`` tables.

Sections read: ``[project]`` (name, title, author, release, lang), ``[build]`` (notebooks,
non-notebooks, exclusions, resources, tabs), ``[library]`` / ``[library-<framework>]``
(lib_file), ``[pdf]`` (bibfile), ``[html]`` (header_links: the repository), ``[colab]``
(github_repo). Everything else (fonts, deploy buckets, sphinx settings) has no equivalent and is
listed in the report as not carried over.
"""

from __future__ import annotations

import configparser
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.importer.page import display_name
from d2lbook.importer.report import Report

DEFAULT_MODULES = {"mxnet": "d2l.mxnet", "pytorch": "d2l.torch", "tensorflow": "d2l.tensorflow",
                   "jax": "d2l.jax", "paddle": "d2l.paddle"}
USED = {"project": {"name", "title", "author", "release", "lang"},
        "build": {"notebooks", "non-notebooks", "exclusions", "resources", "tabs"},
        "pdf": {"bibfile", "main_font", "sans_font", "mono_font"}, "html": {"header_links"},
        "colab": {"github_repo"},
        "library": {"lib_file"}}


@dataclass
class OldConfig:
    name: str = "book"
    title: str = "Book"
    author: str = ""
    release: str = "0.1"
    lang: str = "en"
    notebooks: list[str] = field(default_factory=lambda: ["*.md", "*/*.md"])
    non_notebooks: list[str] = field(default_factory=list)
    exclusions: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    tabs: tuple[str, ...] = ()
    lib_files: dict[str, str] = field(default_factory=dict)
    """framework -> library file (``d2l/torch.py``), from ``[library-<fw>] lib_file``."""
    bibfile: str = ""
    pdf_fonts: tuple[str, str, str] = ("", "", "")
    """``[pdf]`` main_font, sans_font, mono_font (the old tool's xelatex fonts)."""
    xelatex: bool = False
    """The pages hold characters pdflatex cannot typeset (set by the import, not config.ini)."""
    cjk: bool = False
    """The pages hold CJK characters (set by the import)."""
    repository: str = ""
    colab: str = ""
    ignored: list[str] = field(default_factory=list)
    """``section.key`` entries that have no equivalent (reported)."""

    def library(self, fw: str) -> str:
        """The ``#@save`` library module of ``fw``: from its lib_file, else a default."""
        path = self.lib_files.get(fw, "")
        if path.endswith(".py"):
            return path[:-3].replace("/", ".").removesuffix(".__init__")
        return DEFAULT_MODULES.get(fw, f"d2l.{fw}")


def read_config(path: Path, report: Report) -> OldConfig:
    cfg = OldConfig()
    if not path.is_file():
        report.warn(str(path.name), 0, "no config.ini: defaults used (name `book`, every "
                    "*.md and */*.md page, no frameworks)", "config")
        return cfg
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except configparser.Error as err:
        line = getattr(err, "lineno", 0) or 0
        report.warn("config.ini", line, f"config.ini cannot be read ({err.__class__.__name__}); "
                    "defaults used", "config")
        return cfg
    p = parser["project"] if parser.has_section("project") else {}
    cfg.name = p.get("name", cfg.name).strip() or cfg.name
    cfg.title = p.get("title", cfg.title).strip() or cfg.title
    cfg.author = " ".join(p.get("author", "").split())
    cfg.release = p.get("release", cfg.release).strip() or cfg.release
    cfg.lang = (p.get("lang", "") or "en").strip().split("_")[0].split("-")[0] or "en"
    if parser.has_section("build"):
        b = parser["build"]
        if b.get("notebooks", "").strip():
            cfg.notebooks = b["notebooks"].split()
        cfg.non_notebooks = b.get("non-notebooks", "").split()
        cfg.exclusions = b.get("exclusions", "").split()
        cfg.resources = b.get("resources", "").split()
        cfg.tabs = tuple(t for t in re.split(r"[,\s]+", b.get("tabs", "")) if t)
    for fw in cfg.tabs:
        section = f"library-{fw}"
        if parser.has_section(section) and parser[section].get("lib_file", "").strip():
            cfg.lib_files[fw] = parser[section]["lib_file"].strip()
    if parser.has_section("pdf"):
        cfg.bibfile = parser["pdf"].get("bibfile", "").strip()
        pdf = parser["pdf"]
        cfg.pdf_fonts = (pdf.get("main_font", "").strip(), pdf.get("sans_font", "").strip(),
                         pdf.get("mono_font", "").strip())
    if parser.has_section("html"):
        links = parser["html"].get("header_links", "")
        m = re.search(r"https://github\.com/[\w.-]+/[\w.-]+", links)
        cfg.repository = m.group(0) if m else ""
    if parser.has_section("colab"):
        repos = parser["colab"].get("github_repo", "")
        pairs = [[x.strip() for x in line.split(",")] for line in repos.splitlines()
                 if line.strip()]
        by_fw = {pair[0]: pair[1] for pair in pairs if len(pair) == 2}
        if len(pairs) == 1 and len(pairs[0]) == 1:
            cfg.colab = pairs[0][0]
        elif cfg.tabs and cfg.tabs[0] in by_fw:
            cfg.colab = by_fw[cfg.tabs[0]]
        elif by_fw:
            cfg.colab = by_fw[sorted(by_fw)[0]]
    for section in parser.sections():
        used = USED.get(section, {"lib_file"} if section.startswith("library-") else set())
        for key in parser[section]:
            if key not in used:
                cfg.ignored.append(f"{section}.{key}")
    return cfg


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def pyproject(cfg: OldConfig) -> str:
    """The book's ``pyproject.toml``: only ``[tool.d2lbook]`` tables."""
    lines = [
        "# Written by `d2lbook import` from the book's config.ini.",
        "",
        "[tool.d2lbook]",
        f"name = {_toml(cfg.name)}",
        f"author = {_toml(cfg.author)}",
        f"version = {_toml(cfg.release)}",
        "",
        f"[tool.d2lbook.languages.{cfg.lang}]",
        f"title = {_toml(cfg.title)}",
    ]
    if cfg.lang == "zh":  # a Chinese book: the Chinese edition's settings of this toolchain
        lines += ['sphinx_language = "zh_CN"', 'html_lang = "zh-CN"', 'latex_engine = "xelatex"',
                  'cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC"]']
    elif cfg.xelatex:
        # Greek, symbols, CJK names...: pdflatex stops at them; xelatex with Unicode fonts.
        lines.append('latex_engine = "xelatex"  # the text has characters pdflatex cannot set')
        if cfg.cjk:
            lines.append('cjk_fonts = ["Noto Serif CJK SC", "Noto Sans CJK SC", '
                         '"Noto Sans Mono CJK SC"]')
    if any(cfg.pdf_fonts):
        fonts = ", ".join(_toml(f) for f in cfg.pdf_fonts)
        lines.append(f"# latex_fonts = [{fonts}]  # config.ini [pdf]; uncomment once installed")
        if not cfg.xelatex and cfg.lang != "zh":
            lines.append('# latex_engine = "xelatex"  # the fonts above need it')
    for fw in cfg.tabs:
        lines += [
            "",
            f"[tool.d2lbook.frameworks.{fw}]",
            f"name = {_toml(display_name(fw))}",
            f"kernel = {_toml('d2l-' + fw)}",
            f"library = {_toml(cfg.library(fw))}",
            "requirements = []  # pin this framework's packages here",
        ]
    urls = [(k, v) for k, v in (("repository", cfg.repository), ("colab", cfg.colab)) if v]
    if urls:
        lines += ["", "[tool.d2lbook.urls]"] + [f"{k} = {_toml(v)}" for k, v in urls]
    return "\n".join(lines) + "\n"
