"""/healthz, /readyz and /metrics over the real database and Redis (REDIS_URL)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from config import log_context
from definitions.registry import ActivityContext, activity
from engine import hooks, services
from engine.access import SYSTEM
from engine.models import WorkItem
from ops import heartbeat
from tests.helpers import FAILING_NET, net, publish

pytestmark = pytest.mark.django_db(transaction=True)

MANUAL_NET = net("ops-manual", [{"id": "review", "kind": "manual"}], [("start", "review"), ("review", "end")])


@pytest.fixture
def own_heartbeat_key(settings: Any) -> Iterator[str]:
    settings.WORKFLOW_HEARTBEAT_KEY = f"test-ops-{uuid.uuid4().hex}:workers"
    yield settings.WORKFLOW_HEARTBEAT_KEY
    heartbeat.client().delete(settings.WORKFLOW_HEARTBEAT_KEY)


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape(client: Client, token: str = "s3cret") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("text/plain")
    return samples(r.content.decode())


def test_healthz_answers_without_login() -> None:
    r = Client().get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert Client().post("/healthz").status_code == 405


def test_readyz_needs_a_recent_worker_heartbeat_when_workers_run_the_items(
    settings: Any, own_heartbeat_key: str
) -> None:
    settings.WORKFLOW_RUNNER = "celery"
    r = Client().get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["database"]["ok"] and checks["channel_layer"]["ok"] and checks["broker"]["ok"]
    assert not checks["workers"]["ok"] and "no worker" in checks["workers"]["detail"]

    heartbeat.beat("worker-a@host")
    r = Client().get("/readyz")
    assert r.status_code == 200, r.json()
    assert r.json()["checks"]["workers"]["detail"].startswith("1 seen")

    # a heartbeat older than READYZ_WORKER_MAX_AGE does not count
    heartbeat.beat("worker-a@host", now=time.time() - 3600)
    assert Client().get("/readyz").status_code == 503
    heartbeat.forget("worker-a@host")


def test_readyz_without_a_worker_is_ready_when_items_run_inline(settings: Any, own_heartbeat_key: str) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    r = Client().get("/readyz")
    assert r.status_code == 200
    assert "not needed" in r.json()["checks"]["workers"]["detail"]


def test_readyz_reports_an_unreachable_broker_and_channel_layer(settings: Any, own_heartbeat_key: str) -> None:
    heartbeat.beat("w@h")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    r = Client().get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert not checks["broker"]["ok"] and checks["database"]["ok"]
    layers = json.loads(json.dumps(settings.CHANNEL_LAYERS))
    layers["default"]["CONFIG"]["hosts"] = ["redis://127.0.0.1:1/0"]
    settings.CHANNEL_LAYERS = layers
    checks = Client().get("/readyz").json()["checks"]
    assert not checks["channel_layer"]["ok"]
    assert all(c["ms"] < 5000 for c in checks.values())  # answers quickly, never hangs


def test_readyz_accepts_a_rabbitmq_broker(settings: Any, own_heartbeat_key: str) -> None:
    heartbeat.beat("w@h")
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    r = Client().get("/readyz")
    assert r.status_code == 200, r.json()
    assert r.json()["checks"]["broker"]["detail"].startswith("amqp://")


def test_metrics_need_the_token_or_a_staff_user(settings: Any, staff_user: Any, operator_a: Any) -> None:
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    c = Client()
    c.force_login(operator_a)
    assert c.get("/metrics").status_code == 403
    c.force_login(staff_user)
    assert c.get("/metrics").status_code == 200
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_count_cases_items_durations_and_incidents(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.METRICS_TOKEN = "s3cret"
    settings.WORKFLOW_RUNNER = "inline"
    publish(MANUAL_NET)
    publish(FAILING_NET)
    client = Client()
    before = scrape(client)

    def value(s: dict, name: str, **labels: str) -> float:
        return s.get((name, tuple(sorted(labels.items()))), 0.0)

    case = services.case_start(definition="ops-manual", user=SYSTEM)
    item = WorkItem.objects.get(case=case)
    services.work_item_start(item_id=item.pk, user=SYSTEM)
    services.work_item_complete(item_id=item.pk, user=SYSTEM, output={})
    services.case_start(definition="ops-manual", user=SYSTEM)  # stays open
    with django_capture_on_commit_callbacks(execute=True):
        services.case_start(definition="failing", user=SYSTEM)  # an incident

    after = scrape(client)
    assert (
        value(after, "workflow_cases_started_total", definition="ops-manual")
        - value(before, "workflow_cases_started_total", definition="ops-manual")
        == 2
    )
    assert (
        value(after, "workflow_cases_ended_total", definition="ops-manual", state="completed")
        - value(before, "workflow_cases_ended_total", definition="ops-manual", state="completed")
        == 1
    )
    assert (
        value(after, "workflow_work_items_ended_total", definition="ops-manual", state="completed")
        - value(before, "workflow_work_items_ended_total", definition="ops-manual", state="completed")
        == 1
    )
    assert (
        value(after, "workflow_work_items_ended_total", definition="failing", state="failed")
        - value(before, "workflow_work_items_ended_total", definition="failing", state="failed")
        == 1
    )
    assert (
        value(after, "workflow_work_item_duration_seconds_count", definition="ops-manual", task="review")
        - value(before, "workflow_work_item_duration_seconds_count", definition="ops-manual", task="review")
        == 1
    )
    assert (
        value(after, "workflow_case_duration_seconds_count", definition="ops-manual", state="completed")
        - value(before, "workflow_case_duration_seconds_count", definition="ops-manual", state="completed")
        == 1
    )
    # the gauges are read from the database: this test's database holds exactly these
    assert value(after, "workflow_work_items", state="initialized", kind="manual") == 1
    assert value(after, "workflow_work_items", state="failed", kind="automatic") == 1
    assert value(after, "workflow_incidents_open") == 1
    assert value(after, "workflow_cases", state="running") == 2
    assert ("workflow_queue_depth", (("queue", settings.WORKFLOW_QUEUE),)) in after


def test_a_rolled_back_change_counts_nothing(settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret"
    publish(MANUAL_NET)
    client = Client()
    key = ("workflow_cases_started_total", (("definition", "ops-manual"),))
    before = scrape(client).get(key, 0.0)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_start(definition="ops-manual", user=SYSTEM)
        raise RuntimeError("roll back")
    assert scrape(client).get(key, 0.0) == before


def test_or_join_decisions_are_timed() -> None:
    seen: list[tuple[str, float]] = []
    hooks.register_observer(lambda name, value, labels: seen.append((name, value)))

    class Decider:
        def is_enabled(self, task_id: str, marking: Any, busy: Any) -> bool:
            return task_id == "j"

    timed = hooks.TimedOrJoin(Decider())
    assert timed.is_enabled("j", {}, {}) is True and timed.is_enabled("k", {}, {}) is False
    assert [n for n, _ in seen[-2:]] == ["or_join_decision_seconds"] * 2
    assert all(v >= 0 for _, v in seen[-2:])


# ---------------------------------------------------------------------- logs

LOGGED: list[logging.LogRecord] = []


@activity("test.ops.log")
def logging_activity(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    logging.getLogger("worker.test_ops").warning("charging %s", payload.get("amount"))
    return {}


def test_every_engine_log_record_names_its_case_item_task_and_definition(settings: Any, caplog: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish(
        net(
            "ops-logged",
            [{"id": "charge", "kind": "automatic", "activity": "test.ops.log", "input": {"amount": "12"}}],
            [("start", "charge"), ("charge", "end")],
        )
    )
    caplog.handler.addFilter(log_context.ContextFilter())
    with caplog.at_level(logging.INFO):
        case = services.case_start(definition="ops-logged", user=SYSTEM)
    record = next(r for r in caplog.records if r.name == "worker.test_ops")
    item = WorkItem.objects.get(case=case)
    line = json.loads(log_context.JsonFormatter().format(record))
    assert line["message"] == "charging 12" and line["level"] == "WARNING"
    assert line["case_id"] == case.pk and line["item_id"] == str(item.pk)
    assert line["task"] == "charge" and line["definition"] == "ops-logged"
    # outside the engine's work nothing is bound any more
    assert log_context.current() == {}


def test_text_format_appends_the_context() -> None:
    fmt = log_context.TextFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("engine", logging.INFO, __file__, 1, "moved", None, None)
    with log_context.bound(case_id=7, task="t"):
        log_context.ContextFilter().filter(record)
    assert fmt.format(record) == "INFO moved [case_id=7 task=t]"
