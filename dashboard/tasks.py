"""Celery task: a batch job run by a worker (when WORKFLOW_RUNNER is "celery"; ADR 0043).

Registered by importing this module from `DashboardConfig.ready` (the Celery app discovers the
engine's tasks only). Acknowledged late: a job interrupted by a lost worker runs again and
resumes after the last case it committed.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model


@shared_task(name="dashboard.run_batch", acks_late=True, reject_on_worker_lost=True)
def run_batch(job_id: int, user_id: int) -> int:
    from dashboard import services

    user = get_user_model().objects.get(pk=user_id)
    return services.batch_run(job_id=job_id, user=user).done
