"""The Celery app: workers run automatic work items and the periodic sweep (timers, lost
retries). Broker: Redis at REDIS_URL (scripts/services.py starts an embedded one for the run
command). Settings are the CELERY_* names in config/settings.py. docs/adr/0010-celery-worker.md.

Start a worker:  celery -A config worker -B -Q "$WORKFLOW_QUEUE"
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import celeryd_init, task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("workflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["worker", "ops"])


@worker_ready.connect
def _tell_ready(**_: object) -> None:
    """Supervisors (scripts/services.py, the end-to-end tests) wait for this file to appear."""
    path = os.environ.get("WORKER_READY_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))


@celeryd_init.connect
def _worker_dispatches_through_celery(**_: object) -> None:
    """Inside a worker, automatic items made by a completion go to the queue too (with their
    back-off), unless WORKFLOW_RUNNER says otherwise explicitly."""
    if "WORKFLOW_RUNNER" not in os.environ:
        from django.conf import settings

        settings.WORKFLOW_RUNNER = "celery"


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**_: object) -> None:
    """What Django does around each request: drop connections that broke (the database
    restarted) or outlived CONN_MAX_AGE, keep the others (CELERY_DB_REUSE_MAX in settings)."""
    from django.db import close_old_connections

    close_old_connections()
