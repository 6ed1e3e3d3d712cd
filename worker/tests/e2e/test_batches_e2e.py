"""A burst of automatic items on a real worker that gathers them into batches: every item is
completed exactly once, and (on PostgreSQL, where rows written by one transaction share its id,
`xmin`) many items were committed per transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from celery import Celery
from django.db import connection
from django.test import override_settings

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tests.e2e.conftest import REDIS_URL, wait_for
from worker.tests.e2e.test_faults import start_worker

BURST = 120


def test_a_burst_is_completed_once_per_item_in_few_transactions(e2e: Any, tmp_path: Path) -> None:
    publish(
        net(
            "burst",
            [{"id": "work", "kind": "automatic", "activity": "e2e.count"}, {"id": "review", "kind": "manual"}],
            [("start", "work"), ("work", "review"), ("review", "end")],
        )
    )
    with override_settings(WORKFLOW_RUNNER="manual"):  # the messages are sent below, all at once
        cases = [services.case_start(definition="burst", user=SYSTEM) for _ in range(BURST)]
    items = list(WorkItem.objects.filter(case__in=cases, task="work").values_list("pk", flat=True))
    queue, prefix = f"{e2e['queue']}-b", f"{e2e['queue']}b:"
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)
    sender.conf.broker_transport_options = {"global_keyprefix": prefix}
    for pk in items:  # queued before the worker starts: it finds a full queue
        sender.send_task("workflow.run_work_items", args=(str(pk), 1), queue=queue, acks_late=True)
    for pk in items[:10]:  # and a duplicate of some
        sender.send_task("workflow.run_work_items", args=(str(pk), 1), queue=queue, acks_late=True)
    # one pool process, as in production (the prefork pool): while it runs a batch, the worker
    # process gathers the next
    worker = start_worker(
        e2e,
        queue,
        prefix,
        tmp_path / "ready",
        pool=("-P", "prefork", "-c", "1"),
        CELERY_PREFETCH="64",
        WORKFLOW_BATCH_SIZE="32",
    )
    try:
        wait_for(
            lambda: WorkItem.objects.filter(case__in=cases, task="review").count() == BURST,
            timeout=60,
            what="every item of the burst",
        )
        r = redis.Redis.from_url(REDIS_URL)
        wait_for(lambda: r.llen(f"{prefix}{queue}") == 0 and r.hlen(f"{prefix}unacked") == 0, what="the queue to drain")
    finally:
        worker.terminate()
        worker.wait(20)
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)
    assert Event.objects.filter(case__in=cases, type="task.completed", task="work").count() == BURST
    assert WorkItem.objects.filter(case__in=cases, task="review").count() == BURST
    assert all(o == {"runs": 1} for o in WorkItem.objects.filter(pk__in=items).values_list("output", flat=True))
    assert not Case.objects.filter(pk__in=[c.pk for c in cases]).exclude(state="running").exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT xmin::text) FROM engine_workitem WHERE id = ANY(%s)", [items])
            transactions = cursor.fetchone()[0]
        assert transactions <= BURST // 4, f"{BURST} items in {transactions} transactions"
