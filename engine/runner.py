"""Running one attempt of an automatic work item: the activity, then the outcome reported
through the services. The Celery task (`engine.tasks.run_work_item`) and the inline runner
(`hooks`) both call `run_work_item`.

At-least-once delivery makes this safe to run twice for one attempt: the item's state and
attempt are checked first (a finished item or an older attempt is skipped), and the report is
keyed on (item, attempt) under the case lock, so only the first report of an attempt changes
the case; a second one is refused by the services and ignored here.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from engine.core.errors import EngineError
from engine.core.retry import TIMEOUT_ERROR
from engine.models import WorkItem
from engine.registry import ActivityContext, ActivityResult, get_activity

log = logging.getLogger(__name__)

try:  # raised inside the task by Celery's soft time limit (the task's `timeout`)
    from billiard.exceptions import SoftTimeLimitExceeded
except ImportError:  # pragma: no cover - celery is a dependency
    SoftTimeLimitExceeded = TimeoutError  # type: ignore[misc,assignment]


class UnknownActivity(LookupError):
    """The task names an activity this worker does not know (deployed without its module)."""


def run_work_item(item_id: str, attempt: int | None = None) -> str:
    """Run attempt `attempt` (None: the current one) of an automatic item. Returns what
    happened: "completed", "retry", "failed", or "skipped" (nothing to do: finished, an older
    attempt, the case not running, or a duplicate report)."""
    from engine import services

    row = next(iter(WorkItem.objects.select_related("case__version").filter(pk=item_id).order_by()[:1]), None)
    if row is None or row.kind != "automatic" or row.state not in ("initialized", "started"):
        return "skipped"
    if attempt is not None and row.attempt != attempt:
        return "skipped"  # a message of an attempt that was already reported
    if row.case.state != "running":
        return "skipped"  # suspended (resume dispatches it again) or ended
    attempt = row.attempt
    spec = next((t for t in row.case.version.net.get("tasks", []) if t["id"] == row.task), {})
    try:
        act = get_activity(spec.get("activity") or "")
        if act is None:
            raise UnknownActivity(f"no activity registered as {spec.get('activity')!r}")
        ctx = ActivityContext(case_id=row.case_id, task=row.task, work_item=str(row.pk), attempt=attempt,
                              data=row.case.data, iteration=row.iteration)
        result = ActivityResult.of(act.func(dict(row.input or {}), ctx))
        completion = result.as_completion()
    except Exception as exc:  # the activity's own failure (or its timeout): recorded on the item
        error = _error_of(exc)
        try:
            item = services.work_item_attempt_failed(item_id=row.pk, attempt=attempt, error=error)
        except EngineError as report_error:
            log.info("work item %s attempt %s: failure not recorded (%s)", item_id, attempt, report_error)
            return "skipped"  # the item moved on meanwhile (a duplicate, canceled, case ended)
        return "retry" if item.state == "initialized" else "failed"
    try:
        services.work_item_complete(item_id=row.pk, attempt=attempt, **completion)
    except EngineError as exc:
        log.info("work item %s attempt %s: completion not recorded (%s)", item_id, attempt, exc)
        return "skipped"
    return "completed"


def _error_of(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, SoftTimeLimitExceeded):
        return {"type": TIMEOUT_ERROR, "message": "the activity ran past the task's timeout",
                "traceback": traceback.format_exc()}
    return {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
