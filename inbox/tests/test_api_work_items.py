"""Work item API: who sees what, every action, and refusals that leave the database unchanged."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from engine import access
from engine.access import SYSTEM, work_item_offered_q
from engine.models import WorkItem
from tests.helpers import db_state, make_user

pytestmark = pytest.mark.django_db

INVOICE = {"vendor": "ACME", "amount": 500.0}


def start(client: Any, definition: str = "invoice-approval", data: Any = INVOICE) -> dict[str, Any]:
    response = client.post("/api/cases/", {"definition": definition, "data": data}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def review_item(staff: Any) -> str:
    return start(staff)["work_items"][0]["id"]


# ---------------------------------------------------------------------- reading


def test_the_queryset_rule_agrees_with_engine_access(django_user_model: Any, staff_user: Any) -> None:
    """engine.access.work_item_offered_q is engine.access.item_offered_to as SQL."""
    case_id = start_case_row()
    users = [
        staff_user,
        make_user(django_user_model, "u_clerk", "clerks"),
        make_user(django_user_model, "u_both", "clerks", "managers"),
        make_user(django_user_model, "u_none"),
    ]
    names = [None, "", "u_clerk", "u_none", "someone"]
    roles = [None, "", "clerks", "managers"]
    for n, (role, offered, assignee) in enumerate(itertools.product(roles, names, names)):
        WorkItem.objects.create(
            case_id=case_id, task=f"t{n}", kind="manual", role=role, offered_user=offered, assignee=assignee
        )
    for user in users:
        expected = {
            w.pk
            for w in WorkItem.objects.all()
            if access.item_offered_to(user, role=w.role, offered_user=w.offered_user, assignee=w.assignee)
        }
        got = set(WorkItem.objects.filter(work_item_offered_q(user)).values_list("pk", flat=True))
        assert got == expected, user.username


def start_case_row() -> int:
    from engine.services import case_start

    return case_start(definition="document-check", user=SYSTEM).pk


def test_list_shows_each_user_what_they_may_work_on(staff: Any, clerk: Any, manager: Any) -> None:
    invoice = start(staff)
    check = start(staff, "document-check", {})
    order = start(staff, "order-fulfilment", {"customer": "Bo"})

    all_items = staff.get("/api/work-items/").json()
    assert all_items["count"] == 3
    assert set(all_items) == {"count", "next", "previous", "results"}

    clerk_items = clerk.get("/api/work-items/").json()["results"]
    assert {(i["case"], i["task"]) for i in clerk_items} == {(invoice["id"], "review"), (order["id"], "accept_order")}
    manager_items = manager.get("/api/work-items/").json()["results"]
    assert [(i["case"], i["task"]) for i in manager_items] == [(check["id"], "check")]

    item = clerk_items[0]
    assert item["definition"] in {"invoice-approval", "order-fulfilment"}
    assert item["task_label"] in {"Review invoice", "Accept order"}
    assert item["form"]["type"] == "object"


def test_list_highest_priority_first(staff: Any, clerk: Any) -> None:
    low = start(staff, data={"vendor": "a", "amount": 10.0})["work_items"][0]["id"]
    high = start(staff, data={"vendor": "b", "amount": 5000.0})["work_items"][0]["id"]
    assert [i["id"] for i in clerk.get("/api/work-items/").json()["results"]] == [high, low]


def test_list_filters(staff: Any, clerk: Any, other_clerk: Any) -> None:
    a = start(staff)
    b = start(staff)
    order = start(staff, "order-fulfilment", {"customer": "Bo"})
    item_a, item_b = a["work_items"][0]["id"], b["work_items"][0]["id"]
    clerk.post(f"/api/work-items/{item_a}/claim/")
    other_clerk.post(f"/api/work-items/{item_b}/claim/")

    def ids(client: Any, query: str) -> set[str]:
        response = client.get(f"/api/work-items/?{query}")
        assert response.status_code == 200, response.json()
        return {i["id"] for i in response.json()["results"]}

    accept = order["work_items"][0]["id"]
    assert ids(clerk, "") == {item_a, accept}  # item_b is claimed by someone else
    assert ids(clerk, "mine=true") == {item_a}
    assert ids(clerk, "available=true") == {accept}
    assert ids(clerk, "mine=false&available=false") == {item_a, accept}
    assert ids(clerk, f"case={a['id']}") == {item_a}
    assert ids(clerk, "task=accept_order") == {accept}
    assert ids(clerk, "state=started") == set()
    clerk.post(f"/api/work-items/{item_a}/start/")
    assert ids(clerk, "state=started") == {item_a}
    assert ids(clerk, "state=started,initialized") == {item_a, accept}
    assert ids(staff, "available=true") == {accept}
    assert ids(staff, "") == {item_a, item_b, accept}


@pytest.mark.parametrize("query", ["state=sleeping", "case=abc", "mine=perhaps", "state=started,nope"])
def test_list_bad_filters_are_400(clerk: Any, query: str) -> None:
    response = clerk.get(f"/api/work-items/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"][0]["field"] in {"state", "case", "mine"}


def test_list_costs_a_fixed_number_of_queries(staff: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(4):
        start(staff)
        start(staff, "batch-review", {"documents": ["a", "b", "c"]})
        start(staff, "order-fulfilment", {"customer": "Bo"})
    with django_assert_max_num_queries(4):  # session/auth aside: count, page, the three versions' nets
        body = staff.get("/api/work-items/").json()
    assert body["count"] == 4 * 5
    assert all(i["form"] is not None for i in body["results"])


def test_get_one(staff: Any, clerk: Any, manager: Any) -> None:
    item = review_item(staff)
    response = clerk.get(f"/api/work-items/{item}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == item
    assert body["task"] == "review"
    assert body["form"]["properties"]["approved"]["type"] == "boolean"
    response = manager.get(f"/api/work-items/{item}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert staff.get("/api/work-items/00000000-0000-0000-0000-000000000000/").status_code == 404


# ---------------------------------------------------------------------- claim, release, start, delegate


def test_claim_release(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/claim/")
    assert response.status_code == 200
    assert response.json()["assignee"] == "operator_a"
    assert response.json()["state"] == "initialized"
    response = clerk.post(f"/api/work-items/{item}/release/")
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_claiming_an_item_claimed_by_another_is_409_and_changes_nothing(
    staff: Any, clerk: Any, other_clerk: Any
) -> None:
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    # offered to the other clerk's group but claimed by a colleague: a state conflict
    response = other_clerk.post(f"/api/work-items/{item}/claim/")
    assert response.status_code == 409
    assert response.json()["detail"] == "the work item is already claimed by operator_a"
    response = staff.post(f"/api/work-items/{item}/claim/")  # staff may act on every item
    assert response.status_code == 409
    assert response.json()["detail"] == "the work item is already claimed by operator_a"
    assert db_state() == before


def test_acting_without_the_role_is_403_and_changes_nothing(staff: Any, manager: Any) -> None:
    item = review_item(staff)  # offered to clerks
    before = db_state()
    for action, body in [
        ("claim", {}),
        ("start", {}),
        ("complete", {"output": {"approved": True}}),
        ("fail", {}),
        ("delegate", {"user": "operator_b"}),
        ("release", {}),
    ]:
        response = manager.post(f"/api/work-items/{item}/{action}/", body, format="json")
        assert response.status_code == 403, action
        assert response.json()["code"] == "forbidden"
    assert db_state() == before


def test_release_by_someone_else_is_refused(staff: Any, clerk: Any, other_clerk: Any) -> None:
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    assert other_clerk.post(f"/api/work-items/{item}/release/").status_code == 409
    assert db_state() == before
    assert staff.post(f"/api/work-items/{item}/release/").json()["assignee"] is None


def test_release_an_unclaimed_item_is_409(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    before = db_state()
    assert staff.post(f"/api/work-items/{item}/release/").status_code == 409
    assert clerk.post(f"/api/work-items/{item}/release/").status_code == 409  # nobody claimed it
    assert db_state() == before


def test_start(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/start/")
    assert response.status_code == 200
    assert response.json()["state"] == "started"
    assert response.json()["assignee"] == "operator_a"
    before = db_state()
    assert clerk.post(f"/api/work-items/{item}/start/").status_code == 409
    assert db_state() == before


def test_delegate(staff: Any, clerk: Any, other_clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/delegate/", {"user": "clerk_2"}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == "clerk_2"
    assert clerk.get(f"/api/work-items/{item}/").status_code == 404  # no longer theirs
    assert other_clerk.get("/api/work-items/?mine=true").json()["count"] == 1


@pytest.mark.parametrize(("body", "field"), [({"user": "ghost"}, "user"), ({}, "user"), ({"user": ["x"]}, "user")])
def test_delegate_refusals_are_400(staff: Any, clerk: Any, body: Any, field: str) -> None:
    item = review_item(staff)
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/delegate/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert db_state() == before


def test_a_clerk_cannot_delegate_to_someone_outside_the_items_role(
    staff: Any, clerk: Any, manager: Any, operator_b: Any
) -> None:
    """Delegation only to users who may receive the item (issue 13): operator_b is a manager,
    the review is offered to clerks."""
    item = review_item(staff)
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/delegate/", {"user": "operator_b"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden"
    assert body["errors"] == [
        {"field": "user", "message": "operator_b may not receive this work item (not in group clerks)"}
    ]
    assert db_state() == before
    assert manager.get(f"/api/work-items/{item}/").status_code == 404  # still not theirs


def test_a_clerk_may_delegate_to_staff_and_staff_to_anyone(staff: Any, clerk: Any, manager: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/delegate/", {"user": "staff"}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == "staff"
    response = staff.post(f"/api/work-items/{item}/delegate/", {"user": "operator_b"}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == "operator_b"
    assert manager.get(f"/api/work-items/{item}/").status_code == 200


# ---------------------------------------------------------------------- complete and fail


def test_complete_claims_and_starts_an_initialized_item(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(
        f"/api/work-items/{item}/complete/", {"output": {"approved": False, "comment": "wrong vendor"}}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "completed"
    assert body["assignee"] == "operator_a"
    assert body["output"] == {"approved": False, "comment": "wrong vendor"}


def test_form_output_breaking_the_schema_is_400_with_field_errors(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    before = db_state()
    response = clerk.post(
        f"/api/work-items/{item}/complete/", {"output": {"approved": "yes", "comment": 3}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"approved", "comment"}
    response = clerk.post(f"/api/work-items/{item}/complete/", {"output": {}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "approved", "message": "'approved' is a required property"}]
    assert db_state() == before


@pytest.mark.parametrize("body", [{"output": [1]}, {"output": "ok"}, {"output": None}, [1]])
def test_output_not_an_object_is_400(staff: Any, clerk: Any, body: Any) -> None:
    item = review_item(staff)
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/complete/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert db_state() == before


def test_completing_a_completed_item_is_409_and_changes_nothing(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    assert (
        clerk.post(
            f"/api/work-items/{item}/complete/",
            {"output": {"approved": False, "comment": "wrong vendor"}},
            format="json",
        ).status_code
        == 200
    )
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/complete/", {"output": {"approved": True}}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed"
    assert db_state() == before


def test_fail_with_a_reason(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/fail/", {"reason": "unreadable scan"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "failed"
    assert body["error"] == {"type": "Failed", "message": "unreadable scan"}
    case = staff.get(f"/api/cases/{body['case']}/").json()
    assert case["state"] == "running"  # an incident: waits for an operator
    before = db_state()
    assert clerk.post(f"/api/work-items/{item}/fail/").status_code == 409
    assert db_state() == before


def test_non_staff_cannot_act_on_automatic_items(staff: Any, clerk: Any) -> None:
    order = start(staff, "order-fulfilment", {"customer": "Bo"})
    staff.post(f"/api/work-items/{order['work_items'][0]['id']}/complete/", {"output": {}}, format="json")
    # the test transaction never commits: charge_payment stays initialized for us to poke at
    charge = WorkItem.objects.get(case_id=order["id"], task="charge_payment")
    before = db_state()
    assert clerk.post(f"/api/work-items/{charge.pk}/complete/", {"output": {}}, format="json").status_code == 403
    assert clerk.get(f"/api/work-items/{charge.pk}/").status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("action", ["claim", "release", "start", "complete", "fail", "retry", "skip", "delegate", ""])
def test_anonymous_is_401(api_client: Any, staff: Any, action: str) -> None:
    item = review_item(staff)
    before = db_state()
    client = api_client()
    url = f"/api/work-items/{item}/{action + '/' if action else ''}"
    response = client.post(url, {}, format="json") if action else client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.get("/api/work-items/").status_code == 401
    assert db_state() == before


# ---------------------------------------------------------------------- startable definitions


def test_startable_definitions_follow_start_roles(staff: Any, clerk: Any, manager: Any, api_client: Any) -> None:
    from tests.helpers import RESTRICTED_NET, publish

    publish(RESTRICTED_NET)
    names = lambda client: [d["name"] for d in client.get("/api/startable-definitions/").json()]  # noqa: E731
    assert "restricted" in names(staff) and "restricted" in names(manager)
    assert "restricted" not in names(clerk) and "invoice-approval" in names(clerk)
    [invoice] = [d for d in clerk.get("/api/startable-definitions/").json() if d["name"] == "invoice-approval"]
    assert invoice["title"] == "Invoice approval" and invoice["version"] == 1
    assert invoice["data_schema"]["required"] == ["vendor", "amount"]
    assert api_client().get("/api/startable-definitions/").status_code == 401


def test_child_only_definitions_are_not_offered_nor_started_by_people(staff: Any, clerk: Any, manager: Any) -> None:
    # document-check is `"startable": false`: a child of document-intake only
    for client in (staff, clerk, manager):
        names = [d["name"] for d in client.get("/api/startable-definitions/").json()]
        assert "document-check" not in names and "document-intake" in names
    before = db_state()
    response = manager.post("/api/cases/", {"definition": "document-check", "data": {}}, format="json")
    assert response.status_code == 403
    assert "child-only" in response.json()["detail"]
    assert db_state() == before
    # it still runs as the child of a composite task
    intake = start(clerk, "document-intake", {"source": "mail"})
    register = intake["work_items"][0]["id"]
    assert (
        clerk.post(f"/api/work-items/{register}/complete/", {"output": {"title": "Lease"}}, format="json").status_code
        == 200
    )
    [child] = staff.get(f"/api/cases/{intake['id']}/").json()["children"]
    assert staff.get(f"/api/cases/{child}/").json()["definition"] == "document-check"


def test_a_case_filter_past_the_database_integers_is_a_400(staff: Any) -> None:
    """Found by the schemathesis run: a case id wider than 64 bits reached the database (500)."""
    res = staff.get("/api/work-items/", {"case": str(2**80)})
    assert res.status_code == 400, res.content
    assert res.json()["code"] == "invalid"
    assert staff.get("/api/work-items/", {"case": str(2**63 - 1)}).status_code == 200
