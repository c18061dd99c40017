"""Content-addressed execution cache.

A record holds the outputs of every code cell of one notebook, keyed by a hash of the code
cells (source and metadata), the kernel and the execution-environment fingerprint — never by
modification time. Languages share records because their code cells are byte-identical.

Records are written atomically (temporary file + ``os.replace``): a killed build leaves either
the old state or a complete record, never a half-written one. A record that fails to parse or
whose embedded key does not match its name is treated as a miss and removed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from d2lbook.files import TEMPORARY_PREFIX, write_atomic
from d2lbook.jsondata import Cell, Output

CACHE_FORMAT = 1


def cache_key(cells: list[Cell], kernel: str, environment: str) -> str:
    """Hash of what determines a notebook's outputs.

    ``cells`` are the notebook's cells; only code cells count (source and metadata), so prose
    edits never change the key.
    """
    h = hashlib.sha256()
    h.update(f"d2lbook-exec-{CACHE_FORMAT}\0{kernel}\0{environment}\0".encode())
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        meta = json.dumps(cell.get("metadata", {}), sort_keys=True, ensure_ascii=False)
        h.update(b"\0cell\0" + source.encode() + b"\0" + meta.encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Record:
    key: str
    page: str
    """The page that produced it (informative: another page with the same code shares it)."""
    outputs: list[list[Output]]
    """Per code cell, its outputs (nbformat dicts)."""
    execution_counts: list[int | None]
    seconds: float
    created: float


@dataclass(frozen=True)
class Entry:
    """A record as listed by ``d2lbook cache list``."""

    key: str
    page: str
    size: int
    seconds: float
    created: float


class ExecutionCache:
    """A folder of records: ``<root>/<key[:2]>/<key>.json``."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Record | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT or data.get("key") != key:
                raise ValueError("stale or foreign record")
            return Record(key=key, page=data["page"], outputs=data["outputs"],
                          execution_counts=data["execution_counts"],
                          seconds=float(data["seconds"]), created=float(data["created"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # unreadable: drop it, it will be recomputed
            return None

    def put(self, record: Record) -> Path:
        path = self._path(record.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": CACHE_FORMAT, "key": record.key, "page": record.page,
                "outputs": record.outputs, "execution_counts": record.execution_counts,
                "seconds": record.seconds, "created": record.created or time.time()}
        write_atomic(path, json.dumps(data, ensure_ascii=False), durable=True)
        return path

    def entries(self) -> list[Entry]:
        found: list[Entry] = []
        if not self.root.is_dir():
            return found
        for path in sorted(self.root.glob("*/*.json")):
            record = self.get(path.stem)
            if record is not None:
                found.append(Entry(record.key, record.page, path.stat().st_size,
                                   record.seconds, record.created))
        return found

    def clear(self) -> int:
        """Remove every record (and leftover temporary files); returns how many records."""
        count = 0
        if not self.root.is_dir():
            return 0
        for path in self.root.glob("*/*"):
            if path.suffix == ".json" and not path.name.startswith(TEMPORARY_PREFIX):
                count += 1
            path.unlink(missing_ok=True)
        for folder in self.root.glob("*"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return count
