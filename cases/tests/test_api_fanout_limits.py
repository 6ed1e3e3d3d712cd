"""Fan-out limits (issue 13 item 3, ADR 0067, docs/limits.md): work items per task and cases per
tree of composite cases. A clear 4xx where it can be known (publish, adding an item), otherwise
the task or the composite item fails with the reason; never a request that runs for minutes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.core.limits import LIMITS
from engine.models import Case, WorkItem
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


@pytest.fixture
def small_limits(monkeypatch: Any) -> None:
    monkeypatch.setattr(LIMITS, "max_items_per_task", 50)
    monkeypatch.setattr(LIMITS, "max_cases_per_root", 20)


def fan(name: str, **instances: Any) -> dict[str, Any]:
    return net(
        name,
        [{"id": "each", "kind": "manual", "instances": {"for_each": "data.items", **instances}}],
        [("start", "each"), ("each", "end")],
    )


def test_for_each_over_the_limit_fails_the_task_before_making_any_item(staff: Any, small_limits: None) -> None:
    publish(fan("fan-out"))
    response = staff.post("/api/cases/", {"definition": "fan-out", "data": {"items": list(range(51))}}, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["state"] == "failed"
    assert "at most 50 work items (WORKFLOW_MAX_ITEMS_PER_TASK), for_each gave 51" in case["reason"]
    assert WorkItem.objects.filter(case_id=case["id"]).count() == 0
    # at the limit: fine
    response = staff.post("/api/cases/", {"definition": "fan-out", "data": {"items": list(range(50))}}, format="json")
    assert response.json()["state"] == "running"
    assert WorkItem.objects.filter(case_id=response.json()["id"]).count() == 50


def test_a_million_elements_are_refused_in_well_under_a_second_of_engine_time(staff: Any) -> None:
    """The issue's for_each over 1,000,000 elements answered after 519 s with a million items."""
    publish(fan("fan-million"))
    began = time.monotonic()
    response = staff.post(
        "/api/cases/", {"definition": "fan-million", "data": {"items": [0] * 1_000_000}}, format="json"
    )
    took = time.monotonic() - began
    assert response.status_code == 201
    assert response.json()["state"] == "failed" and "at most 1000 work items" in response.json()["reason"]
    assert WorkItem.objects.count() == 0
    assert took < 30  # parsing and storing the million-element data dominates; no item is made


@pytest.mark.parametrize("key", ["max", "min", "threshold"])
def test_publishing_a_bound_over_the_limit_is_400_naming_the_field(staff: Any, small_limits: None, key: str) -> None:
    doc = fan("fan-publish", **{key: 51})
    if key != "max":
        doc["tasks"][0]["instances"]["max"] = 50
    assert staff.post("/api/definitions/", doc, format="json").status_code == 201  # a draft may be wrong
    before = db_state()
    response = staff.post("/api/definitions/fan-publish/publish/", {}, format="json")
    assert response.status_code == 400, response.json()
    [error] = [e for e in response.json()["errors"] if "WORKFLOW_MAX_ITEMS_PER_TASK" in e["message"]]
    assert error["element"] == "each" and error["path"] == f"/tasks/0/instances/{key}"
    assert db_state() == before


def test_adding_items_past_the_limit_is_409_and_changes_nothing(staff: Any, small_limits: None) -> None:
    publish(fan("fan-dynamic", creation="dynamic"))
    case = staff.post("/api/cases/", {"definition": "fan-dynamic", "data": {"items": list(range(49))}}, format="json")
    url = f"/api/cases/{case.json()['id']}/tasks/each/work-items/"
    assert staff.post(url, {"input": {"n": 1}}, format="json").status_code == 201  # the 50th
    before = db_state()
    response = staff.post(url, {"input": {"n": 2}}, format="json")
    assert response.status_code == 409, response.json()
    assert "maximum of 50 work items" in response.json()["detail"]
    assert db_state() == before


def test_a_composite_that_starts_itself_twice_stops_at_the_cases_per_root_limit(
    staff: Any, small_limits: None, settings: Any
) -> None:
    """The issue's self-starting composite made 2,047 cases from one request."""
    settings.WORKFLOW_RUNNER = "inline"
    publish(
        net(
            "fork",
            [
                {
                    "id": "twice",
                    "kind": "composite",
                    "workflow": "'fo' + 'rk'",  # computed: the definition may name itself
                    "instances": {"for_each": "[1, 2]"},
                }
            ],
            [("start", "twice"), ("twice", "end")],
        )
    )
    began = time.monotonic()
    response = staff.post("/api/cases/", {"definition": "fork"}, format="json")
    assert response.status_code == 201, response.json()
    assert time.monotonic() - began < 30
    root = response.json()["id"]
    assert Case.objects.count() == 20  # the root and 19 descendants, not 2,047
    refused = WorkItem.objects.filter(state="failed", kind="composite")
    assert refused.exists()
    messages = [i.error["message"] for i in refused]
    assert any("WORKFLOW_MAX_CASES_PER_ROOT" in m for m in messages)
    assert all("WORKFLOW_MAX_CASES_PER_ROOT" in m or "WORKFLOW_MAX_CHILD_DEPTH" in m for m in messages)
    assert Case.objects.get(pk=root).state == "running"  # its subtree waits on incidents
