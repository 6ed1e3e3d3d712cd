"""Prometheus metrics (issue 16; docs/operations.md lists them with example alerts).

Counters and histograms are fed where things happen, in whichever process that is (web or
worker), through the engine's observability ports (`engine.hooks.rows_written`, `observe`), a
Celery signal (batch sizes) and the channel layer (`realtime.layer`: push latency). They count only
what was committed: the write listener defers to `transaction.on_commit`.

With PROMETHEUS_MULTIPROC_DIR set (what scripts/cluster.sh does: a directory shared by every web
and worker process of a host, emptied before they start), each process writes its values to
files there and any web process's /metrics sums them (prometheus-client's multi-process mode).
Without it, /metrics shows the serving process's own values.

The gauges (work items by state, cases by state, incidents open, queue depth and the age of the
oldest message) are read at scrape time from the database and the broker by `StateCollector`:
they are facts about the shared state, the same whichever process is asked.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

from celery.signals import before_task_publish, task_prerun
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from kombu import Connection
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine.core.state import CASE_ACTIVE, ITEM_OPEN
from engine.models import Case, WorkItem
from engine.selectors import incident_q
from ops.redis_client import client

log = logging.getLogger(__name__)

# seconds: from sub-second automatic steps to week-long cases
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400, float("inf"))
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, float("inf"))

CASES_STARTED = Counter("workflow_cases_started", "Cases started", ["definition"])
CASES_ENDED = Counter(
    "workflow_cases_ended",
    "Cases that ended, by how (completed, failed, deadlocked, canceled)",
    ["definition", "state"],
)
ITEMS_ENDED = Counter(
    "workflow_work_items_ended", "Work items that ended (completed, failed, canceled)", ["definition", "state"]
)
ITEM_SECONDS = Histogram(
    "workflow_work_item_duration_seconds",
    "From a work item's creation to its completion",
    ["definition", "task"],
    buckets=DURATION_BUCKETS,
)
CASE_SECONDS = Histogram(
    "workflow_case_duration_seconds",
    "From a case's start to its end",
    ["definition", "state"],
    buckets=DURATION_BUCKETS,
)
PUSH_SECONDS = Histogram(
    "workflow_push_latency_seconds",
    "From a push bus message being published to a web process routing it to its sockets",
    buckets=FAST_BUCKETS,
)
OR_JOIN_SECONDS = Histogram(
    "workflow_or_join_decision_seconds", "Time of one OR-join enabling decision", buckets=FAST_BUCKETS
)
BATCH_SIZE = Histogram(
    "workflow_worker_batch_size",
    "Automatic work items run and committed together by a worker",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, float("inf")),
)

_CASE_END = {"case.completed", "case.failed", "case.deadlocked", "case.canceled"}
_ITEM_END = {"work_item.completed": "completed", "work_item.failed": "failed", "work_item.canceled": "canceled"}
_OBSERVERS = {"or_join_decision_seconds": OR_JOIN_SECONDS, "push_latency_seconds": PUSH_SECONDS}


# ------------------------------------------------------------------ fed where things happen


def on_rows_written(cases: list[Any], events: list[Any], rows: list[Any]) -> None:
    """The engine stored `events` of `cases` and wrote the work item `rows` (inside the
    transaction): count them on commit. An item's duration comes from its row as written (created
    then, completed now): nothing is read back."""
    if not settings.WORKFLOW_METRICS:
        return
    names = {c.pk: c.definition_name for c in cases}
    started: Tally[str] = Tally()
    ended: list[tuple[str, str, float | None]] = []
    items: list[tuple[str, str, str, float | None]] = []  # (definition, task, state, seconds)
    by_pk = {c.pk: c for c in cases}
    written = {str(r.pk): r for r in rows}
    for ev in events:
        kind = ev.type
        if kind == "case.started":
            started[names.get(ev.case_id, "")] += 1
        elif kind in _CASE_END:
            case = by_pk.get(ev.case_id)
            seconds = None
            if case is not None and case.created_at and case.ended_at:
                seconds = (case.ended_at - case.created_at).total_seconds()
            ended.append((names.get(ev.case_id, ""), kind.split(".", 1)[1], seconds))
        elif kind in _ITEM_END and ev.work_item:
            state = _ITEM_END[kind]
            row = written.get(str(ev.work_item))
            seconds = None
            if state == "completed" and row is not None and row.created_at and row.updated_at:
                seconds = (row.updated_at - row.created_at).total_seconds()
            items.append((names.get(ev.case_id, ""), ev.task, state, seconds))
    if started or ended or items:
        transaction.on_commit(lambda: _count(started, ended, items))


def _count(
    started: Tally[str], ended: list[tuple[str, str, float | None]], items: list[tuple[str, str, str, float | None]]
) -> None:
    try:
        for definition, n in started.items():
            CASES_STARTED.labels(definition).inc(n)
        for definition, state, seconds in ended:
            CASES_ENDED.labels(definition, state).inc()
            if seconds is not None:
                CASE_SECONDS.labels(definition, state).observe(max(seconds, 0.0))
        for definition, task, state, seconds in items:
            ITEMS_ENDED.labels(definition, state).inc()
            if seconds is not None:
                ITEM_SECONDS.labels(definition, task).observe(max(seconds, 0.0))
    except Exception:  # metrics must never break the request or batch that committed
        log.exception("metrics not counted")


def on_observe(name: str, value: float, labels: dict[str, str]) -> None:
    hist = _OBSERVERS.get(name)
    if hist is not None and settings.WORKFLOW_METRICS:
        hist.observe(value)


def _on_task_prerun(sender: Any = None, args: Any = None, **_: Any) -> None:
    if getattr(sender, "name", "") == "workflow.run_work_items" and args and isinstance(args[0], list):
        BATCH_SIZE.observe(len(args[0]))


def _on_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """Stamp each message with its sending time: the queue's oldest message tells its age."""
    if headers is not None:
        headers.setdefault("workflow_sent_at", time.time())


def connect_celery_signals() -> None:
    task_prerun.connect(_on_task_prerun, weak=False, dispatch_uid="ops-metrics-batch")
    before_task_publish.connect(_on_publish, weak=False, dispatch_uid="ops-metrics-sent-at")


# ------------------------------------------------------------------ read at scrape time

# kombu's Redis transport keeps a queue in one list per priority step (0 is the bare name)
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def queue_depth_and_age(queue: str) -> tuple[int, float | None]:
    """Messages waiting in `queue` and the age of the oldest one (None: empty, or unknown for
    RabbitMQ, whose queues are not readable without taking a message)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        prefix = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", ""))
        r = client(url)
        keys = [prefix + (queue if step == 0 else f"{queue}{_PRIORITY_SEP}{step}") for step in _PRIORITY_STEPS]
        pipe = r.pipeline(transaction=False)
        for k in keys:
            pipe.llen(k)
            pipe.lindex(k, -1)  # LPUSH in, BRPOP out: the oldest is at the right end
        answers = pipe.execute()
        depth = sum(int(n) for n in answers[0::2])
        sent = [_sent_at(raw) for raw in answers[1::2] if raw]
        known = [s for s in sent if s is not None]
        return depth, (time.time() - min(known)) if known else None
    with Connection(url, connect_timeout=2) as conn:
        ok = conn.default_channel.queue_declare(queue=queue, passive=True)
        return int(ok.message_count), None


def _sent_at(raw: bytes) -> float | None:
    try:
        value = json.loads(raw).get("headers", {}).get("workflow_sent_at")
    except (ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None


class StateCollector(Collector):
    """Gauges read from the database and the broker when /metrics is scraped."""

    def collect(self) -> Iterator[Metric]:
        items = GaugeMetricFamily(
            "workflow_work_items",
            "Work items of running cases by state (failed: incidents' items)",
            labels=["state", "kind"],
        )
        rows = (
            WorkItem.objects.order_by()
            .filter(state__in=sorted(ITEM_OPEN))
            .values_list("state", "kind")
            .annotate(n=Count("pk"))
        )
        for state, kind, n in rows:
            items.add_metric([state, kind], n)
        failed = (
            WorkItem.objects.order_by()
            .filter(state="failed", case__state__in=sorted(CASE_ACTIVE))
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        for kind, n in failed:
            items.add_metric(["failed", kind], n)
        yield items
        cases = GaugeMetricFamily("workflow_cases", "Cases not ended, and deadlocked ones, by state", labels=["state"])
        for state, n in (
            Case.objects.order_by()
            .filter(state__in=["running", "suspended", "deadlocked"])
            .values_list("state")
            .annotate(n=Count("pk"))
        ):
            cases.add_metric([state], n)
        yield cases
        yield GaugeMetricFamily(
            "workflow_incidents_open",
            "Cases with an incident (deadlocked, or active with a failed work item)",
            value=Case.objects.filter(incident_q()).count(),
        )
        depth = GaugeMetricFamily("workflow_queue_depth", "Messages waiting in the broker queue", labels=["queue"])
        age = GaugeMetricFamily(
            "workflow_queue_oldest_age_seconds", "Age of the oldest message waiting (Redis broker)", labels=["queue"]
        )
        try:
            n, oldest = queue_depth_and_age(settings.WORKFLOW_QUEUE)
        except Exception:
            log.warning("queue depth not read", exc_info=True)
        else:
            depth.add_metric([settings.WORKFLOW_QUEUE], n)
            age.add_metric([settings.WORKFLOW_QUEUE], oldest or 0.0)
        yield depth
        yield age


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward(Collector):
    """The process's own default registry, inside a registry of this scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
