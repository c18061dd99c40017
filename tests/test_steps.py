"""A build step is one operation (``render.steps``): skipped when its inputs and outputs are
as it left them, its warnings reported again; otherwise made, with its stamp forgotten first
and recorded after."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from d2lbook.render.steps import Made, Step, make_or_skip, run_step
from d2lbook.render.uptodate import Stamps


@dataclass
class Log:
    warnings: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def page_step(folder: Path, digest: str, made: list[str], fail: bool = False) -> Step[str]:
    """A step writing ``page.html`` and a folder of two files, warning once."""
    out = folder / "site"

    def make() -> Made[str]:
        made.append(digest)
        out.mkdir(exist_ok=True)
        (out / "page.html").write_text(f"<p>{digest}</p>")
        if fail:
            raise RuntimeError("killed")
        (out / "other.html").write_text("<p>other</p>")
        return Made(digest, [f"page.md:3: warning from {digest}"], [out])

    return Step("html", digest, make)


def test_a_fresh_step_is_skipped_and_says_what_it_said(tmp_path: Path) -> None:
    made: list[str] = []
    first = Log()
    outcome = run_step(Stamps(tmp_path), first, page_step(tmp_path, "d1", made))
    assert (outcome.made, outcome.value) == (True, "d1")
    assert (first.steps, first.skipped) == (["html"], [])
    assert first.warnings == ["page.md:3: warning from d1"]

    again = Log()
    outcome = run_step(Stamps(tmp_path), again, page_step(tmp_path, "d1", made))
    assert made == ["d1"] and not outcome.made  # not started
    assert (again.steps, again.skipped) == (["html"], ["html"])
    assert again.warnings == first.warnings

    # a file the step made, changed by hand (inside a folder it named): made again
    (tmp_path / "site" / "other.html").write_text("edited")
    run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d1", made))
    assert made == ["d1", "d1"]
    # new inputs: made again
    run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d2", made))
    assert made == ["d1", "d1", "d2"]


def test_a_step_that_dies_is_not_fresh_afterwards(tmp_path: Path) -> None:
    made: list[str] = []
    run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d1", made))
    with pytest.raises(RuntimeError):
        run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d2", made, fail=True))
    # back to the first inputs: the outputs are half-made from d2, so d1 is made again
    run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d1", made))
    assert made == ["d1", "d2", "d1"]
    assert (tmp_path / "site" / "page.html").read_text() == "<p>d1</p>"


def test_a_fresh_step_the_next_needs_is_made(tmp_path: Path) -> None:
    made: list[str] = []
    run_step(Stamps(tmp_path), Log(), page_step(tmp_path, "d1", made))
    log = Log()
    outcome = make_or_skip(Stamps(tmp_path), log, page_step(tmp_path, "d1", made), None)
    assert outcome.value == "d1" and made == ["d1", "d1"]
    assert (log.steps, log.skipped) == (["html"], [])
