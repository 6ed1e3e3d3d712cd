"""The pure engine's typed output (effects, events), its transition guards and the rules the
pages share, without a database."""

from __future__ import annotations

import pytest

from engine.core.builder import NetBuilder
from engine.core.effects import CaseEnded, Dispatch, Effect, ScheduleTimer, StartChild
from engine.core.engine import Engine
from engine.core.errors import NotAllowed
from engine.core.events import Event, EventType
from engine.core.net import parse_net
from engine.core.replay import replay
from engine.core.rules import case_actions, is_open_incident, item_actions, task_can_complete
from engine.core.state import CaseState, check_transition


def _engine() -> Engine:
    b = NetBuilder("pure")
    pay = b.automatic("pay", activity="noop")
    wait = b.timer("wait", duration="60")
    child = b.composite("child", workflow="other")
    b.flow(b.start, pay).flow(pay, wait).flow(wait, child).flow(child, b.end)
    ids = iter(f"i{n}" for n in range(100))
    return Engine(parse_net(b.build()), CaseState(), new_id=lambda: next(ids))


def test_effects_and_events_are_typed_and_replay_folds_the_events() -> None:
    e = _engine()
    e.start_case({})
    assert e.effects == [Dispatch("i0")]
    assert all(isinstance(ev, Event) for ev in e.events)
    assert e.events[0] == Event(EventType.CASE_STARTED, payload={"data": {}})
    created = next(ev for ev in e.events if ev.type == EventType.WORK_ITEM_CREATED)
    assert (created.task, created.work_item, dict(created.payload)) == ("pay", "i0", {"generation": 1})
    e.complete_item("i0", {})
    assert last_effect(e) == ScheduleTimer("i1", e.state.work_items["i1"].due_at)
    e.fire_timer("i1")
    assert last_effect(e) == StartChild("i2", "other", {})
    e.child_ended("i2", "completed", {})
    assert last_effect(e) == CaseEnded("completed")
    rows = [
        {"type": ev.type.value, "task": ev.task, "work_item": ev.work_item, "payload": dict(ev.payload)}
        for ev in e.events
    ]
    past = replay(list(e.net.tasks), rows)
    assert past.state == "completed"
    assert past.tasks == e.state.tasks_json()


def test_case_status_goes_through_the_guard() -> None:
    e = _engine()
    e.start_case({})
    e.cancel_case("stop")
    with pytest.raises(NotAllowed):
        e.cancel_case("again")
    with pytest.raises(NotAllowed):
        check_transition("case", "completed", "running")
    check_transition("work item", "started", "initialized", correction=True)
    with pytest.raises(NotAllowed):
        check_transition("work item", "started", "initialized")


def test_rules() -> None:
    assert case_actions("running") == {"cancel", "suspend", "edit_data", "signal", "add_work_item"}
    assert case_actions("suspended") == {"cancel", "resume", "edit_data"}
    assert case_actions("completed") == frozenset()
    failed = item_actions("running", state="failed", kind="automatic", current=True, task_state="started")
    assert failed == {"retry", "skip"}
    manual = item_actions(
        "running", state="initialized", kind="manual", current=True, task_state="enabled", assigned=True
    )
    assert manual == {"claim", "release", "delegate", "start", "complete", "fail", "skip"}
    assert is_open_incident(state="failed", on_failure="incident", current=True, task_state="started")
    assert not is_open_incident(state="failed", on_failure="continue", current=True, task_state="started")
    assert not is_open_incident(state="failed", on_failure="incident", current=False, task_state="started")
    # WCP-27: only a running multi-instance task of a running case can be completed by force
    assert task_can_complete("running", multi_instance=True, task_state="started")
    assert task_can_complete("running", multi_instance=True, task_state="enabled")
    assert not task_can_complete("running", multi_instance=False, task_state="started")
    assert not task_can_complete("running", multi_instance=True, task_state="completed")
    assert not task_can_complete("suspended", multi_instance=True, task_state="started")


def last_effect(e: Engine) -> Effect:
    return e.effects[-1]
