"""Imports point one way (docs/architecture.md):

    errors ← config ← layout ← source ← { i18n, execute } ← edition ← render ← commands ← cli

plus the leaves any layer may use (``files``, ``vcs``, ``notebook``). Every ``import`` of a
``d2lbook`` module counts, the ones inside functions too: they run as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "d2lbook"

# Rank of each layer: a module may import modules of a lower rank, and modules of its own
# group (a package's siblings), never a higher rank or another group of the same rank.
LAYERS: dict[str, int] = {
    "errors": 0,
    "jsondata": 0,  # the JSON shapes (notebook, cell, output) named for the type checker
    "config": 1,
    "files": 1,  # atomic writes (a leaf)
    "vcs": 1,  # batched git (a leaf)
    "ui": 1,  # texts around the book, per language (a leaf)
    "myst": 1,  # the one reader of a page's block structure (a leaf)
    "lock": 1,  # one build of a book at a time (a leaf)
    "procs": 1,  # child processes end with the build (a leaf)
    "memo": 2,  # per-page results remembered on disk by their inputs' digest (a leaf)
    "layout": 2,
    "source": 3,
    "notebook": 4,
    "frameworks": 4,  # which cells belong to which framework (pure notebook functions)
    "i18n": 5,
    "execute": 5,
    "library": 5,  # the #@save library (reads pages as notebooks)
    "importer": 5,  # the old d2lbook dialect -> MyST (pure text conversion)
    "edition": 6,
    "render": 7,
    "commands": 8,
    "cli": 9,  # cli and cli_i18n
}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def group(module: str) -> str:
    """``d2lbook.i18n.apply`` -> ``i18n``; ``d2lbook.edition`` -> ``edition``."""
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else ""
    return "cli" if name == "cli_i18n" else name


def imports(path: Path, package_dir: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, imported d2lbook module) for every import in the file."""
    module = module_name(path, package_dir)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("d2lbook")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "d2lbook":  # ``from d2lbook import myst``: the modules named
                found += [(node.lineno, f"d2lbook.{a.name}") for a in node.names]
            elif target.startswith("d2lbook"):
                found.append((node.lineno, target))
    return found


def modules(package: Path = PACKAGE) -> list[Path]:
    return sorted(package.rglob("*.py"))


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in modules():
        edges[module_name(path)] = {t for _, t in imports(path) if t != "d2lbook"}
    return edges


def test_every_module_has_a_layer() -> None:
    missing = sorted({group(module_name(p)) for p in modules()} - set(LAYERS) - {""})
    assert not missing, f"give these a layer in tests/test_architecture.py and the docs: {missing}"


def wrong_imports(package: Path = PACKAGE) -> list[str]:
    """``file:line: ...`` for every import against the direction."""
    wrong = []
    for path in modules(package):
        source = module_name(path, package)
        here = group(source)
        if not here:
            continue
        for line, target in imports(path, package):
            there = group(target)
            if not there or there == here:
                continue
            if LAYERS.get(there, 99) >= LAYERS[here]:
                wrong.append(f"{path.relative_to(package.parent)}:{line}: {source} imports "
                             f"{target} ({there} is not below {here})")
    return wrong


def test_imports_point_one_way() -> None:
    wrong = wrong_imports()
    assert not wrong, "imports against the documented direction:\n" + "\n".join(wrong)


def test_no_import_circles() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_architecture_doc_lists_every_module() -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    missing = [m for m in sorted(graph()) if m not in packages
               and f"`{m.removeprefix('d2lbook.')}`" not in doc]
    assert not missing, f"docs/architecture.md does not list: {missing}"


def test_the_checker_names_a_wrong_import(tmp_path: Path) -> None:
    """Relative and function-level imports count, and are named by file and line."""
    package = tmp_path / "d2lbook"
    (package / "i18n").mkdir(parents=True)
    (package / "edition.py").write_text("from d2lbook.i18n import apply\n")
    (package / "i18n" / "apply.py").write_text(
        "from .segment import segment\n\ndef f():\n    from ..edition import prepare\n")
    (package / "i18n" / "segment.py").write_text("import d2lbook.layout\n")
    assert wrong_imports(package) == [
        "d2lbook/i18n/apply.py:4: d2lbook.i18n.apply imports d2lbook.edition "
        "(edition is not below i18n)"]


def test_the_architecture_doc_lists_every_edge_between_layers() -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = doc.split("## Every edge between layers", 1)[1].split("\n## ", 1)[0]
    listed = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            listed[cells[0].strip("`")] = {c.strip(" `") for c in cells[1].split(",")}
    actual: dict[str, set[str]] = {}
    for source, targets in graph().items():
        for target in targets:
            a, b = group(source), group(target)
            if a and b and a != b:
                actual.setdefault(a, set()).add(b)
    assert listed == actual, "update the edge table of docs/architecture.md"


COMMAND_LIMIT = 50
"""Lines a function of ``d2lbook/commands/`` may have: a command reads as a short sequence
of named steps; the domain work lives in the layers below."""


def long_functions(folder: Path, limit: int = COMMAND_LIMIT) -> list[str]:
    """``file:line: name has N lines`` for every function (nested ones and methods too) of
    the modules under ``folder`` longer than ``limit`` lines (its decorators not counted)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(folder.parent.parent)}:{node.lineno}: "
                                 f"{node.name} has {lines} lines")
    return found


def test_no_command_function_is_long() -> None:
    long = long_functions(PACKAGE / "commands")
    assert not long, (f"functions of d2lbook/commands/ over {COMMAND_LIMIT} lines (move the "
                      "work into named steps below the command layer):\n" + "\n".join(long))


def test_the_length_check_names_the_function(tmp_path: Path) -> None:
    folder = tmp_path / "d2lbook" / "commands"
    folder.mkdir(parents=True)
    body = "".join(f"    x{i} = {i}\n" for i in range(50))
    (folder / "verb.py").write_text(f"def short():\n    pass\n\n\n@cache\ndef run():\n{body}")
    assert long_functions(folder) == ["d2lbook/commands/verb.py:6: run has 51 lines"]


FILE_NAME_OWNERS = ("layout.py", "importer/", "commands/import_book.py")
"""Where page and catalog file names may be spelled: the layout, and the importer (it reads
the old dialect's files, another language)."""
FIXED_NAMES = {"README.md", "CONTRIBUTING.md", "LICENSE.md", "index.md"}
NOT_FILE_NAMES = {("execute/environment.py", "LC_MESSAGES")}
"""The locale variable a kernel's environment keeps, not the catalogs' folder."""


def file_name_spellings(folder: Path) -> list[str]:
    """``file:line: 'text'`` for each string in code (docstrings aside) that spells a page or
    catalog file name: ``.md``, ``.po``, ``LC_MESSAGES``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(FILE_NAME_OWNERS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree)
                      if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str) \
                    or id(node) in docstrings:
                continue
            text = node.value
            if text in FIXED_NAMES or " " in text.strip() or (rel, text) in NOT_FILE_NAMES:
                continue  # a file every repository has, or a message
            if text.endswith((".md", ".po")) or "LC_MESSAGES" in text:
                found.append(f"{rel}:{node.lineno}: {text!r}")
    return found


def test_page_and_catalog_file_names_are_spelled_only_in_layout() -> None:
    found = file_name_spellings(PACKAGE)
    assert not found, ("page or catalog file names spelled outside layout.py (use "
                       "layout.page_file, page_file_name, PAGE_SUFFIX, CATALOG_SUFFIX...):\n"
                       + "\n".join(found))


def test_the_file_name_check_finds_a_spelling(tmp_path: Path) -> None:
    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "x.py").write_text(
        '"""Pages are ``a/b.md``."""\nname = f"{page}.md"\nok = "README.md"\n')
    assert file_name_spellings(tmp_path) == ["render/x.py:2: '.md'"]
