"""POST /api/designer/check-expression/: one CEL expression compiled as the publish check does
(ADR 0086). Staff only; 200 with the compile error and its column for any text; a JSON 400 for a
body that is not an expression or one past the CEL length limit; never evaluated."""

from __future__ import annotations

from typing import Any

import pytest

from engine.core.limits import LIMITS
from tests.helpers import db_state

pytestmark = pytest.mark.django_db

URL = "/api/designer/check-expression/"


def check(client: Any, body: Any) -> Any:
    return client.post(URL, body, format="json")


@pytest.mark.parametrize(
    "source", ["data.amount > 1000 && case.version > 1", "data.items.exists(i, i.price > 100)", "duration('48h')"]
)
def test_a_valid_expression_is_valid(staff: Any, source: str) -> None:
    response = check(staff, {"expression": source})
    assert response.status_code == 200
    assert response.json() == {"valid": True, "error": None, "column": None}


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("size(items", 11, "missing ')'"),
        ("data.amount >", 14, "mismatched input '<EOF>'"),
        ('data.a == "x', 11, "token recognition error"),
    ],
)
def test_a_bad_expression_gives_the_engines_error_and_its_column(
    staff: Any, source: str, column: int, fragment: str
) -> None:
    response = check(staff, {"expression": source})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert fragment in body["error"]
    assert body["column"] == column


def test_the_publish_check_and_this_endpoint_agree(staff: Any) -> None:
    from engine.core.expr import check_expr

    for source in ["data.a ) 1", "x ++ y", "data.ok"]:
        body = check(staff, {"expression": source}).json()
        assert body["error"] == check_expr(source)


def test_an_empty_expression_is_not_valid(staff: Any) -> None:
    body = check(staff, {"expression": "   "}).json()
    assert body == {"valid": False, "error": "the expression is empty", "column": None}


@pytest.mark.parametrize(
    "body",
    [{}, {"expression": 5}, {"expression": None}, {"expression": ["data"]}, ["data.a"], "data.a"],
)
def test_a_body_that_is_not_an_expression_is_a_json_400(staff: Any, body: Any) -> None:
    before = db_state()
    response = check(staff, body)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert db_state() == before


def test_an_expression_past_the_length_limit_is_a_400_naming_the_limit(staff: Any) -> None:
    response = check(staff, {"expression": "1 + " * (LIMITS.cel_max_length // 4) + "1"})
    assert response.status_code == 400
    assert str(LIMITS.cel_max_length) in str(response.json())


def test_malformed_json_is_a_400(staff: Any) -> None:
    response = staff.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_only_staff_may_check(api_client: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("plain", password="x")
    assert check(api_client(user), {"expression": "1"}).status_code == 403
    assert check(api_client(), {"expression": "1"}).status_code in (401, 403)
