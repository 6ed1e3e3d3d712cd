"""More seed scenarios on real nets with the real worker: multi-instance dispatch and collect,
monthly invoices with tolerated failures, child workflows chosen by media type, timers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from definitions.registry import get_activity
from engine import services
from engine.access import SYSTEM
from engine.core.builder import NetBuilder
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tests.e2e.conftest import wait_for


def completed(case: Case, state: str = "completed") -> Case:
    return wait_for(lambda: Case.objects.filter(pk=case.pk, state=state).first(), what=f"case {state}")


def test_dispatch_one_process_item_per_id_then_or_join_collect(e2e: Any) -> None:
    doc = {
        "schema_version": 1,
        "name": "dispatch-collect",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {"id": "dispatch", "kind": "dummy", "split": "or"},
            {
                "id": "process",
                "kind": "automatic",
                "activity": "echo",
                "instances": {"for_each": "data.ids", "as": "id"},
                "input": {"id": "id", "done": "true"},
                "output": {"processed": "results.map(r, r.id)"},
            },
            {"id": "audit", "kind": "automatic", "activity": "noop"},
            {
                "id": "collect",
                "kind": "automatic",
                "activity": "cel.transform",
                "join": "or",
                "input": {"expressions": "{'count': 'size(data.processed)'}"},
            },
        ],
        "flows": [
            {"from": "start", "to": "dispatch"},
            {"from": "dispatch", "to": "process", "when": "size(data.ids) > 0"},
            {"from": "dispatch", "to": "audit", "when": "size(data.ids) > 100"},
            {"from": "process", "to": "collect"},
            {"from": "audit", "to": "collect"},
            {"from": "collect", "to": "end"},
        ],
    }
    publish(doc)
    case = completed(services.case_start(definition="dispatch-collect", data={"ids": ["a", "b", "c"]}, user=SYSTEM))
    processed = WorkItem.objects.filter(case=case, task="process")
    assert sorted(i.input["id"] for i in processed) == ["a", "b", "c"]
    assert all(i.state == "completed" for i in processed)
    assert sorted(case.data["processed"]) == ["a", "b", "c"]
    assert case.data["count"] == 3
    assert not WorkItem.objects.filter(case=case, task="audit").exists()
    assert Event.objects.filter(case=case, type="task.completed", task="collect").count() == 1


def test_monthly_invoices_tolerate_failures_then_summarise(e2e: Any) -> None:
    doc = net(
        "monthly-invoices",
        [
            {
                "id": "invoice",
                "kind": "automatic",
                "activity": "e2e.invoice",
                "instances": {"for_each": "data.customers.filter(c, c.balance > 0)", "as": "customer"},
                "on_failure": "continue",
                "retry": {"max_attempts": 1},
                "output": {"invoiced": "results.map(r, r.amount)"},
            },
            {
                "id": "summary",
                "kind": "automatic",
                "activity": "cel.transform",
                "input": {
                    "expressions": "{'count': 'size(data.invoiced)', 'total': "
                    "'data.invoiced.size() == 0 ? 0 : data.invoiced.reduce(...)'}"
                },
            },
        ],
        [("start", "invoice"), ("invoice", "summary"), ("summary", "end")],
    )
    # CEL has no reduce: the summary sums in its own output mapping instead
    doc["tasks"][1]["input"] = {"expressions": "{'count': 'size(data.invoiced)'}"}
    doc["tasks"][1]["output"] = {
        "count": "result.count",
        "total": "data.invoiced.size() == 0 ? 0.0 : double(data.invoiced[0]) + "
        "(data.invoiced.size() > 1 ? double(data.invoiced[1]) : 0.0) + "
        "(data.invoiced.size() > 2 ? double(data.invoiced[2]) : 0.0)",
    }
    publish(doc)
    customers = [
        {"id": "c1", "balance": 100.0},
        {"id": "c2", "balance": 0.0},
        {"id": "c3", "balance": 50.5, "broken": True},
        {"id": "c4", "balance": 20.0},
        {"id": "c5", "balance": 7.5},
    ]
    case = completed(services.case_start(definition="monthly-invoices", data={"customers": customers}, user=SYSTEM))
    items = WorkItem.objects.filter(case=case, task="invoice")
    assert sorted(i.input["customer"]["id"] for i in items) == ["c1", "c3", "c4", "c5"]  # a balance only
    failed = items.get(state="failed")
    assert failed.input["customer"]["id"] == "c3" and failed.error["type"] == "ValueError"
    assert case.data["count"] == 3
    assert case.data["total"] == 127.5


def test_child_workflows_by_media_type(e2e: Any) -> None:
    for kind in ("image", "video", "document"):
        publish(
            net(
                f"process-{kind}",
                [
                    {
                        "id": "handle",
                        "kind": "automatic",
                        "activity": "e2e.pick_kind",
                        "input": {"handler": f"'{kind}'", "name": "data.name"},
                    }
                ],
                [("start", "handle"), ("handle", "end")],
            )
        )
    publish(
        net(
            "media-intake",
            [
                {
                    "id": "route",
                    "kind": "composite",
                    "workflow": "'process-' + file.type",
                    "instances": {"for_each": "data.files", "as": "file"},
                    "input": {"name": "file.name", "type": "file.type"},
                    "output": {"handled": "results.map(r, r.name + ':' + r.handled_by)"},
                }
            ],
            [("start", "route"), ("route", "end")],
        )
    )
    files = [
        {"name": "a.png", "type": "image"},
        {"name": "b.mp4", "type": "video"},
        {"name": "c.pdf", "type": "document"},
    ]
    case = completed(services.case_start(definition="media-intake", data={"files": files}, user=SYSTEM))
    assert sorted(case.data["handled"]) == ["a.png:image", "b.mp4:video", "c.pdf:document"]
    children = Case.objects.filter(parent=case)
    assert sorted(c.definition_name for c in children) == ["process-document", "process-image", "process-video"]
    assert all(c.state == "completed" for c in children)


def test_unknown_child_type_fails_that_item(e2e: Any) -> None:
    publish(
        net(
            "media-one",
            [{"id": "route", "kind": "composite", "workflow": "'process-' + data.type"}],
            [("start", "route"), ("route", "end")],
        )
    )
    case = services.case_start(definition="media-one", data={"type": "hologram"}, user=SYSTEM)
    item = WorkItem.objects.get(case=case, task="route")
    assert item.state == "failed" and "process-hologram" in item.error["message"]


def test_timer_fires_from_the_database_by_the_worker_sweep(e2e: Any) -> None:
    publish(
        net(
            "cool-off",
            [
                {"id": "wait", "kind": "timer", "duration": "duration('1s')"},
                {"id": "after", "kind": "automatic", "activity": "noop"},
            ],
            [("start", "wait"), ("wait", "after"), ("after", "end")],
        )
    )
    before = timezone.now()
    case = services.case_start(definition="cool-off", user=SYSTEM)
    after = timezone.now()
    timer = WorkItem.objects.get(case=case, task="wait")
    assert timer.due_at is not None and timer.state == "initialized"
    # one second after the timer was enabled, some time during the start (which can take a
    # while on a loaded machine: the due time is not measured from the row's created_at)
    assert before + dt.timedelta(seconds=1) <= timer.due_at <= after + dt.timedelta(seconds=1)
    case = wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").first(), what="the timer", timeout=10)
    fired = WorkItem.objects.get(pk=timer.pk)
    assert fired.state == "completed" and fired.updated_at >= fired.due_at


PIPELINE_CONFIG: list[dict[str, Any]] = [
    {"name": "validate", "expressions": {"valid": "data.value > 0"}},
    {"name": "transform", "expressions": {"doubled": "data.value * 2"}},
    {"name": "enrich", "expressions": {"label": "'item-' + string(data.doubled)"}},
]


def test_configuration_driven_pipeline_built_by_the_builder(e2e: Any) -> None:
    b = NetBuilder("configured-pipeline")
    steps = [
        b.automatic(s["name"], activity="cel.transform", input={"expressions": _cel_object(s["expressions"])})
        for s in PIPELINE_CONFIG
    ]
    b.sequence(b.start, *steps, b.end)
    doc = b.build(activity_exists=lambda name: get_activity(name) is not None)
    publish(doc)
    case = completed(services.case_start(definition="configured-pipeline", data={"value": 21}, user=SYSTEM))
    assert case.data == {"value": 21, "valid": True, "doubled": 42, "label": "item-42"}
    order = list(Event.objects.filter(case=case, type="task.completed").order_by("pk").values_list("task", flat=True))
    assert order == ["validate", "transform", "enrich"]


def _cel_object(expressions: dict[str, str]) -> str:
    """A CEL map literal of string literals: the activity's `expressions` input."""
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in expressions.items()) + "}"
