"""Writes of the dashboard: batch jobs. Every change to a case goes through engine.services
(which lock the case, check the state rules and write the history with the acting user).

A batch job fixes its targets when it is created (the ids of the cases matching the filters,
at most `BATCH_MAX`), then handles them one case per transaction, counting progress on the
job row in the same transaction, so a page polling the job sees `done` grow. `batch_start`
runs it in the request right after the job row is committed, or, with
`WORKFLOW_RUNNER=celery`, on a worker (dashboard.tasks); ADR 0043.
"""

from __future__ import annotations

from typing import Any, Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dashboard import access, selectors
from dashboard.models import BatchJob
from engine import services as engine_services
from engine.core.errors import EngineError, InvalidInput
from engine.models import WorkItem

BATCH_MAX = 10_000
ERRORS_KEPT = 100


def batch_create(*, user: Any, action: str, filters: dict[str, Any], params: dict[str, Any]) -> BatchJob:
    access.check_staff(user)
    if action not in BatchJob.Action.values:
        raise InvalidInput(f"unknown batch action {action!r}", errors=[{"field": "action", "message": "unknown"}])
    qs = selectors.case_list(**filters)
    if action == "cancel":
        qs = qs.filter(state__in=selectors.ACTIVE)
    else:
        failed = WorkItem.objects.filter(state="failed")
        if params.get("task"):
            failed = failed.filter(task=params["task"])
        qs = qs.filter(state="running", pk__in=failed.values("case_id"))
    ids = list(qs.values_list("pk", flat=True)[: BATCH_MAX + 1])
    if len(ids) > BATCH_MAX:
        raise InvalidInput(
            f"the filter matches more than {BATCH_MAX} cases; narrow it",
            errors=[{"field": "filters", "message": f"more than {BATCH_MAX} cases"}],
        )
    return BatchJob.objects.create(
        action=action, filters=_jsonable(filters), params=params, case_ids=ids, total=len(ids), created_by=user
    )


def batch_run(*, job_id: int, user: Any) -> BatchJob:
    """Handle every target of the job not handled yet. Each case's action and the job's
    progress commit together, so a run that is interrupted and started again (a redelivered
    Celery task) resumes exactly after the last case it committed."""
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


def batch_start(*, job: BatchJob, user: Any) -> BatchJob:
    """Run the job now (inline) or hand it to a worker on commit (WORKFLOW_RUNNER=celery)."""
    if getattr(settings, "WORKFLOW_RUNNER", "inline") == "celery":
        from dashboard.tasks import run_batch

        transaction.on_commit(lambda: run_batch.delay(job.pk, user.pk))
        return job
    return batch_run(job_id=job.pk, user=user)


def _cancel_one(job: BatchJob, user: Any) -> Callable[[int], None]:
    reason = job.params.get("reason") or f"batch cancel #{job.pk}"

    def run(case_id: int) -> None:
        engine_services.case_cancel(case_id=case_id, user=user, reason=reason)

    return run


def _retry_one(job: BatchJob, user: Any) -> Callable[[int], None]:
    task = job.params.get("task")

    def run(case_id: int) -> None:
        items = WorkItem.objects.filter(case_id=case_id, state="failed")
        if task:
            items = items.filter(task=task)
        ids = list(items.order_by("created_at").values_list("pk", flat=True))
        if not ids:
            raise InvalidInput("the case has no failed work item any more", code="nothing_to_retry")
        for item_id in ids:
            engine_services.work_item_retry(item_id=item_id, user=user)

    return run


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v is not None}
