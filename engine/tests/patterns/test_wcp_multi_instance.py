"""Multiple-instance patterns: WCP-12..15 and the MI partial joins WCP-34..36.

A multi-instance task makes one work item per instance (`instances`); its `stats` count the
items of the current generation by state.
"""

from __future__ import annotations

import pytest

from engine.core.errors import NotAllowed

from .harness import Run, dummy, manual, net


def _open(run: Run, task: str) -> int:
    return len([w for w in run.items(task) if w.state in ("initialized", "started")])


def test_wcp12_multiple_instances_without_synchronization(wf):
    """A creates the instances of W and its thread of control goes on at once (B, C): nothing
    on the main thread waits for, or refers to, the instances. Both threads only meet at the
    end of the case (an OR-join, so the case ends when nothing is left)."""
    wf.publish(
        net(
            "wcp12",
            [
                manual("A", split="and"),
                manual("W", instances={"for_each": "data.reviewers", "as": "reviewer"}),
                manual("B"),
                manual("C"),
                dummy("Done", join="or"),
            ],
            [
                ("start", "A"),
                ("A", "W"),
                ("A", "B"),
                ("B", "C"),
                ("W", "w_done"),
                ("C", "c_done"),
                ("w_done", "Done"),
                ("c_done", "Done"),
                ("Done", "end"),
            ],
        )
    )
    run = wf.start("wcp12", {"reviewers": ["ann", "bob", "cid"]})
    run.complete("A").expect(enabled=["B", "W"])
    assert [w.input for w in run.items("W")] == [{"reviewer": "ann"}, {"reviewer": "bob"}, {"reviewer": "cid"}]
    run.complete("W", which=1).expect(enabled=["B"], started=["W"])
    run.complete("B").expect(enabled=["C"], started=["W"])  # the main thread did not wait
    run.complete("C").expect(started=["W"], marking={"c_done": 1})
    assert _open(run, "W") == 2
    run.complete("W", which=0).complete("W", which=0).expect(state="completed")
    assert run.completions("W") == 1


def test_wcp13_multiple_instances_with_a_priori_design_time_knowledge(wf):
    wf.publish(
        net(
            "wcp13",
            [manual("A"), manual("W", instances={"min": 3, "max": 3}), manual("B")],
            [
                ("start", "A"),
                ("A", "W"),
                ("W", "B"),
                ("B", "end"),
            ],
        )
    )
    run = wf.start("wcp13")
    run.complete("A").expect(enabled=["W"])
    assert _open(run, "W") == 3  # fixed in the definition
    run.complete("W", which=2).expect(started=["W"])
    run.complete("W", which=0).expect(started=["W"])
    assert run.task("W")["stats"] == {
        "total": 3,
        "initialized": 1,
        "started": 0,
        "completed": 2,
        "failed": 0,
        "canceled": 0,
    }
    run.complete("W").expect(enabled=["B"])  # synchronised: B after all three
    run.complete("B").expect(state="completed")


@pytest.mark.parametrize("orders", [["o1", "o2"], ["o1", "o2", "o3", "o4"], []])
def test_wcp14_multiple_instances_with_a_priori_run_time_knowledge(wf, orders):
    wf.publish(
        net(
            "wcp14",
            [
                manual("A"),
                manual(
                    "W",
                    instances={"for_each": "data.orders", "as": "order"},
                    input={"order": "order", "rush": "order == 'o2'"},
                    output={"checked": "results.size()"},
                ),
                manual("B"),
            ],
            [("start", "A"), ("A", "W"), ("W", "B"), ("B", "end")],
        )
    )
    run = wf.start("wcp14")
    if not orders:  # zero instances: W starts and completes at once
        run.complete("A", {"orders": orders}).expect(enabled=["B"])
        assert run.data["checked"] == 0 and run.items("W") == [] and run.completions("W") == 1
        return
    run.complete("A", {"orders": orders}).expect(enabled=["W"])  # known at run time, before W
    assert [w.input for w in run.items("W")] == [{"order": o, "rush": o == "o2"} for o in orders]
    for _ in orders[:-1]:
        run.complete("W", which=0).expect(started=["W"])
    run.complete("W").expect(enabled=["B"])
    assert run.data["checked"] == len(orders)
    run.complete("B").expect(state="completed")


@pytest.mark.roundtrip
def test_wcp15_multiple_instances_without_a_priori_run_time_knowledge(wf):
    wf.publish(
        net(
            "wcp15",
            [
                manual("W", instances={"for_each": "data.first", "creation": "dynamic", "max": 3}),
                manual("B"),
            ],
            [("start", "W"), ("W", "B"), ("B", "end")],
        )
    )
    run = wf.start("wcp15", {"first": ["x"]})
    run.expect(enabled=["W"])
    run.add_item("W", {"item": "y"})  # more instances while W runs, as they become known
    run.start_task("W", which=0).expect(started=["W"])
    run.add_item("W", {"item": "z"})
    assert [w.input for w in run.items("W")] == [{"item": "x"}, {"item": "y"}, {"item": "z"}]
    with pytest.raises(NotAllowed):
        run.add_item("W", {"item": "too many"})  # max 3
    run.complete("W", which=0).complete("W", which=0).expect(started=["W"])
    run.complete("W").expect(enabled=["B"])  # synchronised on every instance created
    with pytest.raises(NotAllowed):
        run.add_item("W", {"item": "late"})
    run.complete("B").expect(state="completed")
    assert run.completions("W") == 1


@pytest.mark.roundtrip
def test_wcp34_static_partial_join_for_multiple_instances(wf):
    """2 of 3 instances complete W; the third keeps running and, when it completes, triggers
    nothing more."""
    wf.publish(
        net(
            "wcp34",
            [
                manual("W", instances={"for_each": "data.parts", "threshold": 2, "remaining": "continue"}),
                manual("B"),
                manual("C"),
            ],
            [("start", "W"), ("W", "B"), ("B", "C"), ("C", "end")],
        )
    )
    run = wf.start("wcp34", {"parts": [1, 2, 3]})
    run.expect(enabled=["W"])
    run.complete("W", which=0).expect(started=["W"])
    run.complete("W", which=0).expect(enabled=["B"])  # 2 of 3: W completes
    late = run.item("W")
    assert late.state == "initialized"
    run.complete("B").expect(enabled=["C"])
    run.complete("W", item=late).expect(enabled=["C"])  # still worked, changes nothing else
    late.refresh_from_db()
    assert late.state == "completed" and run.completions("W") == 1
    assert run.task("W")["stats"]["completed"] == 3
    run.complete("C").expect(state="completed")


@pytest.mark.roundtrip
def test_wcp35_cancelling_partial_join_for_multiple_instances(wf):
    wf.publish(
        net(
            "wcp35",
            [
                manual("W", instances={"for_each": "data.parts", "threshold": 2}),
                manual("B"),
            ],
            [("start", "W"), ("W", "B"), ("B", "end")],
        )
    )
    run = wf.start("wcp35", {"parts": [1, 2, 3, 4]})
    run.start_task("W", which=3).expect(started=["W"])
    running = run.item("W", which=3)
    run.complete("W", which=0).complete("W", which=0).expect(enabled=["B"])  # 2 of 4
    assert [w.state for w in run.items("W", states=["completed", "canceled"])] == [
        "completed",
        "completed",
        "canceled",
        "canceled",
    ]
    running.refresh_from_db()
    assert running.state == "canceled"
    assert run.task("W")["stats"] == {
        "total": 4,
        "initialized": 0,
        "started": 0,
        "completed": 2,
        "failed": 0,
        "canceled": 2,
    }
    run.complete("B").expect(state="completed")


def test_wcp36_dynamic_partial_join_for_multiple_instances(wf):
    wf.publish(
        net(
            "wcp36",
            [
                manual("W", instances={"for_each": "data.first", "creation": "dynamic", "threshold": 3}),
                manual("B"),
            ],
            [("start", "W"), ("W", "B"), ("B", "end")],
        )
    )
    run = wf.start("wcp36", {"first": ["a", "b"]})
    run.complete("W", which=0).expect(started=["W"])
    run.add_item("W", {"item": "c"})
    run.add_item("W", {"item": "d"})
    run.complete("W", which=1).expect(started=["W"])  # c: 2 completed of 4 so far
    run.add_item("W", {"item": "e"})
    run.complete("W", which=2).expect(enabled=["B"])  # e: the third: W completes
    assert sorted((w.input["item"], w.state) for w in run.items("W", states=["completed", "canceled"])) == [
        ("a", "completed"),
        ("b", "canceled"),
        ("c", "completed"),
        ("d", "canceled"),
        ("e", "completed"),
    ]
    with pytest.raises(NotAllowed):
        run.add_item("W", {"item": "late"})
    run.complete("B").expect(state="completed")
