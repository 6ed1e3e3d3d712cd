"""Follow-up dates (ADR 0084): who may set and clear them, what bad input gets (a JSON 4xx and
no change), and the list filter that files items under "due" and "later"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from engine import services
from engine.access import SYSTEM
from engine.core.errors import InvalidInput
from engine.models import WorkItem
from inbox.tests.test_api_work_items import INVOICE, review_item
from tests.helpers import db_state

pytestmark = pytest.mark.django_db


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def follow_up(client: Any, item: str, value: Any) -> Any:
    return client.post(f"/api/work-items/{item}/follow-up/", {"follow_up": value}, format="json")


def stored(item: str) -> dt.datetime | None:
    return WorkItem.objects.values_list("follow_up", flat=True).get(pk=item)


def test_the_assignee_sets_and_clears_it(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    assert clerk.post(f"/api/work-items/{item}/claim/").status_code == 200
    when = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    response = follow_up(clerk, item, iso(when))
    assert response.status_code == 200, response.json()
    assert response.json()["follow_up"] == iso(when)
    assert response.json()["assignee"] == "operator_a"  # nothing else changed
    assert stored(item) == when
    assert clerk.get(f"/api/work-items/{item}/").json()["follow_up"] == iso(when)
    # another zone is the same moment
    response = follow_up(
        clerk, item, (when + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    )
    assert response.status_code == 200
    assert stored(item) == when + dt.timedelta(hours=1)
    response = follow_up(clerk, item, None)
    assert response.status_code == 200
    assert response.json()["follow_up"] is None
    assert stored(item) is None


def test_it_stays_through_the_engines_changes_of_the_item(staff: Any, clerk: Any, other_clerk: Any) -> None:
    """Claim, start and delegation rewrite the item's row: the follow-up date is kept."""
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    when = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    follow_up(clerk, item, iso(when))
    assert clerk.post(f"/api/work-items/{item}/start/").json()["follow_up"] == iso(when)
    response = clerk.post(f"/api/work-items/{item}/delegate/", {"user": "clerk_2"}, format="json")
    assert response.status_code == 200
    assert response.json()["follow_up"] == iso(when)
    assert stored(item) == when
    assert follow_up(other_clerk, item, None).status_code == 200  # now theirs to plan


def test_staff_may_set_it_on_any_manual_item(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    when = (timezone.now() + dt.timedelta(hours=5)).replace(microsecond=0)
    assert follow_up(staff, item, iso(when)).status_code == 200  # unclaimed
    clerk.post(f"/api/work-items/{item}/claim/")
    assert follow_up(staff, item, None).status_code == 200  # claimed by someone else
    assert stored(item) is None


def test_a_candidate_claims_first_and_a_colleague_may_not(staff: Any, clerk: Any, other_clerk: Any) -> None:
    item = review_item(staff)
    when = iso(timezone.now() + dt.timedelta(days=2))
    before = db_state()
    response = follow_up(clerk, item, when)  # offered to the clerks, claimed by nobody
    assert response.status_code == 409
    assert response.json()["code"] == "not_allowed"
    assert "claim the work item first" in response.json()["detail"]
    assert db_state() == before
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    response = follow_up(other_clerk, item, when)
    assert response.status_code == 409
    assert response.json()["detail"] == "the work item is claimed by operator_a: only they can set its follow-up date"
    assert db_state() == before


def test_someone_it_is_not_offered_to_gets_403(staff: Any, clerk: Any, manager: Any) -> None:
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    response = follow_up(manager, item, iso(timezone.now() + dt.timedelta(days=2)))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"follow_up": "next tuesday"}, "follow_up"),
        ({"follow_up": "2026-13-40T10:00:00Z"}, "follow_up"),
        ({"follow_up": 1765000000}, "follow_up"),
        ({"follow_up": ["2030-01-01T00:00:00Z"]}, "follow_up"),
        ({"follow_up": "9999-12-31T23:59:59Z"}, "follow_up"),  # an absurd year
        ({"follow_up": "0001-01-01T00:00:00Z"}, "follow_up"),
        ({"follow_up": "1926-01-01T00:00:00Z"}, "follow_up"),  # a typing slip, a century ago
        ({}, "follow_up"),  # say null to clear it
        ({"follow_up": "2030-01-01T00:00:00Z" * 5000}, "follow_up"),
    ],
)
def test_bad_input_is_400_with_the_field_and_changes_nothing(staff: Any, clerk: Any, body: Any, field: str) -> None:
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    response = clerk.post(f"/api/work-items/{item}/follow-up/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert db_state() == before


def test_a_body_that_is_not_an_object_is_400(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    before = db_state()
    for body in (["2030-01-01T00:00:00Z"], "2030-01-01T00:00:00Z"):
        response = clerk.post(f"/api/work-items/{item}/follow-up/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] in {"invalid", "parse_error"}
    assert db_state() == before


def test_a_closed_item_is_409_and_an_unknown_one_404(staff: Any, clerk: Any) -> None:
    item = review_item(staff)
    response = clerk.post(f"/api/work-items/{item}/complete/", {"output": {"approved": True}}, format="json")
    assert response.status_code == 200, response.json()
    before = db_state()
    response = follow_up(clerk, item, iso(timezone.now() + dt.timedelta(days=1)))
    assert response.status_code == 409
    assert response.json()["detail"] == "the work item is closed: it has no follow-up date to set"
    assert follow_up(staff, item, None).status_code == 409
    unknown = "00000000-0000-4000-8000-000000000000"
    assert follow_up(staff, unknown, None).status_code == 404
    assert db_state() == before


def test_a_suspended_cases_item_keeps_its_plan(staff: Any, clerk: Any) -> None:
    """A suspended case's work waits (ADR 0076), but planning when to look at it again is allowed."""
    item = review_item(staff)
    clerk.post(f"/api/work-items/{item}/claim/")
    case = WorkItem.objects.get(pk=item).case_id
    assert staff.post(f"/api/cases/{case}/suspend/").status_code == 200
    response = follow_up(clerk, item, iso(timezone.now() + dt.timedelta(days=1)))
    assert response.status_code == 200
    assert response.json()["case_state"] == "suspended"


def test_automatic_items_have_none(staff: Any) -> None:
    response = staff.post("/api/cases/", {"definition": "order-fulfilment", "data": {"customer": "Bo"}}, format="json")
    order = response.json()
    staff.post(f"/api/work-items/{order['work_items'][0]['id']}/complete/", {"output": {}}, format="json")
    charge = WorkItem.objects.get(case_id=order["id"], task="charge_payment")
    before = db_state()
    response = follow_up(staff, str(charge.pk), iso(timezone.now() + dt.timedelta(days=1)))
    assert response.status_code == 409
    assert response.json()["detail"] == "only manual work items have a follow-up date (this one is automatic)"
    assert db_state() == before


def test_the_service_refuses_a_time_without_a_zone_and_none_as_actor(staff_user: Any, operator_a: Any) -> None:
    case = services.case_start(definition="invoice-approval", data=INVOICE, user=staff_user)
    item = WorkItem.objects.get(case=case)
    services.work_item_claim(item_id=item.pk, user=operator_a)
    before = db_state()
    with pytest.raises(InvalidInput):
        services.work_item_set_follow_up(item_id=item.pk, user=operator_a, follow_up=dt.datetime(2030, 1, 1))
    with pytest.raises(TypeError):
        services.work_item_set_follow_up(item_id=item.pk, user=None, follow_up=None)
    assert db_state() == before
    # the system may (an import, a script)
    when = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    assert services.work_item_set_follow_up(item_id=item.pk, user=SYSTEM, follow_up=when).follow_up == when


def test_the_list_files_items_under_due_and_later(staff: Any, clerk: Any) -> None:
    later, past, plain, other = (review_item(staff) for _ in range(4))
    for item in (later, past, plain, other):
        clerk.post(f"/api/work-items/{item}/claim/")
    now = timezone.now()
    follow_up(clerk, later, iso(now + dt.timedelta(hours=2)))
    follow_up(clerk, past, iso(now - dt.timedelta(hours=2)))

    def ids(query: str) -> set[str]:
        response = clerk.get(f"/api/work-items/?mine=true&{query}")
        assert response.status_code == 200, response.json()
        return {i["id"] for i in response.json()["results"]}

    assert ids("follow_up=later") == {later}
    assert ids("follow_up=due") == {past, plain, other}
    assert ids("") == {later, past, plain, other}
    response = clerk.get("/api/work-items/?follow_up=soon")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "follow_up"
