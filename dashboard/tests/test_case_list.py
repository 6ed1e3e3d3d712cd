"""The dashboard's case list: filters, the data filter, sorting, pagination, staff only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dashboard import where
from engine import services
from engine.core.errors import InvalidInput
from engine.models import Case

pytestmark = pytest.mark.django_db
URL = "/api/dashboard/cases/"


def invoice(user: Any, vendor: str, amount: float, **extra: Any) -> Case:
    return services.case_start(
        definition="invoice-approval", data={"vendor": vendor, "amount": amount, **extra}, user=user
    )


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def cases(staff_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Case]:
    out = {
        "acme_small": invoice(staff_user, "ACME", 100.0, tags={"vip": True}),
        "acme_big": invoice(staff_user, "ACME", 5000.0),
        "globex": invoice(staff_user, "Globex", 700.0),
        "batch": services.case_start(definition="batch-review", data={"documents": ["a"]}, user=staff_user),
    }
    with django_capture_on_commit_callbacks(execute=True):
        out["failing"] = services.case_start(definition="failing", user=staff_user)
    services.case_cancel(case_id=out["globex"].pk, user=staff_user)
    return out


def test_newest_first_with_the_row_fields(staff: Any, cases: dict[str, Case]) -> None:
    response = staff.get(URL)
    body = response.json()
    assert ids(response) == sorted((c.pk for c in cases.values()), reverse=True)
    assert body["count"] == 5 and body["count_capped"] is False
    row = next(r for r in body["results"] if r["id"] == cases["failing"].pk)
    assert row["definition"] == "failing" and row["version"] == 1 and row["state"] == "running"
    assert row["incident"] is True
    assert set(row) >= {"parent", "reason", "data", "created_at", "updated_at", "ended_at"}


def test_filter_by_definition_version_and_state(staff: Any, cases: dict[str, Case]) -> None:
    assert set(ids(staff.get(URL, {"definition": "invoice-approval"}))) == {
        cases["acme_small"].pk,
        cases["acme_big"].pk,
        cases["globex"].pk,
    }
    assert set(ids(staff.get(URL, {"definition": "invoice-approval", "version": 1}))) == {
        cases["acme_small"].pk,
        cases["acme_big"].pk,
        cases["globex"].pk,
    }
    assert ids(staff.get(URL, {"definition": "invoice-approval", "version": 2})) == []
    assert ids(staff.get(URL, {"state": "canceled"})) == [cases["globex"].pk]
    assert set(ids(staff.get(URL, {"state": "canceled,running", "definition": "invoice-approval"}))) == {
        cases["acme_small"].pk,
        cases["acme_big"].pk,
        cases["globex"].pk,
    }


def test_filter_by_time_range(staff: Any, cases: dict[str, Case]) -> None:
    old = cases["acme_small"]
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert old.pk not in ids(staff.get(URL, {"created_after": since}))
    assert ids(staff.get(URL, {"created_before": since})) == [old.pk]
    assert ids(staff.get(URL, {"ended_after": since})) == [cases["globex"].pk]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('data.vendor == "ACME"', {"acme_small", "acme_big"}),
        ("data.vendor == 'ACME' && data.amount > 1000", {"acme_big"}),
        ("data.amount >= 100 && data.amount < 1000", {"acme_small", "globex"}),
        ('data.vendor != "ACME"', {"globex"}),
        ('data.vendor in ["Globex", "Initech"]', {"globex"}),
        ("has(data.tags)", {"acme_small"}),
        ("data.tags.vip == true", {"acme_small"}),
        ("data.amount == 700", {"globex"}),
        ("data.amount <= 100.0", {"acme_small"}),
        ('data.vendor == "nobody"', set()),
    ],
)
def test_filter_by_case_data(staff: Any, cases: dict[str, Case], text: str, expected: set[str]) -> None:
    by_id = {c.pk: name for name, c in cases.items()}
    assert {by_id[i] for i in ids(staff.get(URL, {"where": text}))} == expected


@pytest.mark.parametrize(
    "text",
    [
        "data.vendor = 'ACME'",  # not an operator
        "vendor == 'ACME'",  # not under data
        "data == 1",  # no field
        "data.a__b == 1",  # would be a lookup path
        "data.amount > true",  # ordering a boolean
        "data.amount > 1 || data.amount < 0",  # no OR
        "data.x == foo",  # not a literal
        "__import__('os')",
        "data.x == 'unterminated",
        "data.x ==",
        "   ",
    ],
)
def test_a_bad_data_filter_is_400(staff: Any, cases: dict[str, Case], text: str) -> None:
    response = staff.get(URL, {"where": text})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "where"


def test_a_key_named_like_a_lookup_is_a_key(staff_user: Any, staff: Any, cases: dict[str, Case]) -> None:
    tricky = invoice(staff_user, "X", 1.0, contains="yes", gt=5)
    assert ids(staff.get(URL, {"where": 'data.contains == "yes"'})) == [tricky.pk]
    assert ids(staff.get(URL, {"where": "data.gt > 4"})) == [tricky.pk]


def test_where_parser_never_evaluates() -> None:
    clauses = where.parse('data.a.b == "x" && has(data.c) && data.d in [1, 2.5, null]')
    assert [(c.path, c.op, c.value) for c in clauses] == [
        (("a", "b"), "==", "x"),
        (("c",), "has", None),
        (("d",), "in", [1, 2.5, None]),
    ]
    with pytest.raises(InvalidInput):
        where.parse(" && ".join(["data.a == 1"] * 11))
    with pytest.raises(InvalidInput):
        where.parse("data.a == '" + "x" * 1000 + "'")


def test_filter_by_incident(staff_user: Any, staff: Any, cases: dict[str, Case]) -> None:
    assert ids(staff.get(URL, {"incident": "true"})) == [cases["failing"].pk]
    assert cases["failing"].pk not in ids(staff.get(URL, {"incident": "false"}))
    Case.objects.filter(pk=cases["batch"].pk).update(state="deadlocked")
    assert set(ids(staff.get(URL, {"incident": "true"}))) == {cases["failing"].pk, cases["batch"].pk}


def test_sort(staff: Any, cases: dict[str, Case]) -> None:
    everything = sorted(c.pk for c in cases.values())
    assert ids(staff.get(URL, {"sort": "id"})) == everything
    assert ids(staff.get(URL, {"sort": "created_at"})) == everything
    assert ids(staff.get(URL, {"sort": "-ended_at"}))[0] == cases["globex"].pk
    assert ids(staff.get(URL, {"sort": "ended_at"}))[0] == cases["globex"].pk
    by_definition = ids(staff.get(URL, {"sort": "definition"}))
    names = [Case.objects.get(pk=i).definition_name for i in by_definition]
    assert names == sorted(names)
    assert staff.get(URL, {"sort": "data"}).status_code == 400


def test_pages_and_capped_count(staff: Any, cases: dict[str, Case], monkeypatch: Any) -> None:
    first = staff.get(URL, {"page_size": 2}).json()
    second = staff.get(URL, {"page_size": 2, "page": 2}).json()
    assert first["count"] == 5 and first["next"] and first["previous"] is None
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    monkeypatch.setattr("dashboard.api.COUNT_CAP", 3)
    capped = staff.get(URL, {"page_size": 2}).json()
    assert capped["count"] == 3 and capped["count_capped"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"state": "sleeping"},
        {"version": 1},
        {"version": "x", "definition": "a"},
        {"created_after": "soon"},
        {"incident": "maybe"},
    ],
)
def test_bad_filters_are_400(staff: Any, cases: dict[str, Case], params: dict[str, Any]) -> None:
    response = staff.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_list_costs_a_fixed_number_of_queries(
    staff: Any, cases: dict[str, Case], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        response = staff.get(URL, {"where": 'data.vendor == "ACME"', "state": "running"})
    assert response.status_code == 200, response.content  # the count is of a request that succeeded
    assert response.json()["results"]


def test_staff_only(api_client: Any, operator_a: Any, cases: dict[str, Case]) -> None:
    assert api_client().get(URL).status_code == 401
    response = api_client(operator_a).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_find_by_case_id_or_business_key(staff_user: Any, staff: Any, cases: dict[str, Case]) -> None:
    """The search box: a case id ("42" or "#42") or a business key, exactly; a key shared by
    cases of two definitions, or a key that is another case's id, lists them all."""
    keyed = services.case_start(
        definition="invoice-approval", data={"vendor": "ACME", "amount": 1.0}, user=staff_user, business_key="PO-77"
    )
    twin = services.case_start(
        definition="batch-review", data={"documents": ["a"]}, user=staff_user, business_key="PO-77"
    )
    numeric = services.case_start(
        definition="batch-review",
        data={"documents": ["a"]},
        user=staff_user,
        business_key=str(cases["globex"].pk),
    )
    assert ids(staff.get(URL, {"find": str(cases["acme_big"].pk)})) == [cases["acme_big"].pk]
    assert ids(staff.get(URL, {"find": f" #{cases['acme_big'].pk} "})) == [cases["acme_big"].pk]
    assert ids(staff.get(URL, {"find": "PO-77"})) == [twin.pk, keyed.pk]
    assert ids(staff.get(URL, {"find": "PO-77", "definition": "batch-review"})) == [twin.pk]
    assert ids(staff.get(URL, {"find": str(cases["globex"].pk)})) == [numeric.pk, cases["globex"].pk]
    assert ids(staff.get(URL, {"find": "po-77"})) == []  # exact, case-sensitive on both databases
    assert ids(staff.get(URL, {"find": "99999999999999999999999"})) == []  # past any id: no error
    row = staff.get(URL, {"find": "PO-77"}).json()["results"][1]
    assert row["business_key"] == "PO-77" and row["started_by"] == staff_user.username
    assert row["open_items"] == 1


def test_find_too_long_is_400_and_the_open_items_column(staff: Any, cases: dict[str, Case]) -> None:
    response = staff.get(URL, {"find": "k" * 256})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "find"
    rows = {r["id"]: r for r in staff.get(URL).json()["results"]}
    assert rows[cases["globex"].pk]["open_items"] == 0  # canceled: its item withdrawn
    assert rows[cases["acme_small"].pk]["open_items"] == 1
    assert rows[cases["failing"].pk]["open_items"] == 0  # failed, not open
