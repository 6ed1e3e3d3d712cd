"""The dashboard's one write: a batch job over the cases its filters match. The targets are
fixed here (the case list's filters, at most `BATCH_MAX` cases); the job itself is the
engine's (`engine.services.batches`, ADR 0043)."""

from __future__ import annotations

from typing import Any

from dashboard import access, selectors
from engine import services as engine_services
from engine.core.errors import InvalidInput
from engine.models import BatchJob, WorkItem

BATCH_MAX = 10_000


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
    return engine_services.batch_job_create(
        user=user, action=action, filters=_jsonable(filters), params=params, case_ids=ids
    )


def _jsonable(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v is not None}
