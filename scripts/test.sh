#!/usr/bin/env bash
# Set up the virtualenv, the front end (npm ci, build) and Debian's chromium, and run every test:
# the front end's vitest suite, the migration check, the gates (docs/adr/0060-gates.md: ruff
# check, ruff format --check, lint-imports, mypy --strict on engine/core, mypy on the rest, and the
# front end's eslint, prettier --check and tsc), then the whole pytest suite (browser tests in
# tests/browser included) on SQLite, and again on the PostgreSQL at 127.0.0.1:5432 the tests that
# use the test database (`--database-tests-only`, conftest.py: a `django_db` mark or a db /
# transactional_db / live_server fixture; the others do not depend on the database and ran in
# the first pass; tests/browser's Daphne has a SQLite file of its own, so it runs once too), both
# with the Redis at REDIS_URL for the websocket tests. All must pass; a failing gate fails the run
# but pytest still runs; a missing PostgreSQL, Redis or browser is a failure, never a skip.
# Extra arguments go to pytest (e.g. scripts/test.sh -k token -x).
#
#   PYTEST_WORKERS   pytest-xdist workers per run (default 2; 0 runs in one process)
#   TEST_POSTGRES_URL  the PostgreSQL to use (default postgres://postgres@127.0.0.1:5432/workflow;
#                    pytest-django creates and drops test_<name> databases there)
set -uo pipefail

# shellcheck source=scripts/setup_venv.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup_venv.sh" || exit 1
# shellcheck source=scripts/setup_frontend.sh
. "$ROOT/scripts/setup_frontend.sh" || exit 1
# shellcheck source=scripts/setup_browser.sh
. "$ROOT/scripts/setup_browser.sh" || exit 1
# shellcheck source=scripts/setup_haproxy.sh
. "$ROOT/scripts/setup_haproxy.sh" || exit 1

# The browser tests (Playwright) drive Debian's chromium; without it they fail, not skip.
if ! [ -x /usr/bin/chromium ]; then
    echo "setup: installing chromium for the browser tests (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
        || echo "test.sh: could not install chromium; the browser tests will fail" >&2
fi

SQLITE_URL="sqlite:///$ROOT/var/db.sqlite3"  # pytest-django uses an in-memory copy
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/workflow}"
WORKERS="${PYTEST_WORKERS:-2}"

section() { printf '\n=== %s ===\n' "$*"; }

run_pytest() {  # $1: label, $2: DATABASE_URL, rest: pytest arguments
    local label="$1" url="$2" rc
    shift 2
    section "pytest on $label"
    DATABASE_URL="$url" python -m pytest -n "$WORKERS" "$@"
    rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "test.sh: pytest collected no tests on $label; that is a failure" >&2
        rc=1
    fi
    return "$rc"
}

section "front end: typed API client up to date, vitest"
vitest_rc=0
(cd "$ROOT/frontend" && npm run --silent gen:api -- --check) || vitest_rc=$?
(cd "$ROOT/frontend" && npx --no-install vitest run) || vitest_rc=$?

section "migrations are up to date"
if ! DATABASE_URL="$SQLITE_URL" python manage.py makemigrations --check --dry-run; then
    echo "test.sh: models changed without a migration (run: python manage.py makemigrations)" >&2
    exit 1
fi
DATABASE_URL="$SQLITE_URL" python manage.py check || exit 1

section "gates: lint, format, import contracts, types"
failed_gates=()
gate() {  # $1: name, rest: the command (run from the root)
    local name="$1"
    shift
    printf -- '--- %s\n' "$name"
    if ! (cd "$ROOT" && "$@"); then
        echo "test.sh: gate failed: $name" >&2
        failed_gates+=("$name")
    fi
}
gate "ruff check" ruff check --output-format concise .
gate "ruff format" ruff format --check --output-format concise .
gate "import contracts" lint-imports
gate "mypy strict (engine/core)" mypy --strict --cache-dir .mypy_cache/core --exclude '^engine/core/tests/' engine/core
gate "mypy" mypy
gate "eslint" npm --prefix frontend run --silent lint
gate "prettier" npm --prefix frontend run --silent format:check
gate "tsc" npm --prefix frontend run --silent typecheck

sqlite_rc=0
run_pytest SQLite "$SQLITE_URL" "$@" || sqlite_rc=$?

section "PostgreSQL reachable"
pg_rc=0
if python - "$PG_URL" <<'PY'
import sys

import environ
import psycopg

cfg = environ.Env.db_url_config(sys.argv[1])
try:
    psycopg.connect(
        host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=5,
    ).close()
except Exception as exc:
    print(f"test.sh: PostgreSQL at {cfg['HOST']}:{cfg['PORT']} does not answer: {exc}", file=sys.stderr)
    sys.exit(1)
print(f"PostgreSQL at {cfg['HOST']}:{cfg['PORT']} answers")
PY
then
    # A database name of this run's own: other runs on the same server keep theirs.
    # Only the tests that use the database: the rest ran in the SQLite pass.
    TEST_DATABASE_NAME="test_workflow_$$" run_pytest PostgreSQL "$PG_URL" --database-tests-only "$@" || pg_rc=$?
else
    echo "test.sh: the suite must also pass on PostgreSQL; start it or set TEST_POSTGRES_URL" >&2
    pg_rc=1
fi

section "summary"
echo "SQLite:     $([ "$sqlite_rc" -eq 0 ] && echo passed || echo "FAILED (exit $sqlite_rc)")"
echo "PostgreSQL: $([ "$pg_rc" -eq 0 ] && echo passed || echo "FAILED (exit $pg_rc)")"
echo "front end:  $([ "$vitest_rc" -eq 0 ] && echo passed || echo "FAILED (exit $vitest_rc)")"
gates_summary="passed"
if [ "${#failed_gates[@]}" -gt 0 ]; then
    gates_summary="FAILED ($(IFS=,; echo "${failed_gates[*]}" | sed 's/,/, /g'))"
fi
echo "gates:      $gates_summary"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ] && [ "$vitest_rc" -eq 0 ] && [ "${#failed_gates[@]}" -eq 0 ]
