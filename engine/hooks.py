"""Seams where work leaves a case's transaction: running automatic items, pushing changes.

`dispatch_automatic` is called on commit for each automatic work item ready to run. The
runner is chosen by the `WORKFLOW_RUNNER` setting: "inline" runs the activity in this
process right after commit (the Celery worker replaces it in a later issue, behind this seam).
`case_changed` records what a transaction changed for the websocket pushes, which
`inbox.push` sends on commit.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from django.conf import settings

_local = threading.local()


def dispatch_automatic(item_id: str) -> None:
    runner = getattr(settings, "WORKFLOW_RUNNER", "inline")
    if runner == "inline":
        _run_inline(item_id)
    elif runner == "manual":
        pass  # tests drive automatic items themselves
    else:  # pragma: no cover - configuration error
        raise RuntimeError(f"unknown WORKFLOW_RUNNER {runner!r}")


def _run_inline(item_id: str) -> None:
    # A chain of automatic tasks dispatches from inside on_commit callbacks; a queue drained
    # by the outermost call keeps the stack flat.
    queue: deque[str] | None = getattr(_local, "queue", None)
    if queue is not None:
        queue.append(item_id)
        return
    _local.queue = queue = deque([item_id])
    try:
        while queue:
            from engine.runner import run_work_item

            run_work_item(queue.popleft())
    finally:
        _local.queue = None


def case_changed(case: Any, item_ids: list[str], previous_assignees: dict[str, str] | None = None) -> None:
    """Called inside the transaction after a case's rows are written. `previous_assignees`:
    {item id: the user who had claimed it before this write}, so that they hear it has gone."""
    from inbox import push

    push.record(case.pk, item_ids, previous_assignees)
