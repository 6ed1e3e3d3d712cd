#!/usr/bin/env bash
# Set up (virtualenv, dependencies, database, demo data) and serve the app on
# http://127.0.0.1:8000, with a Celery worker and an embedded Redis beside it. Safe to run
# again: every step is idempotent.
set -euo pipefail

# shellcheck source=scripts/setup_venv.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup_venv.sh"
# shellcheck source=scripts/setup_frontend.sh
. "$ROOT/scripts/setup_frontend.sh"

HOST="${HOST:-127.0.0.1}"
# DEBUG is off in config/settings.py unless the environment turns it on: this local, one-machine
# run turns it on (Django's debug pages for the pages; the API answers JSON errors either way).
# DEBUG=false scripts/run.sh runs without it (ADR 0068).
export DEBUG="${DEBUG:-true}"
PORT="${PORT:-8000}"

python manage.py migrate --no-input
python manage.py seed_demo

cat <<MSG

  Workflow engine: http://$HOST:$PORT/   (inbox, designer, dashboard)
  API docs:        http://$HOST:$PORT/api/docs/

  Demo logins (user / password):
    admin / admin   staff, superuser (designs and operates; /admin/)
    alice / alice   operator, group "clerks"
    bob   / bob     operator, group "clerks"
    carol / carol   operator, group "managers"

MSG

# Daphne serves HTTP and websockets (config/asgi.py; static files through WhiteNoise), with an
# embedded Redis (broker and channel layer) and a Celery worker beside it (scripts/services.py);
# Ctrl-C stops all three.
exec python scripts/services.py -- daphne -b "$HOST" -p "$PORT" config.asgi:application
