"""The book's configuration: ``[tool.d2lbook]`` in pyproject.toml, typed and validated.

All problems are collected and reported together (``ConfigError``). Every field is documented
where it is declared. Adding a language edition is a ``[tool.d2lbook.languages.<code>]`` table
plus its catalogs: no code change.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from d2lbook.errors import ConfigError, Problem
from d2lbook.jsondata import JSONDict

OUTDATED_CHOICES = ("translation", "english")
"""The values of a language's ``outdated`` setting."""


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
    latex_fonts: tuple[str, str, str] = ("", "", "")
    """(main, sans, mono) fonts for xelatex (fontspec names); empty: Sphinx's FreeFont."""
    author: str = ""
    """Author line in this language; defaults to the book's."""
    outdated: str = "translation"
    """What readers see for an outdated message (its English changed since it was translated:
    fuzzy in the catalog, or edited since the catalog's sync commit): ``"translation"`` (the
    default) shows the last translation, marked as possibly outdated; ``"english"`` shows the
    English, marked. Website, notebooks and PDF follow it alike; ``i18n status`` and
    ``--fail-on outdated`` count these messages as outdated either way."""

    @property
    def shows_outdated(self) -> bool:
        """True when an outdated message shows its last translation."""
        return self.outdated == "translation"

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
    output_limit: int = 100_000
    """Characters of one cell output shown in the page (longer ones are cut with a note; the
    downloadable notebook keeps everything); 0 means no limit."""
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
class Framework:
    """A deep-learning framework the book's code is written for: its own kernel and environment.

    ``[tool.d2lbook.frameworks.<key>]``; the first table is the default framework. A book
    without such tables has one implicit framework (``key == ""``) that runs in
    ``execution.kernel``, and its outputs keep their single-framework names.
    """

    key: str
    """Table name, used in cell tags (``:tags: [pytorch]``), paths and tab sync ids."""
    name: str
    """Display name: the tab label (``PyTorch``)."""
    kernel: str = ""
    """Jupyter kernel of the framework's own environment; defaults to ``d2l-<key>``."""
    library: str = ""
    """The ``#@save`` library module (``d2l.torch``); empty for a book without a library."""
    requirements: tuple[str, ...] = ()
    """Pinned requirements of the framework's environment (``ci/setup.sh`` installs them into
    ``.venvs/<key>``)."""
    library_head: str = ""
    """A hand-written Python file (path from the book's root) that starts the library module,
    before the generated code: imports, constants (``DATA_HUB``), ``nn_Module = nn.Module``.
    Empty: the module starts with the generated code."""
    alias_module: str = ""
    """The module ``simple_alias`` names come from (``torch``: ``ones`` -> ``ones = torch.ones``);
    the old ``config.ini``'s ``lib_name``."""
    alias: tuple[str, ...] = ()
    """Assignments written as they are after the saved code (``nn_Module = nn.Module``)."""
    simple_alias: tuple[str, ...] = ()
    """``name`` or ``name -> attr``: ``name = <alias_module>.<attr>`` (``concat -> cat``)."""
    fluent_alias: tuple[str, ...] = ()
    """``name`` or ``name -> method``: ``name(x, ...)`` calls ``x.method(...)``
    (``reduce_sum -> sum``)."""
    reverse_alias: tuple[str, ...] = ()
    """``<package>.name -> expression`` rewrites of the old tool's notebooks; a plain name that
    the library does not define otherwise becomes ``name = expression``."""

    @property
    def package(self) -> str:
        """The library's top-level package (``d2l``), or empty."""
        return self.library.split(".", 1)[0] if self.library else ""

    @property
    def module(self) -> str:
        """The library module's name inside its package (``torch``), or empty."""
        return self.library.split(".", 1)[1] if "." in self.library else ""


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
    reveal: str = ""
    """Where the slide decks load reveal.js from (nbconvert's ``reveal_url_prefix``): a URL, or
    a path relative to the site's root; empty: reveal.js's CDN."""


@dataclass(frozen=True)
class Publish:
    """Where ``d2lbook publish`` puts the site and the notebooks; each goes to a git branch
    (``*_repository``: a URL or a path git can push to) or to a folder (``*_folder``)."""

    site_repository: str = ""
    """Git repository of the site (``git@github.com:org/book.git``)."""
    site_branch: str = "gh-pages"
    site_folder: str = ""
    """A folder to copy the site into instead (a web server's root), relative to the book."""
    notebooks_repository: str = ""
    """Git repository of the notebook trees (``<lang>/<framework>/<page>.ipynb``): the one
    ``urls.colab`` names, for "Open in Colab"."""
    notebooks_branch: str = "main"
    notebooks_folder: str = ""


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
    publish: Publish = field(default_factory=Publish)
    frameworks: tuple[Framework, ...] = ()
    """The frameworks, the first being the default; never empty (a book without framework
    tables gets one implicit framework running ``execution.kernel``)."""

    def __post_init__(self) -> None:
        if not self.frameworks:
            implicit = Framework(key="", name="Python", kernel=self.execution.kernel)
            object.__setattr__(self, "frameworks", (implicit,))

    @property
    def source_language(self) -> Language:
        return self.languages[0]

    # The three configured folders, resolved; every path inside them is ``d2lbook.layout``'s.

    @property
    def source_dir(self) -> Path:
        """The source language's pages (``source/en``)."""
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
        raise ConfigError([_problem(_Locator.of(self.root), "languages", None,
                                    f"unknown language {code!r}; configured: {known}")])

    @property
    def default_framework(self) -> Framework:
        return self.frameworks[0]

    @property
    def multi_framework(self) -> bool:
        """True when frameworks are configured (outputs then carry the framework's key)."""
        return bool(self.frameworks[0].key)

    def framework(self, key: str) -> Framework:
        for fw in self.frameworks:
            if fw.key == key:
                return fw
        known = ", ".join(fw.key for fw in self.frameworks)
        raise ConfigError([_problem(_Locator.of(self.root), "frameworks", None,
                                    f"unknown framework {key!r}; configured: {known}")])

    def select(self, code: str) -> tuple[Language, ...]:
        """``all`` or one code -> the languages to build."""
        return self.languages if code == "all" else (self.language(code),)


_NOT_SETTINGS = {"root"}
"""Fields computed by d2lbook, not read from the table."""


def _build(cls: type, data: JSONDict, where: str, problems: list[Problem],
           locate: _Locator | None = None) -> JSONDict:
    """Keyword arguments for a dataclass from a TOML table; unknown keys and bad types are
    recorded in ``problems`` (at their line, found by ``locate(table, key)``) and left out."""
    known = {f.name: f for f in fields(cls) if f.name not in _NOT_SETTINGS}

    def problem(key: str, message: str) -> Problem:
        return _problem(locate or _NOWHERE, where, key, message)

    kwargs: JSONDict = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in known:
            problems.append(problem(key, f"{where}: unknown key {key!r} "
                                    f"(known: {', '.join(sorted(known))})"))
            continue
        default = known[name].default
        expected = str if default is MISSING else type(default)
        if expected is tuple and isinstance(value, list):
            value = tuple(value)
        if type(value) is not expected:
            problems.append(problem(key, f"{where}.{key}: expected "
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
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as err:
        raise ConfigError([Problem(path, 0, f"not UTF-8 ({err})")]) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([Problem(path, getattr(err, "lineno", 0), str(err))]) from None
    table = data.get("tool", {}).get("d2lbook")
    if not isinstance(table, dict):
        raise ConfigError([Problem(path, 0, "missing [tool.d2lbook] table")])
    return parse_config(root, table, _Locator(path, text))


class _Locator:
    """Lines in pyproject.toml: of ``key = ...`` in a ``[tool.d2lbook.<where>]`` table, else of the
    table itself (its header, or the first key or sub-table that defines it); 0 when neither is
    written (a missing table, or a configuration given as a dictionary)."""

    def __init__(self, path: Path | str, text: str):
        self.path = path
        self.lines = text.splitlines()

    @classmethod
    def of(cls, root: Path) -> _Locator:
        """The locator of ``<root>/pyproject.toml`` (every line 0 when there is none)."""
        path = root / "pyproject.toml"
        try:
            return cls(path, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return _NOWHERE

    def __call__(self, where: str, key: str | None = None) -> int:
        table = "tool.d2lbook" if where == "tool.d2lbook" else f"tool.d2lbook.{where}"
        if key is not None and (line := self._find(f"{table}.{key}")):
            return line
        return self._find(table)

    def _find(self, name: str) -> int:
        """The first line defining ``name`` (a dotted path) or something inside it."""
        current, depth = "", 0
        for number, raw in enumerate(self.lines, 1):
            bare = _STRING.sub('""', raw).split("#")[0].strip()  # strings emptied, no comment
            if depth:  # inside a value spread over lines (an array)
                depth = max(0, depth + bare.count("[") - bare.count("]"))
                continue
            if bare.startswith("["):
                header = raw.split("#")[0].strip()
                current = "[[" if header.startswith("[[") else _dotted(header.strip("[] "))
                defined = current
            elif "=" in bare and current != "[[":
                key = _dotted(raw.partition("=")[0])
                defined = f"{current}.{key}" if current else key
                value = bare.partition("=")[2]
                depth = max(0, value.count("[") - value.count("]"))
            else:
                continue
            if defined == name or defined.startswith(name + "."):
                return number
        return 0


_NOWHERE = _Locator("pyproject.toml", "")
"""The locator of a configuration given as a dictionary: every problem at line 0."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')


def _dotted(key: str) -> str:
    """A TOML key as a dotted path, without spaces or quotes (``"a" . b`` -> ``a.b``)."""
    return key.replace(" ", "").replace('"', "").replace("'", "")


def _problem(locate: _Locator, where: str, key: str | None, message: str) -> Problem:
    """A problem at the line of ``key`` in ``[tool.d2lbook.<where>]`` (or of the table)."""
    return Problem(locate.path, locate(where, key), message)


def parse_config(root: Path, table: JSONDict, locate: _Locator | None = None) -> BookConfig:
    """The configuration from the ``[tool.d2lbook]`` table; every problem is collected, each at
    its line when ``locate`` knows the text of pyproject.toml."""
    at = locate or _NOWHERE
    problems: list[Problem] = []
    table = dict(table)
    langs_table = table.pop("languages", None)
    exec_table = table.pop("execution", {})
    urls_table = table.pop("urls", {})
    fw_table = table.pop("frameworks", {})
    publish_table = table.pop("publish", {})
    for name, sub in (("execution", exec_table), ("urls", urls_table),
                      ("publish", publish_table)):
        if not isinstance(sub, dict):
            problems.append(_problem(at, "tool.d2lbook", name,
                                     f"tool.d2lbook.{name} must be a table "
                                     f"([tool.d2lbook.{name}])"))
    exec_table = exec_table if isinstance(exec_table, dict) else {}
    urls_table = urls_table if isinstance(urls_table, dict) else {}

    languages: list[Language] = []
    if not isinstance(langs_table, dict) or not langs_table:
        problems.append(_problem(at, "languages", None,
                                 "[tool.d2lbook.languages] needs at least one language table"))
    else:
        for code, ltable in langs_table.items():
            if not isinstance(ltable, dict):
                problems.append(_problem(at, "languages", code,
                                         f"languages.{code} must be a table"))
                continue
            kwargs = _build(Language, ltable, f"languages.{code}", problems, locate)
            if "title" not in kwargs:
                problems.append(_problem(at, f"languages.{code}", "title",
                                         f"languages.{code}: missing title"))
                continue
            if kwargs.get("latex_engine", "pdflatex") not in ("pdflatex", "xelatex"):
                problems.append(_problem(at, f"languages.{code}", "latex_engine",
                                         f"languages.{code}.latex_engine must be pdflatex or "
                                         "xelatex"))
            if kwargs.get("outdated", "translation") not in OUTDATED_CHOICES:
                problems.append(_problem(at, f"languages.{code}", "outdated",
                                         f"languages.{code}.outdated must be \"translation\" "
                                         "(show the last translation, marked) or \"english\""))
                kwargs.pop("outdated")
            fonts = kwargs.get("cjk_fonts")
            if fonts is not None and len(fonts) != 3:
                problems.append(_problem(at, f"languages.{code}", "cjk_fonts",
                                         f"languages.{code}.cjk_fonts needs "
                                         "three names: serif, sans, mono"))
                kwargs.pop("cjk_fonts")
            fonts = kwargs.get("latex_fonts")
            if fonts is not None and len(fonts) != 3:
                problems.append(_problem(at, f"languages.{code}", "latex_fonts",
                                         f"languages.{code}.latex_fonts "
                                         "needs three names: main, sans, mono"))
                kwargs.pop("latex_fonts")
            languages.append(Language(code=code, **kwargs))
        for lang in languages[1:]:
            if not lang.locale:
                problems.append(_problem(at, f"languages.{lang.code}", "locale",
                                         f"languages.{lang.code}: a "
                                         "translated edition needs `locale` (e.g. zh_CN)"))

    execution = Execution(**_build(Execution, exec_table, "execution", problems, locate))
    if execution.timeout <= 0:
        problems.append(_problem(at, "execution", "timeout",
                                 "execution.timeout must be positive"))
    if execution.output_limit < 0:
        problems.append(_problem(at, "execution", "output_limit",
                                 "execution.output_limit must be 0 (no "
                                 "limit) or a number of characters"))
    urls = Urls(**_build(Urls, urls_table, "urls", problems, locate))
    publish = Publish(**_build(Publish, publish_table if isinstance(publish_table, dict) else {},
                               "publish", problems, locate))
    frameworks = _frameworks(fw_table, problems, at)

    top = _build(BookConfig, table, "tool.d2lbook", problems, locate)
    for required in ("name", "author", "version"):
        if required not in top:
            problems.append(_problem(at, "tool.d2lbook", required,
                                     f"tool.d2lbook: missing {required!r}"))
    if problems:
        raise ConfigError(problems)
    cfg = BookConfig(root=root, languages=tuple(languages), execution=execution, urls=urls,
                     publish=publish, frameworks=frameworks, **top)
    if not cfg.source_dir.is_dir():
        raise ConfigError([Problem(cfg.source_dir, 0, "source folder of the first language "
                                   "does not exist")])
    return cfg


_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_MODULE = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")


def _frameworks(tables: object, problems: list[Problem],
                locate: _Locator = _NOWHERE) -> tuple[Framework, ...]:
    """``[tool.d2lbook.frameworks.<key>]`` tables, validated; every problem recorded."""
    if not isinstance(tables, dict):
        problems.append(_problem(locate, "frameworks", None,
                                 "[tool.d2lbook.frameworks] must hold one "
                                 "table per framework ([tool.d2lbook.frameworks.pytorch])"))
        return ()
    found: list[Framework] = []
    for key, ftable in tables.items():
        where = f"frameworks.{key}"
        if not isinstance(ftable, dict):
            problems.append(_problem(locate, "frameworks", key, f"{where} must be a table"))
            continue
        if not _KEY.match(key):
            problems.append(_problem(locate, "frameworks", key, f"{where}: a framework key is "
                                     "lower case letters, digits and _ (it is a cell tag and a "
                                     "path)"))
            continue
        kwargs = _build(Framework, ftable, where, problems, locate)
        kwargs.pop("key", None)
        if "name" not in kwargs:
            problems.append(_problem(locate, where, "name", f"{where}: missing name (the tab "
                                     "label, e.g. \"PyTorch\")"))
            continue
        library = kwargs.get("library", "")
        if library and not _MODULE.match(library):
            problems.append(_problem(locate, where, "library", f"{where}.library: {library!r} "
                                     "is not a module inside a package, like \"d2l.torch\""))
        requirements = kwargs.get("requirements", ())
        if any(not isinstance(r, str) or not r.strip() for r in requirements):
            problems.append(_problem(locate, where, "requirements", f"{where}.requirements: a "
                                     "list of pip requirement strings"))
        _check_aliases(kwargs, where, problems, locate)
        kwargs["kernel"] = kwargs.get("kernel") or f"d2l-{key}"
        found.append(Framework(key=key, **kwargs))
    libraries = [fw.library for fw in found if fw.library]
    for lib in sorted({x for x in libraries if libraries.count(x) > 1}):
        second = [fw.key for fw in found if fw.library == lib][1]
        problems.append(_problem(locate, f"frameworks.{second}", "library", f"frameworks: two "
                                 f"frameworks share the library module {lib!r}; give each its "
                                 "own"))
    packages = {fw.package for fw in found if fw.library}
    if len(packages) > 1:
        problems.append(_problem(locate, "frameworks", None, "frameworks: every library module "
                                 f"must be in one package (found {', '.join(sorted(packages))})"))
    return tuple(found)


_ALIAS_NAME = re.compile(r"^[A-Za-z_]\w*$")
_ALIAS_TARGET = re.compile(r"^[A-Za-z_][\w.()]*$")


def _check_aliases(kwargs: JSONDict, where: str, problems: list[Problem],
                   locate: _Locator = _NOWHERE) -> None:
    """Alias entries that would not make a valid library line are recorded (and dropped)."""
    import ast

    def bad(kind: str, entry: object, what: str) -> None:
        problems.append(_problem(locate, where, kind, f"{where}.{kind}: {entry!r} is not "
                                 f"{what}"))

    for kind in ("simple_alias", "fluent_alias"):
        for entry in kwargs.get(kind, ()):
            name, _, target = str(entry).partition("->")
            if not isinstance(entry, str) or not _ALIAS_NAME.match(name.strip()) or \
                    (target and not _ALIAS_TARGET.match(target.strip())):
                bad(kind, entry, "`name` or `name -> target` (a Python name, a dotted target)")
    if kwargs.get("simple_alias") and not kwargs.get("alias_module"):
        problems.append(_problem(locate, where, "simple_alias", f"{where}: simple_alias needs "
                                 "alias_module (the module the names come from, e.g. "
                                 "\"torch\")"))
    for entry in kwargs.get("alias", ()):
        try:
            node = ast.parse(str(entry)).body
        except SyntaxError:
            node = []
        if len(node) != 1 or not isinstance(node[0], ast.Assign):
            bad("alias", entry, "one assignment `name = expression`")
    for entry in kwargs.get("reverse_alias", ()):
        if not isinstance(entry, str) or "->" not in entry:
            bad("reverse_alias", entry, "`pattern -> replacement`")


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upwards holding a pyproject.toml with a [tool.d2lbook] table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.d2lbook" in candidate.read_text(encoding="utf-8"):
            return folder
    return here
