"""Runtime CEL errors in a task's own expressions (issue 13, item 4): `priority`, `assign.user`,
`due` failing on the case's data. The work item fails (the task's on_failure policy: an incident
by default), the request that got there answers as usual, never a 500, and the case is not
stuck: the operator fixes the data and retries the item."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


def two_manual(name: str, **second: Any) -> None:
    publish(
        net(
            name,
            [{"id": "first", "kind": "manual"}, {"id": "second", "kind": "manual", **second}],
            [("start", "first"), ("first", "second"), ("second", "end")],
        )
    )


FAILING = [
    pytest.param({"priority": "data.x / data.z"}, "division by zero", {"z": 2}, 5, id="priority-div0"),
    pytest.param({"priority": "data.x * 1000000000000"}, "priority must be between", {"x": 0}, 0, id="priority-range"),
    pytest.param({"assign": {"user": "string(data.x / data.z)"}}, "division by zero", {"z": 2}, None, id="user-div0"),
    pytest.param({"assign": {"user": "data.missing.name"}}, "", {"missing": {"name": "ann"}}, None, id="user-missing"),
    pytest.param({"due": "duration(string(data.x / data.z) + 's')"}, "division by zero", {"z": 2}, None, id="due-div0"),
    pytest.param({"due": "data.x * 100000000000"}, "out of range", {"x": 1}, None, id="due-out-of-range"),
]


@pytest.mark.parametrize(("spec", "message", "fixed", "priority"), FAILING)
def test_an_expression_failing_on_the_data_fails_the_item_and_the_operator_can_retry(
    staff: Any, spec: dict[str, Any], message: str, fixed: dict[str, Any], priority: int | None
) -> None:
    two_manual("expr-errors", **spec)
    response = staff.post("/api/cases/", {"definition": "expr-errors", "data": {"x": 10, "z": 0}}, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    [first] = case["work_items"]
    response = staff.post(f"/api/work-items/{first['id']}/complete/", {"output": {}}, format="json")
    assert response.status_code == 200, response.json()  # it used to answer 500 and change nothing
    case = staff.get(f"/api/cases/{case['id']}/").json()
    assert case["state"] == "running"
    assert case["tasks"]["first"]["state"] == "completed"
    [item] = [i for i in case["work_items"] if i["task"] == "second"]
    assert item["state"] == "failed"
    assert item["error"]["type"] == "ExpressionError"
    assert message in item["error"]["message"]
    assert case["tasks"]["second"]["stats"]["failed"] == 1
    # the operator fixes the data and retries: the allocation is evaluated again
    response = staff.post(f"/api/cases/{case['id']}/data/", {"data": fixed}, format="json")
    assert response.status_code == 200, response.json()
    response = staff.post(f"/api/work-items/{item['id']}/retry/", {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "initialized" and body["error"] is None
    if priority is not None:
        assert body["priority"] == priority
    if "assign" in spec:
        assert body["offered_user"] in ("5", "ann")
    response = staff.post(f"/api/work-items/{item['id']}/complete/", {"output": {}}, format="json")
    assert response.status_code == 200, response.json()
    assert staff.get(f"/api/cases/{case['id']}/").json()["state"] == "completed"


def test_a_constant_that_never_evaluates_is_skipped_and_the_case_completes(staff: Any) -> None:
    two_manual("expr-skip", priority="'high'")
    case = staff.post("/api/cases/", {"definition": "expr-skip", "data": {}}, format="json").json()
    staff.post(f"/api/work-items/{case['work_items'][0]['id']}/complete/", {"output": {}}, format="json")
    [item] = [i for i in staff.get(f"/api/cases/{case['id']}/").json()["work_items"] if i["task"] == "second"]
    response = staff.post(f"/api/work-items/{item['id']}/retry/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "failed"  # evaluated again, fails again
    response = staff.post(f"/api/work-items/{item['id']}/skip/", {"output": {}}, format="json")
    assert response.status_code == 200, response.json()
    assert staff.get(f"/api/cases/{case['id']}/").json()["state"] == "completed"


def test_the_first_task_failing_its_allocation_at_start_still_starts_the_case(staff: Any) -> None:
    publish(
        net(
            "expr-at-start",
            [{"id": "only", "kind": "manual", "priority": "1 / data.z"}],
            [("start", "only"), ("only", "end")],
        )
    )
    response = staff.post("/api/cases/", {"definition": "expr-at-start", "data": {"z": 0}}, format="json")
    assert response.status_code == 201, response.json()
    [item] = response.json()["work_items"]
    assert item["state"] == "failed" and item["error"]["type"] == "ExpressionError"


def test_on_failure_fail_fails_the_case_with_the_expression_error(staff: Any) -> None:
    two_manual("expr-fail-policy", priority="data.x / data.z", on_failure="fail")
    case = staff.post("/api/cases/", {"definition": "expr-fail-policy", "data": {"x": 1, "z": 0}}, format="json").json()
    response = staff.post(f"/api/work-items/{case['work_items'][0]['id']}/complete/", {"output": {}}, format="json")
    assert response.status_code == 200
    body = staff.get(f"/api/cases/{case['id']}/").json()
    assert body["state"] == "failed" and "division by zero" in body["reason"]


def test_an_expression_error_escaping_to_the_api_is_a_409_and_changes_nothing(staff: Any) -> None:
    publish(
        net(
            "expr-query",
            [{"id": "only", "kind": "manual"}],
            [("start", "only"), ("only", "end")],
            queries=[{"name": "q", "expr": "1 / data.z"}],
        )
    )
    case = staff.post("/api/cases/", {"definition": "expr-query", "data": {"z": 0}}, format="json").json()
    before = db_state()
    response = staff.get(f"/api/cases/{case['id']}/queries/q/")
    assert response.status_code == 409
    assert response.json()["code"] in ("query_failed", "expression_failed")
    assert db_state() == before
