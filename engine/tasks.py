"""Celery tasks: thin interfaces over the runner and the services (STYLE.md).

- `workflow.run_work_item(item_id, attempt)`: one attempt of an automatic work item. Late
  acknowledgement and reject-on-worker-lost make delivery at-least-once; the runner makes a
  second delivery harmless (keyed on item and attempt).
- `workflow.sweep`: run periodically by Celery beat; fires the timers that are due (their due
  time is in the database, so a broker restart loses none).
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from engine import runner, services
from engine.hooks import Dispatch

# The time a timed-out attempt gets to report itself before Celery kills its process.
HARD_LIMIT_GRACE = 10.0


@shared_task(
    name="workflow.run_work_item",
    acks_late=True,
    reject_on_worker_lost=True,
    # the database unreachable: try again later rather than lose the message
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=None,
)
def run_work_item(item_id: str, attempt: int) -> str:
    return runner.run_work_item(item_id, attempt)


def send_work_item(job: Dispatch) -> None:
    """Queue one attempt (called on commit). The task's timeout becomes Celery's soft time
    limit (raised inside the activity, recorded as a `Timeout` error) with a hard limit a
    little later (the process is replaced if the activity ignores it)."""
    options: dict[str, object] = {}
    if job.countdown:
        options["countdown"] = job.countdown
    if job.timeout:
        options["soft_time_limit"] = job.timeout
        options["time_limit"] = job.timeout + HARD_LIMIT_GRACE
    run_work_item.apply_async((job.item_id, job.attempt), **options)


@shared_task(name="workflow.sweep", acks_late=False)
def sweep() -> int:
    """Fire the timers that are due. Several workers may sweep at once: each timer fires under
    its case's lock, once."""
    return services.timers_fire_due()


@shared_task(name="workflow.ping", acks_late=True, reject_on_worker_lost=True)
def ping() -> None:
    """Does nothing: raw Celery throughput for bench/bench_celery.py (same options as the real task)."""
