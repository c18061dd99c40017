"""Every warning Sphinx emits reaches the user, once, at the source page and line (issue 23;
issue 19's locations; issue 20's "did you mean" and one warning per mistake).

One build of a small book made to provoke each kind of warning (``tests/warnings_book.py``;
its three notebooks print a line each), with two Sphinx jobs as on a two-core machine,
compared with a plain serial ``sphinx-build`` of the very tree d2lbook generated; and the
sample book, compared the same way."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.robust_book import cli
from tests.warnings_book import bare_sphinx, make_book, ours


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = make_book(tmp_path_factory.mktemp("warnings-book"))
    run = cli(root, "build", "notebooks", "--lang", "en", "--jobs", "2",
              "--strict")
    bare = bare_sphinx(root / "_build" / "en" / "sphinx", tmp_path_factory.mktemp("bare"))
    return root, run, bare


def test_every_warning_of_plain_sphinx_is_reported_once(built) -> None:
    root, run, bare = built
    reported = ours(run.stderr)
    missing = [w for w in bare if w not in reported]
    assert not missing, f"dropped: {missing}\n{run.stderr}"
    twice = [w for w, n in Counter(reported).items() if n > 1]
    assert not twice, twice
    printed = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    assert len(set(printed)) == len(printed)
    # the comparison covers every kind the book provokes
    text = "\n".join(m for _, _, m in bare)
    for kind in ("duplicate label of equation eq-pp", "duplicate label of equation eq-pc",
                 "duplicate label of equation eq-cc", "duplicate label sec-pc",
                 "duplicate label fig-pc", "duplicate label sec-cc", "duplicate label fig-pp",
                 "undefined label: 'sec-missing-code'", "undefined label: 'fig-missing-prose'",
                 "equation not found", "unknown document", "image file not readable",
                 "Unknown directive type", "Unknown interpreted text role",
                 "could not find bibtex key", "repeated bibliography entry",
                 "isn't included in any toctree"):
        assert kind in text, kind


def test_strict_fails_and_counts_them(built) -> None:
    root, run, bare = built
    assert run.returncode == 1, run.stdout + run.stderr
    assert "warnings are errors in --strict mode" in run.stderr
    count = int(re.search(r"(\d+) warning\(s\)", run.stdout)[1])
    printed = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    assert count == len(printed) >= len(bare)


def test_duplicate_labels_across_workers_are_reported(built) -> None:
    """Issue 23: prose_a and code_c (a page with code) share sec-pc, fig-pc and eq-pc; with
    two jobs Sphinx read them in different worker processes and never compared them."""
    root, run, _ = built
    for message in ("duplicate label of equation eq-pc, other instance in code_c",
                    "duplicate label sec-pc, other instance in source/en/code_c.md",
                    "duplicate label fig-pc, other instance in source/en/code_c.md",
                    "duplicate label of equation eq-pp, other instance in prose_a"):
        assert message in run.stderr


def _line(root: Path, page: str, number: str) -> str:
    lines = (root / "source" / "en" / f"{page}.md").read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[int(number) - 1:int(number) + 1])


def test_locations_are_the_lines_of_the_source_page(built) -> None:
    """Issue 19: on pages with code, lines are the page's (not myst-nb's cell*10000 + line):
    the line named holds the construct the warning is about."""
    root, run, _ = built
    checked = 0
    for page, number, message in ours(run.stderr):
        assert not number or int(number) < 1000, (page, number, message)
        target = re.search(r"label (?:of equation )?(\S+?),|'([^']+)'|\"([^\"]+)\"", message)
        if not number or not target:
            continue
        name = next(g for g in target.groups() if g)
        if name.startswith("img/"):
            name = name[4:]
        at = int(number)
        near = _line(root, page, str(at - 1)) + "\n" + _line(root, page, str(at + 1))
        assert name.removeprefix("eq-") in near or name in near, (page, number, message, near)
        checked += 1
    assert checked >= 15


def test_one_mistake_one_warning_and_did_you_mean(built) -> None:
    """A broken reference is reported by Sphinx and not again by the reader notebooks; a near
    miss of a label, an equation or a citation key names the one meant."""
    root, run, _ = built
    assert run.stderr.count("sec-missing-code") == 1
    assert run.stderr.count("no-such-directive") == 1
    assert run.stderr.count("no-such-key") == 1
    assert "undefined label: 'sec-ppp'; did you mean 'sec-pp'? [ref.ref]" in run.stderr
    assert "equation not found: eq-pcc; did you mean 'eq-pc'?" in run.stderr
    assert "could not find bibtex key \"goodfelow2016\"; did you mean 'goodfellow2016'?" \
        in run.stderr
    assert "did you mean" not in run.stderr.split("sec-missing-prose")[1].split("\n")[0]


def test_sample_book_reports_what_plain_sphinx_does(built_en, tmp_path: Path) -> None:
    """The sample book (built once per session by ``conftest.built_book``, every format)."""
    cfg, result = built_en
    [edition] = result.editions
    bare = bare_sphinx(cfg.root / "_build" / "en" / "sphinx", tmp_path)
    printed = "\n".join(f"warning: {w}" for w in edition.warnings)
    assert [w for w in bare if w not in ours(printed)] == []
    assert len(edition.warnings) == len(set(edition.warnings))


def test_a_bib_warning_stands_in_warm_builds_until_the_file_is_fixed(tmp_path: Path) -> None:
    """A warning about no page (the .bib's) is reported by every build, as a clean build would,
    although the bibliography extension reads the file only when it changed."""
    from tests.robust_book import make_book as small_book
    from tests.warnings_book import BIB

    root = small_book(tmp_path / "book")
    bib = root / "source/en/references.bib"
    bib.write_text(BIB, encoding="utf-8")

    def bib_warnings() -> list[str]:
        proc = cli(root, "build", "html", "--no-execute", "--strict")
        found = [line for line in proc.stderr.splitlines() if "references.bib" in line]
        assert proc.returncode == (1 if found else 0), proc.stderr
        return found

    first = bib_warnings()
    assert first == ["warning: WARNING: bibliography data error in source/en/references.bib: "
                     "repeated bibliography entry: goodfellow2016 [bibtex.bibfile_data_error]"]
    intro = root / "source/en/intro.md"
    intro.write_text(intro.read_text() + "\nOne more sentence.\n")
    assert bib_warnings() == first  # a page edited, the .bib not read again
    bib.write_text(BIB.split("\n\n")[0] + "\n", encoding="utf-8")
    assert bib_warnings() == []
