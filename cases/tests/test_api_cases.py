"""Case API: flows for every endpoint, visibility, and refusals that leave the database unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from engine import services
from engine.access import SYSTEM
from engine.models import Case, WorkItem
from tests.helpers import RESTRICTED_NET, db_state, make_user, publish, publish_demo_nets

pytestmark = pytest.mark.django_db

CASE_KEYS = {
    "id",
    "definition",
    "version",
    "state",
    "data",
    "parent",
    "marking",
    "tasks",
    "work_items",
    "created_at",
    "ended_at",
    "reason",
    "business_key",
    "children",
}
ITEM_KEYS = {
    "id",
    "case",
    "task",
    "generation",
    "kind",
    "state",
    "input",
    "output",
    "assignee",
    "role",
    "attempt",
    "error",
    "created_at",
    "updated_at",
    "offered_user",
    "priority",
    "due_at",
    "follow_up",
    "iteration",
    "definition",
    "task_label",
    "task_description",
    "case_state",
    "form",
}
INVOICE = {"vendor": "ACME", "amount": 500.0}


@pytest.fixture(autouse=True)
def demo(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish_demo_nets()
    publish(RESTRICTED_NET)


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


def start(client: Any, definition: str = "invoice-approval", data: Any = None, **extra: Any) -> Any:
    body = {"definition": definition, **extra}
    if data is not None:
        body["data"] = data
    return client.post("/api/cases/", body, format="json")


# ---------------------------------------------------------------------- start


def test_start_answers_the_case(staff: Any) -> None:
    response = start(staff, data=INVOICE)
    assert response.status_code == 201, response.json()
    case = response.json()
    assert set(case) == CASE_KEYS
    assert case["definition"] == "invoice-approval"
    assert case["version"] == 1
    assert case["state"] == "running"
    assert case["data"] == INVOICE
    assert case["parent"] is None
    assert case["children"] == []
    assert case["ended_at"] is None
    assert case["reason"] == ""
    assert case["marking"] == {"start": 1}  # consumed when `review` starts
    assert case["tasks"]["review"] == {
        "state": "enabled",
        "generation": 1,
        "error": None,
        "stats": {"total": 1, "initialized": 1, "started": 0, "completed": 0, "failed": 0, "canceled": 0},
    }
    assert case["tasks"]["pay"]["state"] == "disabled"
    [item] = case["work_items"]
    assert set(item) == ITEM_KEYS
    assert item["task"] == "review"
    assert item["kind"] == "manual"
    assert item["state"] == "initialized"
    assert item["role"] == "clerks"
    assert item["priority"] == 1
    assert item["due_at"] is not None
    assert item["case"] == case["id"]
    assert item["definition"] == "invoice-approval"
    assert item["task_label"] == "Review invoice"
    assert item["form"]["required"] == ["approved"]
    assert Case.objects.get(pk=case["id"]).started_by.username == "staff"


def test_start_a_given_version(staff: Any) -> None:
    staff.post("/api/definitions/invoice-approval/publish/")
    assert start(staff, data=INVOICE).json()["version"] == 2
    assert start(staff, data=INVOICE, version=1).json()["version"] == 1


def test_start_runs_automatic_work_right_after_commit(staff: Any, django_capture_on_commit_callbacks: Any) -> None:
    """order-fulfilment's charge_payment (automatic) runs inline once the order is accepted."""
    case = start(staff, "order-fulfilment", {"customer": "Bo"}).json()
    accept = case["work_items"][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/work-items/{accept['id']}/complete/", {"output": {}}, format="json")
    assert response.status_code == 200
    case = staff.get(f"/api/cases/{case['id']}/").json()
    assert case["tasks"]["charge_payment"]["state"] == "completed"
    assert case["marking"] == {"to_pick": 1, "cancellable": 1, "charged": 1}
    assert {i["task"] for i in case["work_items"]} == {"pick_items", "cancel_order"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"definition": "nope"}, 404, "not_found"),
        ({"definition": "invoice-approval", "version": 7, "data": INVOICE}, 404, "not_found"),
        ({"definition": "invoice-approval", "data": {"vendor": "ACME"}}, 400, "invalid"),
        ({"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": -1}}, 400, "invalid"),
        ({"definition": "invoice-approval", "data": [1, 2]}, 400, "invalid"),
        ({"definition": "invoice-approval", "data": "x"}, 400, "invalid"),
        ({"definition": "invoice-approval", "version": "latest"}, 400, "invalid"),
        ({"data": INVOICE}, 400, "invalid"),
        ([], 400, "invalid"),
    ],
    ids=[
        "unknown-definition",
        "unknown-version",
        "missing-field",
        "out-of-range",
        "data-list",
        "data-string",
        "version-not-int",
        "no-definition",
        "body-not-object",
    ],
)
def test_start_refusals_change_nothing(staff: Any, body: Any, status: int, code: str) -> None:
    before = db_state()
    response = staff.post("/api/cases/", body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert db_state() == before


def test_start_with_data_breaking_the_schema_names_the_fields(staff: Any) -> None:
    response = start(staff, data={"vendor": 3})
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"vendor", "amount"}


def test_start_refused_by_start_roles_is_403(api_client: Any, operator_a: Any, operator_b: Any) -> None:
    before = db_state()
    response = start(api_client(operator_a), "restricted")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert db_state() == before
    assert start(api_client(operator_b), "restricted").status_code == 201  # a manager


# ---------------------------------------------------------------------- list and get


def test_list_with_filters_and_pages(staff: Any) -> None:
    ids = [start(staff, data=INVOICE).json()["id"] for _ in range(3)]
    other = start(staff, "document-check").json()["id"]
    staff.post(f"/api/cases/{ids[0]}/cancel/")

    body = staff.get("/api/cases/").json()
    assert body["count"] == 4
    assert [c["id"] for c in body["results"]] == [other, *reversed(ids)]  # newest first
    assert set(body["results"][0]) == CASE_KEYS

    assert [c["id"] for c in staff.get("/api/cases/?state=canceled").json()["results"]] == [ids[0]]
    running = staff.get("/api/cases/?state=running&definition=invoice-approval").json()
    assert [c["id"] for c in running["results"]] == [ids[2], ids[1]]

    page = staff.get("/api/cases/?page_size=2&page=2").json()
    assert page["count"] == 4
    assert page["previous"] is not None and page["next"] is None
    assert [c["id"] for c in page["results"]] == [ids[1], ids[0]]


def test_list_bad_filter_is_400(staff: Any) -> None:
    response = staff.get("/api/cases/?state=sleeping")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "state"


def test_list_costs_a_fixed_number_of_queries(staff: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        start(staff, data=INVOICE)
        start(staff, "batch-review", {"documents": ["a", "b"]})
    with django_assert_max_num_queries(8):
        body = staff.get("/api/cases/").json()
    assert body["count"] == 10
    assert all(i["form"] for c in body["results"] for i in c["work_items"])


def test_non_staff_see_their_cases(api_client: Any, staff: Any, operator_a: Any, operator_b: Any) -> None:
    invoice = start(staff, data=INVOICE).json()["id"]  # review offered to clerks
    check = start(staff, "document-check").json()["id"]  # offered to managers
    own = start(api_client(operator_b), "order-fulfilment", {"customer": "Bo"}).json()["id"]  # clerks' item

    clerk = api_client(operator_a)
    assert [c["id"] for c in clerk.get("/api/cases/").json()["results"]] == [own, invoice]
    manager = api_client(operator_b)
    assert [c["id"] for c in manager.get("/api/cases/").json()["results"]] == [own, check]

    assert clerk.get(f"/api/cases/{invoice}/").status_code == 200
    response = clerk.get(f"/api/cases/{check}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # operator_b started `own` but may not see the clerks' work item in it
    assert manager.get(f"/api/cases/{own}/").json()["work_items"] == []
    assert len(clerk.get(f"/api/cases/{own}/").json()["work_items"]) == 1


def test_get_unknown_is_404(staff: Any) -> None:
    assert staff.get("/api/cases/999999/").status_code == 404


def test_child_cases_are_listed_on_the_parent(staff: Any, django_capture_on_commit_callbacks: Any) -> None:
    parent = start(staff, "document-intake", {"source": "mail"}).json()
    register = parent["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/work-items/{register}/complete/", {"output": {"title": "Lease"}}, format="json")
    parent = staff.get(f"/api/cases/{parent['id']}/").json()
    [child_id] = parent["children"]
    child = staff.get(f"/api/cases/{child_id}/").json()
    assert child["parent"] == parent["id"]
    assert child["definition"] == "document-check"
    assert child["data"] == {"title": "Lease"}
    check = child["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/api/work-items/{check}/complete/", {"output": {"ok": True}}, format="json")
    parent = staff.get(f"/api/cases/{parent['id']}/").json()
    assert parent["state"] == "completed"
    assert parent["data"]["accepted"] is True
    assert parent["ended_at"] is not None


# ---------------------------------------------------------------------- cancel, suspend, resume


def test_cancel(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    response = staff.post(f"/api/cases/{case['id']}/cancel/", {"reason": "duplicate"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "canceled"
    assert body["reason"] == "duplicate"
    assert body["ended_at"] is not None
    assert body["work_items"] == []
    assert WorkItem.objects.get(pk=case["work_items"][0]["id"]).state == "canceled"


def test_cancel_without_a_body(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    response = staff.post(f"/api/cases/{case['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["state"] == "canceled"


def test_cancel_twice_is_409_and_changes_nothing(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    staff.post(f"/api/cases/{case['id']}/cancel/")
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/cancel/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed"
    assert db_state() == before


def test_cancel_with_a_bad_reason_is_400(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/cancel/", {"reason": {"why": 1}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    assert db_state() == before


def test_suspend_and_resume(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    response = staff.post(f"/api/cases/{case['id']}/suspend/")
    assert response.status_code == 200
    assert response.json()["state"] == "suspended"
    before = db_state()
    assert staff.post(f"/api/cases/{case['id']}/suspend/").status_code == 409
    assert db_state() == before

    response = staff.post(f"/api/cases/{case['id']}/resume/")
    assert response.status_code == 200
    assert response.json()["state"] == "running"
    before = db_state()
    assert staff.post(f"/api/cases/{case['id']}/resume/").status_code == 409
    assert db_state() == before


def test_completing_an_item_of_a_suspended_case_is_409_and_changes_nothing(
    staff: Any, api_client: Any, operator_a: Any
) -> None:
    case = start(staff, data=INVOICE).json()
    item = case["work_items"][0]["id"]
    staff.post(f"/api/cases/{case['id']}/suspend/")
    before = db_state()
    response = api_client(operator_a).post(
        f"/api/work-items/{item}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "the case is suspended"
    assert db_state() == before


def test_claiming_an_item_of_a_suspended_case_is_409_and_the_item_says_so(
    staff: Any, api_client: Any, operator_a: Any
) -> None:
    case = start(staff, data=INVOICE).json()
    item = case["work_items"][0]["id"]
    clerk = api_client(operator_a)
    assert clerk.get(f"/api/work-items/{item}/").json()["case_state"] == "running"
    staff.post(f"/api/cases/{case['id']}/suspend/")
    assert clerk.get(f"/api/work-items/{item}/").json()["case_state"] == "suspended"
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/claim/")
    assert response.status_code == 409
    assert "suspended" in response.json()["detail"] and "resumes" in response.json()["detail"]
    assert db_state() == before
    staff.post(f"/api/cases/{case['id']}/resume/")
    assert clerk.post(f"/api/work-items/{item}/claim/").status_code == 200


def test_each_missing_field_and_blank_required_text_is_named(staff: Any, api_client: Any, operator_b: Any) -> None:
    # the review form requires `approved`, and `comment` when not approved
    case = start(staff, data=INVOICE).json()
    item = case["work_items"][0]["id"]
    response = staff.post(f"/api/work-items/{item}/complete/", {"output": {"approved": False}}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["comment"]
    before = db_state()
    response = staff.post(
        f"/api/work-items/{item}/complete/", {"output": {"approved": False, "comment": "  "}}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["comment"]
    assert db_state() == before
    # two required fields missing: one error under each (they were both under the first)
    response = start(staff, data={})
    assert sorted(e["field"] for e in response.json()["errors"]) == ["amount", "vendor"]
    assert [e["field"] for e in start(staff, data={"vendor": "ACME", "amount": -5}).json()["errors"]] == ["amount"]
    assert [e["field"] for e in start(staff, data={"vendor": " ", "amount": 5}).json()["errors"]] == ["vendor"]


def test_the_case_net_is_shown_to_whoever_sees_the_case(
    staff: Any, api_client: Any, operator_a: Any, operator_b: Any
) -> None:
    case = start(staff, data=INVOICE).json()  # the review is offered to clerks
    response = api_client(operator_a).get(f"/api/cases/{case['id']}/net/")
    assert response.status_code == 200
    body = response.json()
    assert body["definition"] == "invoice-approval" and body["version"] == 1
    assert {t["id"] for t in body["net"]["tasks"]} >= {"review", "pay"}
    assert api_client(operator_b).get(f"/api/cases/{case['id']}/net/").status_code == 404


@pytest.mark.parametrize("action", ["cancel", "suspend", "resume"])
def test_non_staff_cannot_operate_cases(api_client: Any, staff: Any, operator_a: Any, action: str) -> None:
    case = start(api_client(operator_a), data=INVOICE).json()  # even their own case
    if action == "resume":
        staff.post(f"/api/cases/{case['id']}/suspend/")
    before = db_state()
    response = api_client(operator_a).post(f"/api/cases/{case['id']}/{action}/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert db_state() == before


def test_operating_an_unknown_case_is_404(staff: Any) -> None:
    assert staff.post("/api/cases/999999/cancel/").status_code == 404


# ---------------------------------------------------------------------- data


def test_update_data_merges(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    response = staff.post(f"/api/cases/{case['id']}/data/", {"data": {"amount": 750.0, "note": "x"}}, format="json")
    assert response.status_code == 200
    assert response.json()["data"] == {"vendor": "ACME", "amount": 750.0, "note": "x"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"data": {"amount": "lots"}}, "amount"), ({"data": [1]}, "data"), ({}, "data")],
    ids=["breaks-schema", "not-an-object", "missing"],
)
def test_update_data_refusals_change_nothing(staff: Any, body: Any, field: str) -> None:
    case = start(staff, data=INVOICE).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/data/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert db_state() == before


def test_update_data_non_staff_is_403(api_client: Any, staff: Any, operator_a: Any) -> None:
    case = start(staff, data=INVOICE).json()
    before = db_state()
    response = api_client(operator_a).post(f"/api/cases/{case['id']}/data/", {"data": {"amount": 1}}, format="json")
    assert response.status_code == 403
    assert db_state() == before


def test_update_data_of_an_ended_case_is_409(staff: Any) -> None:
    case = start(staff, data=INVOICE).json()
    staff.post(f"/api/cases/{case['id']}/cancel/")
    before = db_state()
    assert staff.post(f"/api/cases/{case['id']}/data/", {"data": {"amount": 1}}, format="json").status_code == 409
    assert db_state() == before


# ---------------------------------------------------------------------- signals, queries, events


def test_undeclared_signal_is_404_and_changes_nothing(staff: Any, api_client: Any, operator_b: Any) -> None:
    case = start(staff, data=INVOICE).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/signals/paid/", {"payload": {}}, format="json")
    assert response.status_code == 404  # the invoice net declares no signal "paid"
    assert response.json()["code"] == "not_found"
    assert staff.post("/api/cases/999999/signals/paid/").status_code == 404
    assert api_client(operator_b).post(f"/api/cases/{case['id']}/signals/paid/").status_code == 404  # invisible
    assert db_state() == before


def test_queries(staff: Any, api_client: Any, operator_a: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = start(staff, data=INVOICE).json()
    response = staff.get(f"/api/cases/{case['id']}/queries/status/")
    assert response.status_code == 200
    assert response.json() == {"result": "open"}
    item = case["work_items"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api_client(operator_a).post(f"/api/work-items/{item}/complete/", {"output": {"approved": True}}, format="json")
    assert api_client(operator_a).get(f"/api/cases/{case['id']}/queries/status/").json() == {"result": "paid"}

    response = staff.get(f"/api/cases/{case['id']}/queries/nope/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_query_sees_data_and_case_and_fails_cleanly(api_client: Any, operator_b: Any) -> None:
    manager = api_client(operator_b)
    case = start(manager, "restricted", {"amount": 21}).json()
    assert manager.get(f"/api/cases/{case['id']}/queries/double/").json() == {"result": 42}
    assert manager.get(f"/api/cases/{case['id']}/queries/who/").json() == {"result": "restricted"}
    manager_case = start(manager, "restricted").json()
    response = manager.get(f"/api/cases/{manager_case['id']}/queries/double/")
    assert response.status_code == 409
    assert response.json()["code"] == "query_failed"


def test_events_oldest_first_and_paginated(staff: Any, api_client: Any, operator_a: Any) -> None:
    case = start(staff, data=INVOICE).json()
    item = case["work_items"][0]["id"]
    api_client(operator_a).post(f"/api/work-items/{item}/claim/")
    body = staff.get(f"/api/cases/{case['id']}/events/").json()
    events = body["results"]
    assert body["count"] == len(events)
    assert set(events[0]) == {"id", "type", "task", "work_item", "payload", "actor", "created_at"}
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert events[0]["type"] == "case.started"
    assert events[0]["payload"] == {"data": INVOICE}
    assert events[0]["actor"] == "staff"
    claimed = events[-1]
    assert claimed["type"] == "work_item.claimed"
    assert claimed["work_item"] == item
    assert claimed["task"] == "review"
    assert claimed["actor"] == "operator_a"

    page = staff.get(f"/api/cases/{case['id']}/events/?page_size=2").json()
    assert [e["id"] for e in page["results"]] == [e["id"] for e in events[:2]]
    assert page["next"] is not None


def test_events_of_an_invisible_case_are_404(staff: Any, api_client: Any, operator_b: Any) -> None:
    case = start(staff, data=INVOICE).json()
    assert api_client(operator_b).get(f"/api/cases/{case['id']}/events/").status_code == 404


# ---------------------------------------------------------------------- adding work items


def test_add_a_work_item_to_a_dynamic_task(staff: Any, api_client: Any, operator_a: Any) -> None:
    case = start(staff, "batch-review", {"documents": ["a", "b"]}).json()
    assert len(case["work_items"]) == 2
    response = staff.post(
        f"/api/cases/{case['id']}/tasks/review_document/work-items/", {"input": {"document": "c"}}, format="json"
    )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["task"] == "review_document"
    assert item["input"] == {"document": "c"}
    assert item["state"] == "initialized"
    assert item["role"] == "clerks"
    assert item["form"]["required"] == ["ok"]
    case = staff.get(f"/api/cases/{case['id']}/").json()
    assert case["tasks"]["review_document"]["stats"]["total"] == 3
    assert item["id"] in {i["id"] for i in case["work_items"]}


@pytest.mark.parametrize(
    ("definition", "data", "task", "body", "status"),
    [
        ("invoice-approval", INVOICE, "review", {"input": {}}, 409),  # not dynamic
        ("invoice-approval", INVOICE, "nope", {"input": {}}, 404),  # unknown task
        ("batch-review", {"documents": ["a"]}, "summarize", {"input": {}}, 409),  # not dynamic
        ("batch-review", {"documents": ["a"]}, "review_document", {"input": [1]}, 400),  # input not an object
    ],
    ids=["not-dynamic", "unknown-task", "automatic-not-dynamic", "bad-input"],
)
def test_add_work_item_refusals_change_nothing(
    staff: Any, definition: str, data: Any, task: str, body: Any, status: int
) -> None:
    case = start(staff, definition, data).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/tasks/{task}/work-items/", body, format="json")
    assert response.status_code == status, response.json()
    assert db_state() == before


def test_add_work_item_to_a_canceled_case_or_at_the_maximum_is_409(staff: Any) -> None:
    case = start(staff, "batch-review", {"documents": ["a"]}).json()
    staff.post(f"/api/cases/{case['id']}/cancel/")
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/tasks/review_document/work-items/", {}, format="json")
    assert response.status_code == 409
    assert db_state() == before

    case = start(staff, "batch-review", {"documents": ["d"] * 1000}).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/tasks/review_document/work-items/", {}, format="json")
    assert response.status_code == 409
    assert "maximum" in response.json()["detail"]
    assert db_state() == before


def test_add_work_item_non_staff_is_403(staff: Any, api_client: Any, operator_a: Any) -> None:
    case = start(staff, "batch-review", {"documents": ["a"]}).json()
    before = db_state()
    response = api_client(operator_a).post(
        f"/api/cases/{case['id']}/tasks/review_document/work-items/", {}, format="json"
    )
    assert response.status_code == 403
    assert db_state() == before


# ---------------------------------------------------------------------- the whole flow, activities, auth


def test_invoice_flow_end_to_end(
    api_client: Any, django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = api_client(make_user(django_user_model, "clara", "clerks"))
    manager = api_client(make_user(django_user_model, "max", "managers"))
    case = start(clerk, data={"vendor": "Big", "amount": 5000.0}).json()
    review = case["work_items"][0]
    assert review["priority"] == 2

    assert clerk.post(f"/api/work-items/{review['id']}/claim/").json()["assignee"] == "clara"
    assert clerk.post(f"/api/work-items/{review['id']}/start/").json()["state"] == "started"
    with django_capture_on_commit_callbacks(execute=True):
        done = clerk.post(
            f"/api/work-items/{review['id']}/complete/", {"output": {"approved": True, "comment": "ok"}}, format="json"
        )
    assert done.status_code == 200
    assert done.json()["state"] == "completed"
    assert done.json()["output"] == {"approved": True, "comment": "ok"}

    [approval] = manager.get("/api/work-items/?available=true").json()["results"]
    assert approval["task"] == "manager_approval"
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            f"/api/work-items/{approval['id']}/complete/", {"output": {"manager_ok": True}}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["assignee"] == "max"

    case = clerk.get(f"/api/cases/{case['id']}/").json()
    assert case["state"] == "completed"
    assert case["marking"] == {"end": 1}
    assert case["data"]["paid_amount"] == 5000.0
    assert case["work_items"] == []
    assert case["tasks"]["pay"]["state"] == "completed"
    types = [e["type"] for e in clerk.get(f"/api/cases/{case['id']}/events/?page_size=500").json()["results"]]
    assert types[0] == "case.started" and types[-1] == "case.completed"


def test_activities_for_any_signed_in_user(api_client: Any, operator_a: Any) -> None:
    response = api_client(operator_a).get("/api/activities/")
    assert response.status_code == 200
    rows = {a["name"]: a for a in response.json()["results"]}
    assert {"noop", "echo", "fail", "cel.transform"} <= set(rows)
    assert set(rows["noop"]) == {"name", "description", "input_schema", "output_schema"}
    assert rows["noop"]["output_schema"] == {"type": "object", "maxProperties": 0}
    assert rows["noop"]["input_schema"] == {"type": "object"}
    assert rows["echo"]["input_schema"] == {"type": "object"}
    assert {"wait", "http.request", "email.send"} <= set(rows)
    assert rows["echo"]["description"] == "Returns its input as its output."


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/activities/"),
        ("get", "/api/cases/"),
        ("post", "/api/cases/"),
        ("get", "/api/cases/{id}/"),
        ("post", "/api/cases/{id}/cancel/"),
        ("post", "/api/cases/{id}/suspend/"),
        ("post", "/api/cases/{id}/resume/"),
        ("post", "/api/cases/{id}/data/"),
        ("post", "/api/cases/{id}/signals/paid/"),
        ("get", "/api/cases/{id}/queries/status/"),
        ("get", "/api/cases/{id}/events/"),
        ("post", "/api/cases/{id}/tasks/review/work-items/"),
    ],
)
def test_anonymous_is_401(api_client: Any, staff: Any, method: str, url: str) -> None:
    case = start(staff, data=INVOICE).json()
    before = db_state()
    response = getattr(api_client(), method)(
        url.format(id=case["id"]), {"definition": "invoice-approval"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert db_state() == before


def test_schema_documents_the_endpoints(api_client: Any) -> None:
    schema = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in [
        "/api/cases/",
        "/api/cases/{case_id}/data/",
        "/api/work-items/{item_id}/complete/",
        "/api/definitions/import/",
        "/api/definitions/{name}/export/",
        "/api/activities/",
    ]:
        assert path in paths
    start_op = paths["/api/cases/"]["post"]
    assert start_op["operationId"] == "cases_start"
    assert "201" in start_op["responses"] and "404" in start_op["responses"]
    assert "CaseStartInputRequest" in schema["components"]["schemas"]


def test_services_and_api_agree_on_the_case(staff: Any) -> None:
    case = services.case_start(definition="invoice-approval", data=INVOICE, user=SYSTEM)
    assert staff.get(f"/api/cases/{case.pk}/").json()["state"] == "running"


# ---------------------------------------------------------------------- force-completing a task (WCP-27)


def test_force_complete_a_multi_instance_task(staff: Any) -> None:
    case = start(staff, "batch-review", {"documents": ["a", "b"]}).json()
    response = staff.post(f"/api/cases/{case['id']}/tasks/review_document/complete/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["tasks"]["review_document"]["state"] == "completed"
    assert all(i["task"] != "review_document" for i in body["work_items"] if i["state"] == "initialized")


@pytest.mark.parametrize(
    ("definition", "data", "task", "status"),
    [
        ("invoice-approval", INVOICE, "review", 409),  # not multi-instance
        ("invoice-approval", INVOICE, "nope", 404),  # unknown task
    ],
    ids=["not-multi-instance", "unknown-task"],
)
def test_force_complete_refusals_change_nothing(staff: Any, definition: str, data: Any, task: str, status: int) -> None:
    case = start(staff, definition, data).json()
    before = db_state()
    response = staff.post(f"/api/cases/{case['id']}/tasks/{task}/complete/")
    assert response.status_code == status, response.json()
    assert db_state() == before
