#!/usr/bin/env bash
# Set up (virtualenv, dependencies, database, demo data) and serve the app on
# http://127.0.0.1:8000, with a Celery worker and an embedded Redis beside it. Safe to run
# again: every step is idempotent.
set -euo pipefail

# shellcheck source=scripts/setup_venv.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup_venv.sh"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

python manage.py migrate --no-input
python manage.py seed_demo

cat <<MSG

  Workflow engine: http://$HOST:$PORT/
  API docs:        http://$HOST:$PORT/api/docs/

  Demo logins (user / password):
    admin / admin   staff, superuser (designs and operates; /admin/)
    alice / alice   operator, group "clerks"
    bob   / bob     operator, group "clerks"
    carol / carol   operator, group "managers"

MSG

# The web server, with an embedded Redis and a Celery worker beside it (scripts/services.py);
# Ctrl-C stops all three.
exec python scripts/services.py -- python manage.py runserver "$HOST:$PORT"
