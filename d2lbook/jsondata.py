"""The JSON shapes d2lbook passes around, each named once.

Notebooks (nbformat 4), their cells and outputs, execution records and the reports the CLI
prints as JSON hold whatever JSON holds: their values are read by key and checked where they
are used, not by the type checker. This module is the one place the explicit ``Any`` of those
shapes is written (mypy's ``disallow_any_explicit`` is off here only, see docs/architecture.md,
"Types"); everything else says which shape it means by name.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JSONDict: TypeAlias = dict[str, Any]
"""A JSON object (a report's ``to_json``, a Sphinx setting, a parsed TOML table)."""

Notebook: TypeAlias = dict[str, Any]
"""An nbformat 4 notebook as plain JSON: ``{"cells", "metadata", "nbformat", ...}``."""

Cell: TypeAlias = dict[str, Any]
"""One notebook cell: ``{"cell_type", "source", "metadata", "outputs"?, ...}``."""

Output: TypeAlias = dict[str, Any]
"""One code cell output: ``{"output_type", "text"?, "data"?, ...}``."""
