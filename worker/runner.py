"""Running one attempt of an automatic work item: the activity, then the outcome reported
through the services. The Celery task (`worker.tasks.run_work_item`) and the inline runner
(`hooks`) both call `run_work_item`.

At-least-once delivery makes this safe to run twice for one attempt: the item's state and
attempt are checked first (a finished item or an older attempt is skipped), and the report is
keyed on (item, attempt) under the case lock, so only the first report of an attempt changes
the case; a second one is refused by the services and ignored here.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Sequence
from typing import Any

from config import log_context
from definitions.registry import ActivityContext, ActivityResult, get_activity
from definitions.runtime import runtime_for
from engine import services
from engine.core.retry import TIMEOUT_ERROR
from engine.core.state import ITEM_OPEN
from engine.models import WorkItem

log = logging.getLogger(__name__)

try:  # raised inside the task by Celery's soft time limit (the task's `timeout`)
    from billiard.exceptions import SoftTimeLimitExceeded
except ImportError:  # pragma: no cover - celery is a dependency
    SoftTimeLimitExceeded = TimeoutError


class UnknownActivity(LookupError):
    """The task names an activity this worker does not know (deployed without its module)."""


def run_work_item(item_id: str, attempt: int | None = None) -> str:
    """Run attempt `attempt` (None: the current one) of an automatic item. Returns what
    happened: "completed", "retry", "failed", or "skipped" (nothing to do: finished, an older
    attempt, the case not running, or a duplicate report)."""
    return run_work_items([(item_id, attempt)])[0]


def run_work_items(jobs: Sequence[tuple[str, int | None]]) -> list[str]:
    """Run several attempts (a worker's batch): one query loads their items, the activities run
    one after another, and every outcome is reported in one transaction
    (`services.work_item_attempts_report`). Returns what happened to each, as `run_work_item`."""
    keys = [_key(item_id) for item_id, _ in jobs]
    rows = {
        str(r.pk): r
        for r in WorkItem.objects.select_related("case__version")
        .defer("case__version__net")
        .filter(pk__in=[k for k in keys if k])
    }
    outcomes = ["skipped"] * len(jobs)
    reports: list[services.AttemptReport] = []
    positions: list[int] = []
    taken: set[str] = set()
    for n, (key, (_, attempt)) in enumerate(zip(keys, jobs, strict=True)):
        row = rows.get(key or "")
        if key is None or row is None or row.kind != "automatic" or row.state not in ITEM_OPEN:
            continue
        if key in taken:
            continue  # the same message twice in one batch: the activity runs once
        taken.add(key)
        if attempt is not None and row.attempt != attempt:
            continue  # a message of an attempt that was already reported
        if row.case.state != "running":
            continue  # suspended (resume dispatches it again) or ended
        reports.append(_attempt(row))
        positions.append(n)
    if reports:
        for n, report, outcome in zip(positions, reports, services.work_item_attempts_report(reports), strict=True):
            outcomes[n] = outcome
            if outcome == "skipped":  # refused under the case lock: a duplicate, or it moved on
                log.info("work item %s attempt %s: report not recorded", report.item_id, report.attempt)
    return outcomes


def _key(item_id: object) -> str | None:
    try:
        return str(uuid.UUID(str(item_id)))
    except (ValueError, TypeError, AttributeError):
        return None


def _attempt(row: WorkItem):
    """Run the item's activity once; what to report: its completion or its error."""
    with log_context.bound(
        case_id=row.case_id, item_id=str(row.pk), task=row.task, definition=row.case.definition_name
    ):
        return _attempt_bound(row)


def _attempt_bound(row: WorkItem):
    try:
        task = runtime_for(row.case.version).net.tasks.get(row.task)
        name = (task.spec.get("activity") if task else None) or ""
        act = get_activity(name)
        if act is None:
            raise UnknownActivity(f"no activity registered as {name!r}")
        ctx = ActivityContext(
            case_id=row.case_id,
            task=row.task,
            work_item=str(row.pk),
            attempt=row.attempt,
            data=row.case.data,
            iteration=row.iteration,
        )
        completion = ActivityResult.of(act.func(dict(row.input or {}), ctx)).as_completion()
    except Exception as exc:  # the activity's own failure (or its timeout): recorded on the item
        return services.AttemptReport(
            item_id=str(row.pk), case_id=row.case_id, attempt=row.attempt, error=_error_of(exc)
        )
    return services.AttemptReport(item_id=str(row.pk), case_id=row.case_id, attempt=row.attempt, completion=completion)


def _error_of(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, SoftTimeLimitExceeded):
        return {
            "type": TIMEOUT_ERROR,
            "message": "the activity ran past the task's timeout",
            "traceback": traceback.format_exc(),
        }
    return {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
