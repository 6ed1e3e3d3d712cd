"""A poison automatic item queued with many healthy ones, on a real worker (issue 13, ADR 0065):
the healthy cases complete within seconds (not at the next re-dispatch sweep, 600 s away), the
poison one becomes an incident after its retry policy, and nothing runs twice."""

from __future__ import annotations

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
from worker.tests.e2e.conftest import REDIS_URL, wait_for
from worker.tests.e2e.test_faults import start_worker


def test_healthy_items_batched_with_a_poison_one_complete_promptly_and_the_poison_becomes_an_incident(
    e2e: Any, tmp_path: Path
) -> None:
    publish(
        net(
            "poison-e2e",
            [
                {
                    "id": "work",
                    "kind": "automatic",
                    "activity": "e2e.maybe_poison",
                    "input": {"n": "data.n", "poison": "data.poison"},
                    "retry": {"max_attempts": 2, "initial_interval": 0.2},
                }
            ],
            [("start", "work"), ("work", "end")],
        )
    )
    with override_settings(WORKFLOW_RUNNER="manual"):  # queued below, all at once
        healthy = [
            services.case_start(definition="poison-e2e", data={"n": n, "poison": False}, user=SYSTEM) for n in range(60)
        ]
        poison = services.case_start(definition="poison-e2e", data={"n": -1, "poison": True}, user=SYSTEM)
    # a worker of its own with the production prefetch, so that its batches are full (32)
    queue, prefix = f"{e2e['queue']}-p", f"{e2e['queue']}p:"
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)
    sender.conf.broker_transport_options = {"global_keyprefix": prefix}
    order = [*healthy[:15], poison, *healthy[15:]]
    for case in order:
        item = WorkItem.objects.get(case=case, task="work")
        sender.send_task("workflow.run_work_items", args=(str(item.pk), 1), queue=queue)
    began = time.monotonic()
    worker = start_worker(
        e2e,
        queue,
        prefix,
        tmp_path / "ready",
        pool=("-P", "prefork", "-c", "1"),
        CELERY_PREFETCH="64",
        WORKFLOW_REDISPATCH_AFTER="600",
    )
    try:
        ids = [c.pk for c in healthy]
        wait_for(
            lambda: Case.objects.filter(pk__in=ids, state="completed").count() == len(ids),
            timeout=20,
            what="the 60 healthy cases to complete",
        )
        took = time.monotonic() - began
        bad = wait_for(
            lambda: WorkItem.objects.filter(case=poison, task="work", state="failed").first(),
            timeout=20,
            what="the poison item to become an incident",
        )
    finally:
        worker.terminate()
        worker.wait(20)
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)
    assert took < 20  # seconds (worker start-up included), not a sweep period
    assert bad.attempt == 2 and bad.error["type"] == "ReportFailed" and bad.error["cause"] == "TypeError"
    poison.refresh_from_db()
    assert poison.state == "running" and "bad" not in poison.data  # an incident: waits for an operator
    for n, case in enumerate(healthy):
        case.refresh_from_db()
        assert case.data["n"] == n
        assert Event.objects.filter(case=case, type="work_item.completed").count() == 1
        assert Event.objects.filter(case=case, type="case.completed").count() == 1
    assert Event.objects.filter(case=poison, type="work_item.attempt_failed").count() == 1
    assert Event.objects.filter(case=poison, type="work_item.failed").count() == 1
