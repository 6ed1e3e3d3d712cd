"""Automatic chains run on in the worker that completed their previous step (ADR 0063).

When a worker's batch commits, the automatic items that commit made ready (the successors of
the items it completed, in the same case or in a child case) would go through the broker: sent
on commit, fetched, gathered into a batch, run. `run_chained` runs the batch with a collector
in place of the broker for those messages: what is ready to run now (no back-off, no
`timeout`, not an activity that must run alone) is collected and run right after, in the same
worker process, as a batch of its own; up to `WORKFLOW_CHAIN_STEPS` such follow-up batches per
incoming batch, and at most `WORKFLOW_BATCH_SIZE` items in one. What is left over, and anything
with a back-off or a timeout (a retry, for example), is sent through the broker as before.

Delivery stays at-least-once, and a lost worker's chain runs on within about a minute: a
collected item is committed `initialized` like any dispatched one but has no message of its
own. Every chained item is run (or sent) within the task call of the incoming batch, and that
batch's messages are acknowledged late, when the call returns; so if the worker dies in the
middle of a chain, those messages come back (at once if only the pool process died, after
the visibility timeout if the whole worker did: ADR 0065). The worker that receives them finds
their items finished ("skipped") and resumes their cases' chains:
`services.work_items_resume_chains` claims (compare-and-set on `updated_at`) and dispatches the
automatic items of those cases still `initialized` for more than WORKFLOW_CHAIN_RESUME_AFTER
seconds, which this module collects and runs here. The sweep (`services.
work_items_redispatch_stale`) remains the last resort. A second run changes nothing (the
runner's check of item and attempt). Chained items are reported through
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
    resume: Callable[[list[tuple[str, int]]], object] | None = None,
) -> list[str]:
    """`run(jobs)` (the runner of a batch), then the automatic items its commits made ready, in
    this process, up to WORKFLOW_CHAIN_STEPS follow-up batches; what remains goes to `send`.
    When some of `jobs` were skipped (already finished: a message delivered again, perhaps
    because the worker running their chain was lost), `resume(those jobs)` dispatches the
    chains' items left behind; they are collected and run here too. Returns the outcomes of
    `jobs` (the chained ones are logged only)."""
    steps = int(getattr(settings, "WORKFLOW_CHAIN_STEPS", 0))
    if getattr(_local, "jobs", None) is not None:
        return run(jobs)
    if steps <= 0:  # no chains here; another worker's may still need resuming (to the broker)
        outcomes = run(jobs)
        _resume(resume, jobs, outcomes)
        return outcomes
    size = max(1, int(getattr(settings, "WORKFLOW_BATCH_SIZE", 32)))
    ready: list[Dispatch] = []
    _local.jobs = ready
    try:
        outcomes = run(jobs)
        _resume(resume, jobs, outcomes)
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


def _resume(
    resume: Callable[[list[tuple[str, int]]], object] | None, jobs: list[tuple[str, int]], outcomes: list[str]
) -> None:
    """The chains of the cases of the skipped jobs, if any (nothing extra on the normal path)."""
    skipped = [job for job, outcome in zip(jobs, outcomes, strict=True) if outcome == "skipped"]
    if not skipped or resume is None:
        return
    try:
        resume(skipped)
    except Exception:  # the batch itself is done; the sweep is the last resort for the rest
        log.exception("could not resume the chains of %d work items delivered again", len(skipped))
