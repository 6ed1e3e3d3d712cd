"""The runners behind the engine's dispatch port (`engine.hooks`), chosen by `WORKFLOW_RUNNER`:
- "celery": a message to the Celery queue (`worker.tasks`), run by a worker;
- "inline": the activity runs in this process right after commit (tests, small set-ups; no
  back-off wait and no timeout);
- "manual": nothing is sent (tests drive automatic items themselves).
Batch jobs (`engine.services.batches`) run on a worker with "celery", else in this process.
"""

from __future__ import annotations

import threading
from collections import deque

from django.conf import settings

from engine.hooks import Dispatch
from worker import chains, runner, tasks

_local = threading.local()


def dispatch_automatic(job: Dispatch) -> None:
    runner = getattr(settings, "WORKFLOW_RUNNER", "inline")
    if runner == "celery":
        if not chains.collect(job):  # a chain running in this worker takes it on (ADR 0063)
            tasks.send_work_item(job)
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
            nxt = queue.popleft()
            runner.run_work_item(nxt.item_id, nxt.attempt)
    finally:
        _local.queue = None


def run_batch_job(job_id: int, user_id: int | None) -> None:
    tasks.run_batch.delay(job_id, user_id)
