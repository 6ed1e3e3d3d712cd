#!/usr/bin/env bash
# Set up (virtualenv, dependencies, database, demo data) and serve the app on
# http://127.0.0.1:8000. Safe to run again: every step is idempotent.
set -euo pipefail

# shellcheck source=scripts/setup_venv.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup_venv.sh"
# shellcheck source=scripts/setup_frontend.sh
. "$ROOT/scripts/setup_frontend.sh"

HOST="${HOST:-127.0.0.1}"
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

# Daphne serves HTTP and websockets (config/asgi.py); static files through WhiteNoise.
exec daphne -b "$HOST" -p "$PORT" config.asgi:application
