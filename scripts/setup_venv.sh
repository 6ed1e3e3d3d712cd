# Sourced by run.sh and test.sh: go to the repository root, make sure .venv exists and holds
# exactly requirements.txt, and activate it. Idempotent; reinstalls only when requirements.txt
# (or the Python that runs the venv) changed since the last successful install.

# Each step checks its own status: callers may not run with `set -e`.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
cd "$ROOT" || return 1

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"

if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "setup: $VENV is broken; recreating it"
    rm -rf "$VENV" || return 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating virtualenv in .venv"
    "$PYTHON" -m venv "$VENV" || { echo "setup: could not create .venv with $PYTHON -m venv" >&2; return 1; }
fi

# shellcheck disable=SC1091
. "$VENV/bin/activate" || return 1

wanted="$( { sha256sum requirements.txt; python -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$wanted" ]; then
    echo "setup: installing requirements.txt"
    python -m pip install --disable-pip-version-check --no-input --quiet -r requirements.txt \
        || { echo "setup: pip install -r requirements.txt failed" >&2; return 1; }
    echo "$wanted" > "$STAMP" || return 1
fi
