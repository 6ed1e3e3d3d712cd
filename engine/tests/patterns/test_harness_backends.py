"""The harness itself: the pure backend needs no Django, and both backends carry out the
engine's effects alike (automatic items wait for the test, a child case that ends at once
moves its parent on inside the same operation)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .harness import auto, composite, dummy, manual, net
from .pure import PureBackend

ROOT = Path(__file__).resolve().parents[3]


def test_the_pure_backend_imports_no_django():
    code = (
        "import sys, engine.tests.patterns.pure, engine.tests.patterns.harness\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={"PATH": "/usr/bin:/bin"})


@pytest.mark.roundtrip
def test_automatic_items_wait_for_the_test(wf):
    wf.publish(net("h_auto", [auto("A"), manual("B")], [("start", "A"), ("A", "B"), ("B", "end")]))
    run = wf.start("h_auto")
    run.expect(started=["A"])  # an automatic task starts at once; its item waits to be run
    assert run.item("A").state == "initialized"
    run.complete("A", {"x": 1}).expect(enabled=["B"])
    assert run.data == {"x": 1}
    run.complete("B").expect(state="completed")


@pytest.mark.roundtrip
def test_a_child_case_that_ends_at_once_moves_its_parent_on(wf):
    wf.publish(net("h_child", [dummy("D")], [("start", "D"), ("D", "end")]))
    wf.publish(
        net(
            "h_parent",
            [composite("Sub", "h_child", output={"seen": "true"}), manual("B")],
            [("start", "Sub"), ("Sub", "B"), ("B", "end")],
        )
    )
    run = wf.start("h_parent")
    run.expect(enabled=["B"])  # the child started, completed and completed Sub, all in case_start
    [child] = run.children()
    child.expect(state="completed")
    assert run.data == {"seen": True} and child.case.depth == 1
    run.complete("B").expect(state="completed")


def test_the_inline_runner_runs_automatic_items_through_the_activity_table():
    calls: list[int] = []

    def double(item_input):
        calls.append(item_input["n"])
        if len(calls) == 1:
            raise RuntimeError("flaky")  # the first attempt fails: retried (default policy)
        return {"n": item_input["n"] * 2}

    wf = PureBackend(activities={"double": double}, runner="inline")
    wf.publish(
        net(
            "h_inline",
            [auto("A", "double", input={"n": "data.n"}), manual("B")],
            [("start", "A"), ("A", "B"), ("B", "end")],
        )
    )
    run = wf.start("h_inline", {"n": 21})
    run.expect(enabled=["B"])
    assert run.data["n"] == 42 and calls == [21, 21]
    assert [e["attempt"] for e in run.events("work_item.attempt_failed")] == [1]
    run.complete("B").expect(state="completed")
