"""A whole worker lost (SIGKILL of its main process and pool) with the production settings: its
in-flight items run again within 60 s, exactly once (issue 13 item 7, ADR 0065 part 2, the
heartbeats of worker/heartbeat.py). And a live worker's long activity is never handed to another
worker however short the visibility timeout."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from django.test import override_settings

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tests.e2e import e2e_activities
from worker.tests.e2e.conftest import REDIS_URL, wait_for
from worker.tests.e2e.test_faults import start_worker

# what config/settings.py gives a worker by default (the helper's own defaults are shorter)
PRODUCTION = {
    "CELERY_VISIBILITY_TIMEOUT": "30",
    "CELERY_UNACKED_RESTORE_INTERVAL": "5",
    "WORKFLOW_UNACKED_HEARTBEAT": "5",
}


def two_steps(name: str, activity: str, **inp: str) -> None:
    publish(
        net(
            name,
            [
                {"id": "work", "kind": "automatic", "activity": activity, "input": inp},
                {"id": "after", "kind": "automatic", "activity": "e2e.count"},
            ],
            [("start", "work"), ("work", "after"), ("after", "end")],
        )
    )


def cleanup(prefix: str, *procs: Any) -> None:
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(20)
    r = redis.Redis.from_url(REDIS_URL)
    for key in r.scan_iter(f"{prefix}*"):
        r.delete(key)


def test_a_killed_worker_s_items_run_again_within_60_s_exactly_once(e2e: Any, tmp_path: Path) -> None:
    two_steps("lost-worker", "e2e.die_once")
    queue, prefix = f"{e2e['queue']}-l", f"{e2e['queue']}l:"
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)
    sender.conf.broker_transport_options = {"global_keyprefix": prefix}
    first = start_worker(e2e, queue, prefix, tmp_path / "ready1", pool=("-P", "prefork", "-c", "1"), **PRODUCTION)
    second = None
    try:
        with override_settings(WORKFLOW_RUNNER="manual"):  # sent by hand, to this worker's queue
            case = services.case_start(definition="lost-worker", user=SYSTEM)
        item = WorkItem.objects.get(case=case, task="work")
        sender.send_task("workflow.run_work_items", args=(str(item.pk), 1), queue=queue)
        r = redis.Redis.from_url(REDIS_URL)
        wait_for(lambda: r.get(e2e_activities.key(f"pid:{item.pk}")), what="the activity to start")
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process, pool, heartbeat
        killed = time.monotonic()
        first.wait(10)
        second = start_worker(e2e, queue, prefix, tmp_path / "ready2", pool=("-P", "prefork", "-c", "1"), **PRODUCTION)
        done = wait_for(
            lambda: WorkItem.objects.filter(pk=item.pk, state="completed").first(),
            timeout=60,
            what="the lost item to run again and complete",
        )
        took = time.monotonic() - killed
        wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), timeout=20, what="the case")
    finally:
        cleanup(prefix, first, second)
    assert took < 60
    assert done.output == {"runs": 2} and done.attempt == 1  # the same attempt ran again
    # exactly once: one completion of each item, one of each task, one successor item
    assert Event.objects.filter(case=case, type="work_item.completed").count() == 2
    assert Event.objects.filter(case=case, type="task.completed", task="work").count() == 1
    assert WorkItem.objects.filter(case=case, task="after").count() == 1
    assert Event.objects.filter(case=case, type="case.completed").count() == 1


def test_a_live_worker_s_long_activity_is_not_handed_out_again(e2e: Any, tmp_path: Path) -> None:
    """Visibility 2 s, a 6 s activity, and a second worker scanning every 0.5 s: the heartbeat
    keeps the message the first worker holds from being put back."""
    two_steps("long-activity", "e2e.slow_count", seconds="6")
    queue, prefix = f"{e2e['queue']}-h", f"{e2e['queue']}h:"
    fast = {
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_INTERVAL": "0.5",
        "WORKFLOW_UNACKED_HEARTBEAT": "0.5",
    }
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)
    sender.conf.broker_transport_options = {"global_keyprefix": prefix}
    first = start_worker(e2e, queue, prefix, tmp_path / "ready1", pool=("-P", "prefork", "-c", "1"), **fast)
    second = start_worker(e2e, queue, prefix, tmp_path / "ready2", pool=("-P", "prefork", "-c", "1"), **fast)
    try:
        with override_settings(WORKFLOW_RUNNER="manual"):
            case = services.case_start(definition="long-activity", user=SYSTEM)
        item = WorkItem.objects.get(case=case, task="work")
        sender.send_task("workflow.run_work_items", args=(str(item.pk), 1), queue=queue)
        done = wait_for(
            lambda: WorkItem.objects.filter(pk=item.pk, state="completed").first(), timeout=30, what="the item"
        )
        # a copy put back after 2 s would have started (and counted itself) long before the
        # first run ended, 6 s after it began
        runs = int(redis.Redis.from_url(REDIS_URL).get(e2e_activities.key(f"slow:{item.pk}")) or 0)
    finally:
        cleanup(prefix, first, second)
    assert done.output == {"runs": 1}
    assert runs == 1
