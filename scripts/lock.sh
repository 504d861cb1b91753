#!/usr/bin/env bash
# Resolve requirements.in in a throw-away venv and write every pinned package to requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

# pip, minus the warnings this machine's pip.conf causes (local indexes that do not exist).
pip_quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; }
python=$(scripts/find-python.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
pip_quiet "$tmp/venv/bin/python" -m pip install --quiet "pip==24.0"
pip_quiet "$tmp/venv/bin/python" -m pip install --quiet -r requirements.in
"$tmp/venv/bin/python" -m pip check
{
  echo "# Every package, pinned: generated from requirements.in by 'make lock' (scripts/lock.sh)."
  echo "# Installed with --no-deps, so this file alone decides what is installed."
  "$tmp/venv/bin/python" -m pip freeze --all --exclude pip
} > requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages"
