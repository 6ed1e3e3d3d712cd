"""What the designer relies on from the definitions API: malformed JSON, unknown kinds and bad
CEL are refused on every write endpoint, each problem naming the element at fault, and the
validate endpoint reports the same problems (200) for the problems list while drawing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import db_state, demo_net

pytestmark = pytest.mark.django_db


WRITES = [
    ("post", "/api/definitions/"),
    ("put", "/api/definitions/invoice-approval/"),
    ("post", "/api/definitions/import/"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("body", ["{not json", '{"name": "x", ', "[1, 2"])
def test_malformed_json_is_400_and_changes_nothing(
    staff: Any, demo: list[str], method: str, url: str, body: str
) -> None:
    before = db_state()
    response = getattr(staff, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert db_state() == before


def _edit(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = demo_net("invoice-approval")
    change(doc)
    return doc


def _set_task(i: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["tasks"][i].__setitem__(key, value)


CASES = [
    # (what, edit, element, path)
    ("unknown task kind", _set_task(2, "kind", "robot"), "pay", "/tasks/2/kind"),
    (
        "unknown condition kind",
        lambda d: d["conditions"][0].__setitem__("kind", "begin"),
        "start",
        "/conditions/0/kind",
    ),
    ("unknown join", _set_task(0, "join", "nand"), "review", "/tasks/0/join"),
    (
        "bad CEL in a predicate",
        lambda d: d["flows"][2].__setitem__("when", "data.approved ==="),
        "review->pay",
        "/flows/2/when",
    ),
    ("bad CEL in a priority", _set_task(0, "priority", "data.amount >"), "review", "/tasks/0/priority"),
    (
        "bad CEL in an output mapping",
        _set_task(2, "output", {"paid_amount": "result.paid +"}),
        "pay",
        "/tasks/2/output/paid_amount",
    ),
    ("bad CEL in an assignee", _set_task(1, "assign", {"user": "data.("}), "manager_approval", "/tasks/1/assign/user"),
    ("a form that is no JSON Schema", _set_task(0, "form", {"type": "objekt"}), "review", "/tasks/0/form"),
]


@pytest.mark.parametrize(("what", "change", "element", "path"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize(("method", "url"), WRITES)
def test_refused_with_the_element_id(
    staff: Any, demo: list[str], method: str, url: str, what: str, change: Any, element: str, path: str
) -> None:
    doc = _edit(change)
    if url == "/api/definitions/":
        doc["name"] = "fresh-net"
    before = db_state()
    response = getattr(staff, method)(url, doc, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert any(e["element"] == element and e["path"].startswith(path) for e in body["errors"]), body["errors"]
    assert db_state() == before


@pytest.mark.parametrize(("what", "change", "element", "path"), CASES, ids=[c[0] for c in CASES])
def test_validate_reports_the_same_problem(staff: Any, what: str, change: Any, element: str, path: str) -> None:
    response = staff.post("/api/definitions/validate/", _edit(change), format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert any(e["element"] == element and e["path"].startswith(path) for e in body["errors"]), body["errors"]


def test_a_drawing_in_progress_validates_with_graph_errors_on_its_elements(staff: Any) -> None:
    """What the designer shows while a flow is missing: errors on the elements, then none."""
    doc: dict[str, Any] = {
        "schema_version": 1,
        "name": "drawing",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [{"id": "a", "kind": "dummy"}, {"id": "b", "kind": "dummy"}],
        "flows": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}],
        "layout": {"a": {"x": 1, "y": 2}},
    }
    body = staff.post("/api/definitions/validate/", doc, format="json").json()
    assert body["valid"] is False
    assert "b" in {e["element"] for e in body["errors"]}
    doc["flows"].append({"from": "b", "to": "end"})
    assert staff.post("/api/definitions/validate/", doc, format="json").json() == {
        "valid": True,
        "errors": [],
        "warnings": [],
    }
