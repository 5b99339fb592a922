#!/usr/bin/env bash
# Creates .venv with Python 3.10 if it is missing and installs the locked requirements.
# Re-runs the install only when requirements.txt changed (make tracks the stamp file).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  py=$(scripts/find-python310) || {
    echo "error: Python 3.10 is required (rasa 3.6.21 refuses 3.11); install it or put python3.10 on PATH" >&2
    exit 1
  }
  echo "Creating .venv with $py"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip==24.0'
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -m pip check
touch .venv/.installed
