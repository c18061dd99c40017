#!/usr/bin/env bash
# Translation gate for pull requests: fails (exit 1) when a translated section is out of date
# with the English, and writes the report as Markdown for a pull-request comment.
#   ci/translation-gate.sh [report.md]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-_build/translation-status.md}
mkdir -p "$(dirname "$out")"
set +e
.venv/bin/d2lbook i18n status --lang all --format markdown --fail-on outdated > "$out"
code=$?
set -e
cat "$out"
exit $code
