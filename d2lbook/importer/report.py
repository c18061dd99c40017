"""What an import found and did: warnings located at file:line, counts of converted constructs
and of code cells per framework. Pure data; the CLI prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from d2lbook.errors import Problem


@dataclass
class Report:
    """Collected while converting; every warning names the source file and line."""

    warnings: list[Problem] = field(default_factory=list)
    constructs: Counter[str] = field(default_factory=Counter)
    """Converted constructs by kind (``numref``, ``figure``, ``tab-set``, ...)."""
    cells: Counter[str] = field(default_factory=Counter)
    """Code cells written per framework (a cell shared by all frameworks counts for each)."""
    shared_cells: int = 0
    """Code cells without a framework tag (they run in every framework)."""

    def warn(self, file: str, line: int, message: str, code: str) -> None:
        self.warnings.append(Problem(file, line, message, f"import-{code}"))

    def count(self, kind: str, n: int = 1) -> None:
        self.constructs[kind] += n

    def sorted_warnings(self) -> list[Problem]:
        """In file order, then line order (stable for equal positions)."""
        return sorted(self.warnings, key=lambda p: (str(p.file), p.line))


class Located:
    """Warnings and counts for one page: ``warn(line, ...)`` fills in the page's file name."""

    def __init__(self, report: Report, file: str):
        self.report = report
        self.file = file

    def warn(self, line: int, message: str, code: str) -> None:
        self.report.warn(self.file, line, message, code)

    def count(self, kind: str, n: int = 1) -> None:
        self.report.count(kind, n)
