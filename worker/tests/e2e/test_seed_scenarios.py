"""The seeds' scenarios on real nets, run by a real Celery worker on the real Redis."""

from __future__ import annotations

from typing import Any

import pytest

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tests.e2e.conftest import wait_for


def auto(task_id: str, activity: str, **spec: Any) -> dict[str, Any]:
    return {"id": task_id, "kind": "automatic", "activity": activity, **spec}


def run_case(
    doc: dict[str, Any], data: dict[str, Any] | None = None, *, until: tuple[str, ...] = ("completed",)
) -> Case:
    publish(doc)
    case = services.case_start(definition=doc["name"], data=data or {}, user=SYSTEM)
    return wait_for(lambda: Case.objects.filter(pk=case.pk, state__in=until).first(), what=f"case in {until}")


def items(case: Case, task: str) -> list[WorkItem]:
    return list(WorkItem.objects.filter(case=case, task=task).order_by("created_at", "pk"))


CACHE_NET = net(
    "cache-check",
    [
        auto("check", "e2e.cache_lookup", input={"key": "data.key"}),
        auto("expensive", "e2e.expensive", input={"key": "data.key"}),
    ],
    [("start", "check"), ("check", "expensive"), ("expensive", "end")],
)


@pytest.mark.parametrize(
    ("key", "expensive_runs", "value"), [("known", 0, "cached value"), ("other", 1, "computed other")]
)
def test_cache_hit_terminates_the_case_and_a_miss_runs_the_expensive_step(
    e2e: Any, key: str, expensive_runs: int, value: str
) -> None:
    case = run_case(CACHE_NET, {"key": key})
    assert case.data["value"] == value
    assert len(items(case, "expensive")) == expensive_runs
    if expensive_runs == 0:
        assert case.reason == "cache hit"


def test_validation_cancels_the_case(e2e: Any) -> None:
    doc = net(
        "validate-order",
        [
            auto("validate", "e2e.validate", input={"quantity": "data.quantity"}),
            auto("ship", "e2e.expensive", input={"key": "'x'"}),
        ],
        [("start", "validate"), ("validate", "ship"), ("ship", "end")],
    )
    case = run_case(doc, {"quantity": 0}, until=("canceled",))
    assert case.reason == "invalid order: quantity 0"
    assert items(case, "ship") == []
    ok = services.case_start(definition="validate-order", data={"quantity": 2}, user=SYSTEM)
    wait_for(lambda: Case.objects.filter(pk=ok.pk, state="completed").exists(), what="the valid order")


def test_training_loop_iterates_until_095_then_saves_once(e2e: Any) -> None:
    doc = net(
        "training",
        [
            auto("train", "e2e.train", input={"epoch": "1"}, max_iterations=10),
            auto("save", "echo", input={"accuracy": "data.accuracy"}),
        ],
        [("start", "train"), ("train", "save"), ("save", "end")],
    )
    case = run_case(doc)
    runs = items(case, "train")
    assert [i.iteration for i in runs] == [1, 2, 3, 4]
    assert [i.input["epoch"] for i in runs] == [1, 2, 3, 4]
    assert case.data["accuracy"] == 0.95
    assert len(items(case, "save")) == 1
    assert Event.objects.filter(case=case, type="task.completed", task="train").count() == 1


def test_training_loop_over_its_bound_is_an_incident(e2e: Any) -> None:
    doc = net(
        "training-bounded",
        [auto("train", "e2e.train", input={"epoch": "1"}, max_iterations=2)],
        [("start", "train"), ("train", "end")],
    )
    publish(doc)
    case = services.case_start(definition=doc["name"], user=SYSTEM)
    failed = wait_for(lambda: WorkItem.objects.filter(case=case, state="failed").first(), what="the incident")
    assert failed.iteration == 2
    assert failed.error["type"] == "DirectiveError"
    assert "max_iterations" in failed.error["message"]
    assert Case.objects.get(pk=case.pk).state == "running"


RISKY_NET = net(
    "risky",
    [
        auto("risky", "e2e.risky", input={"explode": "data.explode"}),
        auto("normal", "echo", input={"path": "'normal'"}),
        auto("emergency", "echo", input={"path": "'emergency'"}, entry="directive"),
    ],
    [("start", "risky"), ("risky", "normal"), ("normal", "end"), ("emergency", "end")],
)


def test_risky_step_jumps_to_the_emergency_handler_skipping_its_successor(e2e: Any) -> None:
    case = run_case(RISKY_NET, {"explode": True})
    assert case.data["path"] == "emergency"
    assert items(case, "normal") == []
    calm = services.case_start(definition="risky", data={"explode": False}, user=SYSTEM)
    calm = wait_for(lambda: Case.objects.filter(pk=calm.pk, state="completed").first(), what="the calm case")
    assert calm.data["path"] == "normal"
    assert items(calm, "emergency") == []


def test_step_enqueues_extra_logging_and_continues(e2e: Any) -> None:
    doc = net(
        "with-logging",
        [
            auto("step", "e2e.step_with_logging"),
            auto("next", "echo", input={"after": "'step'"}),
            auto("log_extra", "echo", input={"logged": "true"}, entry="directive"),
            {"id": "join", "kind": "dummy", "join": "and"},
        ],
        [("start", "step"), ("step", "next"), ("next", "join"), ("log_extra", "join"), ("join", "end")],
    )
    case = run_case(doc)
    assert case.data["after"] == "step" and case.data["logged"] is True
    assert len(items(case, "next")) == 1 and len(items(case, "log_extra")) == 1
