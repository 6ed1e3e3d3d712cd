"""Basic control-flow patterns: WCP-1 sequence .. WCP-5 simple merge."""

from __future__ import annotations

import pytest

from .harness import dummy, manual, net


@pytest.mark.roundtrip
def test_wcp01_sequence(wf):
    wf.publish(
        net("wcp01", [manual("A"), manual("B"), manual("C")], [("start", "A"), ("A", "B"), ("B", "C"), ("C", "end")])
    )
    run = wf.start("wcp01")
    run.expect(enabled=["A"])
    run.start_task("A").expect(started=["A"])
    run.complete("A").expect(enabled=["B"])
    run.complete("B").expect(enabled=["C"])
    run.complete("C").expect(state="completed", marking={"end": 1})
    assert [t for _, t in run.history()] == ["A", "B", "C"]


def test_wcp02_parallel_split(wf):
    wf.publish(
        net(
            "wcp02",
            [manual("A", split="and"), manual("B"), manual("C"), manual("D", join="and")],
            [("start", "A"), ("A", "B"), ("A", "C"), ("B", "D"), ("C", "D"), ("D", "end")],
        )
    )
    run = wf.start("wcp02")
    run.expect(enabled=["A"])
    # both branches at once, each with its own work item, in either order
    run.complete("A").expect(enabled=["B", "C"], marking={"A__to__B": 1, "A__to__C": 1})
    run.start_task("C").expect(enabled=["B"], started=["C"])
    run.start_task("B").expect(started=["B", "C"])
    run.complete("C").expect(started=["B"])
    run.complete("B").expect(enabled=["D"])
    run.complete("D").expect(state="completed")


def test_wcp03_synchronization(wf):
    wf.publish(
        net(
            "wcp03",
            [dummy("A", split="and"), manual("B"), manual("C"), manual("D", join="and")],
            [("start", "A"), ("A", "B"), ("A", "C"), ("B", "D"), ("C", "D"), ("D", "end")],
        )
    )
    run = wf.start("wcp03")
    run.expect(enabled=["B", "C"])
    # D waits for every branch
    run.complete("B").expect(enabled=["C"], marking={"A__to__C": 1, "B__to__D": 1})
    run.complete("C").expect(enabled=["D"], marking={"B__to__D": 1, "C__to__D": 1})
    run.complete("D").expect(state="completed")
    assert run.completions("D") == 1


@pytest.mark.parametrize("amount, branch", [(500, "small"), (5000, "large")])
def test_wcp04_exclusive_choice(wf, amount, branch):
    wf.publish(
        net(
            "wcp04",
            [manual("A", split="xor"), manual("small"), manual("large")],
            [
                ("start", "A"),
                ("A", "large", {"when": "data.amount > 1000"}),
                ("A", "small", {"default": True}),
                ("small", "end"),
                ("large", "end"),
            ],
        )
    )
    run = wf.start("wcp04")
    run.expect(enabled=["A"])
    # the work item's output is merged into the case data before the split is evaluated
    run.complete("A", {"amount": amount}).expect(enabled=[branch])
    run.complete(branch).expect(state="completed")
    assert run.task("small" if branch == "large" else "large")["generation"] == 0  # never enabled


def test_wcp05_simple_merge(wf):
    wf.publish(
        net(
            "wcp05",
            [manual("A", split="xor"), manual("B"), manual("C"), manual("D", join="xor")],
            [
                ("start", "A"),
                ("A", "B", {"when": "data.path == 'b'"}),
                ("A", "C", {"default": True}),
                ("B", "D"),
                ("C", "D"),
                ("D", "end"),
            ],
        )
    )
    for path, other in (("b", "C"), ("c", "B")):
        run = wf.start("wcp05")
        run.complete("A", {"path": path}).expect(enabled=[path.upper()])
        # one incoming branch is enough: D runs once, without waiting for the branch not taken
        run.complete(path.upper()).expect(enabled=["D"])
        run.complete("D").expect(state="completed")
        assert run.completions("D") == 1 and run.completions(other) == 0
