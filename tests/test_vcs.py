"""The git wrapper on real repositories in tmp_path (fixed authors and dates)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from d2lbook.vcs import (
    FileChange,
    NotARepositoryError,
    Repository,
    UnknownRevisionError,
    WorktreeChange,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git missing")


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.day = 0
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def env(self) -> dict[str, str]:
        date = f"2024-02-{max(self.day, 1):02d}T08:00:00+00:00"
        return {**os.environ, "GIT_AUTHOR_NAME": "Dana", "GIT_AUTHOR_EMAIL": "dana@example.org",
                "GIT_COMMITTER_NAME": "Dana", "GIT_COMMITTER_EMAIL": "dana@example.org",
                "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, env=self.env(), check=True,
                              capture_output=True, text=True).stdout.strip()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, subject: str) -> str:
        self.day += 1
        self.git("add", "-A")
        self.git("commit", "-q", "-m", subject)
        return self.git("rev-parse", "HEAD")

    def blob(self, spec: str) -> str:
        return self.git("rev-parse", spec)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "r")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError, match="not a git repository"):
        Repository(tmp_path)
    with pytest.raises(NotARepositoryError):
        Repository(tmp_path / "missing")


def test_repository_from_a_subfolder(repo: Repo) -> None:
    repo.write("a/b/c.md", "x\n")
    repo.commit("c1")
    r = Repository(repo.root / "a" / "b")
    assert r.root == repo.root.resolve() and r.shallow is False


def test_head_on_branch_detached_and_empty(repo: Repo) -> None:
    assert Repository(repo.root).head().sha is None
    repo.write("a.md", "one\n")
    first = repo.commit("one")
    repo.write("a.md", "two\n")
    repo.commit("two")
    head = Repository(repo.root).head()
    assert head.branch == "main" and not head.detached
    repo.git("checkout", "-q", "--detach", first)
    head = Repository(repo.root).head()
    assert head.sha == first and head.branch is None and head.detached


def test_resolve(repo: Repo) -> None:
    repo.write("a.md", "one\n")
    sha = repo.commit("one")
    r = Repository(repo.root)
    assert r.resolve(sha[:8]) == sha and r.resolve("main") == sha and r.resolve("HEAD") == sha
    with pytest.raises(UnknownRevisionError, match="unknown commit 'deadbeef'"):
        r.resolve("deadbeef")
    blob = repo.blob("HEAD:a.md")
    assert r.resolve_many([sha, "nope", blob]) == {sha: sha, "nope": None, blob: None}


def test_last_commits(repo: Repo) -> None:
    repo.write("a.md", "1\n")
    repo.write("b.md", "1\n")
    first = repo.commit("both")
    repo.write("a.md", "2\n")
    second = repo.commit("a again")
    repo.write("c.md", "1\n")
    third = repo.commit("c")
    r = Repository(repo.root)
    assert r.last_commits(["a.md", "b.md", "c.md", "never.md"]) == {
        "a.md": second, "b.md": first, "c.md": third, "never.md": None}
    assert r.last_commit("b.md") == first


def test_history_with_renames_merges_and_a_range(repo: Repo) -> None:
    repo.write("src/a.md", "a1\n")
    repo.write("src/b.md", "b1\n")
    repo.write("other.txt", "o\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.git("mv", "src/b.md", "src/c.md")
    move = repo.commit("move b to c")
    repo.git("checkout", "-q", "main")
    repo.write("other.txt", "o2\n")
    repo.commit("outside the path")
    repo.write("src/a.md", "a2\n")
    edit = repo.commit("edit a")
    repo.day += 1
    repo.git("merge", "-q", "--no-ff", "side", "-m", "merge side")
    merge = repo.git("rev-parse", "HEAD")

    h = Repository(repo.root).history(["src"], exclude=[base])
    assert [c.sha for c in h.commits][0] == merge
    assert sorted(c.subject for c in h.commits) == ["edit a", "merge side", "move b to c"]
    by_sha = {c.sha: c for c in h.commits}
    assert by_sha[merge].parents == (edit, move)
    assert by_sha[edit].parents == (base,)  # rewritten past the commit outside src/
    assert by_sha[edit].date == "2024-02-04T08:00:00+00:00" and by_sha[edit].author == "Dana"
    b1 = repo.blob(f"{base}:src/b.md")
    a1, a2 = repo.blob(f"{base}:src/a.md"), repo.blob(f"{edit}:src/a.md")
    assert h.changes[(move, base)] == [FileChange("R", "src/b.md", "src/c.md", b1, b1)]
    assert h.changes[(edit, base)] == [FileChange("M", "src/a.md", "src/a.md", a1, a2)]
    assert h.changes[(merge, edit)] == [FileChange("R", "src/b.md", "src/c.md", b1, b1)]
    assert h.changes[(merge, move)] == [FileChange("M", "src/a.md", "src/a.md", a1, a2)]
    assert h.excluded == (base,)


def test_history_root_commit_and_deletion(repo: Repo) -> None:
    repo.write("src/a.md", "a\n")
    root = repo.commit("root")
    repo.git("rm", "-q", "src/a.md")
    repo.write("src/keep.md", "k\n")
    gone = repo.commit("delete")
    h = Repository(repo.root).history(["src"])
    blob = repo.blob(f"{root}:src/a.md")
    assert h.changes[(root, None)] == [FileChange("A", None, "src/a.md", None, blob)]
    assert FileChange("D", "src/a.md", None, blob, None) in h.changes[(gone, root)]


def test_read_objects(repo: Repo) -> None:
    repo.write("a.md", "héllo\n")
    sha = repo.commit("one")
    r = Repository(repo.root)
    blob = repo.blob("HEAD:a.md")
    got = r.read_objects([blob, f"{sha}:a.md", "HEAD:missing.md", sha])
    assert got == {blob: "héllo\n".encode(), f"{sha}:a.md": "héllo\n".encode(),
                   "HEAD:missing.md": None, sha: None}
    assert r.read_texts([blob]) == {blob: "héllo\n"}


def test_worktree_changes(repo: Repo) -> None:
    repo.write("src/a.md", "a\n")
    repo.write("src/b.md", "b\n")
    repo.write("src/c.md", "c\n")
    repo.commit("one")
    repo.write("src/a.md", "a2\n")
    (repo.root / "src/b.md").unlink()
    repo.write("src/new.md", "n\n")
    repo.git("mv", "src/c.md", "src/d.md")
    repo.write("elsewhere.md", "x\n")
    changes = Repository(repo.root).worktree_changes(["src"])
    assert sorted(changes, key=lambda w: w.path) == [
        WorktreeChange("M", "src/a.md"), WorktreeChange("D", "src/b.md"),
        WorktreeChange("R", "src/d.md", "src/c.md"), WorktreeChange("?", "src/new.md")]


def test_shallow_clone(repo: Repo, tmp_path: Path) -> None:
    repo.write("a.md", "1\n")
    old = repo.commit("one")
    repo.write("a.md", "2\n")
    new = repo.commit("two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, env=repo.env())
    r = Repository(clone)
    assert r.shallow is True
    assert r.resolve(new) == new
    with pytest.raises(UnknownRevisionError, match="git fetch --unshallow"):
        r.resolve(old)


def test_merge_bases_and_ancestors(repo: Repo) -> None:
    repo.write("a.md", "1\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "x")
    repo.write("a.md", "x\n")
    x = repo.commit("x")
    repo.git("checkout", "-q", "main")
    repo.write("b.md", "y\n")
    y = repo.commit("y")
    r = Repository(repo.root)
    assert r.merge_bases([x, y]) == [base]
    assert r.merge_bases([x]) == [x]
    assert r.ancestors([x, y], exclude=[base]) == {x: (base,), y: (base,)}
