"""Cancellation and force completion: WCP-19 cancel task, WCP-20 cancel case, WCP-25 cancel
region, WCP-26 cancel multiple-instance task, WCP-27 complete multiple-instance task.

A task's cancellation set (`cancels`) is applied when it completes: its conditions are emptied
and its tasks, enabled or started, are canceled with their live work items (and child cases).
An enabled task still has its token in its input condition (tokens go when a task starts), so
a set that withdraws an enabled task lists that condition too.
"""

from __future__ import annotations

import pytest

from engine.core.errors import NotAllowed

from .harness import ALL_ITEM_STATES, Run, composite, dummy, manual, net
from .pure import PureBackend


def _states(run: Run, task: str) -> list[str]:
    return [w.state for w in run.items(task, states=ALL_ITEM_STATES)]


def _cancel_task_net(name: str) -> dict:
    return net(
        name,
        [
            dummy("S", split="and"),
            manual("B"),
            manual("K", cancels=["b_in", "B"]),
            dummy("F", join="or"),
        ],
        [
            ("start", "S"),
            ("S", "b_in"),
            ("S", "K"),
            ("b_in", "B"),
            ("B", "b_done"),
            ("K", "k_done"),
            ("b_done", "F"),
            ("k_done", "F"),
            ("F", "end"),
        ],
    )


def test_wcp19_cancel_task(wf):
    wf.publish(_cancel_task_net("wcp19"))
    # an enabled task is withdrawn before it starts
    run = wf.start("wcp19")
    run.expect(enabled=["B", "K"])
    run.complete("K").expect(state="completed")
    assert run.task("B")["state"] == "canceled" and _states(run, "B") == ["canceled"]

    # a started task is halted: its running work item is canceled
    run = wf.start("wcp19")
    run.start_task("B").expect(enabled=["K"], started=["B"])
    run.complete("K").expect(state="completed")
    assert run.task("B")["state"] == "canceled" and _states(run, "B") == ["canceled"]
    assert run.history("task.canceled") == [("task.canceled", "B")]

    # not canceled if it completes first: F then waits for K as well
    run = wf.start("wcp19")
    run.complete("B").expect(enabled=["K"], marking={"b_done": 1, "S__to__K": 1})
    run.complete("K").expect(state="completed")


@pytest.mark.roundtrip
def test_wcp20_cancel_case(wf):
    wf.publish(
        net(
            "wcp20",
            [dummy("S", split="and"), manual("B"), manual("C"), manual("D", join="and")],
            [
                ("start", "S"),
                ("S", "B"),
                ("S", "C"),
                ("B", "D"),
                ("C", "D"),
                ("D", "end"),
            ],
        )
    )
    run = wf.start("wcp20")
    run.start_task("B").expect(enabled=["C"], started=["B"])
    run.cancel("customer withdrew").expect(state="canceled")
    case = run.case
    assert case.reason == "customer withdrew" and case.ended_at is not None
    assert set(_states(run, "B") + _states(run, "C")) == {"canceled"}
    assert {d["state"] for d in case.tasks.values()} == {"canceled", "completed", "disabled"}


@pytest.mark.roundtrip
def test_wcp25_cancel_region(wf):
    """K cancels a region: a sequence B1 -> B2, its conditions, and a composite task whose
    child case is canceled with it. Work outside the region (C) goes on."""
    wf.publish(net("wcp25child", [manual("X")], [("start", "X"), ("X", "end")]))
    wf.publish(
        net(
            "wcp25",
            [
                dummy("S", split="and"),
                manual("B1"),
                manual("B2"),
                composite("Sub", "wcp25child"),
                manual("C"),
                manual("K", cancels=["r_in", "B1", "B1__to__B2", "B2", "s_in", "Sub"]),
                dummy("F", join="or"),
            ],
            [
                ("start", "S"),
                ("S", "r_in"),
                ("S", "s_in"),
                ("S", "C"),
                ("S", "K"),
                ("r_in", "B1"),
                ("B1", "B2"),
                ("B2", "r_done"),
                ("s_in", "Sub"),
                ("Sub", "r_done"),
                ("C", "c_done"),
                ("K", "k_done"),
                ("r_done", "F"),
                ("c_done", "F"),
                ("k_done", "F"),
                ("F", "end"),
            ],
        )
    )
    run = wf.start("wcp25")
    run.expect(enabled=["B1", "C", "K"], started=["Sub"])
    [child] = run.children()
    child.expect(enabled=["X"])
    run.complete("B1").expect(enabled=["B2", "C", "K"], started=["Sub"])
    run.complete("K").expect(enabled=["C"], marking={"S__to__C": 1, "k_done": 1})  # region gone
    assert run.task("B2")["state"] == "canceled" and run.task("Sub")["state"] == "canceled"
    child.expect(state="canceled")
    assert _states(child, "X") == ["canceled"] and _states(run, "Sub") == ["canceled"]
    run.complete("C").expect(state="completed")


def _mi_net(name: str, k_outputs: list[tuple[str, str]]) -> dict:
    return net(
        name,
        [
            dummy("S", split="and"),
            manual("W", instances={"for_each": "data.parts"}),
            manual("K", cancels=["w_in", "W"]),
            manual("Z"),
            dummy("F", join="or"),
        ],
        [
            ("start", "S"),
            ("S", "w_in"),
            ("S", "K"),
            ("w_in", "W"),
            ("W", "w_out"),
            ("w_out", "Z"),
            ("Z", "z_done"),
            ("z_done", "F"),
            *k_outputs,
            ("F", "end"),
        ],
    )


def test_wcp26_cancel_multiple_instance_task(wf):
    wf.publish(_mi_net("wcp26", [("K", "k_done"), ("k_done", "F")]))
    run = wf.start("wcp26", {"parts": [1, 2, 3]})
    run.complete("W", which=0).start_task("W", which=0).expect(enabled=["K"], started=["W"])
    run.complete("K").expect(state="completed")  # every instance withdrawn, Z never runs
    assert _states(run, "W") == ["completed", "canceled", "canceled"]
    assert run.task("W")["state"] == "canceled" and run.completions("Z") == 0


@pytest.mark.roundtrip
def test_wcp27_complete_multiple_instance_task(wf):
    """Force-complete a running MI task (an operator's `complete_task`): the remaining
    instances are withdrawn, W ends `completed`, its output mapping runs over the instances
    that did complete, and the case moves on through W's own output."""
    wf.publish(
        net(
            "wcp27",
            [
                manual("W", instances={"for_each": "data.parts"}, output={"done": "results.size()"}),
                manual("Z"),
            ],
            [("start", "W"), ("W", "Z"), ("Z", "end")],
        )
    )
    run = wf.start("wcp27", {"parts": [1, 2, 3]})
    run.complete("W", which=1).expect(started=["W"])
    run.start_task("W", which=0).expect(started=["W"])
    run.complete_task("W").expect(enabled=["Z"], marking={"W__to__Z": 1})
    assert _states(run, "W") == ["canceled", "completed", "canceled"]
    assert run.task("W")["state"] == "completed" and run.case.data["done"] == 1
    run.complete("Z").expect(state="completed")
    assert run.completions("W") == 1


def test_wcp27_complete_task_directive_and_refusals(wf):
    """An activity (or a person's completion) may return the `complete_task` directive: the
    item completes and its task with it. Not a multi-instance task, or not running: refused,
    nothing changes."""
    wf.publish(
        net(
            "wcp27d",
            [
                manual("A"),
                manual("W", instances={"min": 3, "max": 3}, output={"n": "results.size()"}),
                manual("Z"),
            ],
            [("start", "A"), ("A", "W"), ("W", "Z"), ("Z", "end")],
        )
    )
    run = wf.start("wcp27d")
    with pytest.raises(NotAllowed):
        run.complete_task("A")  # not a multi-instance task
    with pytest.raises(NotAllowed):
        run.complete_task("Z")  # not running
    run.expect(enabled=["A"])
    run.complete("A").expect(enabled=["W"])
    run.complete_task("W").expect(enabled=["Z"])  # W was enabled, no instance started: it starts and ends
    assert run.task("W")["state"] == "completed" and run.case.data["n"] == 0

    # the directive, returned with one item's output (the pure engine, as the worker calls it)
    backend = PureBackend()
    backend.publish(run_doc := _directive_net())
    case = backend.start(run_doc["name"])
    case.complete("A").expect(enabled=["W"])
    item = case.item("W", 0)
    backend._execute(case.id, lambda e: e.complete_item(item.pk, {}, directives={"complete_task": True}))
    case.expect(enabled=["Z"])
    assert case.task("W")["state"] == "completed" and case.case.data["n"] == 1
    assert _states(case, "W") == ["completed", "canceled", "canceled"]
    item2 = case.item("Z", 0)
    with pytest.raises(Exception, match="multi-instance"):
        backend._execute(case.id, lambda e: e.plan_directives(e.state.work_items[item2.pk], {"complete_task": True}))


def _directive_net() -> dict:
    return net(
        "wcp27e",
        [
            manual("A"),
            manual("W", instances={"min": 3, "max": 3}, output={"n": "results.size()"}),
            manual("Z"),
        ],
        [("start", "A"), ("A", "W"), ("W", "Z"), ("Z", "end")],
    )
