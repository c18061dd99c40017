"""A small English book with a git history of real edits, and a Chinese fork of an older commit.

``make_book(dest)`` creates the English repository in ``dest`` (fixed authors and dates), one
commit per entry of ``COMMITS``: page versions come from ``tests/fixtures/fork/english``
(``<name>.<n>.md``). The fork (``tests/fixtures/fork/fork_zh``) was translated by hand from the
English of commit ``C3``; ``tests/fixtures/fork/truth.json`` records the true pairing of its
paragraphs with the English messages of that commit.

What happens after C3: ``basics/tensors`` is renamed ``basics/arrays`` (C4) and a sentence of it
is rewritten (C5); a paragraph of the optimization page moves (C4), a sentence is rewritten, a
paragraph deleted and a section added (C5), and the page moves to ``training/`` (C6); a
paragraph of the perceptron page is rewritten (C4, prose only: structurally the same as C3),
and so is one of the introduction (a page of prose with no anchor but its label); a page is
added (C5).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "fork"
ENGLISH = FIXTURE / "english"
FORK = FIXTURE / "fork_zh"
TRUTH = FIXTURE / "truth.json"

PYPROJECT = """\
[tool.d2lbook]
name = "learning-from-data"
author = "The authors"
version = "0.1"

[tool.d2lbook.languages.en]
title = "Learning from Data"
"""

# (tag, date, subject, {path under source/en: version file or None}, [(old, new) renames])
COMMITS = [
    ("C1", "2021-01-05T10:00:00+00:00", "First pages",
     {"index.md": "index.1", "basics/tensors.md": "tensors.1",
      "basics/optimization.md": "optimization.1", "models/perceptron.md": "perceptron.1",
      "introduction.md": "introduction.1",
      "img/descent-path.svg": "descent-path.svg"}, []),
    ("C2", "2021-03-10T10:00:00+00:00", "Broadcasting; a table of learning rates",
     {"basics/tensors.md": "tensors.2", "basics/optimization.md": "optimization.2"}, []),
    ("C3", "2021-06-01T10:00:00+00:00", "Perceptron: try it on data",
     {"models/perceptron.md": "perceptron.3"}, []),
    ("C4", "2022-02-01T10:00:00+00:00", "Rename tensors to arrays; reorder the learning rate "
     "section; clearer convergence statement",
     {"index.md": "index.4", "basics/optimization.md": "optimization.4",
      "models/perceptron.md": "perceptron.4", "introduction.md": "introduction.4"},
     [("basics/tensors.md", "basics/arrays.md")]),
    ("C5", "2022-09-01T10:00:00+00:00", "Momentum, weight decay, the shape attribute",
     {"index.md": "index.5", "basics/arrays.md": "arrays.5",
      "basics/optimization.md": "optimization.5",
      "models/regularization.md": "regularization.5"}, []),
    ("C6", "2023-01-01T10:00:00+00:00", "Move optimization to a training chapter",
     {"index.md": "index.6"}, [("basics/optimization.md", "training/optimization.md")]),
]


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_book(dest: Path) -> dict[str, str]:
    """Create the English book with its history in ``dest``; returns tag -> commit sha."""
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    (dest / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    src = dest / "source" / "en"
    shas: dict[str, str] = {}
    for tag, date, subject, files, renames in COMMITS:
        for old, new in renames:
            (src / new).parent.mkdir(parents=True, exist_ok=True)
            _git(dest, "mv", f"source/en/{old}", f"source/en/{new}")
        for path, version in files.items():
            target = src / path
            target.parent.mkdir(parents=True, exist_ok=True)
            name = version if "." in version and not version[-1].isdigit() else f"{version}.md"
            shutil.copyfile(ENGLISH / name, target)
        _git(dest, "add", "-A")
        _git(dest, "commit", "-q", "-m", subject, date=date)
        shas[tag] = _git(dest, "rev-parse", "HEAD")
    return shas


def truth() -> dict:
    return json.loads(TRUTH.read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return "".join(text.split())


def evaluate(result, truth_data: dict, shas: dict[str, str]) -> dict:
    """Precision of the confident pairs and recall of the true pairs (confident or doubtful)
    of an import (``d2lbook.commands.fork_import.ForkImport``) against the recorded truth.

    A confident pair is right when the truth pairs exactly that English message of the right
    version with exactly that fork text; a true pair is found when some pair (confident or
    not) joins the same English message(s) with the same fork text."""
    by_page = {p.fork_file.removeprefix("source/en/").removesuffix(".md"): p
               for p in result.pages}
    confident = right = found = total = 0
    wrong: list[str] = []
    missed: list[str] = []
    for page, data in truth_data["pages"].items():
        report = by_page.get(page)
        pairs = report.pairs if report is not None else []
        version_ok = report is not None and report.version_commit == shas[data["version"]]
        true = {(tuple(p["english"]), _norm("".join(p["chinese"]))) for p in data["pairs"]}
        true_1to1 = {(e[0], c) for e, c in true if len(e) == 1}
        got = set()
        for pair in pairs:
            key = (tuple(pair["english"]), _norm(pair["translation"]))
            got.add(key)
            if pair["confident"]:
                confident += 1
                if version_ok and (key[0][0], key[1]) in true_1to1 and len(key[0]) == 1:
                    right += 1
                else:
                    wrong.append(f"{page}: {pair['english'][0][:50]!r} -> "
                                 f"{pair['translation'][:30]!r}")
        for item in true:
            total += 1
            if version_ok and item in got:
                found += 1
            else:
                missed.append(f"{page}: {item[0][0][:50]!r}")
    return {"confident": confident, "precision": right / confident if confident else 1.0,
            "recall": found / total if total else 1.0, "true_pairs": total, "found": found,
            "wrong": wrong, "missed": missed}
