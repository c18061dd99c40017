"""A kernel is fingerprinted by its own environment: two virtual environments made from the
same base interpreter (as ``ci/setup.sh`` makes the framework environments) are told apart,
and installing another version of a package into one of them re-executes exactly that
framework's pages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.fwbook import HEADER
from tests.helpers import make_book, pyproject

PYPROJECT = pyproject(name="envbook", author="T", title="Environment Book", extra="""
[tool.d2lbook.execution]
timeout = 60

[tool.d2lbook.frameworks.alpha]
name = "Alpha"
kernel = "t-alpha"
requirements = []

[tool.d2lbook.frameworks.beta]
name = "Beta"
kernel = "t-beta"
requirements = []
""")

INDEX = HEADER + """
# Environment Book

```{toctree}
one
```
"""

ONE = HEADER + """
# One

```{code-cell} ipython3
:tags: [alpha]
import sys, tinypkg
print('alpha', tinypkg.VERSION, sys.prefix.rsplit('/', 1)[-1])
```

```{code-cell} ipython3
:tags: [beta]
import sys, tinypkg
print('beta', tinypkg.VERSION, sys.prefix.rsplit('/', 1)[-1])
```
"""


def tiny_wheel(folder: Path, version: str) -> Path:
    """A wheel of the one-module distribution ``tinypkg`` at ``version``, built by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tinypkg-{version}-py3-none-any.whl"
    info = f"tinypkg-{version}.dist-info"
    files = {
        "tinypkg.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: tinypkg\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def pip_install(python: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-compile", "--disable-pip-version-check", *args], check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def kernel_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment of its own (no system site-packages) with ipykernel installed."""
    base = tmp_path_factory.mktemp("venvs") / "base"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base)], check=True)
    pip_install(base / "bin" / "python", "ipykernel")
    return base


def register(jupyter: Path, name: str, env: Path, variables: dict | None = None) -> None:
    spec = jupyter / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(env / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": name, "language": "python", **({"env": variables} if variables else {})}))


def test_each_framework_kernel_is_fingerprinted_by_its_own_environment(
        tmp_path: Path, kernel_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from d2lbook.commands.build import build
    from d2lbook.config import load_config
    from d2lbook.execute import environment

    wheels = tmp_path / "wheels"
    envs = {}
    for name in ("alpha", "beta"):
        env = tmp_path / name
        shutil.copytree(kernel_base, env, symlinks=True)  # a venv of its own, same base
        pip_install(env / "bin" / "python", "--no-index", "--no-deps",
                    str(tiny_wheel(wheels, "1.0")))
        envs[name] = env
    jupyter = tmp_path / "jupyter"
    register(jupyter, "t-alpha", envs["alpha"])
    register(jupyter, "t-beta", envs["beta"])
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # kernels leave site-packages as is
    monkeypatch.setattr(environment, "_known", {})

    root = make_book(tmp_path / "book", {"index": INDEX, "one": ONE}, PYPROJECT)

    # Each kernel's listing is its own environment's: tinypkg, no Sphinx (which only the
    # environment running the build has).
    for kernel in ("t-alpha", "t-beta"):
        listing = environment.kernel_packages(kernel)
        assert "tinypkg==1.0" in listing and "ipykernel" in " ".join(listing)
        assert not any(p.lower().startswith("sphinx==") for p in listing)

    def run():  # in one process, as `serve` rebuilds
        cfg = load_config(root)
        return build(cfg, cfg.select("en"), ("html",), jobs=1)

    first = run()
    assert sorted(first.editions[0].runs) == [("one", "alpha"), ("one", "beta")]
    html = (root / "_build" / "en" / "html" / "one.html").read_text()
    assert "alpha 1.0 alpha" in html and "beta 1.0 beta" in html
    assert run().up_to_date
    # The listing memo holds each kernel's interpreter under its own (unresolved) path.
    memo = json.loads((root / "_build" / "cache" / "environments.json").read_text())
    listed = {json.loads(key)[0]: entry["packages"] for key, entry in memo["entries"].items()}
    for name in ("alpha", "beta"):
        assert "tinypkg==1.0" in listed[str(envs[name] / "bin" / "python")]

    # Another version of tinypkg in beta's environment only.
    pip_install(envs["beta"] / "bin" / "python", "--no-index", "--no-deps",
                str(tiny_wheel(wheels, "2.0")))
    again = run()
    assert not again.up_to_date, "the last-build memo ignored the kernel's new package"
    assert again.editions[0].runs == [("one", "beta")]
    html = (root / "_build" / "en" / "html" / "one.html").read_text()
    assert "alpha 1.0 alpha" in html and "beta 2.0 beta" in html


def test_the_real_framework_kernels_list_their_own_packages() -> None:
    """The book's framework kernels (``ci/setup.sh``'s ``.venvs``): torch in PyTorch's,
    MXNet in MXNet's, neither has Sphinx (the build's environment)."""
    from d2lbook.execute.environment import kernel_packages, kernel_python

    if kernel_python("d2l-pytorch") == sys.executable:
        pytest.skip("the framework kernels are not registered (make setup)")
    names = {k: {p.split("==")[0].lower() for p in kernel_packages(k)[1:]}
             for k in ("d2l-pytorch", "d2l-mxnet")}
    assert "torch" in names["d2l-pytorch"] and "mxnet" not in names["d2l-pytorch"]
    assert "mxnet" in names["d2l-mxnet"] and "torch" not in names["d2l-mxnet"]
    assert not {"sphinx", "myst-nb"} & (names["d2l-pytorch"] | names["d2l-mxnet"])


def test_what_a_kernelspec_adds_to_the_kernel_s_path_is_in_its_fingerprint(
        tmp_path: Path, kernel_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernelspec's ``env`` (here a ``PYTHONPATH`` folder holding a distribution) is part
    of the kernel's own environment: listed on the client and on a worker alike."""
    from d2lbook.execute import environment, worker

    extra = tmp_path / "extra"
    info = extra / "addon-3.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: addon\nVersion: 3.1\n")
    jupyter = tmp_path / "jupyter"
    register(jupyter, "t-plain", kernel_base)
    register(jupyter, "t-extra", kernel_base, {"PYTHONPATH": f"{extra}:${{PYTHONPATH}}"})
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setattr(environment, "_known", {})
    plain, added = environment.kernel_packages("t-plain"), environment.kernel_packages("t-extra")
    assert "addon==3.1" in added and "addon==3.1" not in plain
    assert set(added) - set(plain) == {"addon==3.1"}
    assert worker.kernel_packages("t-extra") == list(added)
