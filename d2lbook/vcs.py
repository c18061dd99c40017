"""A thin wrapper over the ``git`` command line: the only module that runs git.

It is a leaf (it imports nothing from d2lbook but the errors) and it returns plain data. Every
operation is one git process however many paths or revisions it is asked about: contents come
from one ``git cat-file --batch``, history from one ``git log`` plus one ``git diff-tree
--stdin``, so callers never need a git command per file, per message or per section.

Errors are typed: :class:`NotARepositoryError`, :class:`UnknownRevisionError`,
:class:`GitCommandError`; a missing ``git`` executable is a :class:`MissingToolError`.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from d2lbook.errors import D2lbookError, MissingToolError

__all__ = [
    "Commit",
    "FileChange",
    "GitCommandError",
    "GitError",
    "Head",
    "History",
    "NotARepositoryError",
    "Repository",
    "UnknownRevisionError",
    "WorktreeChange",
    "UNSHALLOW_HINT",
]

UNSHALLOW_HINT = "this is a shallow clone; fetch the full history with `git fetch --unshallow`"


class GitError(D2lbookError):
    """Base class of the errors this module raises."""


class NotARepositoryError(GitError):
    """The folder is not inside a git working tree."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        super().__init__(
            f"{path}: not a git repository; the translation status reads the history of the "
            "English sources, so run it inside a clone of the book (git clone <url>)"
        )


class UnknownRevisionError(GitError):
    """A revision (commit sha, branch, tag) the repository does not know."""

    def __init__(self, revision: str, shallow: bool = False):
        self.revision = revision
        self.shallow = shallow
        hint = f"; {UNSHALLOW_HINT}" if shallow else "; fetch it (git fetch) or check the sha"
        super().__init__(f"unknown commit {revision!r}{hint}")


class GitCommandError(GitError):
    """git exited with an error we did not expect."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str):
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"`git {' '.join(args)}` failed ({returncode}): {stderr.strip()}")


@dataclass(frozen=True)
class Head:
    """What is checked out."""

    sha: str | None
    """The commit (None in a repository without commits)."""
    branch: str | None
    """Short branch name, or None when HEAD is detached."""

    @property
    def detached(self) -> bool:
        return self.branch is None


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    """Parents as the path-limited walk sees them (rewritten to the nearest commit that
    touched the paths, so the graph holds only commits that matter)."""
    author: str
    date: str
    """Author date, strict ISO 8601 (``2024-01-02T03:04:05+00:00``)."""
    subject: str


@dataclass(frozen=True)
class FileChange:
    """One file changed between a parent and a commit (``git diff-tree --raw``)."""

    status: str
    """``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed, ``T`` type change, ``C``
    copied."""
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    """Blob at the parent (None when added)."""
    new_blob: str | None
    """Blob at the commit (None when deleted)."""


@dataclass
class History:
    """The commits that touched some paths in a range, newest first (topological order), and
    what each changed against each of its parents."""

    commits: list[Commit] = field(default_factory=list)
    changes: dict[tuple[str, str | None], list[FileChange]] = field(default_factory=dict)
    """``(commit, parent)`` (parent None for a root commit) -> files changed."""
    excluded: tuple[str, ...] = ()
    """The commits whose ancestors were left out (the range is ``HEAD --not excluded``)."""

    def position(self) -> dict[str, int]:
        """sha -> index in :attr:`commits` (0 is the newest)."""
        return {c.sha: i for i, c in enumerate(self.commits)}


@dataclass(frozen=True)
class WorktreeChange:
    """An uncommitted change (staged or not) against HEAD."""

    status: str
    """``M`` modified, ``A`` added (staged), ``D`` deleted, ``R`` renamed (staged), ``?``
    untracked."""
    path: str
    old_path: str | None = None
    """The path at HEAD for a staged rename."""


_NULL_SHA = {"0" * 40, "0" * 64}

_GIT_OPTIONS = ("-c", "core.quotepath=off", "-c", "color.ui=never", "-c", "log.showSignature=false",
                "--no-optional-locks")
"""Keep the user's configuration from changing the output parsed here."""


class Repository:
    """A git working tree. ``Repository(path)`` fails with :class:`NotARepositoryError`."""

    def __init__(self, path: Path | str, git: str = "git"):
        self.git_executable = git
        start = Path(path)
        if not start.exists():
            raise NotARepositoryError(start)
        cwd = start if start.is_dir() else start.parent
        out = self._run(["rev-parse", "--show-toplevel", "--absolute-git-dir",
                         "--is-shallow-repository"], cwd=cwd, check=False)
        if out.returncode != 0:
            raise NotARepositoryError(start)
        top, git_dir, shallow = out.stdout.splitlines()[:3]
        self.root = Path(top)
        self.git_dir = Path(git_dir)
        self.shallow = shallow.strip() == "true"

    _git_dir_option: tuple[str, ...] = ()
    """``--git-dir=...`` for a repository opened for its history only."""

    @classmethod
    def for_history(cls, path: Path | str, git: str = "git") -> Repository:
        """A repository read for its history only: a bare repository, a clone without a work
        tree, or any clone (its work tree is never read). Every git call names the git
        directory (``--git-dir``); ``root`` is that directory."""
        start = Path(path)
        if not start.exists():
            raise NotARepositoryError(start)
        cwd = start if start.is_dir() else start.parent
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            out = subprocess.run([git, *_GIT_OPTIONS, "rev-parse", "--absolute-git-dir",
                                  "--is-shallow-repository"], cwd=cwd, env=env,
                                 capture_output=True, text=True)
        except FileNotFoundError:
            raise MissingToolError(f"`{git}` not found: install git (apt-get install git)"
                                   ) from None
        if out.returncode != 0:
            raise NotARepositoryError(start)
        git_dir, shallow = out.stdout.splitlines()[:2]
        repo = cls.__new__(cls)
        repo.git_executable = git
        repo.git_dir = repo.root = Path(git_dir)
        repo.shallow = shallow.strip() == "true"
        repo._git_dir_option = (f"--git-dir={git_dir}",)
        return repo

    # -- running git --------------------------------------------------------------------------

    def _run(self, args: Sequence[str], cwd: Path | None = None, input: str | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [self.git_executable, *_GIT_OPTIONS, *self._git_dir_option, *args]
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            proc = subprocess.run(cmd, cwd=cwd or self.root, input=input, env=env,
                                  capture_output=True, text=True, encoding="utf-8",
                                  errors="surrogateescape")
        except FileNotFoundError:
            raise MissingToolError(
                f"`{self.git_executable}` not found: install git (apt-get install git)"
            ) from None
        if check and proc.returncode != 0:
            raise GitCommandError(args, proc.returncode, proc.stderr)
        return proc

    def _run_bytes(self, args: Sequence[str], input: bytes) -> bytes:
        cmd = [self.git_executable, *_GIT_OPTIONS, *self._git_dir_option, *args]
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        proc = subprocess.run(cmd, cwd=self.root, input=input, env=env, capture_output=True)
        if proc.returncode != 0:
            raise GitCommandError(args, proc.returncode, proc.stderr.decode(errors="replace"))
        return proc.stdout

    def relpath(self, path: Path | str) -> str:
        """``path`` relative to the repository root, with ``/`` separators."""
        p = Path(path)
        if p.is_absolute():
            p = p.resolve().relative_to(self.root.resolve())
        return p.as_posix()

    # -- revisions ----------------------------------------------------------------------------

    def head(self) -> Head:
        """The checked-out commit and branch (``branch`` is None when detached)."""
        out = self._run(["rev-parse", "--verify", "--quiet", "HEAD"], check=False)
        sha = out.stdout.strip() or None
        ref = self._run(["symbolic-ref", "--quiet", "--short", "HEAD"], check=False)
        branch = (ref.stdout.strip() or None) if ref.returncode == 0 else None
        return Head(sha=sha, branch=branch)

    def resolve(self, revision: str) -> str:
        """The full sha of a commit; :class:`UnknownRevisionError` if the repository lacks it."""
        sha = self.resolve_many([revision])[revision]
        if sha is None:
            raise UnknownRevisionError(revision, self.shallow)
        return sha

    def resolve_many(self, revisions: Iterable[str]) -> dict[str, str | None]:
        """revision -> full commit sha, or None when unknown or not a commit (one process)."""
        revs = list(dict.fromkeys(revisions))
        if not revs:
            return {}
        if any("\n" in r for r in revs):
            raise ValueError("revision names cannot contain newlines")
        out = self._run(["cat-file", "--batch-check=%(objectname) %(objecttype)"],
                        input="".join(f"{r}^{{commit}}\n" for r in revs))
        result: dict[str, str | None] = {}
        for rev, line in zip(revs, out.stdout.splitlines(), strict=True):
            parts = line.split()
            result[rev] = parts[0] if len(parts) == 2 and parts[1] == "commit" else None
        return result

    def merge_bases(self, shas: Sequence[str]) -> list[str]:
        """The best common ancestors of all ``shas`` (empty if they share no history)."""
        unique = list(dict.fromkeys(shas))
        if len(unique) == 1:
            return unique
        if not unique:
            return []
        out = self._run(["merge-base", "--all", "--octopus", *unique], check=False)
        return out.stdout.split() if out.returncode == 0 else []

    def ancestors(self, tips: Sequence[str], exclude: Sequence[str] = ()
                  ) -> dict[str, tuple[str, ...]]:
        """The full (not path-limited) ancestry of ``tips`` minus that of ``exclude``:
        sha -> parents. One ``git rev-list`` process."""
        if not tips:
            return {}
        out = self._run(["rev-list", "--parents", *tips, "--not", *exclude, "--"])
        graph: dict[str, tuple[str, ...]] = {}
        for line in out.stdout.splitlines():
            sha, *parents = line.split()
            graph[sha] = tuple(parents)
        return graph

    # -- history ------------------------------------------------------------------------------

    def last_commit(self, path: str) -> str | None:
        """The last commit that changed ``path`` (None if it never was committed)."""
        return self.last_commits([path]).get(path)

    def last_commits(self, paths: Sequence[str], revision: str = "HEAD") -> dict[str, str | None]:
        """path -> the last commit (from ``revision`` back) that changed it, for many paths in
        one ``git log`` that stops as soon as every path was seen."""
        wanted = set(paths)
        found: dict[str, str | None] = dict.fromkeys(paths)
        if not wanted:
            return found
        cmd = [self.git_executable, *_GIT_OPTIONS, "log", "--format=%x01%H",
               "--name-only", "-z", "--no-renames", revision, "--", *sorted(wanted)]
        with subprocess.Popen(cmd, cwd=self.root, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            current = ""
            buffer = b""
            stdout = cast(io.BufferedReader, proc.stdout)  # bytes, buffered: read1 exists
            for chunk in iter(lambda: stdout.read1(65536), b""):
                buffer += chunk
                *tokens, buffer = buffer.split(b"\0")
                for token in tokens:
                    current = self._last_commit_token(token.decode(errors="surrogateescape"),
                                                      current, wanted, found)
                if not wanted:
                    proc.kill()
                    break
            if wanted and buffer:
                self._last_commit_token(buffer.decode(errors="surrogateescape"), current,
                                        wanted, found)
        return found

    @staticmethod
    def _last_commit_token(token: str, current: str, wanted: set[str],
                           found: dict[str, str | None]) -> str:
        token = token.lstrip("\n")
        if token.startswith("\x01"):
            head, _, rest = token[1:].partition("\n")
            current = head.strip()
            token = rest.strip("\n")
        if token in wanted:
            found[token] = current
            wanted.discard(token)
        return current

    def history(self, paths: Sequence[str], exclude: Sequence[str] = (),
                revision: str | Sequence[str] = "HEAD") -> History:
        """The commits in ``revision --not exclude`` (``revision`` may be several tips) that
        touched ``paths``, with what each
        changed against each of its (rewritten) parents, renames detected.

        Two processes: one ``git log --full-history --parents`` (every merge kept, parents
        rewritten to the nearest commit touching ``paths``), and one ``git diff-tree --stdin``
        fed with every (commit, parent) pair. ``git log --follow`` works on one file only; a
        rename inside ``paths`` shows here as an ``R`` change, which callers chain."""
        fmt = "%H%x1f%P%x1f%an%x1f%aI%x1f%s"
        tips = [revision] if isinstance(revision, str) else list(revision)
        args = ["log", "-z", f"--format={fmt}", "--full-history", "--parents", "--topo-order",
                *tips, "--not", *exclude, "--", *paths]
        out = self._run(args, check=False)
        if out.returncode != 0:
            if self.head().sha is None:  # no commits yet
                return History(excluded=tuple(exclude))
            raise GitCommandError(args, out.returncode, out.stderr)
        commits = []
        for record in out.stdout.split("\0"):
            record = record.strip("\n")
            if not record:
                continue
            sha, parents, author, date, subject = record.split("\x1f", 4)
            commits.append(Commit(sha, tuple(parents.split()), author, date, subject))
        return History(commits=commits, changes=self._diff_pairs(commits, paths),
                       excluded=tuple(exclude))

    def _diff_pairs(self, commits: Sequence[Commit], paths: Sequence[str]
                    ) -> dict[tuple[str, str | None], list[FileChange]]:
        pairs: list[tuple[str, str | None]] = []
        for c in commits:
            pairs.extend((c.sha, p) for p in c.parents)
            if not c.parents:
                pairs.append((c.sha, None))
        if not pairs:
            return {}
        stdin = "".join(f"{c} {p}\n" if p else f"{c}\n" for c, p in pairs)
        out = self._run(["diff-tree", "--stdin", "--always", "-r", "-M", "--no-abbrev",
                         "--root", "-z", "--", *paths], input=stdin)
        changes: dict[tuple[str, str | None], list[FileChange]] = {}
        tokens = out.stdout.split("\0")
        k = -1
        i = 0
        while i < len(tokens):
            token = tokens[i].strip("\n")
            i += 1
            if not token:
                continue
            if not token.startswith(":"):
                k += 1
                changes[pairs[k]] = []
                continue
            meta = token[1:].split()
            status = meta[4][0]
            old_blob = None if meta[2] in _NULL_SHA else meta[2]
            new_blob = None if meta[3] in _NULL_SHA else meta[3]
            if status in "RC":
                old_path, new_path = tokens[i], tokens[i + 1]
                i += 2
            else:
                old_path = new_path = tokens[i]
                i += 1
            if status == "A":
                old_path = None
            if status == "D":
                new_path = None
            changes[pairs[k]].append(FileChange(status, old_path, new_path, old_blob, new_blob))
        return changes

    # -- contents -----------------------------------------------------------------------------

    def read_objects(self, specs: Iterable[str]) -> dict[str, bytes | None]:
        """Contents of many objects at once (one ``git cat-file --batch``). A spec is a blob id
        or ``<revision>:<path>``; missing ones map to None."""
        wanted = list(dict.fromkeys(specs))
        if not wanted:
            return {}
        if any("\n" in s for s in wanted):
            raise ValueError("object names cannot contain newlines")
        data = self._run_bytes(["cat-file", "--batch"],
                               input="".join(f"{s}\n" for s in wanted).encode())
        result: dict[str, bytes | None] = {}
        pos = 0
        for spec in wanted:
            end = data.index(b"\n", pos)
            line = data[pos:end]
            pos = end + 1
            # "<oid> <type> <size>", or "<spec> missing" / "<spec> ambiguous" where the spec
            # itself may hold spaces (a path with a space): read from the right.
            header = line.rsplit(b" ", 2)
            if (len(header) == 3 and header[2].isdigit() and not line.endswith(b" missing")
                    and not line.endswith(b" ambiguous")):
                size = int(header[2])
                result[spec] = data[pos:pos + size] if header[1] == b"blob" else None
                pos += size + 1
            else:
                result[spec] = None
        return result

    def object_ids(self, specs: Iterable[str]) -> dict[str, str | None]:
        """The object id each spec (``<revision>:<path>``) names, None where there is none
        (one ``git cat-file --batch-check``)."""
        wanted = list(dict.fromkeys(specs))
        if not wanted:
            return {}
        if any("\n" in s for s in wanted):
            raise ValueError("object names cannot contain newlines")
        data = self._run_bytes(["cat-file", "--batch-check=%(objectname) %(objecttype)"],
                               input="".join(f"{s}\n" for s in wanted).encode())
        result: dict[str, str | None] = {}
        for spec, line in zip(wanted, data.decode(errors="replace").splitlines(), strict=True):
            oid, _, kind = line.partition(" ")
            result[spec] = oid if kind in ("blob", "tree") else None
        return result

    def read_texts(self, specs: Iterable[str]) -> dict[str, str | None]:
        """Like :meth:`read_objects`, decoded as UTF-8."""
        return {k: None if v is None else v.decode("utf-8", errors="replace")
                for k, v in self.read_objects(specs).items()}

    def worktree_changes(self, paths: Sequence[str] = ()) -> list[WorktreeChange]:
        """Uncommitted changes (staged, unstaged, untracked) under ``paths``."""
        out = self._run(["status", "--porcelain=v1", "-z", "--untracked-files=all",
                         "--", *paths])
        tokens = out.stdout.split("\0")
        result: list[WorktreeChange] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if len(token) < 4:
                continue
            x, y, path = token[0], token[1], token[3:]
            if x in "RC":
                result.append(WorktreeChange("R" if x == "R" else "A", path, tokens[i]))
                i += 1
            elif x == "?":
                result.append(WorktreeChange("?", path))
            elif "D" in (x, y):
                result.append(WorktreeChange("D", path))
            elif x == "A":
                result.append(WorktreeChange("A", path))
            else:
                result.append(WorktreeChange("M", path))
        return result
