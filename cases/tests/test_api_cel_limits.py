"""CEL limits through the API (issue 13 item 2, ADR 0066): the expensive query that held the
web server for 28 s answers a clear 409 within the time limit, and an expensive expression in a
task fails that task's item (an incident) instead of holding the request."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.core.limits import LIMITS
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db

THREE_LEVELS = "data.l.map(a, data.l.map(b, data.l.map(c, a + b + c)))"


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


def test_an_expensive_query_fails_fast_with_409_and_changes_nothing(staff: Any) -> None:
    assert LIMITS.cel_timeout <= 1.0  # the default: no request waits on CEL for longer
    publish(
        net(
            "heavy-query",
            [{"id": "only", "kind": "manual"}],
            [("start", "only"), ("only", "end")],
            queries=[{"name": "cube", "expr": THREE_LEVELS}, {"name": "size", "expr": "data.l.size()"}],
        )
    )
    case = staff.post("/api/cases/", {"definition": "heavy-query", "data": {"l": list(range(100))}}, format="json")
    assert case.status_code == 201
    before = db_state()
    began = time.monotonic()
    response = staff.get(f"/api/cases/{case.json()['id']}/queries/cube/")
    took = time.monotonic() - began
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "query_failed"
    assert "limit" in response.json()["detail"]
    assert took < LIMITS.cel_timeout + 1.5  # it took 28 s
    assert db_state() == before
    assert staff.get(f"/api/cases/{case.json()['id']}/queries/size/").status_code == 200


def test_an_expensive_priority_fails_its_item_and_the_request_answers_at_once(staff: Any) -> None:
    publish(
        net(
            "heavy-priority",
            [{"id": "only", "kind": "manual", "priority": f"{THREE_LEVELS}.size()"}],
            [("start", "only"), ("only", "end")],
        )
    )
    began = time.monotonic()
    response = staff.post(
        "/api/cases/", {"definition": "heavy-priority", "data": {"l": list(range(100))}}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert time.monotonic() - began < LIMITS.cel_timeout + 1.5
    [item] = response.json()["work_items"]
    assert item["state"] == "failed"
    assert "time limit" in item["error"]["message"] or "cost limit" in item["error"]["message"]


def test_an_expensive_predicate_is_an_incident_on_the_completing_item(staff: Any) -> None:
    doc = net(
        "heavy-split",
        [{"id": "first", "kind": "manual", "split": "xor"}, {"id": "a", "kind": "dummy"}, {"id": "b", "kind": "dummy"}],
        [("start", "first"), ("first", "a"), ("first", "b"), ("a", "end"), ("b", "end")],
    )
    doc["flows"][1]["when"] = f"{THREE_LEVELS}.size() > 0"
    doc["flows"][2]["default"] = True
    publish(doc)
    case = staff.post(
        "/api/cases/", {"definition": "heavy-split", "data": {"l": list(range(100))}}, format="json"
    ).json()
    response = staff.post(f"/api/work-items/{case['work_items'][0]['id']}/complete/", {"output": {}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "failed"
    assert "limit" in response.json()["error"]["message"]
