#!/usr/bin/env bash
# Build .venv from requirements.lock with a Python 3.10 found by find-python.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# pip, minus the warnings this machine's pip.conf causes (local indexes that do not exist).
pip_quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; }

python=$(scripts/find-python.sh)
echo "==> Python 3.10: $python"
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  echo "==> .venv is not Python 3.10: rebuilding it"
  rm -rf .venv
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
echo "==> Installing the pinned packages into .venv (Rasa, TensorFlow …: about 2 minutes the first time)"
pip_quiet .venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==24.0"
pip_quiet .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
echo "==> Checking that the installed packages agree with each other (pip check)"
.venv/bin/python -m pip check
touch .venv/.installed
echo "==> Environment ready: .venv"
