"""Activities: the registry and its discovery, the standard library, directives that fail the
work item, run by the inline runner (the same `runner.run_work_item` the worker calls)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail

from definitions import registry
from definitions.registry import ActivityContext, ActivityResult, activity
from engine import services
from engine.access import SYSTEM
from engine.models import Case, WorkItem
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def inline(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"


def run_one(
    activity_name: str,
    input_mapping: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
    capture: Any = None,
    **spec: Any,
) -> WorkItem:
    name = "one-" + activity_name.replace(".", "-")
    publish(
        net(
            name,
            [
                {
                    "id": "t",
                    "kind": "automatic",
                    "activity": activity_name,
                    "input": input_mapping or {},
                    "retry": {"max_attempts": 1},
                    **spec,
                }
            ],
            [("start", "t"), ("t", "end")],
        )
    )
    with capture(execute=True):
        case = services.case_start(definition=name, data=data or {}, user=SYSTEM)
    return WorkItem.objects.get(case=case, task="t")


# ---------------------------------------------------------------------- registry


def test_modules_named_by_the_setting_are_discovered(settings: Any, api_client: Any, staff_user: Any) -> None:
    settings.WORKFLOW_ACTIVITY_MODULES = ["worker.tests.user_activities.extra"]
    registry.discover()
    spec = registry.get_activity("user.greet")
    assert spec is not None and spec.description == "Greets by name."
    rows = {a["name"]: a for a in api_client(staff_user).get("/api/activities/?page_size=500").json()["results"]}
    assert rows["user.greet"]["input_schema"]["properties"]["name"] == {"type": "string"}


def test_a_module_that_cannot_be_imported_is_a_configuration_error(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.WORKFLOW_ACTIVITY_MODULES = "engine.tests.no_such_module"
    with pytest.raises(ImproperlyConfigured, match="no_such_module"):
        registry.discover()


def test_one_name_for_two_functions_is_refused() -> None:
    assert registry.get_activity("echo") is not None  # the standard library is registered (not by this test)
    with pytest.raises(ValueError, match="already registered"):
        activity("echo")(lambda payload, ctx: payload)


def test_publishing_an_unknown_activity_is_an_error_on_that_task(api_client: Any, staff_user: Any) -> None:
    staff = api_client(staff_user)
    doc = net(
        "unknown-act",
        [{"id": "charge", "kind": "automatic", "activity": "billing.nowhere"}],
        [("start", "charge"), ("charge", "end")],
    )
    assert staff.post("/api/definitions/", doc, format="json").status_code == 201
    before = db_state()
    response = staff.post("/api/definitions/unknown-act/publish/")
    assert response.status_code == 400
    assert {
        "element": "charge",
        "message": "unknown activity 'billing.nowhere'",
        "path": "/tasks/0/activity",
    } in response.json()["errors"]
    assert db_state() == before


# ---------------------------------------------------------------------- standard library


@pytest.fixture
def http_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = 503 if body.get("fail") else 201
            answer = json.dumps({"got": body, "auth": self.headers.get("X-Token")}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_request_posts_json_and_returns_status_and_json(
    http_server: str, django_capture_on_commit_callbacks: Any
) -> None:
    item = run_one(
        "http.request",
        {
            "url": f"'{http_server}/orders'",
            "method": "'POST'",
            "headers": "{'X-Token': 'secret'}",
            "json": "{'id': data.id}",
            "timeout": "5",
        },
        {"id": 7},
        django_capture_on_commit_callbacks,
    )
    assert item.state == "completed", item.error
    assert item.output["status"] == 201
    assert item.output["json"] == {"got": {"id": 7}, "auth": "secret"}


def test_http_server_error_is_an_http_server_error(http_server: str, django_capture_on_commit_callbacks: Any) -> None:
    item = run_one(
        "http.request",
        {"url": f"'{http_server}/x'", "method": "'POST'", "json": "{'fail': true}"},
        capture=django_capture_on_commit_callbacks,
    )
    assert item.state == "failed"
    assert item.error["type"] == "HttpServerError" and "503" in item.error["message"]


def test_http_request_refuses_other_schemes(django_capture_on_commit_callbacks: Any) -> None:
    item = run_one("http.request", {"url": "'file:///etc/passwd'"}, capture=django_capture_on_commit_callbacks)
    assert item.state == "failed" and item.error["type"] == "ActivityInputError"


def test_email_send_uses_the_mail_backend(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    item = run_one(
        "email.send",
        {"to": "data.customer", "subject": "'Invoice ' + data.number", "body": "'Please pay.'"},
        {"customer": "a@example.com", "number": "42"},
        django_capture_on_commit_callbacks,
    )
    assert item.state == "completed", item.error
    assert item.output == {"sent": 1, "recipients": ["a@example.com"]}
    [message] = mail.outbox
    assert message.subject == "Invoice 42" and message.to == ["a@example.com"]


def test_cel_transform_and_wait(django_capture_on_commit_callbacks: Any) -> None:
    item = run_one(
        "cel.transform",
        {"expressions": "{'total': 'data.a + data.b', 'seen': 'input.extra'}", "extra": "'x'"},
        {"a": 2, "b": 3},
        django_capture_on_commit_callbacks,
    )
    assert item.output == {"total": 5, "seen": "x"}
    waited = run_one("wait", {"seconds": "0.01"}, capture=django_capture_on_commit_callbacks)
    assert waited.output == {"waited": 0.01}
    too_long = run_one("wait", {"seconds": "100000"}, capture=django_capture_on_commit_callbacks)
    assert too_long.state == "failed" and too_long.error["type"] == "ActivityInputError"


# ---------------------------------------------------------------------- directives


@activity("test.directive")
def directive_activity(payload: dict[str, Any], ctx: ActivityContext) -> ActivityResult:
    return ActivityResult({"ran": True}, **payload["directives"])


@pytest.mark.parametrize(
    ("directives", "message"),
    [
        ({"next_tasks": ["nowhere"]}, "there is no task 'nowhere'"),
        ({"add_items": [{"x": 1}]}, 'creation: "dynamic"'),
        ({"terminate": True, "cancel": "both"}, "cannot be combined"),
        ({"next_iteration": {"n": 2}}, "over the bound"),
    ],
)
def test_invalid_directives_fail_the_work_item_with_a_clear_error(
    django_capture_on_commit_callbacks: Any, directives: dict[str, Any], message: str
) -> None:
    publish(
        net(
            "directives",
            [
                {
                    "id": "t",
                    "kind": "automatic",
                    "activity": "test.directive",
                    "max_iterations": 1,
                    "input": {"directives": json.dumps(directives).replace("true", "true")},
                },
                {"id": "after", "kind": "manual"},
            ],
            [("start", "t"), ("t", "after"), ("after", "end")],
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_start(definition="directives", user=SYSTEM)
    item = WorkItem.objects.get(case=case, task="t")
    assert item.state == "failed"
    assert item.error["type"] == "DirectiveError" and message in item.error["message"]
    assert not WorkItem.objects.filter(case=case, task="after").exists()
    assert Case.objects.get(pk=case.pk).state == "running"  # an incident: the operator decides


@activity("test.add_more")
def add_more(payload: dict[str, Any], ctx: ActivityContext) -> ActivityResult:
    if payload.get("seed"):
        return ActivityResult({"n": 0}, add_items=[{"n": 1}, {"n": 2}])
    return ActivityResult({"n": payload["n"]})


def test_add_items_grows_a_dynamic_task(django_capture_on_commit_callbacks: Any) -> None:
    publish(
        net(
            "grow",
            [
                {
                    "id": "t",
                    "kind": "automatic",
                    "activity": "test.add_more",
                    "instances": {"for_each": "[{'seed': true}]", "as": "x", "creation": "dynamic", "max": 5},
                    "input": {"seed": "x.seed"},
                    "output": {"ns": "results.map(r, r.n)"},
                }
            ],
            [("start", "t"), ("t", "end")],
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_start(definition="grow", user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "completed", case.reason
    assert sorted(case.data["ns"]) == [0, 1, 2]
