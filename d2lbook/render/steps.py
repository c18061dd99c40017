"""A build step: one rendering operation of an edition, started only when its inputs changed.

A step has a name, the digest of everything it reads and a ``make`` callable. Running it asks
the edition's stamps (``render.uptodate``): a fresh step is not started and its stored
warnings are reported again; otherwise its stamp is forgotten first (a crash in the middle
must not leave it looking fresh), it is made, and what it made (every file under the folders
it names) and the warnings it gave are recorded. Either way the build's report says the step
was part of the build, and whether it was skipped.

The renderer's steps in order (site HTML, reader notebooks, slides, LaTeX and PDF per
framework) are in ``render.edition_steps``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from d2lbook.render.uptodate import Stamps, every_file

if TYPE_CHECKING:
    from d2lbook.render.sphinx_run import SphinxRun

T = TypeVar("T")


class StepLog(Protocol):
    """Where steps report (an edition's build result)."""

    warnings: list[str]
    steps: list[str]
    """Every step of the build, started or not."""
    skipped: list[str]
    """Steps not started because their inputs hash the same as last time."""
    seconds: dict[str, float]


@dataclass
class Made(Generic[T]):
    """What a step's ``make`` gives back: its value (for the steps after it), its warnings
    and the files and folders it made (a folder stands for every file under it)."""

    value: T
    warnings: list[str]
    outputs: list[Path]


@dataclass
class Step(Generic[T]):
    name: str
    """As the build reports it (``html``, ``latex-pytorch``, ``latexmk-pytorch``)."""
    digest: str
    """Of everything the step reads (``render.uptodate``)."""
    make: Callable[[], Made[T]]
    stamp: str = ""
    """The stamp's name when it is not ``name`` (latexmk's is ``pdf``)."""
    reported: bool = True
    """Listed in the build's steps (and skipped) list; the notebook bundle is not."""
    before: Callable[[], None] = lambda: None
    """Called first when the step is made, its stamp still there (to clear what a hand edit
    left: ``Stamps.tampered``)."""
    place: Callable[[list[str]], list[str]] = lambda warnings: warnings
    """The warnings as reported, from the warnings as made and stored: a Sphinx step names
    each source page and line as they are at the report (``render.edition_sphinx.Placer``)."""

    @property
    def key(self) -> str:
        return self.stamp or self.name


@dataclass
class Outcome(Generic[T]):
    made: bool
    value: T | None
    """What ``make`` gave (None when the step was skipped)."""
    warnings: list[str] = field(default_factory=list)


def stored_warnings(stamps: Stamps, step: Step[T]) -> list[str] | None:
    """The warnings stored for ``step`` when it is fresh, else None."""
    return stamps.fresh(step.key, step.digest)


def run_step(stamps: Stamps, log: StepLog, step: Step[T]) -> Outcome[T]:
    """Skip ``step`` when it is fresh, else make it and record its stamp."""
    return make_or_skip(stamps, log, step, stored_warnings(stamps, step))


def make_or_skip(stamps: Stamps, log: StepLog, step: Step[T], stored: list[str] | None
                 ) -> Outcome[T]:
    """Skip ``step`` reporting its ``stored`` warnings, or make it when ``stored`` is None
    (the step is not fresh, or the next step needs what making it gives). The warnings,
    stored or new, are added to the log, each once."""
    if step.reported:
        log.steps.append(step.name)
    if stored is not None:
        if step.reported:
            log.skipped.append(step.name)
        outcome: Outcome[T] = Outcome(False, None, step.place(stored))
    else:
        step.before()
        stamps.forget(step.key)
        made = step.make()
        stamps.record(step.key, step.digest, made.warnings, every_file(*made.outputs))
        outcome = Outcome(True, made.value, step.place(made.warnings))
    log.warnings += [w for w in outcome.warnings if w not in log.warnings]
    return outcome


@contextmanager
def timed(log: StepLog, name: str) -> Iterator[None]:
    """``log.seconds[name]``: the wall time of the block (kept only when it finishes)."""
    t0 = time.perf_counter()
    yield
    log.seconds[name] = round(time.perf_counter() - t0, 2)


class SphinxRuns:
    """The last Sphinx HTML runs of a process, by (HTML folder, inputs digest): the notebook
    bundle resolves its references with the run that made the HTML, so a session that shows
    the HTML first and bundles the notebooks in a later build (``serve``) does not start
    Sphinx twice. Owned by whoever runs several builds (the serve session); a single build
    starts with an empty one."""

    LIMIT = 4

    def __init__(self) -> None:
        self._runs: dict[tuple[str, str], SphinxRun] = {}

    def get(self, folder: Path, digest: str) -> SphinxRun | None:
        return self._runs.get((str(folder), digest))

    def keep(self, folder: Path, digest: str, run: SphinxRun) -> None:
        if len(self._runs) >= self.LIMIT:
            self._runs.clear()
        self._runs[str(folder), digest] = run
