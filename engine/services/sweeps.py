"""What the worker's periodic sweep does: fire due timers, send lost automatic items again. The
sweep is the system's: its changes are made as `SYSTEM` (ADR 0061)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from definitions.runtime import runtime_for
from engine import hooks
from engine.access import SYSTEM
from engine.core.engine import Engine
from engine.core.errors import EngineError
from engine.core.retry import RetryPolicy
from engine.models import WorkItem
from engine.services.persistence import _dispatch, _execute

log = logging.getLogger(__name__)

# The time a timed-out attempt gets to report itself before its process is killed (the worker
# sets Celery's hard time limit to the task's timeout plus this).
HARD_LIMIT_GRACE = 10.0


def timers_fire_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Complete every timer work item of a running case whose due time has come (the worker's
    periodic sweep calls this). Each fires in its own transaction under its case's lock, so
    sweeps running at once in several workers fire a timer once. Returns how many were due."""
    now = now or timezone.now()
    due = list(
        WorkItem.objects.filter(kind="timer", state="initialized", due_at__lte=now, case__state="running")
        .order_by("due_at")
        .values_list("pk", "case_id")[:limit]
    )
    for item_id, case_id in due:
        try:
            _execute(case_id, _fire_timer(str(item_id)), user=SYSTEM)
        except EngineError:  # pragma: no cover - the case moved on meanwhile
            continue
        except (OperationalError, InterfaceError):
            raise  # the database is away: the next sweep tries again
        except Exception as exc:
            # a poison timer (its completion cannot be applied or written) must not stop the
            # others at every sweep: it fails, and its task's on_failure applies (ADR 0065)
            log.warning("timer work item %s could not fire", item_id, exc_info=True)
            _fail_poisoned(case_id, str(item_id), exc)
    return len(due)


def _fail_poisoned(case_id: int, item_id: str, exc: Exception) -> None:
    error = {"type": "ReportFailed", "cause": type(exc).__name__, "message": f"the timer could not fire: {exc}"}
    try:
        _execute(case_id, lambda e: e.fail_item(item_id, error) if item_id in e.state.work_items else None, user=SYSTEM)
    except Exception:
        log.exception("timer work item %s: its failure could not be recorded either", item_id)


def work_items_redispatch_stale(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send again the automatic items of running cases that are still `initialized` long after
    their last change: their message was lost (a process died between its commit and the send,
    or the broker lost its queue). Stale means older than WORKFLOW_REDISPATCH_AFTER and than the
    task's timeout + hard-limit grace + longest back-off, so a running attempt is not doubled
    unless it runs longer than that (the runner makes a doubled attempt harmless anyway). The
    item's `updated_at` is moved to now (compare-and-set), so it is not sent again before
    another period. Returns how many were sent. engine-semantics section 14."""
    now = now or timezone.now()
    after = float(settings.WORKFLOW_REDISPATCH_AFTER)
    rows = list(
        WorkItem.objects.filter(
            kind="automatic",
            state="initialized",
            case__state="running",
            updated_at__lt=now - dt.timedelta(seconds=after),
        )
        .select_related("case__version")
        .order_by("updated_at")[:limit]
    )
    sent = 0
    for row in rows:
        task = runtime_for(row.case.version).net.tasks.get(row.task)
        spec = task.spec if task else {}
        policy = RetryPolicy.of(spec)
        grace = max(after, (policy.timeout or 0) + HARD_LIMIT_GRACE + policy.max_interval)
        if row.updated_at > now - dt.timedelta(seconds=grace):
            continue
        claimed = WorkItem.objects.filter(
            pk=row.pk, state="initialized", attempt=row.attempt, updated_at=row.updated_at
        ).update(updated_at=now)
        if claimed:
            hooks.dispatch_automatic(_dispatch(spec, str(row.pk), row.attempt))
            sent += 1
    return sent


class Resumed(NamedTuple):
    """What `work_items_resume_chains` did: how many items it sent, and in how many seconds the
    caller should ask again (None: no need) because some were changed too recently to be taken
    for lost."""

    sent: int
    again_in: float | None = None


def work_items_resume_chains(item_ids: list[str], *, now: dt.datetime | None = None) -> Resumed:
    """Send again the automatic items of the cases of `item_ids` (a worker's batch in which these
    were already finished: a redelivered message) that are `initialized` since more than
    WORKFLOW_CHAIN_RESUME_AFTER seconds and could have been run in a worker's chain (no timeout,
    not alone, not waiting for a retry's back-off): a worker that ran their chain (ADR 0063) was
    lost, its incoming message came back, and nothing else would send them before the sweep's
    WORKFLOW_REDISPATCH_AFTER. Claimed as the sweep does (compare-and-set on `updated_at`), so
    two workers never both send one. Such items changed more recently may still be running in a
    live worker: they are left, and `again_in` says when they would count as lost (a pool
    process killed is replaced and gets its batch back within milliseconds). ADR 0063,
    engine-semantics section 14."""
    ids = [i for i in map(_uuid, item_ids) if i]
    if not ids:
        return Resumed(0)
    now = now or timezone.now()
    after = float(getattr(settings, "WORKFLOW_CHAIN_RESUME_AFTER", 5.0))
    cases = WorkItem.objects.filter(pk__in=ids).values("case_id")
    rows = list(
        WorkItem.objects.filter(case_id__in=cases, kind="automatic", state="initialized", case__state="running")
        .exclude(pk__in=ids)
        .select_related("case__version")
        .order_by("updated_at")
    )
    sent, again_in = 0, None
    for row in rows:
        task = runtime_for(row.case.version).net.tasks.get(row.task)
        spec = task.spec if task else {}
        job = _dispatch(spec, str(row.pk), row.attempt)
        if job.timeout or job.alone or (row.attempt > 1 and RetryPolicy.of(spec).delay(row.attempt - 1)):
            continue  # never run in a chain: its own message is with the broker (or a worker)
        wait = after - (now - row.updated_at).total_seconds()
        if wait > 0:
            again_in = max(again_in or 0.0, wait)
            continue
        claimed = WorkItem.objects.filter(
            pk=row.pk, state="initialized", attempt=row.attempt, updated_at=row.updated_at
        ).update(updated_at=now)
        if claimed:
            log.warning("work item %s attempt %s: its chain's worker was lost; sending it again", row.pk, row.attempt)
            hooks.dispatch_automatic(job)
            sent += 1
    return Resumed(sent, again_in)


def _uuid(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


def _fire_timer(item_id: str) -> Callable[[Engine], None]:
    def op(engine: Engine) -> None:
        if item_id in engine.state.work_items:  # else the case moved on meanwhile
            engine.fire_timer(item_id)

    return op
