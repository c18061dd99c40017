"""Create one virtual environment per framework and register its Jupyter kernel.

Run by ``ci/setup.sh`` with the main environment's Python (so the kernels land in it)::

    .venv/bin/python ci/setup_frameworks.py [--venvs .venvs] [--python python3.11]

For every ``[tool.d2lbook.frameworks.<key>]`` table of pyproject.toml: ``<venvs>/<key>`` gets
the table's ``requirements`` (plus ipykernel), and the kernel named by the table (``d2l-<key>``
by default) is registered into this Python's prefix. Idempotent: a stamp holding a hash of the
requirements (and the Python version) skips environments that are already right, so a second
run takes about a second. Frameworks whose kernel is an existing one and that list no
requirements (``kernel = "python3"``) need no environment and are skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = ".d2lbook-requirements"


def frameworks(pyproject: Path) -> dict[str, dict]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return data.get("tool", {}).get("d2lbook", {}).get("frameworks", {}) or {}


def requirements_hash(requirements: list[str], python: str) -> str:
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    blob = json.dumps({"requirements": requirements, "python": version}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def kernel_installed(name: str) -> Path | None:
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / name / "kernel.json"
    return spec if spec.is_file() else None


def setup(key: str, table: dict, venvs: Path, python: str) -> str:
    kernel = table.get("kernel") or f"d2l-{key}"
    requirements = list(table.get("requirements", []))
    if not requirements:
        return f"{key}: no requirements; runs in the existing kernel {kernel!r}"
    env = venvs / key
    env_python = env / "bin" / "python"
    if not any("ipykernel" in r for r in requirements):
        requirements.append("ipykernel")
    want = requirements_hash(requirements, python)
    stamp = env / STAMP
    spec = kernel_installed(kernel)
    registered = spec is not None and os.path.abspath(
        json.loads(spec.read_text(encoding="utf-8"))["argv"][0]) == str(env_python)
    if env_python.is_file() and stamp.is_file() and \
            stamp.read_text(encoding="utf-8").strip() == want and registered:
        return f"{key}: ready ({env}, kernel {kernel})"
    if not env_python.is_file():
        print(f"setup: creating {env}", flush=True)
        subprocess.run([python, "-m", "venv", str(env)], check=True)
    print(f"setup: installing {key}: {' '.join(requirements)}", flush=True)
    proc = subprocess.run([str(env_python), "-m", "pip", "install", "-q", *requirements],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines()
                 if "is ignored: it is neither" not in line]
        sys.exit(f"setup: pip failed for framework {key!r}:\n" + "\n".join(lines[-30:]))
    subprocess.run([str(env_python), "-m", "ipykernel", "install", "--prefix", sys.prefix,
                    "--name", kernel, "--display-name", table.get("name", key)],
                   check=True, capture_output=True)
    stamp.write_text(want + "\n", encoding="utf-8")
    return f"{key}: installed ({env}, kernel {kernel})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venvs", default=str(ROOT / ".venvs"),
                        help="folder of the framework environments (default: .venvs)")
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="interpreter the environments are made from")
    parser.add_argument("--pyproject", default=str(ROOT / "pyproject.toml"))
    args = parser.parse_args(argv)
    venvs = Path(os.path.abspath(args.venvs))  # absolute, symlinks kept (kernel.json's form)
    venvs.mkdir(parents=True, exist_ok=True)
    for key, table in frameworks(Path(args.pyproject)).items():
        print(f"setup: {setup(key, table, venvs, args.python)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
