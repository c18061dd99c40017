#!/usr/bin/env bash
# Install everything the book and its tests need on a Debian/Ubuntu machine with Python 3.11.
# Idempotent: a second run checks, finds everything present and returns in about a second.
#   ci/setup.sh            system packages (needs root or sudo) + the virtual environment
#   VENV=path ci/setup.sh  put the virtual environment elsewhere (default: .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

# System packages: TeX Live (pdflatex for English, xelatex + xeCJK for Chinese), CJK fonts,
# gettext (msgmerge/msgcat/msgfmt), poppler (pdftotext), librsvg (SVG -> PDF), Chromium for the
# browser tests, and the runtime libraries MXNet links against.
APT_PACKAGES=(
  latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
  texlive-xetex texlive-lang-chinese fonts-noto-cjk tex-gyre fonts-freefont-otf xindy
  poppler-utils librsvg2-bin gettext libquadmath0 libgomp1 git make
  chromium chromium-driver
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Python environment, pinned (see pyproject.toml). Re-installed only when pyproject changes.
stamp="$VENV/.d2lbook-installed"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into $VENV"
  log=$(mktemp)
  if ! "$VENV/bin/python" -m pip install -q -e ".[dev]" >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
  echo "$want" > "$stamp"
fi
# One environment per framework ([tool.d2lbook.frameworks.*] in pyproject.toml): .venvs/<key>,
# its kernel (d2l-<key>) registered into $VENV. Idempotent (stamped by a requirements hash).
"$VENV/bin/python" ci/setup_frameworks.py --venvs "${VENVS:-.venvs}" --python "$(command -v "$PYTHON")"
echo "setup: ready ($VENV)"
