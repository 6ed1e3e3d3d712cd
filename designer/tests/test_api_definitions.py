"""Definition API: flows for every endpoint, and every refusal leaves the database unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.helpers import db_state, demo_net, publish

pytestmark = pytest.mark.django_db

UNKNOWN_NODE_PROBLEM = {"element": "pay->nowhere", "message": "flow to unknown id 'nowhere'", "path": "/flows/8/to"}


def test_list_shows_drafts_with_their_latest_version(staff: Any, demo: list[str]) -> None:
    draft_only = demo_net("document-check") | {"name": "draft-only", "title": "Draft only"}
    assert staff.post("/api/definitions/", draft_only, format="json").status_code == 201
    publish_again = staff.post("/api/definitions/invoice-approval/publish/")
    assert publish_again.status_code == 201

    response = staff.get("/api/definitions/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(demo) + 1
    assert set(body) == {"count", "next", "previous", "results"}
    rows = {r["name"]: r for r in body["results"]}
    assert rows["invoice-approval"]["latest_version"] == 2
    assert rows["invoice-approval"]["title"] == "Invoice approval"
    assert rows["invoice-approval"]["description"].startswith("A clerk reviews")
    assert rows["batch-review"]["latest_version"] == 1
    assert rows["draft-only"]["latest_version"] is None
    assert [r["name"] for r in body["results"]] == sorted(rows)


def test_create_then_get(staff: Any) -> None:
    doc = demo_net("invoice-approval")
    response = staff.post("/api/definitions/", doc, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "invoice-approval"
    assert body["title"] == "Invoice approval"
    assert body["draft"] == doc
    assert body["versions"] == []

    response = staff.get("/api/definitions/invoice-approval/")
    assert response.status_code == 200
    assert response.json()["draft"] == doc


def test_create_keeps_a_draft_with_graph_problems(staff: Any) -> None:
    """Drafts save as you draw: unconnected nodes are fine until publishing."""
    doc = demo_net("document-check")
    doc["tasks"].append({"id": "dangling", "kind": "manual"})
    response = staff.post("/api/definitions/", doc, format="json")
    assert response.status_code == 201


def test_create_an_existing_name_is_409_and_changes_nothing(staff: Any, demo: list[str]) -> None:
    before = db_state()
    doc = demo_net("invoice-approval") | {"title": "Overwritten?"}
    response = staff.post("/api/definitions/", doc, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "exists"
    assert db_state() == before


def test_get_lists_versions(staff: Any, demo: list[str]) -> None:
    staff.post("/api/definitions/batch-review/publish/")
    body = staff.get("/api/definitions/batch-review/").json()
    assert set(body) >= {"name", "title", "draft", "versions"}
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert all(v["published_at"] for v in body["versions"])


def test_get_unknown_is_404(staff: Any) -> None:
    response = staff.get("/api/definitions/nope/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_put_saves_the_draft(staff: Any, demo: list[str]) -> None:
    doc = demo_net("document-check") | {"title": "Document check, renamed"}
    response = staff.put("/api/definitions/document-check/", doc, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Document check, renamed"
    assert response.json()["draft"]["title"] == "Document check, renamed"
    # the published version is frozen
    frozen = staff.get("/api/definitions/document-check/versions/1/").json()
    assert frozen["title"] == "Document check"


def test_put_without_a_name_takes_the_urls(staff: Any, demo: list[str]) -> None:
    doc = demo_net("document-check")
    del doc["name"]
    response = staff.put("/api/definitions/document-check/", doc, format="json")
    assert response.status_code == 200
    assert response.json()["draft"]["name"] == "document-check"


def test_put_refusals_change_nothing(staff: Any, demo: list[str]) -> None:
    before = db_state()
    other_name = demo_net("document-check") | {"name": "renamed"}
    response = staff.put("/api/definitions/document-check/", other_name, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["element"] is None
    response = staff.put("/api/definitions/unknown/", demo_net("document-check") | {"name": "unknown"}, format="json")
    assert response.status_code == 404
    assert db_state() == before


def test_validate(staff: Any) -> None:
    response = staff.post("/api/definitions/validate/", demo_net("invoice-approval"), format="json")
    assert response.status_code == 200
    assert response.json() == {"valid": True, "errors": [], "warnings": []}

    broken = demo_net("invoice-approval")
    broken["flows"].append({"from": "pay", "to": "nowhere"})
    body = staff.post("/api/definitions/validate/", broken, format="json").json()
    assert body["valid"] is False
    assert UNKNOWN_NODE_PROBLEM in body["errors"]


@pytest.mark.parametrize("doc", [[1, 2], "a net", 42, {}])
def test_validate_anything_json_is_200(staff: Any, doc: Any) -> None:
    response = staff.post("/api/definitions/validate/", doc, format="json")
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert response.json()["errors"]


def test_validate_a_body_that_is_not_json_is_400(staff: Any) -> None:
    response = staff.post("/api/definitions/validate/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_publish_then_read_the_version(staff: Any) -> None:
    doc = demo_net("invoice-approval")
    staff.post("/api/definitions/", doc, format="json")
    response = staff.post("/api/definitions/invoice-approval/publish/")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "invoice-approval"
    assert body["version"] == 1
    assert body["published_at"]
    assert staff.post("/api/definitions/invoice-approval/publish/").json()["version"] == 2

    response = staff.get("/api/definitions/invoice-approval/versions/1/")
    assert response.status_code == 200
    assert response.json() == doc
    assert staff.get("/api/definitions/invoice-approval/versions/3/").status_code == 404
    assert staff.get("/api/definitions/nope/versions/1/").status_code == 404


def test_export_downloads_the_draft(staff: Any, demo: list[str]) -> None:
    response = staff.get("/api/definitions/batch-review/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="batch-review.json"'
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == demo_net("batch-review")
    assert staff.get("/api/definitions/nope/export/").status_code == 404
    # a download link in a browser: whatever the Accept header, the answer is the JSON file
    assert staff.get("/api/definitions/batch-review/export/", HTTP_ACCEPT="text/html").json() == demo_net(
        "batch-review"
    )


def test_import_creates_or_overwrites(staff: Any) -> None:
    doc = demo_net("document-check")
    response = staff.post("/api/definitions/import/", doc, format="json")
    assert response.status_code == 201
    assert response.json()["draft"] == doc

    changed = doc | {"title": "Imported again"}
    response = staff.post("/api/definitions/import/", changed, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Imported again"
    assert staff.get("/api/definitions/document-check/").json()["draft"] == changed


def test_export_then_import_round_trips(staff: Any, demo: list[str]) -> None:
    exported = staff.get("/api/definitions/order-fulfilment/export/").json()
    response = staff.post("/api/definitions/import/", exported, format="json")
    assert response.status_code == 200
    assert response.json()["draft"] == exported


def _unknown_kind() -> dict[str, Any]:
    doc = demo_net("invoice-approval")
    doc["tasks"][0]["kind"] = "bogus"
    return doc


def _bad_cel() -> dict[str, Any]:
    doc = demo_net("invoice-approval")
    doc["flows"][1]["when"] = "data.approved &&"
    return doc


@pytest.mark.parametrize(
    ("doc", "element", "path"),
    [
        ([{"not": "an object"}], None, None),
        ("a string", None, None),
        ({"schema_version": 1, "conditions": [], "tasks": [], "flows": []}, None, None),  # no name
        (_unknown_kind(), "review", "/tasks/0/kind"),
        (_bad_cel(), "review->manager_approval", "/flows/1/when"),
    ],
    ids=["list", "string", "no-name", "unknown-task-kind", "bad-cel-in-flow"],
)
@pytest.mark.parametrize("endpoint", ["/api/definitions/", "/api/definitions/import/"])
def test_invalid_nets_are_400_and_change_nothing(
    staff: Any, demo: list[str], endpoint: str, doc: Any, element: str | None, path: str | None
) -> None:
    if endpoint == "/api/definitions/" and isinstance(doc, dict) and "name" in doc:
        doc = doc | {"name": "fresh-net"}  # create: a new name (import overwrites the demo's draft)
    before = db_state()
    response = staff.post(endpoint, doc, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]
    assert body["errors"][0]["element"] == element
    if path is not None:
        assert body["errors"][0]["path"] == path
        assert body["errors"][0]["message"]
    assert db_state() == before


def test_saving_an_invalid_draft_over_an_existing_one_changes_nothing(staff: Any, demo: list[str]) -> None:
    before = db_state()
    response = staff.put("/api/definitions/invoice-approval/", _bad_cel(), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["element"] == "review->manager_approval"
    assert db_state() == before


def test_publishing_an_invalid_draft_is_400_and_changes_nothing(staff: Any, demo: list[str]) -> None:
    """A flow to an unknown node is a graph problem: fine in a draft, refused at publishing."""
    doc = demo_net("invoice-approval")
    doc["flows"].append({"from": "pay", "to": "nowhere"})
    assert staff.put("/api/definitions/invoice-approval/", doc, format="json").status_code == 200
    before = db_state()
    response = staff.post("/api/definitions/invoice-approval/publish/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert UNKNOWN_NODE_PROBLEM in body["errors"]
    assert db_state() == before


def test_publishing_an_unknown_definition_is_404(staff: Any) -> None:
    response = staff.post("/api/definitions/nope/publish/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_draft_may_reference_an_activity_that_does_not_exist_until_publishing(staff: Any) -> None:
    doc = copy.deepcopy(demo_net("order-fulfilment"))
    doc["tasks"][2]["activity"] = "no.such.activity"
    assert staff.post("/api/definitions/", doc, format="json").status_code == 201
    before = db_state()
    response = staff.post("/api/definitions/order-fulfilment/publish/")
    assert response.status_code == 400
    assert [e["element"] for e in response.json()["errors"]] == ["charge_payment"]
    assert db_state() == before


ENDPOINTS = [
    ("get", "/api/definitions/"),
    ("post", "/api/definitions/"),
    ("get", "/api/definitions/invoice-approval/"),
    ("put", "/api/definitions/invoice-approval/"),
    ("post", "/api/definitions/validate/"),
    ("post", "/api/definitions/import/"),
    ("post", "/api/definitions/invoice-approval/publish/"),
    ("get", "/api/definitions/invoice-approval/versions/1/"),
    ("get", "/api/definitions/invoice-approval/export/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_non_staff_get_403_and_change_nothing(
    api_client: Any, operator_a: Any, demo: list[str], method: str, url: str
) -> None:
    before = db_state()
    response = getattr(api_client(operator_a), method)(url, demo_net("invoice-approval"), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert db_state() == before


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_get_401(api_client: Any, demo: list[str], method: str, url: str) -> None:
    before = db_state()
    response = getattr(api_client(), method)(url, demo_net("invoice-approval"), format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert db_state() == before


def test_publish_helper_and_api_agree(staff: Any) -> None:
    version = publish(demo_net("document-check"))
    assert staff.get("/api/definitions/document-check/").json()["versions"][0]["version"] == version.version
