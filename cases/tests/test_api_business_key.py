"""Business keys (ADR 0082): set when a case is started, unique among the cases of one
definition (409, nothing started), shown with the case, filtered on in the case list; bad keys
are a 400 that changes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from engine import services
from engine.access import SYSTEM
from engine.models import Case
from tests.helpers import db_state, publish_demo_nets

INVOICE = {"vendor": "ACME", "amount": 500.0}


@pytest.fixture
def demo(settings: Any, db: None) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish_demo_nets()


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


def start(client: Any, key: Any, definition: str = "invoice-approval") -> Any:
    body: dict[str, Any] = {"definition": definition, "data": INVOICE, "business_key": key}
    if definition != "invoice-approval":
        body["data"] = {"documents": ["a"]}
    return client.post("/api/cases/", body, format="json")


@pytest.mark.django_db
def test_a_key_is_kept_shown_and_found(demo: None, staff: Any) -> None:
    response = start(staff, "  INV-2026-0042 ")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["business_key"] == "INV-2026-0042"  # surrounding spaces trimmed
    assert Case.objects.get(pk=case["id"]).business_key == "INV-2026-0042"
    assert staff.get(f"/api/cases/{case['id']}/").json()["business_key"] == "INV-2026-0042"
    other = start(staff, None)
    assert other.status_code == 201 and other.json()["business_key"] is None
    assert start(staff, "").json()["business_key"] is None  # an empty form field: no key

    listed = staff.get("/api/cases/", {"business_key": "INV-2026-0042"})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [case["id"]]
    assert staff.get("/api/cases/", {"business_key": "INV-2026-0043"}).json()["results"] == []
    page = staff.get(f"/api/dashboard/cases/{case['id']}/")
    assert page.status_code == 200 and page.json()["business_key"] == "INV-2026-0042"


@pytest.mark.django_db
def test_the_same_key_twice_is_409_and_starts_nothing(demo: None, staff: Any) -> None:
    first = start(staff, "order-7")
    assert first.status_code == 201
    before = db_state()
    again = start(staff, "order-7 ")
    assert again.status_code == 409, again.json()
    body = again.json()
    assert body["code"] == "business_key_taken"
    assert "order-7" in body["detail"] and "exists already" in body["detail"]
    assert body["errors"] == [{"field": "business_key", "message": "taken by another case of this definition"}]
    assert db_state() == before
    # an ended case keeps its key (the key names that case for good)
    services.case_cancel(case_id=first.json()["id"], user=SYSTEM)
    assert start(staff, "order-7").status_code == 409
    # another definition may use the same key
    other = start(staff, "order-7", definition="batch-review")
    assert other.status_code == 201, other.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "field_message"),
    [
        ("x" * 256, "no more than 255"),
        ("   ", "blank"),
        ("line\nbreak", "control characters"),
        ("nul\x00", "nul character"),
        (["a"], None),
        ({"a": 1}, None),
    ],
    ids=["too-long", "blank", "newline", "nul", "list", "object"],
)
def test_a_bad_key_is_400_and_changes_nothing(demo: None, staff: Any, key: Any, field_message: str | None) -> None:
    before = db_state()
    response = start(staff, key)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert any(e.get("field") == "business_key" for e in body["errors"]), body
    if field_message:
        assert field_message in str(body).lower(), body
    assert db_state() == before


@pytest.mark.django_db
def test_a_list_filter_too_long_is_400(demo: None, staff: Any) -> None:
    response = staff.get("/api/cases/", {"business_key": "k" * 256})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "business_key"


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_with_the_key(demo: None, staff_user: Any) -> None:
    """The unique constraint backs the early check (two starts that race both pass it)."""
    case = services.case_start(definition="invoice-approval", data=dict(INVOICE), user=staff_user, business_key="k1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            version=case.version, definition_name=case.definition_name, business_key="k1", started_by=staff_user
        )
    # no key at all is no constraint: any number of cases without one
    for _ in range(2):
        Case.objects.create(version=case.version, definition_name=case.definition_name, started_by=staff_user)


@pytest.mark.django_db(transaction=True)
def test_two_racing_starts_with_one_key_start_one_case(demo: None, staff_user: Any) -> None:
    """Two threads start the same key at once: one case, and the loser gets the same 409 error
    (`business_key_taken`) whether it lost at the early check or at the constraint."""
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            services.case_start(definition="invoice-approval", data=dict(INVOICE), user=staff_user, business_key="race")
            result = "started"
        except Exception as exc:  # the loser's error is asserted below
            result = getattr(exc, "code", f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["business_key_taken", "started"], outcomes
    assert Case.objects.filter(business_key="race").count() == 1
