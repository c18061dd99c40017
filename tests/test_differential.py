"""The seeded random-edit differential test (tests/differential.py): after every edit, the
incremental build's site and warnings equal a clean build's of the same tree.

A short run is part of the suite; ``D2LBOOK_LONG=1`` runs the long one (``D2LBOOK_STEPS``
steps, 500 by default, the PDF's text compared every ``D2LBOOK_PDF_EVERY`` steps) and
``D2LBOOK_SEED`` picks the sequence; ``-s`` shows a line per step. The same run with a line
per step and its differences as they come: ``python -m tests.differential FOLDER --seed N
--steps N``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.differential import run

LONG = os.environ.get("D2LBOOK_LONG") == "1"


def check(tmp_path: Path, seed: int, steps: int, pdf_every: int = 0) -> None:
    def report(step):  # seen with ``pytest -s``
        print(f"step {step.number}: {step.edit}: {len(step.differences)} differences",
              flush=True)

    failed = [step for step in run(tmp_path, seed, steps, pdf_every, report)
              if step.differences]
    assert not failed, "\n".join(
        f"step {s.number} ({s.edit}): " + "\n    ".join(s.differences[:5]) for s in failed)


def test_warm_builds_equal_clean_builds_on_random_edits(tmp_path: Path):
    check(tmp_path, seed=19, steps=8)


@pytest.mark.skipif(not LONG, reason="long run: D2LBOOK_LONG=1")
def test_warm_builds_equal_clean_builds_long_run(tmp_path: Path):
    check(tmp_path, seed=int(os.environ.get("D2LBOOK_SEED", "1")),
          steps=int(os.environ.get("D2LBOOK_STEPS", "500")),
          pdf_every=int(os.environ.get("D2LBOOK_PDF_EVERY", "25")))
