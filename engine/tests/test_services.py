"""Service-layer behaviour: transactions, effects, child cases, timers, refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from definitions.models import Definition, DefinitionVersion
from definitions.services import definition_publish, definition_save_draft
from engine import services
from engine.access import SYSTEM
from engine.core.errors import Forbidden, InvalidInput, NotAllowed, NotFound
from engine.models import Case, Event, WorkItem

pytestmark = pytest.mark.django_db


def publish(doc: dict) -> None:
    definition_save_draft(doc=doc, user=SYSTEM)
    definition_publish(name=doc["name"], user=SYSTEM)


def net(name: str, tasks: list[dict], flows: list[Any], **extra) -> dict:
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [f if isinstance(f, dict) else {"from": f[0], "to": f[1]} for f in flows],
        **extra,
    }


def snapshot() -> tuple:
    return (
        Case.objects.count(),
        WorkItem.objects.count(),
        Event.objects.count(),
        list(Case.objects.order_by("pk").values_list("state", "marking", "tasks", "data")),
        list(WorkItem.objects.order_by("pk").values_list("state", "assignee", "output")),
    )


def live(case: Case, task: str) -> WorkItem:
    return WorkItem.objects.get(case=case, task=task, state__in=("initialized", "started", "failed"))


def one_task(name="single", **task) -> dict:
    return net(name, [{"id": "a", "kind": "manual", **task}], [("start", "a"), ("a", "end")])


def test_case_data_breaking_the_schema_is_refused_and_changes_nothing():
    publish(
        net(
            "typed",
            [{"id": "a", "kind": "manual"}],
            [("start", "a"), ("a", "end")],
            data_schema={"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
        )
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.case_start(definition="typed", data={"amount": "ten"}, user=SYSTEM)
    assert exc.value.errors == [{"field": "amount", "message": "'ten' is not of type 'number'"}]
    with pytest.raises(InvalidInput) as exc:
        services.case_start(definition="typed", data={}, user=SYSTEM)
    assert exc.value.errors[0]["field"] == "amount"
    assert snapshot() == before


def test_unknown_definition_and_version_are_not_found():
    publish(one_task())
    with pytest.raises(NotFound):
        services.case_start(definition="nope", user=SYSTEM)
    with pytest.raises(NotFound):
        services.case_start(definition="single", version=7, user=SYSTEM)


def test_form_output_breaking_the_form_is_refused_and_changes_nothing():
    publish(one_task(form={"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}))
    case = services.case_start(definition="single", user=SYSTEM)
    item = live(case, "a")
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.work_item_complete(item_id=item.pk, output={"n": "x"}, user=SYSTEM)
    assert exc.value.errors[0]["field"] == "n"
    assert snapshot() == before
    services.work_item_complete(item_id=item.pk, output={"n": 3}, user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "completed" and case.data == {"n": 3}


def test_a_transition_not_allowed_now_is_409_and_changes_nothing(django_user_model):
    publish(one_task(assign={"role": "clerks"}))
    case = services.case_start(definition="single", user=SYSTEM)
    item = live(case, "a")
    services.work_item_complete(item_id=item.pk, output={}, user=SYSTEM)
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.work_item_complete(item_id=item.pk, output={}, user=SYSTEM)
    with pytest.raises(NotAllowed):
        services.case_suspend(case_id=case.pk, user=SYSTEM)
    assert snapshot() == before


def test_a_user_without_the_right_is_refused(django_user_model):
    from django.contrib.auth.models import Group

    publish(one_task(assign={"role": "managers"}))
    clerk = django_user_model.objects.create_user("clerk")
    clerk.groups.add(Group.objects.create(name="clerks"))
    manager = django_user_model.objects.create_user("manager")
    manager.groups.add(Group.objects.create(name="managers"))
    case = services.case_start(definition="single", user=SYSTEM)
    item = live(case, "a")
    before = snapshot()
    with pytest.raises(Forbidden):
        services.work_item_claim(item_id=item.pk, user=clerk)
    with pytest.raises(Forbidden):
        services.case_cancel(case_id=case.pk, user=manager)
    assert snapshot() == before
    services.work_item_claim(item_id=item.pk, user=manager)
    with pytest.raises(NotAllowed):  # claimed by another: gone for everyone else
        services.work_item_claim(item_id=item.pk, user=django_user_model.objects.create_user("x", is_staff=True))


def test_suspend_blocks_work_and_resume_allows_it():
    publish(one_task())
    case = services.case_start(definition="single", user=SYSTEM)
    item = live(case, "a")
    services.case_suspend(case_id=case.pk, user=SYSTEM)
    with pytest.raises(NotAllowed):
        services.work_item_complete(item_id=item.pk, output={}, user=SYSTEM)
    services.case_resume(case_id=case.pk, user=SYSTEM)
    services.work_item_complete(item_id=item.pk, output={}, user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "completed"
    types = list(Event.objects.filter(case=case).values_list("type", flat=True))
    assert types.index("case.suspended") < types.index("case.resumed") < types.index("case.completed")


def test_cancel_withdraws_every_live_item_and_records_the_reason():
    publish(
        net(
            "par",
            [
                {"id": "s", "kind": "dummy"},
                {"id": "a", "kind": "manual"},
                {"id": "b", "kind": "manual"},
                {"id": "j", "kind": "dummy", "join": "and"},
            ],
            [("start", "s"), ("s", "a"), ("s", "b"), ("a", "j"), ("b", "j"), ("j", "end")],
        )
    )
    case = services.case_start(definition="par", user=SYSTEM)
    assert WorkItem.objects.filter(case=case, state="initialized").count() == 2
    services.case_cancel(case_id=case.pk, reason="customer withdrew", user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "canceled" and case.reason == "customer withdrew" and case.ended_at
    assert set(WorkItem.objects.filter(case=case).values_list("state", flat=True)) == {"canceled"}
    with pytest.raises(NotAllowed):
        services.case_cancel(case_id=case.pk, user=SYSTEM)


def test_xor_split_without_a_route_is_an_incident_not_a_silent_stop():
    publish(
        net(
            "noroute",
            [{"id": "a", "kind": "manual", "split": "xor"}, {"id": "b", "kind": "manual"}],
            [
                {"from": "start", "to": "a"},
                {"from": "a", "to": "b", "when": "data.go == true"},
                {"from": "a", "to": "end", "when": "data.go == false"},
                {"from": "b", "to": "end"},
            ],
        )
    )
    case = services.case_start(definition="noroute", user=SYSTEM)
    item = live(case, "a")
    services.work_item_complete(item_id=item.pk, output={"go": "maybe"}, user=SYSTEM)
    item.refresh_from_db()
    case.refresh_from_db()
    assert item.state == "failed" and item.error["type"] == "RoutingError"
    assert case.state == "running" and case.tasks["a"]["state"] == "started"
    services.work_item_skip(item_id=item.pk, output={"go": True}, user=SYSTEM)
    case.refresh_from_db()
    assert case.tasks["b"]["state"] == "enabled" and case.data["go"] is True


def test_child_case_completes_parent_and_its_failure_fails_the_parent_item():
    publish(one_task("child", form={"type": "object"}))
    publish(
        net(
            "parent",
            [{"id": "c", "kind": "composite", "workflow": "child", "output": {"got": "result.x"}}],
            [("start", "c"), ("c", "end")],
        )
    )
    parent = services.case_start(definition="parent", user=SYSTEM)
    child = Case.objects.get(parent=parent)
    assert child.depth == 1 and child.parent_item.task == "c"
    services.work_item_complete(item_id=live(child, "a").pk, output={"x": 5}, user=SYSTEM)
    parent.refresh_from_db()
    assert parent.state == "completed" and parent.data == {"got": 5}

    parent2 = services.case_start(definition="parent", user=SYSTEM)
    child2 = Case.objects.get(parent=parent2)
    services.case_cancel(case_id=child2.pk, reason="no", user=SYSTEM)
    item = WorkItem.objects.get(case=parent2, task="c")
    parent2.refresh_from_db()
    assert item.state == "failed" and item.error["type"] == "ChildCaseCanceled"
    assert parent2.state == "running"  # incident: waits for an operator


def test_canceling_the_parent_cancels_the_child():
    publish(one_task("child2"))
    publish(net("parent2", [{"id": "c", "kind": "composite", "workflow": "child2"}], [("start", "c"), ("c", "end")]))
    parent = services.case_start(definition="parent2", user=SYSTEM)
    child = Case.objects.get(parent=parent)
    services.case_cancel(case_id=parent.pk, user=SYSTEM)
    child.refresh_from_db()
    assert child.state == "canceled"


def test_recursion_is_bounded(settings):
    settings.WORKFLOW_MAX_CHILD_DEPTH = 3
    publish(
        net(
            "recurse",
            [{"id": "again", "kind": "composite", "workflow": "recurse", "input": {"n": "data.n + 1"}}],
            [("start", "again"), ("again", "end")],
            data_schema={"type": "object"},
        )
    )
    root = services.case_start(definition="recurse", data={"n": 0}, user=SYSTEM)
    depths = sorted(Case.objects.values_list("depth", flat=True))
    assert depths == [0, 1, 2, 3]
    deepest = Case.objects.get(depth=3)
    item = WorkItem.objects.get(case=deepest)
    assert item.state == "failed" and "at most 3 deep" in item.error["message"]
    assert root.state == "running"


def test_timer_fires_when_due_and_races_a_manual_task():
    publish(
        net(
            "timeout",
            [{"id": "answer", "kind": "manual"}, {"id": "expire", "kind": "timer", "duration": "duration('1h')"}],
            [("start", "answer"), ("start", "expire"), ("answer", "end"), ("expire", "end")],
        )
    )
    case = services.case_start(definition="timeout", user=SYSTEM)
    timer = live(case, "expire")
    assert timer.due_at > timezone.now() + dt.timedelta(minutes=59)
    assert services.timers_fire_due(now=timezone.now()) == 0
    assert services.timers_fire_due(now=timezone.now() + dt.timedelta(hours=2)) == 1
    case.refresh_from_db()
    assert case.state == "completed"
    assert case.tasks["expire"]["state"] == "completed" and case.tasks["answer"]["state"] in ("disabled", "canceled")
    assert WorkItem.objects.get(case=case, task="answer").state == "canceled"


def test_deadlock_is_detected_and_recorded():
    # the AND-join waits for a branch that the XOR split never takes
    publish(
        net(
            "stuck",
            [
                {"id": "s", "kind": "dummy", "split": "xor"},
                {"id": "a", "kind": "dummy"},
                {"id": "b", "kind": "dummy"},
                {"id": "j", "kind": "dummy", "join": "and"},
            ],
            [
                {"from": "start", "to": "s"},
                {"from": "s", "to": "a", "when": "true"},
                {"from": "s", "to": "b", "default": True},
                {"from": "a", "to": "j"},
                {"from": "b", "to": "j"},
                {"from": "j", "to": "end"},
            ],
        )
    )
    case = services.case_start(definition="stuck", user=SYSTEM)
    assert case.state == "deadlocked" and case.ended_at and "end is not reached" in case.reason
    assert case.marking == {"a__to__j": 1}


def test_events_replay_the_marking():
    publish(
        net(
            "seq",
            [{"id": "a", "kind": "manual"}, {"id": "b", "kind": "manual"}],
            [("start", "a"), ("a", "b"), ("b", "end")],
        )
    )
    case = services.case_start(definition="seq", user=SYSTEM)
    services.work_item_complete(item_id=live(case, "a").pk, output={}, user=SYSTEM)
    marking: dict[str, int] = {}
    for ev in Event.objects.filter(case=case, type="tokens"):
        marking[ev.payload["condition"]] = marking.get(ev.payload["condition"], 0) + ev.payload["delta"]
    case.refresh_from_db()
    assert {k: v for k, v in marking.items() if v} == case.marking == {"a__to__b": 1}


def test_publishing_freezes_a_version_and_cases_keep_theirs():
    publish(one_task("versioned"))
    case1 = services.case_start(definition="versioned", user=SYSTEM)
    doc = one_task("versioned")
    doc["tasks"][0]["label"] = "Changed"
    definition_save_draft(doc=doc, user=SYSTEM)
    definition_publish(name="versioned", user=SYSTEM)
    case2 = services.case_start(definition="versioned", user=SYSTEM)
    assert (case1.version.version, case2.version.version) == (1, 2)
    assert DefinitionVersion.objects.get(definition__name="versioned", version=1).net["tasks"][0].get("label") is None
    services.work_item_complete(item_id=live(case1, "a").pk, output={}, user=SYSTEM)
    case1.refresh_from_db()
    assert case1.state == "completed"


def test_publishing_an_invalid_draft_is_refused_and_changes_nothing():
    doc = one_task("broken")
    doc["flows"] = [{"from": "start", "to": "a"}]  # `a` cannot reach the end
    definition_save_draft(doc=doc, user=SYSTEM)
    with pytest.raises(InvalidInput) as exc:
        definition_publish(name="broken", user=SYSTEM)
    assert any(e["element"] == "a" for e in exc.value.errors)
    assert not DefinitionVersion.objects.filter(definition__name="broken").exists()
    assert Definition.objects.get(name="broken").draft == doc


def test_continue_policy_completion_error_is_an_incident_not_a_crash():
    publish(
        net(
            "cont",
            [
                {
                    "id": "w",
                    "kind": "manual",
                    "split": "xor",
                    "on_failure": "continue",
                    "instances": {"for_each": "data.parts", "as": "part"},
                },
                {"id": "b", "kind": "manual"},
            ],
            [
                {"from": "start", "to": "w"},
                {"from": "w", "to": "b", "when": "data.go"},
                {"from": "w", "to": "end", "default": True},
                {"from": "b", "to": "end"},
            ],
        )
    )
    case = services.case_start(definition="cont", data={"parts": [1]}, user=SYSTEM)
    item = live(case, "w")
    services.work_item_fail(item_id=item.pk, error="broken part", user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "running" and case.tasks["w"]["state"] == "started"
    assert "no such key" in case.tasks["w"]["error"]
    services.case_update_data(case_id=case.pk, changes={"go": False}, user=SYSTEM)
    services.work_item_retry(item_id=item.pk, user=SYSTEM)
    services.work_item_complete(item_id=item.pk, output={}, user=SYSTEM)
    case.refresh_from_db()
    assert case.state == "completed"
