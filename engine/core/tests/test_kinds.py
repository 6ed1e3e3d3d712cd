"""Task kinds: one module each (engine/core/kinds/), the same list as the net schema's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.core.kinds import KINDS
from engine.core.validation import validate_net

SCHEMA = Path(__file__).resolve().parent.parent / "schema" / "net.schema.json"


def _task_kind_enum() -> set[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    found: list[set[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            kind = node.get("properties", {}).get("kind") if isinstance(node.get("properties"), dict) else None
            if isinstance(kind, dict) and "manual" in (kind.get("enum") or []):
                found.append(set(kind["enum"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert len(found) == 1, found
    return found[0]


def test_every_kind_of_the_schema_has_its_module_and_no_other() -> None:
    assert set(KINDS) == _task_kind_enum()


def _net(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "k",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [task],
        "flows": [{"from": "start", "to": task["id"]}, {"from": task["id"], "to": "end"}],
    }


def test_each_kind_checks_its_own_fields() -> None:
    cases = [
        ({"id": "a", "kind": "automatic"}, "automatic task 'a' needs an `activity`"),
        ({"id": "a", "kind": "signal", "signal": "paid"}, "signal 'paid' is not declared in the net's `signals`"),
        ({"id": "a", "kind": "timer"}, "timer task 'a' needs exactly one of `duration` and `at`"),
    ]
    for task, message in cases:
        assert message in [p.message for p in validate_net(_net(task)).errors], task
    unknown = validate_net(_net({"id": "a", "kind": "automatic", "activity": "nope"}), activity_exists=lambda _: False)
    assert "unknown activity 'nope'" in [p.message for p in unknown.errors]
    assert validate_net(_net({"id": "a", "kind": "manual"})).valid
