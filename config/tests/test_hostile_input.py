"""Input the database cannot store, over-limit input and errors outside the views: every one a
JSON 4xx (or 5xx) in the API's error format, naming the field, with nothing changed (issue 13
item 5, ADR 0068)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from config.parsers import RequestTooLarge, SafeJSONParser
from engine import services
from engine.access import SYSTEM
from engine.models import Case, WorkItem
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

MANUAL_NET = net(
    "hostile",
    [{"id": "review", "kind": "manual", "form": {"type": "object"}}],
    [("start", "review"), ("review", "end")],
    title="Hostile",
)

# Raw JSON texts of values that cannot be stored (json.dumps would refuse a lone surrogate).
BAD_VALUES = {
    "nul": '"a\\u0000b"',
    "surrogate": '"\\ud800"',
    "infinity": "1e999",
    "minus_infinity": "-1e999",
    "nan": "NaN",
}


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture
def staff_client(staff_user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    return client


@pytest.fixture
def case(settings: Any) -> Case:
    settings.WORKFLOW_RUNNER = "inline"
    publish(MANUAL_NET)
    return services.case_start(definition="hostile", data={"a": 1}, user=SYSTEM)


def post_raw(client: Client, url: str, text: str) -> Any:
    return client.post(url, data=text, content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert body["code"] == code
    return body


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_case_data_that_cannot_be_stored_is_400_naming_the_field(staff_client: Client, case: Case, kind: str) -> None:
    before = db_state()
    text = '{"definition": "hostile", "data": {"customer": {"name": @V@}}}'.replace("@V@", BAD_VALUES[kind])
    body = assert_error(post_raw(staff_client, "/api/cases/", text), 400, "invalid")
    assert body["errors"][0]["field"] == "data.customer.name"
    assert db_state() == before


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_item_output_that_cannot_be_stored_is_400(staff_client: Client, case: Case, kind: str) -> None:
    item = WorkItem.objects.get(case=case, task="review")
    before = db_state()
    text = '{"output": {"notes": [1, @V@]}}'.replace("@V@", BAD_VALUES[kind])
    body = assert_error(post_raw(staff_client, f"/api/work-items/{item.pk}/complete/", text), 400, "invalid")
    assert body["errors"][0]["field"] == "output.notes.1"
    assert db_state() == before


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_data_edits_that_cannot_be_stored_are_400(staff_client: Client, case: Case, kind: str) -> None:
    before = db_state()
    text = '{"data": {"b": @V@}}'.replace("@V@", BAD_VALUES[kind])
    body = assert_error(post_raw(staff_client, f"/api/cases/{case.pk}/data/", text), 400, "invalid")
    assert body["errors"][0]["field"] == "data.b"
    assert db_state() == before


def test_a_key_that_cannot_be_stored_is_400(staff_client: Client, case: Case) -> None:
    before = db_state()
    body = assert_error(
        post_raw(staff_client, f"/api/cases/{case.pk}/data/", '{"data": {"a\\u0000": 1}}'), 400, "invalid"
    )
    assert body["errors"][0]["field"] == "data"
    assert "key" in body["errors"][0]["message"]
    assert db_state() == before


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_titles_that_cannot_be_stored_are_400(staff_client: Client, kind: str) -> None:
    before = db_state()
    doc = json.dumps({**MANUAL_NET, "title": "@TITLE@"}).replace('"@TITLE@"', BAD_VALUES[kind])
    body = assert_error(post_raw(staff_client, "/api/definitions/", doc), 400, "invalid")
    assert body["errors"][0]["field"] == "title"
    assert db_state() == before


def test_a_title_longer_than_the_column_is_400(staff_client: Client) -> None:
    before = db_state()
    response = post_raw(staff_client, "/api/definitions/", json.dumps({**MANUAL_NET, "title": "t" * 301}))
    body = assert_error(response, 400, "invalid")
    assert body["errors"][0]["path"] == "/title"
    assert db_state() == before


@pytest.mark.parametrize(
    "literal",
    ['"a\\u0000b"', '"\\ud800"', "1e999", "-1e999", "123456789012345678901234567890"],
)
def test_where_filter_values_that_cannot_be_stored_are_400(staff_client: Client, case: Case, literal: str) -> None:
    before = db_state()
    response = staff_client.get("/api/dashboard/cases/", {"where": f"data.a == {literal}"})
    body = assert_error(response, 400, "invalid")
    assert body["errors"][0]["field"] == "where"
    assert db_state() == before


def test_nul_in_a_query_parameter_or_path_is_400(staff_client: Client, case: Case) -> None:
    body = assert_error(staff_client.get("/api/cases/", {"definition": "a\x00b"}), 400, "invalid")
    assert body["errors"][0]["field"] == "definition"
    assert_error(staff_client.get("/api/definitions/a%00b/"), 400, "invalid")
    assert_error(staff_client.get("/api/dashboard/cases/", {"where": 'data.a == "x\x00"'}), 400, "invalid")


@pytest.mark.parametrize("name", ["n" * 300, "n" * 101, "bad\n", "bad name", "-bad", ""])
def test_definition_names_outside_the_pattern_are_400(staff_client: Client, name: str) -> None:
    before = db_state()
    for url in ("/api/definitions/", "/api/definitions/import/"):
        body = assert_error(post_raw(staff_client, url, json.dumps({**MANUAL_NET, "name": name})), 400, "invalid")
        assert body["errors"][0]["path"] == "/name"
    assert db_state() == before


def test_a_name_of_the_longest_length_works_end_to_end(staff_client: Client, settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    name = "n" * 100
    assert post_raw(staff_client, "/api/definitions/", json.dumps({**MANUAL_NET, "name": name})).status_code == 201
    assert staff_client.post(f"/api/definitions/{name}/publish/").status_code == 201
    assert staff_client.get(f"/api/definitions/{name}/export/").status_code == 200
    assert post_raw(staff_client, "/api/cases/", json.dumps({"definition": name})).status_code == 201


@pytest.mark.parametrize("task_id", ["t" * 101, "review\n"])
def test_task_ids_outside_the_pattern_are_400(staff_client: Client, task_id: str) -> None:
    doc = json.loads(json.dumps(MANUAL_NET).replace('"review"', json.dumps(task_id)))
    before = db_state()
    assert_error(post_raw(staff_client, "/api/definitions/", json.dumps(doc)), 400, "invalid")
    assert db_state() == before


def test_a_body_over_the_limit_is_413(staff_client: Client, case: Case, settings: Any) -> None:
    before = db_state()
    big = json.dumps({"definition": "hostile", "data": {"blob": "x" * (10 * 1024 * 1024)}})
    body = assert_error(post_raw(staff_client, "/api/cases/", big), 413, "too_large")
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["detail"]
    assert db_state() == before


def test_the_parser_bounds_what_it_reads(settings: Any) -> None:
    """A body whose length was not declared (the middleware saw none) is bounded by the parser."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    stream = io.BytesIO(json.dumps({"x": "y" * 2000}).encode())
    with pytest.raises(RequestTooLarge):
        SafeJSONParser().parse(stream)
    assert SafeJSONParser().parse(io.BytesIO(b'{"x": 1}')) == {"x": 1}


@pytest.mark.parametrize("levels", [65, 1000, 100_000])
def test_json_nested_too_deep_is_400(staff_client: Client, case: Case, levels: int) -> None:
    before = db_state()
    text = '{"data": {"a": @V@}}'.replace("@V@", deep(levels))
    body = assert_error(post_raw(staff_client, f"/api/cases/{case.pk}/data/", text), 400, "invalid")
    assert "deeper than 64" in body["errors"][0]["message"]
    assert db_state() == before


def test_json_at_the_depth_limit_is_stored(staff_client: Client, case: Case) -> None:
    text = '{"data": {"a": @V@}}'.replace("@V@", deep(62))  # 64 levels with the body and `data`
    assert post_raw(staff_client, f"/api/cases/{case.pk}/data/", text).status_code == 200
    case.refresh_from_db()
    assert isinstance(case.data["a"], list)


def test_a_body_that_is_not_json_is_415(staff_client: Client, case: Case) -> None:
    before = db_state()
    response = staff_client.post("/api/cases/", data={"definition": "hostile"})  # a form post
    assert_error(response, 415, "unsupported_media_type")
    assert db_state() == before


def test_a_post_without_a_body_is_read_as_empty_and_a_form_with_fields_stays_415(staff_client: Client) -> None:
    # publish's body is optional: no body at all, or an empty form, is no unsupported media type
    assert (
        post_raw(staff_client, "/api/definitions/", json.dumps({**MANUAL_NET, "name": "bodyless"})).status_code == 201
    )
    before = db_state()
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        response = staff_client.post("/api/definitions/bodyless/publish/", data="x=1", content_type=content_type)
        assert_error(response, 415, "unsupported_media_type")
    response = staff_client.post("/api/definitions/bodyless/publish/", data={"comment": "a form"})
    assert_error(response, 415, "unsupported_media_type")
    assert db_state() == before
    assert (
        staff_client.post("/api/definitions/bodyless/publish/", data="", content_type="text/plain").status_code == 201
    )
    assert staff_client.post("/api/definitions/bodyless/publish/").status_code == 201  # an empty multipart form


def test_unknown_api_path_is_a_json_404(staff_client: Client) -> None:
    assert_error(staff_client.get("/api/no-such-thing/"), 404, "not_found")
    assert_error(staff_client.get("/api/"), 404, "not_found")


def test_unknown_api_path_is_a_json_404_with_debug_on(staff_client: Client, settings: Any) -> None:
    settings.DEBUG = True
    response = staff_client.get("/api/no-such-thing/")
    assert_error(response, 404, "not_found")
    assert b"urlpatterns" not in response.content


def test_wrong_method_is_a_json_405(staff_client: Client, case: Case) -> None:
    response = staff_client.delete(f"/api/cases/{case.pk}/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_is_a_json_500_without_the_debug_page(
    staff_client: Client, case: Case, settings: Any, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    settings.DEBUG = debug
    from engine import selectors

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("boom with a secret")

    monkeypatch.setattr(selectors, "case_get", broken)
    response = staff_client.get(f"/api/cases/{case.pk}/")
    body = assert_error(response, 500, "server_error")
    assert "secret" not in response.content.decode() and "REDIS_URL" not in response.content.decode()
    assert body["errors"] == []


def test_a_csrf_failure_under_the_api_is_json(case: Case, staff_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/auth/login/", data=json.dumps({"username": "staff", "password": "staff"}), content_type="application/json"
    )
    assert_error(response, 403, "forbidden")


def test_pages_outside_the_api_keep_django_errors(staff_client: Client) -> None:
    response = staff_client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_debug_is_off_unless_the_environment_turns_it_on() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    off = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert off.stdout.strip() == "False"
    on = subprocess.run(
        [sys.executable, "-c", code], env={**env, "DEBUG": "true"}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert on.stdout.strip() == "True"
    # The run command turns it on, and only when the environment does not say otherwise.
    assert 'export DEBUG="${DEBUG:-true}"' in (ROOT / "scripts" / "run.sh").read_text()
