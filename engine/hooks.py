"""Seams where work leaves a case's transaction: running automatic items, pushing changes.

`dispatch_automatic` is called on commit for each automatic work item ready to run (a new item,
a retry after its back-off, an item of a resumed case). The runner is chosen by the
`WORKFLOW_RUNNER` setting:
- "celery": a message to the Celery queue (`engine.tasks.run_work_item`), run by a worker;
- "inline": the activity runs in this process right after commit (tests, small set-ups; no
  back-off wait and no timeout);
- "manual": nothing is sent (tests drive automatic items themselves).
`case_changed` records what a transaction changed for the websocket pushes, which `inbox.push`
sends on commit.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from django.conf import settings

_local = threading.local()


@dataclass(frozen=True)
class Dispatch:
    """One attempt of an automatic work item to run: its id and attempt (the idempotency key),
    how long to wait first (the retry back-off), how long it may run (the task's timeout), and
    whether it must run alone rather than in a worker's batch (its activity waits on the
    outside world)."""

    item_id: str
    attempt: int
    countdown: float = 0.0
    timeout: float | None = None
    alone: bool = False


def dispatch_automatic(job: Dispatch) -> None:
    runner = getattr(settings, "WORKFLOW_RUNNER", "inline")
    if runner == "celery":
        from engine.tasks import send_work_item

        send_work_item(job)
    elif runner == "inline":
        _run_inline(job)
    elif runner == "manual":
        pass  # tests drive automatic items themselves
    else:  # pragma: no cover - configuration error
        raise RuntimeError(f"unknown WORKFLOW_RUNNER {runner!r}")


def _run_inline(job: Dispatch) -> None:
    # A chain of automatic tasks dispatches from inside on_commit callbacks; a queue drained
    # by the outermost call keeps the stack flat.
    queue: deque[Dispatch] | None = getattr(_local, "queue", None)
    if queue is not None:
        queue.append(job)
        return
    _local.queue = queue = deque([job])
    try:
        while queue:
            from engine.runner import run_work_item

            nxt = queue.popleft()
            run_work_item(nxt.item_id, nxt.attempt)
    finally:
        _local.queue = None


def case_changed(case: Any, item_ids: list[str], previous_assignees: dict[str, str] | None = None) -> None:
    """Called inside the transaction after a case's rows are written. `previous_assignees`:
    {item id: the user who had claimed it before this write}, so that they hear it has gone."""
    from inbox import push

    push.record(case.pk, item_ids, previous_assignees)
