"""Structural and termination patterns: WCP-10 arbitrary cycles, WCP-11 implicit termination,
WCP-21 structured loop, WCP-22 recursion, WCP-43 explicit termination."""

from __future__ import annotations

import pytest

from .harness import composite, dummy, manual, net


def test_wcp10_arbitrary_cycles(wf):
    """A cycle B <-> C with two entry points (p1, p2) and two exits (from B and from C)."""
    wf.publish(
        net(
            "wcp10",
            [manual("A", split="xor"), manual("B", split="xor"), manual("C", split="xor")],
            [
                ("start", "A"),
                ("A", "p1", {"when": "data.entry == 1"}),
                ("A", "p2", {"default": True}),
                ("p1", "B"),
                ("p2", "C"),
                ("B", "end", {"when": "data.exit == 'B'"}),
                ("B", "p2", {"default": True}),
                ("C", "end", {"when": "data.exit == 'C'"}),
                ("C", "p1", {"default": True}),
            ],
        )
    )
    run = wf.start("wcp10")
    run.complete("A", {"entry": 2, "exit": ""}).expect(enabled=["C"])  # enter at C
    run.complete("C").expect(enabled=["B"])
    run.complete("B").expect(enabled=["C"])
    run.complete("C", {"exit": "C"}).expect(state="completed")
    assert [t for _, t in run.history()] == ["A", "C", "B", "C"]

    run = wf.start("wcp10")
    run.complete("A", {"entry": 1, "exit": ""}).expect(enabled=["B"])  # enter at B
    run.complete("B").complete("C").expect(enabled=["B"])
    run.complete("B", {"exit": "B"}).expect(state="completed")
    assert [t for _, t in run.history()] == ["A", "B", "C", "B"]


def test_wcp11_implicit_termination(wf):
    """`"termination": "implicit"`: branches end wherever they end (no merge, no path to
    `end`), and the case completes when no task is enabled or running and no token can move."""
    wf.publish(
        net(
            "wcp11",
            [
                dummy("S", split="and"),
                manual("B"),
                manual("C", split="xor"),
                manual("X"),
            ],
            [
                ("start", "S"),
                ("S", "B"),
                ("S", "C"),
                ("B", "b_done"),
                ("C", "X", {"when": "data.more"}),
                ("C", "c_done", {"default": True}),
                ("X", "x_done"),
            ],
            termination="implicit",
        )
    )
    run = wf.start("wcp11")
    run.expect(enabled=["B", "C"])
    run.complete("B").expect(enabled=["C"], marking={"b_done": 1, "S__to__C": 1})
    run.complete("C", {"more": True}).expect(enabled=["X"], marking={"b_done": 1, "C__to__X": 1})  # not over
    run.complete("X").expect(state="completed", marking={"b_done": 1, "x_done": 1})  # nothing left
    assert "implicit termination" in run.case.reason

    run = wf.start("wcp11")
    run.complete("C", {"more": False}).expect(enabled=["B"], marking={"c_done": 1, "S__to__B": 1})
    run.complete("B").expect(state="completed", marking={"b_done": 1, "c_done": 1})


def test_wcp11_explicit_termination_is_the_default(wf):
    """Without the option the same situation is a deadlock (and the validator asks for a
    path to `end` from every node)."""
    doc = net(
        "wcp11x",
        [manual("A", split="and"), manual("B")],
        [("start", "A"), ("A", "a_done"), ("A", "B"), ("B", "end"), ("a_done", "B")],
    )
    wf.publish(doc)
    run = wf.start("wcp11x")
    run.complete("A").expect(enabled=["B"], marking={"a_done": 1, "A__to__B": 1})
    run.complete("B").expect(state="completed")  # explicit: the token in end


def test_wcp21_structured_loop(wf):
    # while (pre-test): T tests before each iteration
    wf.publish(
        net(
            "wcp21",
            [
                dummy("T", join="xor", split="xor"),
                manual("B", output={"n": "data.n + 1"}),
            ],
            [
                ("start", "T"),
                ("T", "B", {"when": "data.n < 3"}),
                ("T", "end", {"default": True}),
                ("B", "T"),
            ],
        )
    )
    run = wf.start("wcp21", {"n": 0})
    for n in (0, 1, 2):
        assert run.data["n"] == n
        run.expect(enabled=["B"]).complete("B")
    run.expect(state="completed")
    assert run.completions("B") == 3 and run.data["n"] == 3
    wf.start("wcp21", {"n": 3}).expect(state="completed")  # the body may run zero times

    # repeat-until (post-test): the body runs first, then the test
    wf.publish(
        net(
            "wcp21b",
            [manual("B", join="xor", split="xor")],
            [
                ("start", "B"),
                ("B", "end", {"when": "data.ok"}),
                ("B", "B", {"default": True}),
            ],
        )
    )
    run = wf.start("wcp21b")
    run.complete("B", {"ok": False}).expect(enabled=["B"])
    run.complete("B", {"ok": False}).expect(enabled=["B"])
    run.complete("B", {"ok": True}).expect(state="completed")
    assert run.completions("B") == 3


@pytest.mark.roundtrip
def test_wcp22_recursion(wf):
    """A composite task whose child definition is the net itself, bounded by the case data."""
    wf.publish(
        net(
            "wcp22",
            [
                dummy("check", split="xor"),
                composite("R", "wcp22", input={"n": "data.n - 1"}, output={"depth": "result.depth + 1"}),
                manual("leaf", output={"depth": "0"}),
            ],
            [
                ("start", "check"),
                ("check", "R", {"when": "data.n > 0"}),
                ("check", "leaf", {"default": True}),
                ("R", "end"),
                ("leaf", "end"),
            ],
        )
    )
    top = wf.start("wcp22", {"n": 2})
    top.expect(started=["R"])
    [child] = top.children()
    child.expect(started=["R"])
    assert child.data == {"n": 1} and child.case.depth == 1
    [grandchild] = child.children()
    grandchild.expect(enabled=["leaf"])
    assert grandchild.data == {"n": 0} and grandchild.children() == []

    grandchild.complete("leaf")  # the innermost case ends, and each parent with it
    grandchild.expect(state="completed")
    child.expect(state="completed")
    top.expect(state="completed")
    assert top.data == {"n": 2, "depth": 2}


def test_wcp43_explicit_termination(wf):
    wf.publish(
        net(
            "wcp43",
            [dummy("S", split="and"), manual("B"), manual("C"), manual("D")],
            [
                ("start", "S"),
                ("S", "B"),
                ("S", "C"),
                ("B", "end"),
                ("C", "D"),
                ("D", "end"),
            ],
        )
    )
    run = wf.start("wcp43")
    run.expect(enabled=["B", "C"])
    run.start_task("C").expect(enabled=["B"], started=["C"])
    c = run.item("C")
    # the first token in `end` ends the case: everything still active is withdrawn
    run.complete("B").expect(state="completed", marking={"end": 1})
    c.refresh_from_db()
    assert c.state == "canceled"
    assert run.task("C")["state"] == "canceled" and run.task("D")["generation"] == 0
    assert run.items(None, states=["initialized", "started"]) == []
