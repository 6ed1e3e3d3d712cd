"""Every action the dashboard offers: staff only (403, nothing changed), the state rules (409,
nothing changed), and a history entry that names the acting user.

The single-case actions are the engine's and inbox's endpoints (the dashboard calls them);
batch cancel and batch retry are the dashboard's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from engine import services
from engine.models import BatchJob, Case, Event, WorkItem
from tests.helpers import db_state, net, publish

pytestmark = pytest.mark.django_db
INVOICE = {"vendor": "ACME", "amount": 500.0}
# a clerk reviews (so a clerk sees the case), then the case waits for the signal "paid"
SIGNAL_NET = net(
    "signalled",
    [
        {"id": "review", "kind": "manual", "assign": {"role": "clerks"}},
        {"id": "wait_payment", "kind": "signal", "signal": "paid"},
    ],
    [("start", "review"), ("review", "wait_payment"), ("wait_payment", "end")],
    signals=[
        {
            "name": "paid",
            "schema": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
            "output": {"paid": "signal.amount"},
        }
    ],
)


def everything() -> dict[str, Any]:
    return {**db_state(), "BatchJob": list(BatchJob.objects.order_by("pk").values())}


def failing_case(user: Any, capture: Any) -> Case:
    with capture(execute=True):
        return services.case_start(definition="failing", user=user)


def failed_item(case: Case) -> str:
    return str(WorkItem.objects.get(case=case, state="failed").pk)


@dataclass
class Action:
    """One action: how to set up a case where it is allowed / refused, and how to call it."""

    name: str
    allowed: Callable[[Any, Any], Case]  # (staff user, on-commit capture) -> case
    refused: Callable[[Any, Any], Case]  # a case in a state where the action is not allowed
    call: Callable[[Any, Case], Any]  # (client, case) -> response
    event: str  # the history entry it writes
    after: Callable[[Case], object] = lambda case: None  # what the successful call changed


def invoice(user: Any, capture: Any) -> Case:
    return services.case_start(definition="invoice-approval", data=dict(INVOICE), user=user)


def canceled_invoice(user: Any, capture: Any) -> Case:
    case = invoice(user, capture)
    services.case_cancel(case_id=case.pk, user=user)
    return case


def suspended_invoice(user: Any, capture: Any) -> Case:
    case = invoice(user, capture)
    services.case_suspend(case_id=case.pk, user=user)
    return case


def batch_review(user: Any, capture: Any) -> Case:
    return services.case_start(definition="batch-review", data={"documents": ["a"]}, user=user)


def signalled(user: Any, capture: Any) -> Case:
    publish(SIGNAL_NET)
    return services.case_start(definition="signalled", user=user)


def suspended_signalled(user: Any, capture: Any) -> Case:
    case = signalled(user, capture)
    services.case_suspend(case_id=case.pk, user=user)
    return case


def canceled_batch_review(user: Any, capture: Any) -> Case:
    case = batch_review(user, capture)
    services.case_cancel(case_id=case.pk, user=user)
    return case


def skipped_failing(user: Any, capture: Any) -> Case:
    """A failing case whose item was skipped: the item is completed, nothing to retry or skip."""
    case = failing_case(user, capture)
    services.work_item_skip(item_id=failed_item(case), user=user, output={"charged": 1})
    return case


def suspended_failing(user: Any, capture: Any) -> Case:
    case = failing_case(user, capture)
    services.case_suspend(case_id=case.pk, user=user)
    return case


def state_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).state


def the_item(case: Case) -> str:
    return str(WorkItem.objects.filter(case=case).order_by("created_at").first().pk)


ACTIONS = [
    Action(
        "cancel",
        invoice,
        canceled_invoice,
        lambda c, case: c.post(f"/api/cases/{case.pk}/cancel/", {"reason": "duplicate"}, format="json"),
        "case.canceled",
        lambda case: (state_of(case) == "canceled") or pytest.fail("not canceled"),
    ),
    Action(
        "suspend",
        invoice,
        suspended_invoice,
        lambda c, case: c.post(f"/api/cases/{case.pk}/suspend/"),
        "case.suspended",
        lambda case: (state_of(case) == "suspended") or pytest.fail("not suspended"),
    ),
    Action(
        "resume",
        suspended_invoice,
        invoice,
        lambda c, case: c.post(f"/api/cases/{case.pk}/resume/"),
        "case.resumed",
        lambda case: (state_of(case) == "running") or pytest.fail("not resumed"),
    ),
    Action(
        "retry",
        failing_case,
        suspended_failing,
        lambda c, case: c.post(
            f"/api/work-items/{the_item(case)}/retry/", {"input": {"message": "again"}}, format="json"
        ),
        "work_item.retried",
        lambda case: (WorkItem.objects.get(case=case).attempt == 2) or pytest.fail("not retried"),
    ),
    Action(
        "skip",
        failing_case,
        suspended_failing,
        lambda c, case: c.post(f"/api/work-items/{the_item(case)}/skip/", {"output": {"charged": 5}}, format="json"),
        "work_item.skipped",
        lambda case: (Case.objects.get(pk=case.pk).data == {"charged": 5}) or pytest.fail("not skipped"),
    ),
    Action(
        "edit data",
        invoice,
        canceled_invoice,
        lambda c, case: c.post(f"/api/cases/{case.pk}/data/", {"data": {"amount": 750.0}}, format="json"),
        "data.updated",
        lambda case: (Case.objects.get(pk=case.pk).data["amount"] == 750.0) or pytest.fail("not edited"),
    ),
    Action(
        "add work item",
        batch_review,
        canceled_batch_review,
        lambda c, case: c.post(
            f"/api/cases/{case.pk}/tasks/review_document/work-items/", {"input": {"document": "z"}}, format="json"
        ),
        "work_item.created",
        lambda case: (WorkItem.objects.filter(case=case).count() == 2) or pytest.fail("not added"),
    ),
    Action(
        "complete task",
        batch_review,
        canceled_batch_review,
        lambda c, case: c.post(f"/api/cases/{case.pk}/tasks/review_document/complete/"),
        "task.completed",
        lambda case: (
            (
                list(WorkItem.objects.filter(case=case, task="review_document").values_list("state", flat=True))
                == ["canceled"]
            )
            or pytest.fail("not completed")
        ),
    ),
    Action(
        "signal",
        signalled,
        suspended_signalled,
        lambda c, case: c.post(f"/api/cases/{case.pk}/signals/paid/", {"payload": {"amount": 12}}, format="json"),
        "signal.received",
        lambda case: (Case.objects.get(pk=case.pk).data == {"paid": 12}) or pytest.fail("not signalled"),
    ),
    Action(
        "batch cancel",
        invoice,
        canceled_invoice,
        lambda c, case: c.post(
            "/api/dashboard/batches/",
            {
                "action": "cancel",
                "reason": "cleanup",
                "filters": {"state": "running", "definition": "invoice-approval"},
            },
            format="json",
        ),
        "case.canceled",
        lambda case: (state_of(case) == "canceled") or pytest.fail("not canceled"),
    ),
    Action(
        "batch retry",
        failing_case,
        skipped_failing,
        lambda c, case: c.post(
            "/api/dashboard/batches/", {"action": "retry", "filters": {"definition": "failing"}}, format="json"
        ),
        "work_item.retried",
        lambda case: (WorkItem.objects.get(case=case).attempt == 2) or pytest.fail("not retried"),
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_staff_act_and_the_history_names_them(
    action: Action, staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = action.allowed(staff_user, django_capture_on_commit_callbacks)
    last = Event.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        response = action.call(api_client(staff_user), case)
    assert response.status_code in (200, 201), response.json()
    action.after(case)
    new = list(Event.objects.filter(case=case, id__gt=last).values_list("type", "actor"))
    assert (action.event, "staff") in new, new


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_non_staff_are_refused_and_nothing_changes(
    action: Action, staff_user: Any, operator_a: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = action.allowed(staff_user, django_capture_on_commit_callbacks)
    before = everything()
    response = action.call(api_client(operator_a), case)
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "forbidden"
    assert everything() == before


@pytest.mark.parametrize(
    "action",
    [a for a in ACTIONS if not a.name.startswith("batch")],
    ids=[a.name for a in ACTIONS if not a.name.startswith("batch")],
)
def test_not_allowed_in_this_state_is_409_and_nothing_changes(
    action: Action, staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = action.refused(staff_user, django_capture_on_commit_callbacks)
    before = everything()
    response = action.call(api_client(staff_user), case)
    assert response.status_code == 409, response.json()
    assert everything() == before


@pytest.mark.parametrize(
    "action",
    [a for a in ACTIONS if a.name.startswith("batch")],
    ids=[a.name for a in ACTIONS if a.name.startswith("batch")],
)
def test_a_batch_skips_cases_where_the_action_is_not_allowed(
    action: Action, staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = action.refused(staff_user, django_capture_on_commit_callbacks)
    before = db_state()
    response = action.call(api_client(staff_user), case)
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["total"] == 0 and job["done"] == 0 and job["state"] == "done"
    assert db_state() == before


def test_bad_input_is_400_and_nothing_changes(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = invoice(staff_user, django_capture_on_commit_callbacks)
    failing = failing_case(staff_user, django_capture_on_commit_callbacks)
    client = api_client(staff_user)
    before = everything()
    bad = [
        client.post(f"/api/cases/{case.pk}/data/", {"data": {"amount": "lots"}}, format="json"),  # data_schema
        client.post(f"/api/work-items/{failed_item(failing)}/retry/", {"input": [1]}, format="json"),
        client.post(f"/api/work-items/{failed_item(failing)}/skip/", {"output": "x"}, format="json"),
        client.post("/api/dashboard/batches/", {"action": "explode"}, format="json"),
        client.post("/api/dashboard/batches/", {"action": "cancel", "filters": {"state": "sleeping"}}, format="json"),
        client.post("/api/dashboard/batches/", {"action": "cancel", "filters": {"where": "data.x = 1"}}, format="json"),
        client.post("/api/dashboard/batches/", {"action": "cancel", "filters": {"defintion": "x"}}, format="json"),
    ]
    assert [r.status_code for r in bad] == [400] * len(bad), [r.json() for r in bad]
    assert bad[0].json()["errors"][0]["field"] == "amount"
    assert everything() == before


def test_retry_with_edited_input_records_the_input(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = failing_case(staff_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(staff_user).post(
            f"/api/work-items/{failed_item(case)}/retry/", {"input": {"message": "edited"}}, format="json"
        )
    assert response.status_code == 200
    retried = Event.objects.get(case=case, type="work_item.retried")
    assert retried.payload["input"] == {"message": "edited"} and retried.actor == "staff"
    item = WorkItem.objects.get(case=case)
    assert item.input == {"message": "edited"}
    assert item.error["message"] == "edited"  # the activity ran again with the new input


def test_a_signal_with_a_bad_payload_is_400_and_the_case_starter_may_signal(
    staff_user: Any, operator_a: Any, api_client: Any
) -> None:
    case = signalled(staff_user, None)
    before = everything()
    response = api_client(staff_user).post(f"/api/cases/{case.pk}/signals/paid/", {"payload": {}}, format="json")
    assert response.status_code == 400
    assert everything() == before
    # issue 3's rule: besides staff, the user who started the case may signal it
    own = services.case_start(definition="signalled", user=operator_a)
    response = api_client(operator_a).post(
        f"/api/cases/{own.pk}/signals/paid/", {"payload": {"amount": 1}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Event.objects.get(case=own, type="signal.received").actor == "operator_a"


def test_batch_progress_and_errors(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    cases = [invoice(staff_user, None) for _ in range(3)]
    client = api_client(staff_user)
    seen: list[int] = []
    from engine.services import batches

    real_cancel = batches.case_cancel

    def cancel(*, case_id: int, user: Any, reason: str) -> Case:
        seen.append(BatchJob.objects.get().done)  # progress is committed before each case
        if case_id == cases[1].pk:
            real_cancel(case_id=case_id, user=user)  # someone was faster: 409 inside
        return real_cancel(case_id=case_id, user=user, reason=reason)

    monkeypatch.setattr(batches, "case_cancel", cancel)
    response = client.post("/api/dashboard/batches/", {"action": "cancel", "reason": "cleanup"}, format="json")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert seen == [0, 1, 2]
    assert (job["total"], job["done"], job["succeeded"], job["failed"]) == (3, 3, 2, 1)
    assert job["errors"] == [
        {"case": cases[1].pk, "code": "not_allowed", "detail": "the case is canceled and cannot be canceled"}
    ]
    assert job["state"] == "done" and job["finished_at"] and job["created_by"] == "staff"
    assert client.get(f"/api/dashboard/batches/{job['id']}/").json()["done"] == 3
    assert client.get("/api/dashboard/batches/").json()["results"][0]["id"] == job["id"]
    assert client.get("/api/dashboard/batches/999/").status_code == 404
    reasons = set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("reason", flat=True))
    assert reasons == {"cleanup", ""}


def test_batch_over_too_many_cases_is_400(staff_user: Any, api_client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("dashboard.services.BATCH_MAX", 1)
    invoice(staff_user, None)
    invoice(staff_user, None)
    before = everything()
    response = api_client(staff_user).post("/api/dashboard/batches/", {"action": "cancel"}, format="json")
    assert response.status_code == 400
    assert everything() == before


def test_a_batch_on_the_worker_answers_202_and_runs_there(
    staff_user: Any, api_client: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from worker import tasks

    settings.WORKFLOW_RUNNER = "celery"
    cases = [invoice(staff_user, None) for _ in range(2)]
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.run_batch, "delay", lambda job_id, user_id: sent.append((job_id, user_id)))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(staff_user).post("/api/dashboard/batches/", {"action": "cancel"}, format="json")
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["state"], job["total"], job["done"]) == ("pending", 2, 0)
    assert sent == [(job["id"], staff_user.pk)]
    assert {state_of(c) for c in cases} == {"running"}
    assert tasks.run_batch(job["id"], staff_user.pk) == 2  # what the worker runs
    assert {state_of(c) for c in cases} == {"canceled"}
    assert tasks.run_batch(job["id"], staff_user.pk) == 2  # a redelivery changes nothing
    assert BatchJob.objects.get().succeeded == 2


def test_an_interrupted_batch_resumes_after_the_last_committed_case(staff_user: Any, monkeypatch: Any) -> None:
    from dashboard import services as dashboard_services
    from engine.services import batches

    cases = [invoice(staff_user, None) for _ in range(3)]
    job = dashboard_services.batch_create(user=staff_user, action="cancel", filters={}, params={})
    real_cancel = batches.case_cancel

    def cancel(*, case_id: int, user: Any, reason: str) -> Case:
        if case_id == job.case_ids[1]:
            raise KeyboardInterrupt  # the worker dies in the middle of the second case
        return real_cancel(case_id=case_id, user=user, reason=reason)

    monkeypatch.setattr(batches, "case_cancel", cancel)
    with pytest.raises(KeyboardInterrupt):
        batches.batch_run(job_id=job.pk, user=staff_user)
    job.refresh_from_db()
    assert (job.state, job.done) == ("running", 1)
    monkeypatch.setattr(batches, "case_cancel", real_cancel)
    job = batches.batch_run(job_id=job.pk, user=staff_user)
    assert (job.state, job.done, job.succeeded, job.failed) == ("done", 3, 3, 0)
    assert {state_of(c) for c in cases} == {"canceled"}


def test_the_case_page_offers_what_the_engine_allows(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Each action offered on the page succeeds; each one not offered is refused (409)."""
    client = api_client(staff_user)

    def offered(case: Case) -> dict[str, Any]:
        return client.get(f"/api/dashboard/cases/{case.pk}/").json()["actions"]

    running = invoice(staff_user, None)
    actions = offered(running)
    assert (actions["cancel"], actions["suspend"], actions["resume"], actions["edit_data"]) == (True, True, False, True)
    assert actions["retry"] == [] and actions["add_work_item"] == [] and actions["signals"] == []
    assert actions["skip"] == [the_item(running)]  # a live item of the current generation
    assert client.post(f"/api/cases/{running.pk}/resume/").status_code == 409

    failing = failing_case(staff_user, django_capture_on_commit_callbacks)
    assert offered(failing)["retry"] == [failed_item(failing)] == offered(failing)["skip"]
    suspended = suspended_failing(staff_user, django_capture_on_commit_callbacks)
    actions = offered(suspended)
    assert (actions["suspend"], actions["resume"], actions["retry"], actions["skip"]) == (False, True, [], [])
    assert client.post(f"/api/work-items/{failed_item(suspended)}/retry/").status_code == 409

    assert actions["complete_task"] == []  # no multi-instance task
    batch = batch_review(staff_user, None)
    assert offered(batch)["add_work_item"] == ["review_document"]
    # WCP-27: the running multi-instance task, with what completing it would do
    assert offered(batch)["complete_task"] == [{"task": "review_document", "completed": 0, "withdraw": 1}]
    added = client.post(
        f"/api/cases/{batch.pk}/tasks/review_document/work-items/", {"input": {"document": "b"}}, format="json"
    )
    assert added.status_code == 201
    services.work_item_complete(item_id=the_item(batch), output={"ok": True}, user=staff_user)
    assert offered(batch)["complete_task"] == [{"task": "review_document", "completed": 1, "withdraw": 1}]
    assert client.post(f"/api/cases/{batch.pk}/tasks/review_document/complete/").status_code == 200
    assert offered(batch)["complete_task"] == []
    assert client.post(f"/api/cases/{batch.pk}/tasks/review_document/complete/").status_code == 409
    assert offered(signalled(staff_user, None))["signals"] == ["paid"]

    done = canceled_invoice(staff_user, None)
    actions = offered(done)
    assert not any(
        actions[k] for k in ("cancel", "suspend", "resume", "edit_data", "retry", "skip", "signals", "complete_task")
    )
    assert client.post(f"/api/cases/{done.pk}/cancel/").status_code == 409


def test_the_batch_list_is_a_page_as_its_schema_says(staff: Any) -> None:
    """`GET /api/dashboard/batches/` answers a page, and the OpenAPI schema describes a page
    (issue 13: it was documented as a list)."""
    response = staff.get("/api/dashboard/batches/")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}
    schema = staff.get("/api/schema/", {"format": "json"}).json()
    ok = schema["paths"]["/api/dashboard/batches/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedBatchJobOutputList"}
