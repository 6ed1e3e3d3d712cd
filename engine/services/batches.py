"""Batch jobs: cancel or retry over a set of cases. Every change to a case goes through the
case and work item services (which lock the case, check the state rules and write the history
with the acting user).

A job fixes its targets when it is created (`batch_job_create`, given the case ids), then
handles them one case per transaction, counting progress on the job row in the same
transaction, so a page polling the job sees `done` grow. `batch_start` runs it in the request
right after the job row is committed, or, with `WORKFLOW_RUNNER=celery`, on a worker (through
the batch port of `engine.hooks`); ADR 0043.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engine import access, hooks
from engine.access import Actor
from engine.core.errors import EngineError, InvalidInput
from engine.models import BatchJob, WorkItem
from engine.services.cases import case_cancel
from engine.services.work_items import work_item_retry

ERRORS_KEPT = 100


def batch_job_create(
    *, user: Actor, action: str, filters: dict[str, Any], params: dict[str, Any], case_ids: list[int]
) -> BatchJob:
    access.check_staff(user, "create a batch job")
    if action not in BatchJob.Action.values:
        raise InvalidInput(f"unknown batch action {action!r}", errors=[{"field": "action", "message": "unknown"}])
    return BatchJob.objects.create(
        action=action,
        filters=filters,
        params=params,
        case_ids=case_ids,
        total=len(case_ids),
        created_by=access.user_row(user),
    )


def batch_run(*, job_id: int, user: Actor) -> BatchJob:
    """Handle every target of the job not handled yet. Each case's action and the job's
    progress commit together, so a run that is interrupted and started again (a redelivered
    Celery task) resumes exactly after the last case it committed."""
    access.require_actor(user)
    job = BatchJob.objects.get(pk=job_id)
    if job.state == BatchJob.State.DONE:
        return job
    BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.RUNNING)
    handle: Callable[[int], None] = _cancel_one(job, user) if job.action == "cancel" else _retry_one(job, user)
    errors = list(job.errors)
    for case_id in job.case_ids[job.done :]:
        with transaction.atomic():
            progress: dict[str, Any] = {"done": F("done") + 1}
            try:
                with transaction.atomic():
                    handle(case_id)
                progress["succeeded"] = F("succeeded") + 1
            except EngineError as exc:
                progress["failed"] = F("failed") + 1
                if len(errors) < ERRORS_KEPT:
                    errors.append({"case": case_id, "code": exc.code, "detail": exc.message})
                    progress["errors"] = errors
            BatchJob.objects.filter(pk=job.pk).update(**progress)
    BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def batch_start(*, job: BatchJob, user: Actor) -> BatchJob:
    """Run the job now (inline) or hand it to a worker on commit (WORKFLOW_RUNNER=celery; the
    worker runs it as the same user, or as the system for a user id of None)."""
    if getattr(settings, "WORKFLOW_RUNNER", "inline") == "celery":
        user_id = None if access.is_system(user) else user.pk
        transaction.on_commit(lambda: hooks.run_batch_job(job.pk, user_id))
        return job
    return batch_run(job_id=job.pk, user=user)


def _cancel_one(job: BatchJob, user: Actor) -> Callable[[int], None]:
    reason = job.params.get("reason") or f"batch cancel #{job.pk}"

    def run(case_id: int) -> None:
        case_cancel(case_id=case_id, user=user, reason=reason)

    return run


def _retry_one(job: BatchJob, user: Actor) -> Callable[[int], None]:
    task = job.params.get("task")

    def run(case_id: int) -> None:
        items = WorkItem.objects.filter(case_id=case_id, state="failed")
        if task:
            items = items.filter(task=task)
        ids = list(items.order_by("created_at").values_list("pk", flat=True))
        if not ids:
            raise InvalidInput("the case has no failed work item any more", code="nothing_to_retry")
        for item_id in ids:
            work_item_retry(item_id=item_id, user=user)

    return run
