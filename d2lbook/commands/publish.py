"""``d2lbook publish``: the built site and the per-framework notebook trees, put where
``[tool.d2lbook.publish]`` says.

- The site is ``_build/site/`` as built (``d2lbook build all`` first).
- The notebook trees are every edition's executed notebooks, laid out as the Colab links
  expect: ``<lang>/<framework>/<page>.ipynb`` (with their images and the library folder).

Each goes to a git branch or to a folder. To a branch, one commit on top of the branch as it is
in the repository (created when it does not exist yet) holds exactly the published files, and
is pushed without force; nothing is committed when nothing changed. To a folder, its contents
are replaced; a folder that has files but was not made by ``publish`` is refused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from d2lbook.config import BookConfig
from d2lbook.errors import UsageError
from d2lbook.layout import BookLayout
from d2lbook.vcs import GitCommandError

MARKER = ".d2lbook-published"
"""Left in a folder published to, so that a later ``publish`` may replace its contents."""


@dataclass
class Published:
    what: str
    """``site`` or ``notebooks``."""
    target: str
    """``<repository> <branch>`` or the folder."""
    files: int
    commit: str = ""
    """The commit pushed (empty for a folder, or when nothing changed)."""
    changed: bool = True


def publish(cfg: BookConfig, message: str = "") -> list[Published]:
    """Publish what is configured; an error naming the setting when nothing is."""
    pub, layout = cfg.publish, BookLayout(cfg)
    results = []
    for what, repository, branch, folder, tree in (
            ("site", pub.site_repository, pub.site_branch, pub.site_folder, _site_tree),
            ("notebooks", pub.notebooks_repository, pub.notebooks_branch, pub.notebooks_folder,
             _notebook_tree)):
        if not (repository or folder):
            continue
        if repository and folder:
            raise UsageError(f"pyproject.toml: [tool.d2lbook.publish] names both "
                             f"{what}_repository and {what}_folder; keep one")
        with tempfile.TemporaryDirectory(prefix=f".publish-{what}-", dir=_tmp(layout)) as tmp:
            staged = Path(tmp) / "tree"
            tree(layout, staged)
            if repository:
                results.append(_to_branch(cfg, what, staged, repository, branch, message))
            else:
                results.append(_to_folder(cfg, what, staged, cfg.root / folder))
    if not results:
        raise UsageError("pyproject.toml: nothing to publish: set site_repository or "
                         "site_folder (and notebooks_repository or notebooks_folder) in "
                         "[tool.d2lbook.publish]")
    return results


def _tmp(layout: BookLayout) -> Path:
    layout.build.mkdir(parents=True, exist_ok=True)
    return layout.build


def _site_tree(layout: BookLayout, dest: Path) -> None:
    site = layout.site
    if not (site / "index.html").is_file():
        raise UsageError(f"{site}: no site built; run `d2lbook build all` first")
    shutil.copytree(site, dest)


def _notebook_tree(layout: BookLayout, dest: Path) -> None:
    cfg = layout.cfg
    for lang in cfg.languages:
        for fw in cfg.frameworks:
            folder = layout.notebooks(lang, fw.key)
            if not layout.notebook_zip(lang, fw.key).is_file():
                raise UsageError(f"{folder}: the {lang.code} notebooks"
                                 + (f" of {fw.key}" if fw.key else "")
                                 + " are not built; run `d2lbook build all` first")
            target = dest / lang.code / fw.key if fw.key else dest / lang.code
            shutil.copytree(folder, target, ignore=shutil.ignore_patterns(
                "*.zip", ".tmp-*", "*.tmp", "__pycache__"))
    (dest / "README.md").write_text(
        f"# {cfg.source_language.title}: notebooks\n\n"
        "Executed notebooks of every page, one folder per edition and framework "
        "(`<language>/<framework>/<page>.ipynb`), published by `d2lbook publish`.\n",
        encoding="utf-8")


def _count(tree: Path) -> int:
    return sum(1 for p in tree.rglob("*") if p.is_file())


def _git(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise GitCommandError(args, out.returncode, out.stderr)
    return out.stdout.strip()


def _identity(cfg: BookConfig) -> dict[str, str]:
    """The committer: the book repository's git identity, else d2lbook's own."""
    name = subprocess.run(["git", "config", "user.name"], cwd=cfg.root, capture_output=True,
                          text=True).stdout.strip()
    if name:
        return {}
    return {"GIT_AUTHOR_NAME": "d2lbook", "GIT_AUTHOR_EMAIL": "d2lbook@localhost",
            "GIT_COMMITTER_NAME": "d2lbook", "GIT_COMMITTER_EMAIL": "d2lbook@localhost"}


def _to_branch(cfg: BookConfig, what: str, staged: Path, repository: str, branch: str,
               message: str) -> Published:
    work = staged.parent / "git"
    work.mkdir()
    remote = repository
    if not ("://" in remote or ":" in remote.split("/")[0]):  # a path, relative to the book
        remote = str((cfg.root / remote).resolve())
    _git(["init", "-q"], work)
    fetched = subprocess.run(["git", "fetch", "-q", "--depth=1", remote,
                              f"refs/heads/{branch}"], cwd=work, capture_output=True, text=True)
    if fetched.returncode == 0:
        _git(["checkout", "-q", "-B", branch, "FETCH_HEAD"], work)
        _git(["rm", "-rq", "--ignore-unmatch", "."], work)
    else:
        if "couldn't find remote ref" not in fetched.stderr and \
                "could not find remote ref" not in fetched.stderr.lower():
            raise GitCommandError(["fetch", remote, branch], fetched.returncode,
                                  fetched.stderr)
        _git(["checkout", "-q", "--orphan", branch], work)
    for path in staged.iterdir():
        shutil.move(str(path), str(work / path.name))
    files = _count(work) - _count(work / ".git")
    _git(["add", "-A"], work)
    target = f"{repository} {branch}"
    if fetched.returncode == 0 and subprocess.run(
            ["git", "diff", "--cached", "--quiet"], cwd=work).returncode == 0:
        return Published(what, target, files, "", changed=False)
    source = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cfg.root,
                            capture_output=True, text=True).stdout.strip()
    text = message or (f"Publish the {what} of {cfg.name} {cfg.version}"
                       + (f" (built from {source})" if source else ""))
    _git(["commit", "-q", "-m", text], work, _identity(cfg))
    _git(["push", "-q", remote, f"HEAD:refs/heads/{branch}"], work)
    return Published(what, target, files, _git(["rev-parse", "HEAD"], work))


def _to_folder(cfg: BookConfig, what: str, staged: Path, folder: Path) -> Published:
    folder = folder.resolve()
    if cfg.root.resolve().is_relative_to(folder) or folder.is_relative_to(cfg.root.resolve()
                                                                          / cfg.source):
        raise UsageError(f"pyproject.toml: [tool.d2lbook.publish] {what}_folder = {folder}: "
                         "the book itself or its sources would be replaced; choose a folder "
                         "outside them")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise UsageError(f"{folder}: the folder has files that `d2lbook publish` did not put "
                         f"there (nothing was changed); empty it, or choose another "
                         f"{what}_folder in [tool.d2lbook.publish]")
    (staged / MARKER).write_text("published by d2lbook; replaced by the next publish\n",
                                 encoding="utf-8")
    files = _count(staged) - 1
    folder.parent.mkdir(parents=True, exist_ok=True)
    old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
    if folder.exists():
        os.rename(folder, old)
    try:
        shutil.move(str(staged), str(folder))
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        if old.exists():
            os.rename(old, folder)  # the last published version stays
        raise
    shutil.rmtree(old, ignore_errors=True)
    return Published(what, str(folder), files)
