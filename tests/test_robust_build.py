"""Builds that survive what users do to them: kill -9, two at once, warm rebuilds, huge outputs.

Every test builds the small book of ``tests/robust_book.py`` in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from d2lbook.render.warnings_store import FORMAT, TREE
from tests.robust_book import cli, make_book

needs_latex = pytest.mark.skipif(shutil.which("latexmk") is None, reason="TeX Live missing")


def warnings_of(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("warning:")]


# -- item 4: warnings are never lost; they name the source page and line ----------------------


def test_a_warning_is_reported_by_every_build_until_fixed(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book")
    assert cli(root, "build", "html", "--strict").returncode == 0
    intro = root / "source/en/intro.md"
    text = intro.read_text()
    # a label that chapter/plots.md already has; the {ref} to it becomes ambiguous
    intro.write_text(text.replace("A code cell:", "(sec-plots)=\n## Again\n\nA code cell:"))
    line = intro.read_text().splitlines().index("(sec-plots)=") + 1

    first, warm = cli(root, "build", "html", "--strict"), cli(root, "build", "html", "--strict")
    shutil.rmtree(root / "_build" / "en")
    cold = cli(root, "build", "html", "--strict")
    assert first.returncode == warm.returncode == cold.returncode == 1
    assert warnings_of(first) == warnings_of(warm) == warnings_of(cold)
    [warning] = warnings_of(warm)
    assert warning.startswith(f"warning: source/en/intro.md:{line + 1}: WARNING: duplicate "
                              "label sec-plots, other instance in source/en/chapter/plots.md")
    assert "\x1b" not in warm.stderr and "_build" not in warning

    intro.write_text(text)  # fixed
    fixed = cli(root, "build", "html", "--strict")
    assert fixed.returncode == 0 and warnings_of(fixed) == [], fixed.stderr
    stored = json.loads((root / "_build/en/warnings-html.json").read_text())
    assert not any(found for key, found in stored.items() if key not in (TREE, FORMAT))


def test_warnings_of_a_translated_edition_name_the_english_page(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book", languages='[tool.d2lbook.languages.zh]\n'
                     'title = "小书"\nlocale = "zh_CN"\n')
    assert cli(root, "i18n", "update").returncode == 0
    intro = root / "source/en/intro.md"
    intro.write_text(intro.read_text().replace("A code cell:", "(sec-plots)=\n## Again\n\n"
                                               "A code cell:"))
    line = intro.read_text().splitlines().index("(sec-plots)=") + 1
    proc = cli(root, "build", "html", "--lang", "zh")
    assert proc.returncode == 0
    assert warnings_of(proc) == [
        f"warning: source/en/intro.md:{line + 1}: WARNING: duplicate label sec-plots, other "
        "instance in source/en/chapter/plots.md (zh edition)"]


def test_a_label_removed_elsewhere_breaks_the_reference_in_a_warm_build(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book")
    assert cli(root, "build", "html", "--strict").returncode == 0
    plots = root / "source/en/chapter/plots.md"
    plots.write_text(plots.read_text().replace("(sec-plots)=\n", ""))
    warm = cli(root, "build", "html", "--strict")
    assert warm.returncode == 1
    line = (root / "source/en/intro.md").read_text().splitlines().index(
        "See {ref}`sec-plots`.") + 1
    assert warnings_of(warm) == [f"warning: source/en/intro.md:{line}: WARNING: undefined "
                                 "label: 'sec-plots' [ref.ref]"]


# -- item 5: output limits ---------------------------------------------------------------------


def test_huge_outputs_are_cut_in_the_page_and_kept_in_the_notebook(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book", extra="output_limit = 20000")
    page = root / "source/en/intro.md"
    page.write_text(page.read_text() + "\n```{code-cell} ipython3\nprint('x' * 50_000_000)\n"
                    "```\n\n```{code-cell} ipython3\nfor i in range(200_000):\n"
                    "    print(f'line {i}')\n```\n")
    started = time.perf_counter()
    proc = cli(root, "build", "notebooks", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert time.perf_counter() - started < 300
    html = (root / "_build/en/html/intro.html").read_text()
    assert len(html) < 200_000
    assert html.count("output truncated for the page: 50,000,001 characters in 1 line(s)") == 1
    assert "200,000 line(s)" in html and "execution.output_limit = 20,000" in html
    nb = json.loads((root / "_build/en/notebooks/intro.ipynb").read_text())
    texts = ["".join("".join(o["text"]) for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")
             for c in nb["cells"] if c["cell_type"] == "code"]
    assert texts[1] == "x" * 50_000_000 + "\n" and texts[2].count("\n") == 200_000


# -- item 6: two builds at once ----------------------------------------------------------------


def test_the_second_of_two_builds_waits_for_the_first(tmp_path: Path) -> None:
    root = make_book(tmp_path / "book")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    cmd = [sys.executable, "-m", "d2lbook.cli", "--root", str(root), "build", "html"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    lock = root / "_build" / ".lock"
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, err + second.stderr
    assert f"another build is running (pid {first.pid}); waiting" in second.stderr
    assert "Traceback" not in err + second.stderr


def test_the_lock_is_reentrant_and_released_by_a_killed_holder(tmp_path: Path) -> None:
    from d2lbook.lock import build_lock

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from d2lbook.lock import build_lock\n"
        f"with build_lock(Path({str(tmp_path)!r})):\n"
        "    print('held', flush=True); time.sleep(60)\n")], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert holder.stdout.readline().strip() == "held"
    said: list[str] = []

    def kill_soon(message: str) -> None:
        said.append(message)
        holder.kill()  # kill -9: the kernel releases the lock

    with build_lock(tmp_path, on_wait=kill_soon), build_lock(tmp_path, on_wait=said.append):
        assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
    assert said == [f"another build is running (pid {holder.pid}); waiting for it to finish "
                    f"({tmp_path / '.lock'})…"]
    holder.wait()


# -- item 3: kill -9 -----------------------------------------------------------------------------


def descendants(pid: int) -> dict[int, str]:
    """pid -> start time of every process below ``pid``."""
    parent: dict[int, int] = {}
    start: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)] = int(fields[1])
        start[int(entry.name)] = fields[19]
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        for child, ppid in parent.items():
            if ppid == current and child not in found:
                found[child] = start[child]
                frontier.append(child)
    return found


def alive(procs: dict[int, str]) -> list[int]:
    living = []
    for pid, started in procs.items():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat[19] == started and stat[0] != "Z":
            living.append(pid)
    return living


def wait_children_gone(procs: dict[int, str], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(procs)


def image_links_resolve(site: Path) -> list[str]:
    broken = []
    for page in site.rglob("*.html"):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")):
            if "://" not in src and not src.startswith("data:") and \
                    not (page.parent / src.split("#")[0]).is_file():
                broken.append(f"{page.relative_to(site)} -> {src}")
    return broken


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_kill_during_sphinx_html_then_the_next_build_has_every_image(tmp_path: Path) -> None:
    """The reported case: kill -9 once a few HTML pages exist; the next build is complete."""
    root = make_book(tmp_path / "book")
    assert cli(root, "build", "html").returncode == 0  # the cache is warm
    shutil.rmtree(root / "_build" / "en")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "d2lbook.cli", "--root", str(root), "build",
                             "html"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    html = root / "_build/en/html"
    deadline = time.monotonic() + 300
    while not list(html.glob("*.html")) and time.monotonic() < deadline:
        time.sleep(0.01)
    children = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wait_children_gone(children) == []
    again = cli(root, "build", "html", "--strict")
    assert again.returncode == 0, again.stderr
    assert image_links_resolve(html) == []
    assert (html / "_images" / "dot.png").is_file()


PHASES = ("execution", "sphinx-html", "sphinx-latex", "latex", "site")


def _phase_started(phase: str, root: Path, pid: int) -> bool:
    build = root / "_build"
    if phase == "execution":
        return any("ipykernel" in _cmdline(p) for p in descendants(pid))
    if phase == "sphinx-html":
        return (build / "en/doctrees/d2lbook-incomplete").exists()
    if phase == "sphinx-latex":
        return (build / "en/doctrees-latex/d2lbook-incomplete").exists()
    if phase == "latex":
        return any("latexmk" in _cmdline(p) or "xelatex" in _cmdline(p)
                   or "pdflatex" in _cmdline(p) for p in descendants(pid))
    return any(build.glob(".site-*"))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _site(root: Path) -> dict[str, str]:
    from tests.robust_book import tree_digest

    return tree_digest(root / "_build" / "site")


def pdf_pages(root: Path) -> str:
    info = subprocess.run(["pdfinfo", str(root / "_build/en/pdf/small-en.pdf")],
                          capture_output=True, text=True).stdout
    return next((line for line in info.splitlines() if line.startswith("Pages:")), "")


def kill_at_random_moments(tmp_path: Path, kills: int, seed: int) -> dict[str, int]:
    """Build the small book, killing the build with SIGKILL at ``kills`` random moments spread
    over the phases; after each, the next build must succeed, leave no child running and give
    the same site as a clean build."""
    import random

    rng = random.Random(seed)
    clean_root = make_book(tmp_path / "clean")
    clean = cli(clean_root, "build", "all")
    assert clean.returncode == 0, clean.stderr
    reference = _site(clean_root)
    root = make_book(tmp_path / "book")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    figures = dict.fromkeys(PHASES, 0) | {"kills": 0, "survived": 0, "missed": 0}
    attempt = 0
    while figures["kills"] < kills:
        phase = PHASES[figures["kills"] % len(PHASES)]  # a missed phase is tried again
        attempt += 1
        assert attempt < kills * 3, f"could not reach the phases: {figures}"
        if phase == "execution":
            shutil.rmtree(root / "_build" / "cache", ignore_errors=True)
        elif rng.random() < 0.7:
            shutil.rmtree(root / "_build" / "en", ignore_errors=True)
        proc = subprocess.Popen([sys.executable, "-m", "d2lbook.cli", "--root", str(root),
                                 "build", "all"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        while proc.poll() is None and not _phase_started(phase, root, proc.pid):
            time.sleep(0.02)
        if proc.poll() is not None:
            figures["missed"] += 1
            continue
        time.sleep(rng.uniform(0, 0.3 if phase == "site" else 2.0))  # the site takes ~1 s
        children = descendants(proc.pid)
        if proc.poll() is not None:
            figures["missed"] += 1
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        figures["kills"] += 1
        figures[phase] += 1
        left = wait_children_gone(children)
        assert left == [], f"{phase}: still running after the kill: " \
                           f"{[_cmdline(p)[:80] for p in left]}"
        again = cli(root, "build", "all")
        assert again.returncode == 0, f"{phase}: {again.stderr[-3000:]}"
        assert "Traceback" not in again.stderr and warnings_of(again) == []
        site = _site(root)
        differ = sorted(k for k in set(site) | set(reference)
                        if site.get(k) != reference.get(k) and not k.endswith(".pdf"))
        assert differ == [], f"after a kill in {phase}: differs from a clean build: {differ[:5]}"
        assert image_links_resolve(root / "_build" / "site") == []
        assert pdf_pages(root) == pdf_pages(clean_root)
        figures["survived"] += 1
    return figures


@pytest.mark.slow
@needs_latex
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_kill_9_at_20_random_moments(tmp_path: Path) -> None:
    kills = int(os.environ.get("D2LBOOK_KILLS", "20"))
    figures = kill_at_random_moments(tmp_path, kills, seed=3)
    print(figures)
    assert figures["survived"] == figures["kills"] == kills
    assert all(figures[phase] >= kills // len(PHASES) for phase in PHASES), figures


def test_site_and_zip_entries_are_world_readable(tmp_path: Path) -> None:
    from d2lbook.config import load_config
    from d2lbook.render.site import assemble_site

    root = make_book(tmp_path / "book")
    proc = cli(root, "build", "notebooks")
    assert proc.returncode == 0, proc.stderr
    site = assemble_site(load_config(root)).root
    modes = {p.relative_to(site).as_posix(): p.stat().st_mode & 0o777 for p in site.rglob("*")}
    assert {m for m in modes.values()} == {0o644, 0o755}
    assert all(modes[k] == 0o755 for k in modes if (site / k).is_dir())
    assert site.stat().st_mode & 0o777 == 0o755
    with zipfile.ZipFile(next(site.rglob("*.zip"))) as zf:
        assert {(i.external_attr >> 16) & 0o777 for i in zf.infolist()} == {0o644}
