"""The dashboard's read endpoints: overview, case page, definition page; staff only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dashboard.selectors import percentile
from engine import services
from engine.models import Case, Event, WorkItem

pytestmark = pytest.mark.django_db
INVOICE = {"vendor": "ACME", "amount": 500.0}


def item_of(case: Case, task: str, state: str = "initialized") -> str:
    return str(WorkItem.objects.filter(case=case, task=task, state=state).first().pk)


@pytest.fixture
def world(staff_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Case]:
    """Two invoices (one completed via a rejection), a failing case, a deadlocked one, a parent
    with a child case."""
    open_invoice = services.case_start(definition="invoice-approval", data=INVOICE, user=staff_user)
    done = services.case_start(definition="invoice-approval", data=INVOICE, user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.work_item_complete(
            item_id=item_of(done, "review"), user=staff_user, output={"approved": False, "comment": "duplicate invoice"}
        )
        failing = services.case_start(definition="failing", user=staff_user)
    dead = services.case_start(definition="batch-review", data={"documents": ["a"]}, user=staff_user)
    Case.objects.filter(pk=dead.pk).update(state="deadlocked", ended_at=timezone.now(), reason="stuck")
    parent = services.case_start(definition="document-intake", data={"source": "mail"}, user=staff_user)
    services.work_item_complete(item_id=item_of(parent, "register"), user=staff_user, output={"title": "T"})
    child = Case.objects.get(parent=parent)
    return {"open": open_invoice, "done": done, "failing": failing, "dead": dead, "parent": parent, "child": child}


def test_overview(staff: Any, world: dict[str, Case]) -> None:
    response = staff.get("/api/dashboard/overview/")
    assert response.status_code == 200, response.json()
    body = response.json()
    cases = body["cases"]
    assert cases["total"] == 6
    assert cases["by_state"]["completed"] == 1 and cases["by_state"]["deadlocked"] == 1
    assert cases["by_state"]["running"] == 4
    invoice = next(d for d in cases["by_definition"] if d["definition"] == "invoice-approval")
    assert invoice["total"] == 2 and invoice["by_state"]["completed"] == 1 and invoice["by_state"]["running"] == 1

    incidents = body["incidents"]
    assert incidents["failed_work_items"] == 1 and incidents["failed_automatic_work_items"] == 1
    assert incidents["deadlocked_cases"] == 1
    [failed] = incidents["latest_failed_work_items"]
    assert failed["case"] == world["failing"].pk and failed["task"] == "charge"
    assert failed["error_type"] == "RuntimeError" and failed["error_message"] == "card declined"
    assert incidents["latest_deadlocked_cases"][0]["case"] == world["dead"].pk

    open_items = {(r["definition"], r["task"], r["role"]): r for r in body["open_work_items"]}
    assert open_items[("invoice-approval", "review", "clerks")]["initialized"] == 1
    assert open_items[("batch-review", "review_document", "clerks")]["total"] == 1
    assert ("failing", "charge", None) not in open_items  # failed: an incident, not open work

    buckets = body["throughput"]["buckets"]
    assert body["throughput"]["hours"] == 24 and len(buckets) in (24, 25)
    assert sum(b["started"] for b in buckets) == 6
    assert sum(b["completed"] for b in buckets) == 1

    durations = body["durations"]
    completed_items = WorkItem.objects.filter(state="completed").count()
    assert durations["count"] == completed_items > 0
    assert sum(b["count"] for b in durations["histogram"]) == completed_items
    assert durations["p95_seconds"] >= durations["p50_seconds"] >= 0
    assert {(r["definition"], r["task"]) for r in durations["by_task"]} >= {("invoice-approval", "review")}


def test_overview_hours_and_old_cases(staff: Any, world: dict[str, Case]) -> None:
    Case.objects.filter(pk=world["open"].pk).update(created_at=timezone.now() - dt.timedelta(hours=30))
    body = staff.get("/api/dashboard/overview/", {"hours": 2}).json()
    assert body["throughput"]["hours"] == 2
    assert sum(b["started"] for b in body["throughput"]["buckets"]) == 5
    assert staff.get("/api/dashboard/overview/", {"hours": 0}).status_code == 400


def test_case_page(staff: Any, world: dict[str, Case]) -> None:
    failing = world["failing"]
    response = staff.get(f"/api/dashboard/cases/{failing.pk}/")
    assert response.status_code == 200, response.json()
    page = response.json()
    assert page["id"] == failing.pk and page["definition"] == "failing" and page["version"] == 1
    assert page["state"] == "running" and page["incident"] is True and page["started_by"] == "staff"
    assert page["net"]["name"] == "failing" and page["net"]["tasks"][0]["id"] == "charge"
    assert page["tasks"]["charge"]["state"] == "started"
    assert page["tasks"]["charge"]["stats"]["failed"] == 1
    [item] = page["work_items"]
    assert item["state"] == "failed" and item["attempt"] == 1 and item["input"] == {"message": "card declined"}
    assert item["iteration"] == 1
    assert "Traceback" in item["error"]["traceback"]
    assert page["parent"] is None and page["children"] == []
    types = [e["type"] for e in page["history"]]
    assert types[0] == "case.started" and "work_item.failed" in types
    assert page["history"][0]["actor"] == "staff"
    assert page["history_truncated"] is False
    assert "past" not in page


def test_case_page_links_parent_and_children(staff: Any, world: dict[str, Case]) -> None:
    parent = staff.get(f"/api/dashboard/cases/{world['parent'].pk}/").json()
    [child] = parent["children"]
    assert child["id"] == world["child"].pk and child["definition"] == "document-check"
    assert child["task"] == "check_document" and child["state"] == "running"
    page = staff.get(f"/api/dashboard/cases/{world['child'].pk}/").json()
    assert page["parent"]["id"] == world["parent"].pk and page["parent"]["task"] == "check_document"
    assert page["parent"]["work_item"] == child["work_item"]


def test_case_page_with_at_shows_the_past(staff: Any, world: dict[str, Case]) -> None:
    done = world["done"]
    first_tokens = Event.objects.filter(case=done, type="tokens").order_by("id").first()
    page = staff.get(f"/api/dashboard/cases/{done.pk}/", {"at": first_tokens.pk}).json()
    assert page["state"] == "completed"
    assert page["past"]["state"] == "running" and page["past"]["marking"] == {"start": 1}
    assert page["past"]["event"] == first_tokens.pk


def test_case_page_costs_a_fixed_number_of_queries(
    staff: Any, world: dict[str, Case], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        response = staff.get(f"/api/dashboard/cases/{world['parent'].pk}/")
    assert response.status_code == 200, response.content  # the count is of a request that succeeded
    assert response.json()["id"] == world["parent"].pk


def test_case_page_keeps_the_latest_history(staff: Any, world: dict[str, Case], monkeypatch: Any) -> None:
    monkeypatch.setattr("dashboard.selectors.HISTORY_LIMIT", 3)
    page = staff.get(f"/api/dashboard/cases/{world['done'].pk}/").json()
    last = list(Event.objects.filter(case=world["done"]).order_by("-id").values_list("id", flat=True)[:3])
    assert [e["id"] for e in page["history"]] == sorted(last)
    assert page["history_truncated"] is True


def test_definition_list_and_page(staff: Any, world: dict[str, Case], staff_user: Any) -> None:
    rows = {d["name"]: d for d in staff.get("/api/dashboard/definitions/").json()}
    assert rows["invoice-approval"]["versions"] == 1 and rows["invoice-approval"]["latest_version"] == 1
    assert rows["invoice-approval"]["cases"]["total"] == 2

    # a second invoice still at review, and one with a claimed-and-started review
    services.case_start(definition="invoice-approval", data=INVOICE, user=staff_user)
    third = services.case_start(definition="invoice-approval", data=INVOICE, user=staff_user)
    services.work_item_start(item_id=item_of(third, "review"), user=staff_user)

    response = staff.get("/api/dashboard/definitions/invoice-approval/")
    assert response.status_code == 200, response.json()
    page = response.json()
    assert page["version"] == 1 and page["net"]["name"] == "invoice-approval"
    assert page["versions"] == [
        {
            "version": 1,
            "published_at": page["versions"][0]["published_at"],
            "cases": {"total": 4, "by_state": {"running": 3, "completed": 1}},
        }
    ]
    heat = page["heatmap"]
    review = heat["tasks"]["review"]
    assert (review["enabled"], review["started"], review["open_items"]) == (2, 1, 3)
    assert review["count"] == 1 and review["avg_seconds"] >= 0 and review["p95_seconds"] >= 0
    assert heat["tasks"]["pay"]["count"] == 0 and heat["tasks"]["pay"]["avg_seconds"] is None
    assert heat["conditions"]["start"] == {"tokens": 2, "cases": 2}  # the started review took its token
    assert heat["conditions"]["end"] == {"tokens": 0, "cases": 0}

    failing = staff.get("/api/dashboard/definitions/failing/").json()["heatmap"]["tasks"]["charge"]
    assert failing["failed_items"] == 1 and failing["started"] == 1

    assert staff.get("/api/dashboard/definitions/invoice-approval/", {"version": 2}).status_code == 404
    assert staff.get("/api/dashboard/definitions/nope/").status_code == 404


def test_percentile_matches_postgres_percentile_cont() -> None:
    assert percentile([], 0.95) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 0.95) == pytest.approx(95.05)


@pytest.mark.parametrize(
    "url",
    [
        "/api/dashboard/overview/",
        "/api/dashboard/cases/",
        "/api/dashboard/cases/1/",
        "/api/dashboard/cases/1/state/?at=1",
        "/api/dashboard/definitions/",
        "/api/dashboard/definitions/failing/",
        "/api/dashboard/batches/",
        "/api/dashboard/batches/1/",
    ],
)
def test_reads_are_staff_only(api_client: Any, operator_a: Any, url: str) -> None:
    assert api_client().get(url).status_code == 401
    response = api_client(operator_a).get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_schema_documents_the_dashboard(api_client: Any, staff_user: Any) -> None:
    schema = api_client(staff_user).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/dashboard/overview/",
        "/api/dashboard/cases/",
        "/api/dashboard/cases/{case_id}/",
        "/api/dashboard/cases/{case_id}/state/",
        "/api/dashboard/definitions/{name}/",
        "/api/dashboard/batches/",
        "/api/dashboard/batches/{job_id}/",
    ):
        assert path in schema["paths"], path


def test_admin_registers_every_model_read_only(client: Any, django_user_model: Any, world: dict[str, Case]) -> None:
    from django.apps import apps
    from django.contrib import admin

    for app in ("definitions", "engine"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "root")
    client.force_login(admin_user)
    for url in (
        "/admin/engine/case/",
        "/admin/engine/workitem/",
        "/admin/engine/event/",
        "/admin/engine/batchjob/",
        f"/admin/engine/case/{world['open'].pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/engine/case/add/").status_code == 403
    before = Case.objects.get(pk=world["open"].pk).state
    client.post(f"/admin/engine/case/{world['open'].pk}/change/", {"state": "canceled"})
    assert Case.objects.get(pk=world["open"].pk).state == before
