#!/usr/bin/env bash
# Installs the Python test tools (moto server, schemathesis, cfn-lint), pinned in
# scripts/python-requirements.txt, into .venv/ (git-ignored). Idempotent and quick when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=scripts/python-requirements.txt
stamp=.venv/.requirements.sha256
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-tools: $python not found. Install Python 3.10+ (e.g. apt-get install python3 python3-venv)." >&2
  exit 1
fi

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

echo "python-tools: installing $(grep -cv '^#' "$requirements") pinned tools into .venv/ ..."
"$python" -m venv .venv || {
  echo "python-tools: could not create .venv (on Debian: apt-get install python3-venv)." >&2
  exit 1
}
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$wanted" > "$stamp"
