"""State-based patterns: WCP-16 deferred choice, WCP-17 interleaved parallel routing,
WCP-18 milestone, WCP-39 critical section, WCP-40 interleaved routing.

They rest on one rule: tokens are consumed when a task *starts*. Tasks enabled from a shared
condition race for its token; the first to start takes it and the others are withdrawn (their
offered work items disappear) until a token is there again. A `mutex` condition holding one
token, taken by a task's AND-join and put back by its AND-split, makes a critical section.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .harness import ALL_ITEM_STATES, dummy, manual, net, timer


@pytest.mark.roundtrip
def test_wcp16_deferred_choice(wf):
    wf.publish(
        net(
            "wcp16",
            [manual("B"), manual("C"), timer("T", "duration('1h')")],
            [
                ("start", "B"),
                ("start", "C"),
                ("start", "T"),
                ("B", "end"),
                ("C", "end"),
                ("T", "end"),
            ],
        )
    )
    # a person makes the choice: the first to start takes the token
    run = wf.start("wcp16")
    run.expect(enabled=["B", "C", "T"], marking={"start": 1})
    offered = {t: run.item(t) for t in ("B", "T")}
    run.start_task("C").expect(started=["C"], marking={})
    for w in offered.values():
        w.refresh_from_db()
        assert w.state == "canceled"  # withdrawn from the inbox (and the timer disarmed)
    run.complete("C").expect(state="completed")
    assert wf.fire_timers(later=dt.timedelta(hours=2)) == 0

    # nobody chooses in time: the timer wins and the manual tasks are withdrawn
    run = wf.start("wcp16")
    assert wf.fire_timers(later=dt.timedelta(minutes=30)) == 0
    run.expect(enabled=["B", "C", "T"])
    assert wf.fire_timers(later=dt.timedelta(hours=1, minutes=1)) == 1
    run.expect(state="completed")
    assert run.history() == [("task.completed", "T")]
    assert run.history("task.withdrawn") == [("task.withdrawn", "B"), ("task.withdrawn", "C")]


def _mutex_net(name: str, tasks: list[dict], orders: list[tuple[str, str]], free: list[str]) -> dict:
    """Each task runs once, never two at a time: its AND-join takes the `mutex` token, its
    AND-split puts it back. `orders` are (before, after) pairs; `free` the tasks with no
    predecessor. F waits for every last task and the mutex."""
    ids = [t["id"] for t in tasks]
    flows = [("start", "S")] + [("S", f"in_{t}") for t in free] + [("S", "mutex")]
    for t in ids:
        flows += [("mutex", t), (t, "mutex")]
    for a, b in orders:
        flows.append((a, f"in_{b}"))
    lasts = [t for t in ids if t not in {a for a, _ in orders}]
    for t in ids:
        flows.append((f"in_{t}", t))
    for t in lasts:
        flows += [(t, f"done_{t}"), (f"done_{t}", "F")]
    flows += [("mutex", "F"), ("F", "end")]
    all_tasks = [
        dummy("S", split="and"),
        *[{**t, "join": "and", "split": "and"} for t in tasks],
        dummy("F", join="and"),
    ]
    return net(name, all_tasks, flows)


def test_wcp17_interleaved_parallel_routing(wf):
    """A before B (a partial order); C anywhere; never two at once."""
    wf.publish(_mutex_net("wcp17", [manual("A"), manual("B"), manual("C")], orders=[("A", "B")], free=["A", "C"]))
    run = wf.start("wcp17")
    run.expect(enabled=["A", "C"])
    run.start_task("A").expect(started=["A"])  # C withdrawn while A runs
    run.complete("A").expect(enabled=["B", "C"])
    run.start_task("C").expect(started=["C"])
    run.complete("C").expect(enabled=["B"])
    run.complete("B").expect(state="completed")
    assert [t for _, t in run.history()] == ["S", "A", "C", "B", "F"]

    run = wf.start("wcp17")
    run.complete("C").expect(enabled=["A"])  # B still waits for A
    run.complete("A").expect(enabled=["B"])
    run.complete("B").expect(state="completed")


def test_wcp18_milestone(wf):
    """B may run only while the milestone m holds: after A reached it, before C ends it."""
    wf.publish(
        net(
            "wcp18",
            [
                dummy("S", split="and"),
                manual("A"),
                manual("B", join="and", split="and"),
                manual("C"),
                dummy("F", join="or"),
            ],
            [
                ("start", "S"),
                ("S", "a_in"),
                ("S", "b_in"),
                ("a_in", "A"),
                ("A", "m"),
                ("b_in", "B"),
                ("m", "B"),
                ("B", "m"),
                ("B", "b_done"),  # B tests m: takes it and puts it back
                ("m", "C"),
                ("C", "c_done"),  # C ends the milestone
                ("b_done", "F"),
                ("c_done", "F"),
                ("F", "end"),
            ],
        )
    )
    run = wf.start("wcp18")
    run.expect(enabled=["A"], marking={"a_in": 1, "b_in": 1})  # B: milestone not reached yet
    run.complete("A").expect(enabled=["B", "C"], marking={"b_in": 1, "m": 1})
    run.complete("B").expect(enabled=["C"], marking={"b_done": 1, "m": 1})  # F waits for C
    run.complete("C").expect(state="completed")

    run = wf.start("wcp18")
    run.complete("A").expect(enabled=["B", "C"])
    b = run.item("B")
    # C ends the milestone: B is withdrawn before it ran, and can never run again
    run.complete("C").expect(state="completed")
    b.refresh_from_db()
    assert b.state == "canceled" and run.completions("B") == 0


@pytest.mark.roundtrip
def test_wcp39_critical_section(wf):
    """Two regions (A1 -> A2, B1 -> B2) share one mutex: one region at a time, whole."""
    wf.publish(
        net(
            "wcp39",
            [
                dummy("S", split="and"),
                manual("A1", join="and"),
                manual("A2", split="and"),
                manual("B1", join="and"),
                manual("B2", split="and"),
                dummy("F", join="and"),
            ],
            [
                ("start", "S"),
                ("S", "a_in"),
                ("S", "b_in"),
                ("S", "mutex"),
                ("a_in", "A1"),
                ("mutex", "A1"),
                ("A1", "A2"),
                ("A2", "mutex"),
                ("A2", "a_done"),
                ("b_in", "B1"),
                ("mutex", "B1"),
                ("B1", "B2"),
                ("B2", "mutex"),
                ("B2", "b_done"),
                ("a_done", "F"),
                ("b_done", "F"),
                ("mutex", "F"),
                ("F", "end"),
            ],
        )
    )
    run = wf.start("wcp39")
    run.expect(enabled=["A1", "B1"])
    run.start_task("B1").expect(started=["B1"])  # region B entered: A1 withdrawn
    run.complete("B1").expect(enabled=["B2"])  # still inside region B: A1 stays out
    run.complete("B2").expect(enabled=["A1"])  # region B left
    run.complete("A1").expect(enabled=["A2"])
    run.complete("A2").expect(state="completed")
    assert [t for _, t in run.history()] == ["S", "B1", "B2", "A1", "A2", "F"]
    assert run.history("task.withdrawn") == [("task.withdrawn", "A1")]
    assert len(run.items("A1", states=ALL_ITEM_STATES)) == 2  # offered again after B


@pytest.mark.parametrize("order", [["A", "B", "C"], ["C", "A", "B"], ["B", "C", "A"]])
def test_wcp40_interleaved_routing(wf, order):
    wf.publish(_mutex_net("wcp40", [manual("A"), manual("B"), manual("C")], orders=[], free=["A", "B", "C"]))
    run = wf.start("wcp40")
    left = ["A", "B", "C"]
    for task in order:
        run.expect(enabled=left)
        run.start_task(task).expect(started=[task])  # the others wait: no two at once
        left = [t for t in left if t != task]
        run.complete(task)
    run.expect(state="completed")
    assert [t for _, t in run.history()] == ["S", *order, "F"]
