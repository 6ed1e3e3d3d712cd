"""The state at a past moment, rebuilt from the event log, equals the state the case had then.

Each scenario drives a case through the services; after every step it records the stored
state (case row and work item rows) and the id of the last event. Then, for every recorded
moment, the rebuilt state (`?at=<event id>` and `?at=<time>`) must equal the recorded one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from engine import services
from engine.access import SYSTEM
from engine.core.replay import replay
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish

pytestmark = pytest.mark.django_db

# a routes to x or y (XOR); b waits for both (AND): taking one route deadlocks the case
DEADLOCK_NET = net(
    "deadlocking",
    [{"id": "a", "kind": "manual", "split": "xor"}, {"id": "b", "kind": "manual", "join": "and"}],
    [("start", "a"), ("x", "b"), ("y", "b"), ("b", "end")],
)
DEADLOCK_NET["conditions"] += [{"id": "x"}, {"id": "y"}]
DEADLOCK_NET["flows"] += [{"from": "a", "to": "x", "when": "data.go == 'x'"}, {"from": "a", "to": "y", "default": True}]
# a: XOR split whose only predicate can be false and has no default → routing error (incident)
ROUTING_NET = net(
    "routing",
    [{"id": "a", "kind": "manual", "split": "xor"}, {"id": "b", "kind": "dummy"}, {"id": "c", "kind": "dummy"}],
    [("start", "a"), ("b", "end"), ("c", "end")],
)
ROUTING_NET["flows"] += [
    {"from": "a", "to": "b", "when": "data.go == 'b'"},
    {"from": "a", "to": "c", "when": "data.go == 'c'"},
]


@pytest.fixture(autouse=True)
def routing_net(nets: None) -> None:
    publish(ROUTING_NET)


def snapshot(case_id: int) -> dict[str, Any]:
    case = Case.objects.get(pk=case_id)
    return {
        "state": case.state,
        "marking": case.marking,
        "tasks": {t: {k: run[k] for k in ("state", "generation", "stats")} for t, run in case.tasks.items()},
        "data": case.data,
        "items": {
            str(pk): (state, attempt)
            for pk, state, attempt in WorkItem.objects.filter(case_id=case_id).values_list("pk", "state", "attempt")
        },
    }


def rebuilt(client: Any, case_id: int, at: str) -> dict[str, Any]:
    response = client.get(f"/api/dashboard/cases/{case_id}/state/", {"at": at})
    assert response.status_code == 200, response.json()
    body = response.json()
    return {
        "state": body["state"],
        "marking": body["marking"],
        "tasks": {t: {k: run[k] for k in ("state", "generation", "stats")} for t, run in body["tasks"].items()},
        "data": body["data"],
        "items": {i: (w["state"], w["attempt"]) for i, w in body["work_items"].items()},
    }


class Recorder:
    def __init__(self, case_id: int):
        self.case_id = case_id
        self.moments: list[tuple[int, Any, dict[str, Any]]] = []
        self.record()

    def record(self) -> None:
        last = Event.objects.filter(case_id=self.case_id).order_by("-id").values_list("id", "created_at").first()
        assert last is not None
        self.moments.append((last[0], last[1], snapshot(self.case_id)))

    def step(self, action: Callable[[], Any]) -> None:
        action()
        self.record()

    def check(self, client: Any) -> None:
        assert len(self.moments) > 1
        for event_id, time, expected in self.moments:
            assert rebuilt(client, self.case_id, str(event_id)) == expected, f"after event {event_id}"
            assert rebuilt(client, self.case_id, time.isoformat()) == expected, f"at {time}"


def item_of(case_id: int, task: str, state: str = "initialized") -> str:
    return str(WorkItem.objects.filter(case_id=case_id, task=task, state=state).order_by("created_at").first().pk)


def test_invoice_flow_manual_xor_automatic(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = services.case_start(
        definition="invoice-approval", data={"vendor": "ACME", "amount": 5000.0}, user=staff_user
    )
    rec = Recorder(case.pk)
    rec.step(lambda: services.work_item_claim(item_id=item_of(case.pk, "review"), user=staff_user))
    rec.step(lambda: services.case_suspend(case_id=case.pk, user=staff_user))
    rec.step(lambda: services.case_resume(case_id=case.pk, user=staff_user))
    rec.step(
        lambda: services.work_item_complete(
            item_id=item_of(case.pk, "review"), user=staff_user, output={"approved": True}
        )
    )
    rec.step(lambda: services.case_update_data(case_id=case.pk, changes={"note": "urgent"}, user=staff_user))

    def approve() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.work_item_complete(
                item_id=item_of(case.pk, "manager_approval"), user=staff_user, output={"manager_ok": True}
            )

    rec.step(approve)
    assert Case.objects.get(pk=case.pk).state == "completed"
    rec.check(api_client(staff_user))


def test_multi_instance_with_dynamic_items_and_cancel(staff_user: Any, api_client: Any) -> None:
    case = services.case_start(definition="batch-review", data={"documents": ["a", "b"]}, user=staff_user)
    rec = Recorder(case.pk)
    rec.step(
        lambda: services.work_item_add(
            case_id=case.pk, task_id="review_document", item_input={"document": "c"}, user=staff_user
        )
    )
    rec.step(
        lambda: services.work_item_complete(
            item_id=item_of(case.pk, "review_document"), user=staff_user, output={"ok": True}
        )
    )
    rec.step(lambda: services.work_item_start(item_id=item_of(case.pk, "review_document"), user=staff_user))
    rec.step(lambda: services.case_cancel(case_id=case.pk, user=staff_user, reason="no longer needed"))
    rec.check(api_client(staff_user))


def test_incident_retry_with_edited_input_then_skip(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_start(definition="failing", user=staff_user)
    rec = Recorder(case.pk)
    item = item_of(case.pk, "charge", "failed")

    def retry() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.work_item_retry(item_id=item, user=staff_user, new_input={"message": "still declined"})

    rec.step(retry)
    assert WorkItem.objects.get(pk=item).attempt == 2
    rec.step(lambda: services.work_item_skip(item_id=item, user=staff_user, output={"charged": 1}))
    assert Case.objects.get(pk=case.pk).state == "completed"
    rec.check(api_client(staff_user))


def test_routing_incident_and_composite_children(
    staff_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = services.case_start(definition="routing", user=staff_user)
    rec = Recorder(case.pk)
    rec.step(lambda: services.work_item_complete(item_id=item_of(case.pk, "a"), user=staff_user, output={"go": "x"}))
    assert WorkItem.objects.get(case=case, task="a").state == "failed"
    rec.step(
        lambda: services.work_item_skip(item_id=item_of(case.pk, "a", "failed"), user=staff_user, output={"go": "c"})
    )
    assert Case.objects.get(pk=case.pk).state == "completed"
    rec.check(api_client(staff_user))

    parent = services.case_start(definition="document-intake", data={"source": "mail"}, user=staff_user)
    rec = Recorder(parent.pk)

    def register() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.work_item_complete(item_id=item_of(parent.pk, "register"), user=staff_user, output={"title": "T"})

    rec.step(register)
    child = Case.objects.get(parent=parent)

    def check_child() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.work_item_complete(item_id=item_of(child.pk, "check"), user=staff_user, output={"ok": True})

    rec.step(check_child)
    assert Case.objects.get(pk=parent.pk).state == "completed"
    rec.check(api_client(staff_user))


def test_deadlock(staff_user: Any, api_client: Any) -> None:
    publish(DEADLOCK_NET)
    case = services.case_start(definition="deadlocking", user=staff_user)
    rec = Recorder(case.pk)
    rec.step(lambda: services.work_item_complete(item_id=item_of(case.pk, "a"), user=staff_user, output={"go": "x"}))
    assert Case.objects.get(pk=case.pk).state == "deadlocked"
    rec.check(api_client(staff_user))


def test_before_the_first_event_and_bad_at(staff_user: Any, api_client: Any) -> None:
    case = services.case_start(definition="invoice-approval", data={"vendor": "ACME", "amount": 5.0}, user=staff_user)
    client = api_client(staff_user)
    first = Event.objects.filter(case=case).order_by("id").first()
    body = client.get(f"/api/dashboard/cases/{case.pk}/state/", {"at": "2000-01-01T00:00:00Z"}).json()
    assert body["state"] is None and body["marking"] == {} and body["events"] == 0
    body = client.get(f"/api/dashboard/cases/{case.pk}/state/", {"at": str(first.pk)}).json()
    assert body["state"] == "running" and body["event"] == first.pk and body["events"] == 1
    for bad in ("yesterday", "-3", "1.5"):
        response = client.get(f"/api/dashboard/cases/{case.pk}/state/", {"at": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["field"] == "at"
    assert client.get(f"/api/dashboard/cases/{case.pk}/state/").status_code == 400
    assert client.get("/api/dashboard/cases/999999/state/", {"at": "1"}).status_code == 404


def test_replay_is_pure() -> None:
    events = [
        {"type": "case.started", "payload": {"data": {"x": 1}}},
        {"type": "tokens", "payload": {"condition": "start", "delta": 1}},
        {"type": "task.enabled", "task": "t", "payload": {"generation": 1}},
        {"type": "work_item.created", "task": "t", "work_item": "i1", "payload": {"generation": 1}},
        {"type": "task.started", "task": "t", "payload": {"generation": 1}},
        {"type": "tokens", "payload": {"condition": "start", "delta": -1}},
        {"type": "work_item.started", "task": "t", "work_item": "i1", "payload": {"generation": 1}},
        {"type": "data.updated", "payload": {"changes": {"y": 2}}},
    ]
    past = replay(["t", "u"], events).to_json()
    assert past["state"] == "running"
    assert past["marking"] == {}
    assert past["data"] == {"x": 1, "y": 2}
    assert past["tasks"]["t"]["state"] == "started"
    assert past["tasks"]["t"]["stats"] == {
        "total": 1,
        "initialized": 0,
        "started": 1,
        "completed": 0,
        "failed": 0,
        "canceled": 0,
    }
    assert past["tasks"]["u"] == {
        "state": "disabled",
        "generation": 0,
        "stats": dict.fromkeys(("total", "initialized", "started", "completed", "failed", "canceled"), 0),
    }
    assert past["work_items"]["i1"]["state"] == "started"


# issue 3's additions: iterations (an activity asks to run again) and kept signals
ITERATING_NET = net(
    "iterating",
    [
        {"id": "poll", "kind": "automatic", "activity": "noop", "max_iterations": 3},
        {"id": "review", "kind": "manual", "assign": {"role": "clerks"}},
        {"id": "wait_payment", "kind": "signal", "signal": "paid"},
    ],
    [("start", "poll"), ("poll", "review"), ("review", "wait_payment"), ("wait_payment", "end")],
    signals=[{"name": "paid", "output": {"paid": "signal.amount"}}],
)


def test_iterations_and_kept_signals(staff_user: Any, api_client: Any, settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "manual"  # the test completes the automatic items itself
    publish(ITERATING_NET)
    case = services.case_start(definition="iterating", user=staff_user)
    rec = Recorder(case.pk)
    for n in (2, 3):
        rec.step(
            functools.partial(
                services.work_item_complete,
                item_id=item_of(case.pk, "poll"),
                output={"n": n - 1},
                directives={"next_iteration": {"input": {"n": n}}},
                user=SYSTEM,
            )
        )
    rec.step(lambda: services.work_item_complete(item_id=item_of(case.pk, "poll"), output={"n": 3}, user=SYSTEM))
    assert WorkItem.objects.filter(case=case, task="poll").count() == 3
    rec.step(lambda: services.case_signal(case_id=case.pk, name="paid", payload={"amount": 7}, user=staff_user))
    rec.step(lambda: services.work_item_complete(item_id=item_of(case.pk, "review"), user=staff_user, output={}))
    assert Case.objects.get(pk=case.pk).state == "completed"
    assert Case.objects.get(pk=case.pk).data["paid"] == 7
    rec.check(api_client(staff_user))
