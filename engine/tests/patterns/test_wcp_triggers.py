"""Trigger patterns: WCP-23 transient trigger, WCP-24 persistent trigger.

A trigger is a signal the net declares (`signals`), sent to a case with `case_signal` (the API's
`POST /api/cases/{id}/signals/{name}/`); a `signal` task waits for it. A persistent signal (the
default) sent while no task waits is kept for the case and consumed by the first signal task
enabled for it; a transient one (`"persistent": false`) is lost when no task waits.
"""

from __future__ import annotations

import pytest

from .harness import Run, manual, net


def outcomes(run: Run) -> list[str]:
    return [e["outcome"] for e in run.events("signal.received")]


def signal_task(task_id: str, name: str, **spec):
    return {"id": task_id, "kind": "signal", "signal": name, **spec}


def _trigger_net(name: str, persistent: bool) -> dict:
    return net(
        name,
        [manual("A"), signal_task("W", "go"), manual("B")],
        [("start", "A"), ("A", "W"), ("W", "B"), ("B", "end")],
        signals=[
            {"name": "go", "persistent": persistent, "schema": {"type": "object"}, "output": {"go_note": "signal.note"}}
        ],
    )


@pytest.mark.roundtrip
def test_wcp23_transient_trigger(wf):
    wf.publish(_trigger_net("wcp23", persistent=False))
    run = wf.start("wcp23")
    run.expect(enabled=["A"])
    run.signal("go", {"note": "too early"})  # nobody waits: lost
    run.expect(enabled=["A"])
    assert run.case.pending_signals == []
    run.complete("A").expect(enabled=["W"])  # W waits: the early signal is gone
    run.signal("go", {"note": "now"})
    run.expect(enabled=["B"])
    assert run.data["go_note"] == "now"
    run.complete("B").expect(state="completed")
    assert outcomes(run) == ["dropped", "delivered"]


@pytest.mark.roundtrip
def test_wcp24_persistent_trigger(wf):
    wf.publish(_trigger_net("wcp24", persistent=True))
    run = wf.start("wcp24")
    run.signal("go", {"note": "early"})  # kept for the case
    run.expect(enabled=["A"])
    assert [s["name"] for s in run.case.pending_signals] == ["go"]
    run.complete("A").expect(enabled=["B"])  # W was enabled and took the kept signal at once
    assert run.case.pending_signals == []
    assert run.data["go_note"] == "early"
    run.complete("B").expect(state="completed")
    assert outcomes(run) == ["kept"]
