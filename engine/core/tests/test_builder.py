"""The code-first builder produces the same JSON as a hand-written net, validated the same way."""

from __future__ import annotations

import pytest

from engine.core.builder import BuildError, NetBuilder
from engine.core.validation import validate_net


def test_builder_output_equals_the_hand_written_net() -> None:
    b = NetBuilder("approve")
    review = b.manual("review", assign={"role": "clerks"}, split="xor")
    pay = b.automatic("pay", activity="noop", retry={"max_attempts": 5})
    b.flow(b.start, review).flow(review, pay, when="data.ok").flow(review, b.end, default=True).flow(pay, b.end)
    b.query("ok", "data.ok")
    assert b.build() == {
        "schema_version": 1,
        "name": "approve",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {"id": "review", "kind": "manual", "assign": {"role": "clerks"}, "split": "xor"},
            {"id": "pay", "kind": "automatic", "activity": "noop", "retry": {"max_attempts": 5}},
        ],
        "flows": [
            {"from": "start", "to": "review"},
            {"from": "review", "to": "pay", "when": "data.ok"},
            {"from": "review", "to": "end", "default": True},
            {"from": "pay", "to": "end"},
        ],
        "queries": [{"name": "ok", "expr": "data.ok"}],
    }


def test_a_loop_makes_one_task_per_configured_step() -> None:
    steps = ["validate", "transform", "enrich"]
    b = NetBuilder("pipeline")
    tasks = [b.automatic(s, activity=f"pipeline.{s}") for s in steps]
    b.sequence(b.start, *tasks, b.end)
    doc = b.build()
    assert [t["id"] for t in doc["tasks"]] == steps
    assert validate_net(doc).valid


def test_invalid_builds_raise_with_every_problem() -> None:
    b = NetBuilder("broken")
    b.automatic("lonely", activity="nope")
    b.flow(b.start, b.end)  # condition → condition
    with pytest.raises(BuildError) as caught:
        b.build(activity_exists=lambda name: name != "nope")
    messages = [p.message for p in caught.value.problems]
    assert any("unknown activity 'nope'" in m for m in messages)
    assert any("lonely" in (p.element or "") for p in caught.value.problems)
    assert len(messages) >= 3
