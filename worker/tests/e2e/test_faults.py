"""Retries, timeouts, incidents and at-least-once delivery with a real worker and Redis."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import redis
from django.test import override_settings
from django.utils import timezone

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tasks import run_work_item
from worker.tests.e2e import e2e_activities
from worker.tests.e2e.conftest import REDIS_URL, wait_for


def one_task(name: str, activity: str, **spec: Any) -> dict[str, Any]:
    doc = net(
        name,
        [
            {"id": "work", "kind": "automatic", "activity": activity, **spec},
            {"id": "after", "kind": "automatic", "activity": "e2e.count"},
        ],
        [("start", "work"), ("work", "after"), ("after", "end")],
    )
    publish(doc)
    return doc


def final_item(case: Case, state: str = "completed", task: str = "work", timeout: float = 20.0) -> WorkItem:
    return wait_for(
        lambda: WorkItem.objects.filter(case=case, task=task, state=state).first(),
        timeout=timeout,
        what=f"a {state} item of {task}",
    )


def test_retries_with_backoff_then_success(e2e: Any) -> None:
    one_task(
        "flaky",
        "e2e.flaky",
        input={"succeed_on": "3"},
        retry={"max_attempts": 5, "initial_interval": 0.3, "backoff": 2.0},
    )
    case = services.case_start(definition="flaky", user=SYSTEM)
    item = final_item(case)
    assert item.attempt == 3 and item.output == {"attempts": 3}
    times = [float(t) for t in redis.Redis.from_url(REDIS_URL).lrange(e2e_activities.key(f"flaky:{item.pk}"), 0, -1)]
    gaps = [b - a for a, b in pairwise(times)]
    assert len(times) == 3
    assert 0.3 <= gaps[0] < 0.3 + 0.5 and 0.6 <= gaps[1] < 0.6 + 0.5  # 0.3 s, then 0.3 x 2
    failed = Event.objects.filter(case=case, type="work_item.attempt_failed").order_by("pk")
    assert [e.payload["retry_in"] for e in failed] == [0.3, 0.6]
    assert [e.payload["error"]["type"] for e in failed] == ["ConnectionError", "ConnectionError"]
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), what="the case")


def test_last_attempt_fails_into_an_incident_with_the_error_kept(e2e: Any) -> None:
    one_task("flaky-out", "e2e.flaky", retry={"max_attempts": 2, "initial_interval": 0.1})
    case = services.case_start(definition="flaky-out", user=SYSTEM)
    item = final_item(case, "failed")
    assert item.attempt == 2
    assert item.error["type"] == "ConnectionError"
    assert item.error["message"] == "attempt 2 failed"
    assert "Traceback" in item.error["traceback"] and "e2e_activities.py" in item.error["traceback"]
    assert Case.objects.get(pk=case.pk).state == "running"  # incident: the case waits


def test_non_retryable_error_fails_at_once(e2e: Any) -> None:
    one_task(
        "non-retryable",
        "e2e.bad_input",
        retry={"max_attempts": 5, "initial_interval": 0.1, "non_retryable": ["ValueError"]},
    )
    case = services.case_start(definition="non-retryable", user=SYSTEM)
    item = final_item(case, "failed")
    assert item.attempt == 1 and item.error["type"] == "ValueError"
    assert not Event.objects.filter(case=case, type="work_item.attempt_failed").exists()


def test_incident_then_operator_retry_with_new_input_succeeds(e2e: Any) -> None:
    one_task("incident-retry", "e2e.bad_input", retry={"max_attempts": 1})
    case = services.case_start(definition="incident-retry", user=SYSTEM)
    item = final_item(case, "failed")
    services.work_item_retry(item_id=item.pk, new_input={"ok": True}, user=SYSTEM)
    done = final_item(case)
    assert done.pk == item.pk and done.attempt == 2 and done.output == {"fixed": True} and done.error is None
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), what="the case")


def test_on_failure_fail_policy_fails_the_case(e2e: Any) -> None:
    one_task("fail-policy", "e2e.bad_input", retry={"max_attempts": 1}, on_failure="fail")
    case = services.case_start(definition="fail-policy", user=SYSTEM)
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="failed").exists(), what="the failed case")


def test_timeout_is_an_attempt_failure(e2e: Any) -> None:
    one_task(
        "slow", "e2e.slow", input={"seconds": "30"}, timeout=0.5, retry={"max_attempts": 2, "initial_interval": 0.1}
    )
    case = services.case_start(definition="slow", user=SYSTEM)
    item = final_item(case, "failed")
    assert item.attempt == 2
    assert item.error["type"] == "Timeout"
    assert [e.payload["error"]["type"] for e in Event.objects.filter(case=case, type="work_item.attempt_failed")] == [
        "Timeout"
    ]


def test_worker_process_killed_mid_activity_reruns_and_completes_the_item(e2e: Any) -> None:
    one_task("die-once", "e2e.die_once")
    case = services.case_start(definition="die-once", user=SYSTEM)
    item = WorkItem.objects.get(case=case, task="work")
    r = redis.Redis.from_url(REDIS_URL)
    pid = wait_for(lambda: r.get(e2e_activities.key(f"pid:{item.pk}")), what="the activity to start")
    os.kill(int(pid), signal.SIGKILL)  # the pool process running the activity dies
    done = final_item(case)
    assert done.output == {"runs": 2}  # run again, from the same message
    assert done.attempt == 1  # a lost process is no failed attempt
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), what="the case")
    assert WorkItem.objects.filter(case=case, task="after").count() == 1


def test_duplicate_and_stale_messages_never_advance_the_net_twice(e2e: Any) -> None:
    one_task("dupes", "e2e.count")
    case = services.case_start(definition="dupes", user=SYSTEM)
    item = final_item(case)
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), what="the case")
    # the same message delivered again, three times, plus one of an attempt that never was
    for _ in range(3):
        run_work_item.apply_async((str(item.pk), 1))
    run_work_item.apply_async((str(item.pk), 7))
    # a fresh case whose item gets the same message twice at once
    case2 = services.case_start(definition="dupes", user=SYSTEM)
    item2 = WorkItem.objects.get(case=case2, task="work")
    run_work_item.apply_async((str(item2.pk), 1))
    wait_for(lambda: Case.objects.filter(pk=case2.pk, state="completed").exists(), what="the second case")
    marker = services.case_start(definition="dupes", user=SYSTEM)  # runs after the duplicates on the same queue
    wait_for(lambda: Case.objects.filter(pk=marker.pk, state="completed").exists(), what="the marker case")
    for c in (case, case2):
        assert Event.objects.filter(case=c, type="task.completed", task="work").count() == 1
        assert WorkItem.objects.filter(case=c, task="after").count() == 1
        assert Event.objects.filter(case=c, type="case.completed").count() == 1
    assert WorkItem.objects.get(pk=item.pk).output == {"runs": 1}


def test_an_item_whose_message_was_lost_is_sent_again_by_the_sweep(e2e: Any, settings: Any) -> None:
    one_task("lost-message", "e2e.count")
    settings.WORKFLOW_RUNNER = "manual"  # the commit happens, the message is never sent
    case = services.case_start(definition="lost-message", user=SYSTEM)
    item = WorkItem.objects.get(case=case, task="work")
    assert services.work_items_redispatch_stale() == 0  # fresh: not taken for lost
    WorkItem.objects.filter(pk=item.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    done = final_item(case)  # the worker's own sweep (every 0.2 s) sent it again
    assert done.output == {"runs": 1}
    wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").exists(), what="the case")


def start_worker(
    e2e: dict[str, Any], queue: str, prefix: str, ready: Path, pool: tuple[str, ...] = ("-P", "solo"), **extra_env: str
) -> subprocess.Popen:
    """Another worker on a queue of its own (by default the solo pool: the worker process runs
    the tasks itself)."""
    env = {
        **e2e["env"],
        "WORKFLOW_QUEUE": queue,
        "REDIS_KEY_PREFIX": prefix,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_INTERVAL": "0.5",
        "WORKER_READY_FILE": str(ready),
        **extra_env,
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        queue,
        *pool,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "WARNING",
    ]
    proc = subprocess.Popen(
        cmd, cwd=e2e["cwd"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_for(ready.exists, timeout=30, what="the extra worker to start")
    return proc


def test_whole_worker_killed_mid_activity_the_message_comes_back_to_another_worker(e2e: Any, tmp_path: Path) -> None:
    """SIGKILL of the worker's main process (nothing left to requeue the message): Redis hands
    the unacknowledged message to the next worker after the visibility timeout (2 s here)."""
    from celery import Celery

    one_task("whole-worker", "e2e.die_once")
    queue, prefix = f"{e2e['queue']}-k", f"{e2e['queue']}k:"
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)  # the project app stays current
    sender.conf.broker_transport_options = {"global_keyprefix": prefix, "visibility_timeout": 2}
    first = start_worker(e2e, queue, prefix, tmp_path / "ready1")
    second = None
    try:
        with override_settings(WORKFLOW_RUNNER="manual"):  # the message is sent by hand, below
            case = services.case_start(definition="whole-worker", user=SYSTEM)
        item = WorkItem.objects.get(case=case, task="work")
        sender.send_task("workflow.run_work_item", args=(str(item.pk), 1), queue=queue, acks_late=True)
        r = redis.Redis.from_url(REDIS_URL)
        wait_for(lambda: r.get(e2e_activities.key(f"pid:{item.pk}")), what="the activity to start")
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and all
        first.wait(10)
        second = start_worker(e2e, queue, prefix, tmp_path / "ready2")
        done = final_item(case, timeout=30)
        assert done.output == {"runs": 2} and done.attempt == 1
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)
