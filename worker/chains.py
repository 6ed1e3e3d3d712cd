"""Automatic chains run on in the worker that completed their previous step (ADR 0063).

When a worker's batch commits, the automatic items that commit made ready (the successors of
the items it completed, in the same case or in a child case) would go through the broker: sent
on commit, fetched, gathered into a batch, run. `run_chained` runs the batch with a collector
in place of the broker for those messages: what is ready to run now (no back-off, no
`timeout`, not an activity that must run alone) is collected and run right after, in the same
worker process, as a batch of its own; up to `WORKFLOW_CHAIN_STEPS` such follow-up batches per
incoming batch, and at most `WORKFLOW_BATCH_SIZE` items in one. What is left over, and anything
with a back-off or a timeout (a retry, for example), is sent through the broker as before.

Delivery stays at-least-once: a collected item is committed `initialized` like any dispatched
one; if the worker dies before running it, the sweep sends it again
(`services.work_items_redispatch_stale`), as for a message lost by the broker. A second run
changes nothing (the runner's check of item and attempt). Chained items are reported through
the same runner and services as the batch, so retries, incidents and the attempt key apply
unchanged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings

from engine.hooks import Dispatch

log = logging.getLogger(__name__)

_local = threading.local()


def collect(job: Dispatch) -> bool:
    """Called by the dispatcher: keep `job` for this worker's chain (True) or let it go to the
    broker (False: no chain running in this thread, or it must wait or run alone)."""
    jobs: list[Dispatch] | None = getattr(_local, "jobs", None)
    if jobs is None or job.countdown or job.timeout or job.alone:
        return False
    jobs.append(job)
    return True


def run_chained(
    run: Callable[[list[tuple[str, int]]], list[str]],
    jobs: list[tuple[str, int]],
    send: Callable[[Dispatch], None],
) -> list[str]:
    """`run(jobs)` (the runner of a batch), then the automatic items its commits made ready, in
    this process, up to WORKFLOW_CHAIN_STEPS follow-up batches; what remains goes to `send`.
    Returns the outcomes of `jobs` (the chained ones are logged only)."""
    steps = int(getattr(settings, "WORKFLOW_CHAIN_STEPS", 0))
    if steps <= 0 or getattr(_local, "jobs", None) is not None:
        return run(jobs)
    size = max(1, int(getattr(settings, "WORKFLOW_BATCH_SIZE", 32)))
    ready: list[Dispatch] = []
    _local.jobs = ready
    try:
        outcomes = run(jobs)
        for _ in range(steps):
            if not ready:
                break
            now = ready[:size]
            chained = run([(j.item_id, j.attempt) for j in now])
            del ready[: len(now)]  # only once run: a failure sends them through the broker
            log.debug("ran %d chained work items in process: %s", len(now), chained)
        return outcomes
    finally:
        _local.jobs = None
        for job in ready:  # left over (the bound reached, or a failure): through the broker
            send(job)
