"""Celery tasks: thin interfaces over the runner and the services (docs/conventions.md).

- `workflow.run_work_items(item_id, attempt)`: one attempt of an automatic work item whose task
  has no `timeout`, to run now. The worker gathers these messages into batches (celery-batches:
  up to WORKFLOW_BATCH_SIZE messages, or what arrived within WORKFLOW_BATCH_WAIT seconds), runs
  each batch's activities one after another, then reports them all in one transaction
  (`runner.run_work_items`). docs/adr/0017-batched-completions.md.
- `workflow.run_work_item(item_id, attempt)`: one attempt run alone: an item whose task has a
  `timeout` (it becomes Celery's soft and hard time limits), a retry after its back-off (a
  countdown), or one whose activity is registered `alone=True` (it waits on the outside world:
  http.request, email.send, wait).
- Both acknowledge late and requeue when their process dies, so delivery is at-least-once; the
  runner makes a second delivery harmless (keyed on item and attempt).
- `dashboard.run_batch(job_id, user_id)`: a batch job (engine.services.batches).
- `workflow.sweep`: run periodically by Celery beat; fires the timers that are due (their due
  time is in the database, so a broker restart loses none) and re-sends automatic items whose
  message was lost (`services.work_items_redispatch_stale`).
"""

from __future__ import annotations

import datetime
import logging
import time
from itertools import count
from typing import Any

from billiard.exceptions import WorkerLostError
from celery import shared_task
from celery_batches import Batches, SimpleRequest
from celery_batches.trace import apply_batches_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from engine import services
from engine.access import SYSTEM
from engine.hooks import Dispatch
from engine.services.sweeps import HARD_LIMIT_GRACE
from worker import chains, runner

log = logging.getLogger(__name__)

# A batch that failed as a whole (the database unreachable) is sent again after this long.
BATCH_RETRY_DELAY = 2.0
# a resume asked again this long after the chain's items would count as lost
RESUME_MARGIN = 0.5
# errors of the database being away (not of a value it refuses, which the reports sort out
# item by item: engine.services.reports)
UNAVAILABLE = (OperationalError, InterfaceError)


class AttemptBatches(Batches):
    """celery-batches' task class, changed in two ways:

    - group commit: while every pool process is busy with a batch, messages wait in the buffer
      (up to `flush_every`) instead of being sent off in 2 ms slices; when a batch returns,
      what gathered meanwhile is sent at once. An idle worker runs a lone message after
      `flush_interval`; a busy one commits many per transaction.
    - what Celery does for a single late-acknowledged task whose pool process dies (SIGKILL,
      out of memory): the batch's messages go back to the queue at once (reject with requeue)
      instead of waiting for the visibility timeout.
    """

    _running = 0  # batches sent to the pool and not returned (main process only)
    _tref: Any  # celery-batches' flush timer (set by its __init__)

    def _do_flush(self) -> None:
        busy = self._pool is not None and self._running >= max(1, self._pool.limit or 1)
        if busy and self._buffer.qsize() < self.flush_every:
            return  # keep gathering; the batch that returns flushes (and the timer keeps ticking)
        # celery-batches' own version compares a message's ETA (wall clock) with monotonic()
        # and so never runs one; ours are sent without (retries go to `run_work_item`), but a
        # message that has one still runs when it is due.
        now = time.time()
        waiting = [q.get_nowait() for q in (self._buffer, self._pending) for _ in range(q.qsize())]
        ready: list[Any] = []
        for req in waiting:
            if req.eta and _eta_timestamp(req) > now:
                self._pending.put(req)
            else:
                ready.append(req)
        if ready:
            self.flush(ready)
            self._count = count(self._pending.qsize() + 1)
        elif self._pending.empty() and self._tref is not None:
            self._tref.cancel()
            self._tref = None

    def _returned(self) -> None:
        self._running -= 1
        if not self._buffer.empty():
            self._do_flush()

    def flush(self, requests: Any) -> Any:
        requests = list(requests)
        self._running += 1
        late = [r for r in requests if r.task.acks_late]
        early = [r for r in requests if not r.task.acks_late]

        def on_accepted(pid: int, time_accepted: float) -> None:
            for r in early:
                r.acknowledge()

        def on_return(result: Any) -> None:
            for r in late:
                r.acknowledge()
            self._returned()

        def on_error(exc_info: Any) -> None:
            exc = getattr(exc_info, "exception", None)
            exc = getattr(exc, "exc", exc)  # billiard wraps it (ExceptionWithTraceback)
            lost = isinstance(exc, WorkerLostError)
            for r in late:
                if lost and r.task.reject_on_worker_lost:
                    r.reject(requeue=True)
                else:
                    r.acknowledge()
            self._returned()

        return self._pool.apply_async(
            apply_batches_task,
            (self, ([SimpleRequest.from_request(r) for r in requests],), 0, None),
            accept_callback=on_accepted,
            callback=on_return,
            error_callback=on_error,
        )


def _eta_timestamp(req: Any) -> float:
    eta = req.eta
    if isinstance(eta, str):
        eta = datetime.datetime.fromisoformat(eta)
    if eta.tzinfo is None:
        eta = eta.replace(tzinfo=datetime.UTC)
    return eta.timestamp()


@shared_task(
    base=AttemptBatches,
    name="workflow.run_work_items",
    acks_late=True,
    reject_on_worker_lost=True,
    flush_every=settings.WORKFLOW_BATCH_SIZE,
    flush_interval=settings.WORKFLOW_BATCH_WAIT,
)
def run_work_items(requests: list[SimpleRequest]) -> list[str]:
    jobs = [(r.args[0], r.args[1]) for r in requests]
    try:
        return chains.run_chained(_run_batch, jobs, send_work_item, resume_chains)
    except UNAVAILABLE:
        _send_again(jobs)
        return []


def resume_chains(jobs: list[tuple[str, int]]) -> None:
    """These attempts were delivered again after they finished: perhaps the worker that ran the
    chain they started was lost (ADR 0063). The chains' items it left are sent (or, inside a
    chain, run here); if some changed too recently to be taken for lost, these messages are sent
    again for when they would be."""
    resumed = services.work_items_resume_chains([item_id for item_id, _ in jobs])
    if resumed.again_in is not None:
        for item_id, attempt in jobs:
            send_work_item(Dispatch(item_id=item_id, attempt=attempt, countdown=resumed.again_in + RESUME_MARGIN))


def _run_batch(jobs: list[tuple[str, int]]) -> list[str]:
    """Run one batch (an incoming one or a chained one, ADR 0063); a failure that is not the
    database being away is something in one of its items: the batch is split so that the
    healthy items complete now (each alone), not when the sweep sends them again (ADR 0065)."""
    try:
        return runner.run_work_items(jobs)
    except UNAVAILABLE:
        raise
    except Exception:
        if len(jobs) == 1:
            raise
        log.exception("a batch of %d work items failed; running them one by one", len(jobs))
        return [_run_alone(job) for job in jobs]


def _run_alone(job: tuple[str, int]) -> str:
    try:
        return runner.run_work_items([job])[0]
    except UNAVAILABLE:
        _send_again([job])
        return "retry"
    except Exception:  # left to the sweep (WORKFLOW_REDISPATCH_AFTER), never blocking the others
        log.exception("work item %s attempt %s failed outside its activity", *job)
        return "skipped"


def _send_again(jobs: list[tuple[str, int]]) -> None:
    """The database unreachable: send these attempts again later, then acknowledge their
    messages (what autoretry does for a single task)."""
    log.exception("a batch of %d work items failed; sending them again in %ss", len(jobs), BATCH_RETRY_DELAY)
    for item_id, attempt in jobs:
        send_work_item(Dispatch(item_id=item_id, attempt=attempt, countdown=BATCH_RETRY_DELAY))


@shared_task(
    name="workflow.run_work_item",
    acks_late=True,
    reject_on_worker_lost=True,
    # the database unreachable: try again later rather than lose the message
    autoretry_for=UNAVAILABLE,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=None,
)
def run_work_item(item_id: str, attempt: int) -> str:
    outcome = runner.run_work_item(item_id, attempt)
    if outcome == "skipped":  # delivered again after it finished (a resume's second look)
        try:
            resume_chains([(item_id, attempt)])
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("could not resume the chain of work item %s", item_id)
    return outcome


def send_work_item(job: Dispatch) -> None:
    """Queue one attempt (called on commit). Without a timeout, a wait (a retry's back-off) or
    an activity that must run alone, it goes to the batches. Otherwise it runs alone: the wait is
    Celery's countdown, and the timeout becomes Celery's soft time limit (raised inside the
    activity, recorded as a `Timeout` error) with a hard limit a little later (the process is
    replaced if the activity ignores it)."""
    options: dict[str, object] = {}
    if job.countdown:
        options["countdown"] = job.countdown
    if not (job.timeout or job.countdown or job.alone):
        run_work_items.apply_async((job.item_id, job.attempt))
        return
    if job.timeout:
        options["soft_time_limit"] = job.timeout
        options["time_limit"] = job.timeout + HARD_LIMIT_GRACE
    run_work_item.apply_async((job.item_id, job.attempt), **options)


@shared_task(name="workflow.sweep", acks_late=False)
def sweep() -> int:
    """Fire the timers that are due (each under its case's lock, once, however many workers
    sweep), and send again the automatic items whose message was lost."""
    return services.timers_fire_due() + services.work_items_redispatch_stale()


@shared_task(name="workflow.ping", acks_late=True, reject_on_worker_lost=True)
def ping() -> None:
    """Does nothing: raw Celery throughput for bench/bench_celery.py (same options as the real task)."""


@shared_task(name="dashboard.run_batch", acks_late=True, reject_on_worker_lost=True)
def run_batch(job_id: int, user_id: int | None) -> int:
    """A batch job (ADR 0043), acknowledged late: a job interrupted by a lost worker runs again
    and resumes after the last case it committed. The task keeps its old name, so messages
    queued before the move still run. `user_id` None: a job the system started (ADR 0061)."""
    user = SYSTEM if user_id is None else get_user_model().objects.get(pk=user_id)
    return services.batch_run(job_id=job_id, user=user).done
