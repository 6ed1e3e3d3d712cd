"""Incidents through the API: an automatic item fails; staff skip it or retry it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import FAILING_NET, db_state, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def failing_net(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish(FAILING_NET)


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


@pytest.fixture
def failed_case(staff: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/cases/", {"definition": "failing"}, format="json")
    assert response.status_code == 201
    return staff.get(f"/api/cases/{response.json()['id']}/").json()


def test_a_failing_activity_leaves_a_failed_item_and_a_running_case(staff: Any, failed_case: dict[str, Any]) -> None:
    assert failed_case["state"] == "running"
    [item] = failed_case["work_items"]
    assert item["task"] == "charge"
    assert item["kind"] == "automatic"
    assert item["state"] == "failed"
    assert item["attempt"] == 1  # its retry policy allows one attempt
    assert item["input"] == {"message": "card declined"}
    assert item["error"]["type"] == "RuntimeError"
    assert item["error"]["message"] == "card declined"
    assert "Traceback" in item["error"]["traceback"]
    assert failed_case["tasks"]["charge"]["stats"]["failed"] == 1
    assert staff.get(f"/api/work-items/?state=failed&case={failed_case['id']}").json()["count"] == 1


def test_staff_skip_with_output_lets_the_case_complete(
    staff: Any, failed_case: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    item = failed_case["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/work-items/{item}/skip/", {"output": {"charged": 10}}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "completed"
    assert body["output"] == {"charged": 10}
    assert body["error"] is None
    case = staff.get(f"/api/cases/{failed_case['id']}/").json()
    assert case["state"] == "completed"
    assert case["data"] == {"charged": 10}
    types = [e["type"] for e in staff.get(f"/api/cases/{case['id']}/events/").json()["results"]]
    assert "work_item.failed" in types and "work_item.skipped" in types
    assert types[-1] == "case.completed"


def test_retry_fails_again_with_attempt_two(
    staff: Any, failed_case: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    item = failed_case["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/work-items/{item}/retry/")
    assert response.status_code == 200
    after = staff.get(f"/api/work-items/{item}/").json()
    assert after["state"] == "failed"
    assert after["attempt"] == 2
    assert after["error"]["message"] == "card declined"
    assert staff.get(f"/api/cases/{failed_case['id']}/").json()["state"] == "running"


def test_retry_with_new_input(staff: Any, failed_case: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    item = failed_case["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/work-items/{item}/retry/", {"input": {"message": "still declined"}}, format="json")
    after = staff.get(f"/api/work-items/{item}/").json()
    assert after["input"] == {"message": "still declined"}
    assert after["error"]["message"] == "still declined"
    assert after["attempt"] == 2


def test_retry_without_running_the_activity_shows_the_item_initialized(staff: Any, failed_case: dict[str, Any]) -> None:
    """The answer is built after the retry commits; here on_commit does not fire (test transaction)."""
    item = failed_case["work_items"][0]["id"]
    body = staff.post(f"/api/work-items/{item}/retry/").json()
    assert body["state"] == "initialized"
    assert body["attempt"] == 2
    assert body["error"] is None


def test_retry_a_non_failed_item_is_409_and_changes_nothing(
    staff: Any, failed_case: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    item = failed_case["work_items"][0]["id"]
    staff.post(f"/api/work-items/{item}/retry/")  # initialized again (the runner is not called here)
    before = db_state()
    response = staff.post(f"/api/work-items/{item}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed"
    assert db_state() == before


@pytest.mark.parametrize(("action", "body"), [("retry", {}), ("skip", {"output": {"charged": 1}})])
def test_non_staff_cannot_retry_or_skip(
    api_client: Any, operator_a: Any, failed_case: dict[str, Any], action: str, body: dict[str, Any]
) -> None:
    item = failed_case["work_items"][0]["id"]
    before = db_state()
    response = api_client(operator_a).post(f"/api/work-items/{item}/{action}/", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert db_state() == before


@pytest.mark.parametrize("body", [{"output": [1]}, {"output": "done"}, ["output"]])
def test_skip_with_output_not_an_object_is_400(staff: Any, failed_case: dict[str, Any], body: Any) -> None:
    item = failed_case["work_items"][0]["id"]
    before = db_state()
    response = staff.post(f"/api/work-items/{item}/skip/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert db_state() == before


def test_skip_a_completed_item_is_409(staff: Any, failed_case: dict[str, Any]) -> None:
    item = failed_case["work_items"][0]["id"]
    staff.post(f"/api/work-items/{item}/skip/", {"output": {"charged": 1}}, format="json")
    before = db_state()
    assert staff.post(f"/api/work-items/{item}/skip/").status_code == 409
    assert db_state() == before
