#!/usr/bin/env bash
# The production topology on one machine (docs/deploy/README.md): HAProxy in front of N Daphne
# processes, M Celery workers, one beat, on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
# Sets up the virtualenv and the front end like run.sh, installs HAProxy from Debian's packages
# if it is missing, then runs scripts/cluster.py (its --help lists the options).
#
#   scripts/cluster.sh --web 2 --workers 3 --port 8080 --seed
set -uo pipefail
# shellcheck source=scripts/setup_venv.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup_venv.sh" || exit 1
# shellcheck source=scripts/setup_frontend.sh
. "$ROOT/scripts/setup_frontend.sh" || exit 1
# shellcheck source=scripts/setup_haproxy.sh
. "$ROOT/scripts/setup_haproxy.sh" || exit 1
exec python "$ROOT/scripts/cluster.py" "$@"
