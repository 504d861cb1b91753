#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain what to install and exit 1.
# Rasa 3.6 (the last open-source Rasa) runs on Python 3.8-3.10 only; we use 3.10.
# Order: $PYTHON310, python3.10 on PATH, pyenv's newest installed 3.10.
set -u

is_310() {
  [ -n "$1" ] && [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "3.10" ]
}

if [ -n "${PYTHON310:-}" ]; then
  if is_310 "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
  echo "error: PYTHON310=$PYTHON310 is not a working Python 3.10 interpreter." >&2
  exit 1
fi

candidate=$(command -v python3.10 2>/dev/null || true)
if is_310 "$candidate"; then echo "$candidate"; exit 0; fi

if command -v pyenv >/dev/null 2>&1; then
  version=$(pyenv latest 3.10 2>/dev/null || true)
  candidate="$(pyenv root 2>/dev/null)/versions/${version}/bin/python3.10"
  if [ -n "$version" ] && is_310 "$candidate"; then echo "$candidate"; exit 0; fi
fi

cat >&2 <<'MSG'
error: no Python 3.10 found. Rasa 3.6, which this project runs on, supports Python 3.8-3.10 only.
Install Python 3.10 in one of these ways, then run the same make command again:
  - pyenv:  pyenv install 3.10        (https://github.com/pyenv/pyenv)
  - uv:     uv python install 3.10    (then: make PYTHON310="$(uv python find 3.10)" ...)
  - or point at any 3.10 interpreter:  make PYTHON310=/path/to/python3.10 ...
MSG
exit 1
