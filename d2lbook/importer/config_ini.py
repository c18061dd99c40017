"""The old book's ``config.ini`` -> our ``pyproject.toml`` tables.

Sections read: ``[project]`` (name, title, author, release, lang), ``[build]`` (notebooks,
non-notebooks, exclusions, resources, tabs), ``[library]`` / ``[library-<framework>]``
(lib_file, lib_name and the aliases: see ``LibrarySettings``), ``[pdf]`` (bibfile), ``[html]``
(header_links: the repository), ``[colab]`` (github_repo). Everything else (fonts, deploy
buckets, sphinx settings) has no equivalent and is listed in the report as not carried over.
"""

from __future__ import annotations

import configparser
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from d2lbook.errors import Problem
from d2lbook.importer.page import display_name
from d2lbook.importer.report import Report
from d2lbook.layout import library_head

DEFAULT_MODULES = {"mxnet": "d2l.mxnet", "pytorch": "d2l.torch", "tensorflow": "d2l.tensorflow",
                   "jax": "d2l.jax", "paddle": "d2l.paddle"}
USED = {"project": {"name", "title", "author", "release", "lang"},
        "build": {"notebooks", "non-notebooks", "exclusions", "resources", "tabs"},
        "pdf": {"bibfile", "main_font", "sans_font", "mono_font"}, "html": {"header_links"},
        "colab": {"github_repo"},
        "library": {"lib_file"}}
LIBRARY_KEYS = {"lib_file", "lib_name", "simple_alias", "fluent_alias", "alias", "reverse_alias"}
MARKER = re.compile(r"^#+\s*WARNING\s*#+\s*$|^#.*generated automatically", re.I)
"""The old tool's line between a library file's hand-written head and its generated part."""
_NAME = re.compile(r"^[A-Za-z_]\w*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.()]*$")


@dataclass
class LibrarySettings:
    """One ``[library-<framework>]`` section's aliases, as our settings take them.

    The old tool appended to the library module, after the saved code: ``alias`` lines as
    written; ``simple_alias`` entries (``name`` or ``name -> attr``, comma or line separated) as
    ``name = <lib_name>.<attr>``; ``fluent_alias`` entries as ``name = lambda x, *args,
    **kwargs: x.<method>(*args, **kwargs)``. ``reverse_alias`` (one ``pattern -> replacement``
    a line) rewrote the code of the notebooks it executed, not the library."""

    alias_module: str = ""
    alias: list[str] = field(default_factory=list)
    simple_alias: list[str] = field(default_factory=list)
    fluent_alias: list[str] = field(default_factory=list)
    reverse_alias: list[str] = field(default_factory=list)


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
    lib_settings: dict[str, LibrarySettings] = field(default_factory=dict)
    """framework -> its aliases (``[library-<fw>]``)."""
    lib_heads: dict[str, str] = field(default_factory=dict)
    """framework -> the hand-written head of its library file (above the generated part)."""
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

    def head_path(self, fw: str) -> str:
        """Where the import writes ``fw``'s library head (relative to the book's root)."""
        return library_head("source", self.lang, self.library(fw).split(".", 1)[-1]).as_posix()

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
    cfg.lang = (p.get("lang", "") or "en").strip().split("_")[0].split("-")[0].lower() or "en"
    if parser.has_section("build"):
        b = parser["build"]
        if b.get("notebooks", "").strip():
            cfg.notebooks = b["notebooks"].split()
        cfg.non_notebooks = b.get("non-notebooks", "").split()
        cfg.exclusions = b.get("exclusions", "").split()
        cfg.resources = b.get("resources", "").split()
        cfg.tabs = tuple(t for t in re.split(r"[,\s]+", b.get("tabs", "")) if t)
    text = path.read_text(encoding="utf-8")
    for fw in cfg.tabs:
        section = f"library-{fw}"
        if parser.has_section(section) and parser[section].get("lib_file", "").strip():
            cfg.lib_files[fw] = parser[section]["lib_file"].strip()
        if parser.has_section(section):
            cfg.lib_settings[fw] = _library_settings(parser[section], section, text, report)
        lib_file = path.parent / cfg.lib_files.get(fw, cfg.library(fw).replace(".", "/") + ".py")
        inside = lib_file.resolve().is_relative_to(path.parent.resolve())
        if inside and lib_file.is_file():  # one leaving the book is refused in validation
            head = library_head_text(lib_file.read_text(encoding="utf-8", errors="replace"))
            if head.strip():
                cfg.lib_heads[fw] = head
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
        used = USED.get(section, LIBRARY_KEYS if section.startswith("library-") else set())
        for key in parser[section]:
            if key not in used:
                cfg.ignored.append(f"{section}.{key}")
    return cfg


def library_head_text(text: str) -> str:
    """The hand-written head of an old library file: its lines above the marker of the
    generated part (the ``WARNING`` banner, or the "generated automatically" comment); ""
    when the file has no marker or nothing above it."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if MARKER.match(line.strip()):
            return "".join(lines[:i]).rstrip() + "\n" if "".join(lines[:i]).strip() else ""
    return ""


_SECTION = re.compile(r"^\s*\[([^\]]+)\]")


def _line_of(text: str, section: str, needle: str, *, key: bool = False) -> int:
    """The config.ini line of ``needle`` inside ``[section]``: the first line holding it, or
    with ``key`` the last line setting the key ``needle`` (the value read); 0 when none."""
    current, found = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        header = _SECTION.match(line)
        if header:
            current = header.group(1).strip()
        elif current != section:
            continue
        elif not key and needle in line:
            return number
        elif key and re.match(rf"^{re.escape(needle)}\s*[=:]", line, re.I):
            found = number
    return found


def _entries(value: str) -> list[str]:
    return [t.strip() for line in value.splitlines() for t in line.split(",") if t.strip()]


def _library_settings(sec: configparser.SectionProxy, section: str, text: str,
                      report: Report) -> LibrarySettings:
    out = LibrarySettings(alias_module=sec.get("lib_name", "").strip())

    def skip(entry: str, key: str, what: str) -> None:
        report.warn("config.ini", _line_of(text, section, entry), f"[{section}] {key}: "
                    f"{entry!r} {what}; left out of the library", "library-alias")

    for key in ("simple_alias", "fluent_alias"):
        for entry in _entries(sec.get(key, "")):
            name, arrow, target = (x.strip().removesuffix("(").strip()
                                   for x in entry.partition("->"))
            if not _NAME.match(name) or (arrow and not _TARGET.match(target)):
                skip(entry, key, "is not `name` or `name -> target`")
                continue
            getattr(out, key).append(f"{name} -> {target}" if arrow and target != name
                                     else name)
    if out.simple_alias and not out.alias_module:
        report.warn("config.ini", _line_of(text, section, "simple_alias"), f"[{section}] "
                    "simple_alias without lib_name: the aliases are left out", "library-alias")
        out.simple_alias = []
    import ast

    for entry in (x.strip() for x in sec.get("alias", "").splitlines() if x.strip()):
        try:
            body = ast.parse(entry).body
        except SyntaxError:
            body = []
        if len(body) != 1 or not isinstance(body[0], ast.Assign):
            skip(entry, "alias", "is not one assignment `name = expression`")
            continue
        out.alias.append(entry)
    for entry in (x.strip() for x in sec.get("reverse_alias", "").splitlines() if x.strip()):
        pattern, arrow, replacement = (x.strip() for x in entry.partition("->"))
        if not arrow or not pattern:
            skip(entry, "reverse_alias", "is not `pattern -> replacement`")
            continue
        out.reverse_alias.append(f"{pattern} -> {replacement}")
    return out


def _toml_list(values: list[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_toml(v)},\n" for v in values) + "]"


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
        if fw in cfg.lib_heads:
            lines.append(f"library_head = {_toml(cfg.head_path(fw))}")
        lib = cfg.lib_settings.get(fw, LibrarySettings())
        if lib.simple_alias:
            lines.append(f"alias_module = {_toml(lib.alias_module)}")
        for key in ("alias", "simple_alias", "fluent_alias", "reverse_alias"):
            if getattr(lib, key):
                lines.append(f"{key} = {_toml_list(getattr(lib, key))}")
    urls = [(k, v) for k, v in (("repository", cfg.repository), ("colab", cfg.colab)) if v]
    if urls:
        lines += ["", "[tool.d2lbook.urls]"] + [f"{k} = {_toml(v)}" for k, v in urls]
    return "\n".join(lines) + "\n"


LANG_CODE = re.compile(r"[a-z]{2,3}")
BOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FRAMEWORK_NAME = re.compile(r"[a-z][a-z0-9_]*")


def check_config(cfg: OldConfig, text: str) -> list[Problem]:
    """Values of config.ini that the import would turn into paths outside its folders or an
    invalid ``pyproject.toml``: each a problem at ``config.ini:line`` saying what to write."""
    from d2lbook.importer.containment import climbs_out

    def leaves(value: str) -> bool:  # config.ini paths and globs: none may name "..", nor "."
        parts = value.replace("\\", "/").strip("/").split("/")
        return climbs_out(value) or ".." in parts or parts in ([""], ["."])

    problems: list[Problem] = []

    def refuse(section: str, key: str, message: str) -> None:
        problems.append(Problem("config.ini", _line_of(text, section, key, key=True), message,
                                "import-config"))

    if not BOOK_NAME.fullmatch(cfg.name):  # the stem of the PDF and zip files of every build
        refuse("project", "name", f"[project] name = {cfg.name!r} cannot name files; write "
               "letters, digits, '.', '_' or '-' (such as d2l-en)")
    if not LANG_CODE.fullmatch(cfg.lang):
        refuse("project", "lang", f"[project] lang = {cfg.lang!r} is not a language code; "
               "write a code such as en or zh (zh_CN is read as zh)")
    seen: set[str] = set()
    for fw in cfg.tabs:
        if not FRAMEWORK_NAME.fullmatch(fw):
            refuse("build", "tabs", f"[build] tabs: {fw!r} is not a framework name; write "
                   "names such as mxnet, pytorch, separated by commas (lowercase letters, "
                   "digits, _)")
        elif fw in seen:
            refuse("build", "tabs", f"[build] tabs names {fw} twice; name each framework once")
        seen.add(fw)
    for key, values in (("notebooks", cfg.notebooks), ("non-notebooks", cfg.non_notebooks),
                        ("resources", cfg.resources)):
        for value in values:
            if leaves(value):
                refuse("build", key, f"[build] {key}: {value} leaves the book's folder; "
                       "write a path relative to the folder of config.ini, without ..")
    for fw, value in sorted(cfg.lib_files.items()):
        if leaves(value):
            refuse(f"library-{fw}", "lib_file", f"[library-{fw}] lib_file = {value} leaves "
                   "the book's folder; write a path relative to the folder of config.ini, "
                   "without ..")
    if cfg.bibfile and leaves(cfg.bibfile):
        refuse("pdf", "bibfile", f"[pdf] bibfile = {cfg.bibfile} leaves the book's folder; "
               "write a path relative to the folder of config.ini, without ..")
    return problems
