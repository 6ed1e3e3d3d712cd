"""Signals and queries through the API: POST /api/cases/{id}/signals/{name}/, GET .../queries/{name}/."""

from __future__ import annotations

from typing import Any

import pytest

from engine.models import Case, Event, WorkItem
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db

PAYMENT_NET = net(
    "payment",
    [{"id": "wait_payment", "kind": "signal", "signal": "payment_received"}, {"id": "ship", "kind": "manual"}],
    [("start", "wait_payment"), ("wait_payment", "ship"), ("ship", "end")],
    data_schema={"type": "object", "properties": {"paid": {"type": "number", "maximum": 1000}}},
    signals=[
        {
            "name": "payment_received",
            "schema": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
            "output": {"paid": "signal.amount"},
        },
        {"name": "note", "output": {"note": "signal.text"}},
    ],
    queries=[
        {"name": "paid", "expr": "has(data.paid) ? data.paid : 0"},
        {"name": "waiting", "expr": "size(data) == 0"},
    ],
)


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


@pytest.fixture
def case(staff: Any) -> dict[str, Any]:
    publish(PAYMENT_NET)
    response = staff.post("/api/cases/", {"definition": "payment"}, format="json")
    assert response.status_code == 201
    return response.json()


def signal(client: Any, case_id: int, name: str, body: Any) -> Any:
    return client.post(f"/api/cases/{case_id}/signals/{name}/", body, format="json")


def test_signal_completes_the_waiting_task_and_writes_data(staff: Any, case: dict[str, Any]) -> None:
    assert staff.get(f"/api/cases/{case['id']}/queries/paid/").json() == {"result": 0}
    response = signal(staff, case["id"], "payment_received", {"payload": {"amount": 120}})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["data"]["paid"] == 120
    assert body["tasks"]["wait_payment"]["state"] == "completed"
    assert [i["task"] for i in body["work_items"]] == ["ship"]
    assert staff.get(f"/api/cases/{case['id']}/queries/paid/").json() == {"result": 120}
    received = Event.objects.get(case_id=case["id"], type="signal.received")
    assert received.payload["outcome"] == "delivered" and received.payload["payload"] == {"amount": 120}


def test_a_signal_nobody_waits_for_is_kept_and_writes_data(staff: Any, case: dict[str, Any]) -> None:
    response = signal(staff, case["id"], "note", {"payload": {"text": "call first"}})
    assert response.status_code == 200
    assert response.json()["data"]["note"] == "call first"
    assert Case.objects.get(pk=case["id"]).pending_signals[0]["name"] == "note"


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        ("payment_received", {"payload": {}}, 400, "invalid"),  # breaks the signal's schema
        ("payment_received", {"payload": {"amount": "a lot"}}, 400, "invalid"),
        ("payment_received", {"payload": {"amount": 5000}}, 400, "invalid"),  # breaks data_schema
        ("payment_received", {"payload": [1]}, 400, "invalid"),
        ("nope", {"payload": {}}, 404, "not_found"),
    ],
)
def test_bad_signals_are_refused_and_change_nothing(
    staff: Any, case: dict[str, Any], name: str, body: Any, status: int, code: str
) -> None:
    before = db_state()
    response = signal(staff, case["id"], name, body)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert db_state() == before


def test_signal_to_an_ended_case_is_409(staff: Any, case: dict[str, Any]) -> None:
    staff.post(f"/api/cases/{case['id']}/cancel/")
    before = db_state()
    assert signal(staff, case["id"], "payment_received", {"payload": {"amount": 1}}).status_code == 409
    assert db_state() == before


def test_only_staff_and_the_starter_may_signal(
    api_client: Any, staff: Any, case: dict[str, Any], operator_a: Any
) -> None:
    before = db_state()
    response = signal(api_client(operator_a), case["id"], "payment_received", {"payload": {"amount": 1}})
    assert response.status_code in (403, 404)  # invisible or forbidden: never a change
    assert db_state() == before
    assert signal(api_client(), case["id"], "payment_received", {"payload": {"amount": 1}}).status_code == 401
    assert WorkItem.objects.filter(case_id=case["id"], task="wait_payment", state="initialized").exists()


def test_unknown_query_is_404(staff: Any, case: dict[str, Any]) -> None:
    response = staff.get(f"/api/cases/{case['id']}/queries/nope/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert staff.get(f"/api/cases/{case['id']}/queries/waiting/").json() == {"result": True}
