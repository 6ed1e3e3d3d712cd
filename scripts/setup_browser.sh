# Sourced by test.sh: the browser tests drive Debian's chromium through Playwright for Python
# (pinned in requirements.txt; Playwright's own browser downloads are not used). Installs the
# chromium package when it is missing; failing to is an error, never a reason to skip the tests.

# Each step checks its own status: callers may not run with `set -e`.
if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the browser tests"
    _sudo=""
    [ "$(id -u)" -eq 0 ] || _sudo="sudo"
    { $_sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq chromium >/dev/null; } \
        || { echo "setup: could not install chromium (apt-get install chromium)" >&2; return 1; }
    unset _sudo
fi
command -v chromium >/dev/null 2>&1 || { echo "setup: chromium is still missing" >&2; return 1; }
