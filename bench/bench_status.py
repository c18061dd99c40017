"""Benchmark ``d2lbook i18n status`` on a generated book history.

Generates (with ``git fast-import``) a repository of 200 English pages, about 20,000 messages
and about 5,000 commits (single-paragraph edits, rewrites, additions, deletions, re-wraps, and
side branches merged back), writes one catalog per page synced at some commit of the second
half of the history, then times, in the same run:

- the status computation (``compute_status``), twice (first and second run);
- a naive per-file walk: ``git log --follow -p`` for every page, what a tool without batching
  does before it even starts comparing.

It prints figures; it asserts nothing about time. Usage::

    .venv/bin/python bench/bench_status.py [--pages 200] [--paragraphs 100] [--commits 5000]
        [--dir PATH] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from d2lbook.config import load_config  # noqa: E402
from d2lbook.i18n.drift import compute_status  # noqa: E402

WORDS = ("model data loss gradient tensor layer network weight bias train test value learning "
         "rate batch epoch feature label vector matrix optimize predict error function sample "
         "linear softmax regression neuron activation output input hidden parameter update "
         "descent stochastic minibatch accuracy overfit regularize dropout kernel shape").split()

PYPROJECT = """\
[tool.d2lbook]
name = "bench"
author = "Bench"
version = "0.1"

[tool.d2lbook.languages.en]
title = "Bench"

[tool.d2lbook.languages.zh]
title = "基准"
locale = "zh_CN"
"""

FRONT = "---\nkernelspec:\n  name: python3\n---\n\n"


class Generator:
    """Simulates the English book commit by commit and writes a fast-import stream."""

    def __init__(self, pages: int, paragraphs: int, seed: int):
        self.rng = random.Random(seed)
        self.pages: dict[str, list[str]] = {}
        for p in range(pages):
            name = f"chapter_{p // 20:02d}/page_{p:03d}"
            blocks = [f"# Page {p}"]
            for k in range(paragraphs - 1):
                blocks.append(f"## Section {k // 10}" if k % 10 == 0 else self.sentence())
            self.pages[name] = blocks
        self.out: list[bytes] = []
        self.mark = 0
        self.day = 0
        self.history: list[tuple[int, set[str]]] = []
        """(mark, pages changed) per commit, in order (main line and side branches)."""
        self.snapshots: dict[str, list[tuple[int, list[str]]]] = {}

    def sentence(self) -> str:
        n = self.rng.randint(12, 30)
        words = [self.rng.choice(WORDS) for _ in range(n)]
        return (" ".join(words)).capitalize() + "."

    @staticmethod
    def render(blocks: list[str]) -> str:
        body = "\n\n".join(blocks)
        return FRONT + body + "\n\n```{code-cell} ipython3\nx = 1\n```\n"

    def edit(self, name: str) -> None:
        """Change the page (never a no-op: the sync commits are commits that changed it)."""
        before = list(self.pages[name])
        while self.pages[name] == before:
            self.edit_once(name)

    def edit_once(self, name: str) -> None:
        blocks = self.pages[name]
        prose = [i for i, b in enumerate(blocks) if not b.startswith("#")]
        i = self.rng.choice(prose)
        action = self.rng.random()
        if action < 0.6:  # edit a word
            words = blocks[i].rstrip(".").split()
            words[self.rng.randrange(len(words))] = self.rng.choice(WORDS)
            blocks[i] = " ".join(words).capitalize() + "."
        elif action < 0.7:
            blocks[i] = self.sentence()
        elif action < 0.82:
            blocks.insert(i + 1, self.sentence())
        elif action < 0.9 and len(prose) > 20:
            del blocks[i]
        else:  # re-wrap: same words, new line breaks
            words = blocks[i].replace("\n", " ").split()
            cut = self.rng.randrange(1, len(words))
            blocks[i] = " ".join(words[:cut]) + "\n" + " ".join(words[cut:])

    def commit(self, branch: str, subject: str, files: dict[str, str], parent: int | None,
               merge: int | None = None) -> int:
        self.mark += 1
        self.day += 1
        when = 1_600_000_000 + self.day * 3600
        author = f"Author{self.rng.randrange(20)} <a{self.rng.randrange(20)}@example.org>"
        lines = [f"commit refs/heads/{branch}", f"mark :{self.mark}",
                 f"author {author} {when} +0000", f"committer {author} {when} +0000"]
        msg = subject.encode()
        head = "\n".join(lines).encode() + f"\ndata {len(msg)}\n".encode() + msg + b"\n"
        self.out.append(head)
        if parent is not None:
            self.out.append(f"from :{parent}\n".encode())
        if merge is not None:
            self.out.append(f"merge :{merge}\n".encode())
        for path, text in files.items():
            data = text.encode()
            self.out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        self.out.append(b"\n")
        return self.mark

    def files(self, names) -> dict[str, str]:
        return {f"source/en/{n}.md": self.render(self.pages[n]) for n in names}

    def record(self, mark: int, names: set[str]) -> None:
        self.history.append((mark, names))
        for n in names:
            self.snapshots.setdefault(n, []).append((mark, list(self.pages[n])))

    def run(self, commits: int) -> None:
        first = {**self.files(self.pages), "pyproject.toml": PYPROJECT}
        head = self.commit("main", "Initial book", first, None)
        self.record(head, set(self.pages))
        names = sorted(self.pages)
        made = 1
        while made < commits:
            if made % 250 == 0 and commits - made > 12:
                head = self.side_branch(head, names)
                made += 11
                continue
            name = self.rng.choice(names)
            self.edit(name)
            head = self.commit("main", f"Edit {name}", self.files([name]), head)
            self.record(head, {name})
            made += 1

    def side_branch(self, head: int, names: list[str]) -> int:
        """Five commits on a branch and five on main, touching different pages, merged."""
        side_pages = set(self.rng.sample(names, 3))
        main_pages = [n for n in names if n not in side_pages]
        side = head
        for _ in range(5):
            name = self.rng.choice(sorted(side_pages))
            self.edit(name)
            side = self.commit("side", f"Side: edit {name}", self.files([name]), side)
            self.record(side, {name})
        for _ in range(5):
            name = self.rng.choice(main_pages)
            self.edit(name)
            head = self.commit("main", f"Edit {name}", self.files([name]), head)
            self.record(head, {name})
        merged = self.commit("main", "Merge side branch", self.files(sorted(side_pages)), head,
                             merge=side)
        return merged


def build(root: Path, pages: int, paragraphs: int, commits: int, seed: int) -> Generator:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    gen = Generator(pages, paragraphs, seed)
    gen.run(commits)
    marks = root / ".git" / "bench-marks"
    subprocess.run(["git", "fast-import", "--quiet", f"--export-marks={marks}"], cwd=root,
                   input=b"".join(gen.out), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    shas = dict(line.split() for line in marks.read_text().splitlines())
    write_catalogs(root, gen, {int(k[1:]): v for k, v in shas.items()})
    return gen


def write_catalogs(root: Path, gen: Generator, shas: dict[int, str]) -> None:
    """One catalog per page, synced at the last commit that changed the page before a random
    point of the second half of the history. Every message of that version is translated,
    except on one page in five, translated three versions earlier and then merged the way
    msgmerge does: changed messages fuzzy with their previous English, new ones empty."""
    from d2lbook.i18n.segment import segment
    from d2lbook.i18n.status import align

    total = len(gen.history)
    for name, snaps in gen.snapshots.items():
        cut = gen.history[gen.rng.randrange(total // 2, total)][0]
        done = [s for s in snaps if s[0] <= cut]
        mark, blocks = done[-1]
        now = [s.msgid for s in segment(gen.render(blocks))]
        old = now
        if gen.rng.random() < 0.2 and len(done) > 3:
            old = [s.msgid for s in segment(gen.render(done[-4][1]))]
        entries = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                   f'"X-Source-Commit: {shas[mark]}\\n"\n']
        seen = set()
        for msgid, (op, i) in zip(now, align(old, now), strict=True):
            if msgid in seen:
                continue
            seen.add(msgid)
            if op == "equal":
                entries.append(f'msgid "{msgid}"\nmsgstr "译文 {len(seen)}"\n')
            elif op == "pair" and i is not None:
                entries.append(f'#, fuzzy\n#| msgid "{old[i]}"\nmsgid "{msgid}"\n'
                               f'msgstr "旧译文 {len(seen)}"\n')
            else:
                entries.append(f'msgid "{msgid}"\nmsgstr ""\n')
        path = root / "locale/zh_CN/LC_MESSAGES" / f"{name}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(entries), encoding="utf-8")


def count_git_processes(fn):
    """Run ``fn`` counting the git processes it starts."""
    calls: Counter[str] = Counter()
    real_popen = subprocess.Popen

    class Counting(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, args, *a, **k):
            if isinstance(args, list | tuple) and args and str(args[0]).endswith("git"):
                sub = next((x for x in args[1:] if not str(x).startswith("-")
                            and "=" not in str(x)), "?")
                calls[sub] += 1
            super().__init__(args, *a, **k)

    subprocess.Popen = Counting  # type: ignore[misc]
    try:
        result = fn()
    finally:
        subprocess.Popen = real_popen  # type: ignore[misc]
    return result, calls


def naive_walk(root: Path, pages: list[str]) -> float:
    start = time.perf_counter()
    for name in pages:
        subprocess.run(["git", "log", "--follow", "-p", "--format=%H %an %aI %s", "--",
                        f"source/en/{name}.md"], cwd=root, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--paragraphs", type=int, default=100)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to generate the repository (default: a temporary folder)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-status-")) / "book"
    t0 = time.perf_counter()
    gen = build(root, args.pages, args.paragraphs, args.commits, args.seed)
    gen_time = time.perf_counter() - t0
    commits = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, check=True,
                                 capture_output=True, text=True).stdout)
    cfg = load_config(root)
    lang = cfg.language("zh")
    t1 = time.perf_counter()
    report, calls = count_git_processes(lambda: compute_status(cfg, lang))
    first, c2 = time.perf_counter() - t1, os.times()
    t2 = time.perf_counter()
    compute_status(cfg, lang)
    second, c3 = time.perf_counter() - t2, os.times()
    py_cpu = (c3.user - c2.user) + (c3.system - c2.system)
    git_cpu = (c3.children_user - c2.children_user) + (c3.children_system - c2.children_system)
    load = os.getloadavg()[0]
    totals = report.totals
    changed = sum(1 for d in report.documents if any(m.commits for m in d.messages))
    naive = naive_walk(root, sorted(gen.pages))
    print(f"repository: {root}")
    print(f"generated: {len(gen.pages)} pages, {totals['messages']} messages, {commits} commits "
          f"in {gen_time:.1f} s")
    fuzzy = sum(1 for d in report.documents for m in d.messages if m.reason == "fuzzy")
    print(f"status: {totals['current']} current, {totals['outdated']} outdated ({fuzzy} fuzzy), "
          f"{totals['untranslated']} untranslated; {changed} pages with commits to report")
    print(f"git processes per status run: {sum(calls.values())} ({dict(calls)})")
    print(f"status time: {first:.2f} s (first run), {second:.2f} s (second run; CPU: "
          f"{py_cpu:.2f} s this process + {git_cpu:.2f} s git and forked workers; "
          f"load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"naive per-file `git log --follow -p` walk: {naive:.2f} s "
          f"({len(gen.pages)} processes)")
    print(f"ratio naive / status: {naive / min(first, second):.1f}x")


if __name__ == "__main__":
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    main()
