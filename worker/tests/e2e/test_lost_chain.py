"""A whole worker lost in the middle of an automatic chain (ADR 0063 + ADR 0065): the chained
items have no message of their own, but the incoming batch's message stays unacknowledged while
its chain runs, so it comes back to another worker within the visibility timeout; that worker
finds its item finished and resumes the case's chain. The case completes within 60 s of the
kill, every step once; the same when only the pool process running the chain is killed."""

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
from worker.tests.e2e.test_lost_worker import PRODUCTION, cleanup

STEPS = 10
MIDDLE = 4


def ten_step_chain(name: str) -> None:
    tasks = [{"id": f"s{i}", "kind": "automatic", "activity": "e2e.count"} for i in range(STEPS)]
    tasks[MIDDLE]["activity"] = "e2e.die_once"  # its first run hangs until the worker is killed
    nodes = ["start", *[t["id"] for t in tasks], "end"]
    publish(net(name, tasks, list(zip(nodes, nodes[1:], strict=False))))


def lose_the_worker_mid_chain(e2e: Any, tmp_path: Path, name: str, whole: bool) -> None:
    """A 10-step chain whose middle step hangs; the worker is killed there (`whole`: its main
    process, pool and heartbeat; otherwise only the pool process running the chain). The case
    must complete within 60 s of the kill, each step once."""
    ten_step_chain(name)
    queue, prefix = f"{e2e['queue']}-{name}", f"{e2e['queue']}{name}:"
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)
    sender.conf.broker_transport_options = {"global_keyprefix": prefix}
    first = start_worker(e2e, queue, prefix, tmp_path / "ready1", pool=("-P", "prefork", "-c", "1"), **PRODUCTION)
    second = None
    try:
        with override_settings(WORKFLOW_RUNNER="manual"):  # sent by hand, to this worker's queue
            case = services.case_start(definition=name, user=SYSTEM)
        head = WorkItem.objects.get(case=case, task="s0")
        sender.send_task("workflow.run_work_items", args=(str(head.pk), 1), queue=queue)
        r = redis.Redis.from_url(REDIS_URL)
        middle = wait_for(
            lambda: WorkItem.objects.filter(case=case, task=f"s{MIDDLE}").first(), what="the chain to reach its middle"
        )
        pid = wait_for(
            lambda: r.get(e2e_activities.key(f"pid:{middle.pk}")), what="the middle step's activity to start"
        )
        # the steps before ran in process, without a message of their own
        assert set(WorkItem.objects.filter(case=case, state="completed").values_list("task", flat=True)) == {
            f"s{i}" for i in range(MIDDLE)
        }
        if whole:
            os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process, pool, heartbeat
            killed = time.monotonic()
            first.wait(10)
            second = start_worker(
                e2e, queue, prefix, tmp_path / "ready2", pool=("-P", "prefork", "-c", "1"), **PRODUCTION
            )
        else:  # the pool process (out of memory, say): the main process puts the batch back at once
            os.kill(int(pid), signal.SIGKILL)
            killed = time.monotonic()
        wait_for(
            lambda: Case.objects.filter(pk=case.pk, state="completed").exists(),
            timeout=60,
            what="the case of the lost chain to complete",
        )
        took = time.monotonic() - killed
    finally:
        cleanup(prefix, first, second)
    assert took < 60
    items = {i.task: i for i in WorkItem.objects.filter(case=case)}
    assert set(items) == {f"s{i}" for i in range(STEPS)}
    assert {i.state for i in items.values()} == {"completed"}
    # exactly once: one completion per step and per task
    for task in items:
        assert Event.objects.filter(case=case, type="work_item.completed", task=task).count() == 1, task
        assert Event.objects.filter(case=case, type="task.completed", task=task).count() == 1, task
    assert Event.objects.filter(case=case, type="case.completed").count() == 1
    # each activity ran once, but the middle one, whose first run was killed (at-least-once)
    runs = {t: int(r.get(e2e_activities.key(f"count:{i.pk}")) or 0) for t, i in items.items() if t != f"s{MIDDLE}"}
    assert runs == {f"s{i}": 1 for i in range(STEPS) if i != MIDDLE}
    assert items[f"s{MIDDLE}"].output == {"runs": 2} and items[f"s{MIDDLE}"].attempt == 1


def test_a_worker_killed_mid_chain_its_case_completes_within_60_s_each_step_once(e2e: Any, tmp_path: Path) -> None:
    lose_the_worker_mid_chain(e2e, tmp_path, "lost-chain", whole=True)


def test_a_pool_process_killed_mid_chain_its_case_completes_within_60_s_each_step_once(
    e2e: Any, tmp_path: Path
) -> None:
    """The batch's message comes back within milliseconds, while the middle step looks as if it
    were still running elsewhere: it is sent again for when it would count as lost."""
    lose_the_worker_mid_chain(e2e, tmp_path, "lost-pool-chain", whole=False)
