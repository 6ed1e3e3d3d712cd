"""A case's state at a past moment, rebuilt from its event log (pure Python, no Django).

The engine writes an event for every change it makes (engine/core/engine.py `_emit`): tokens
(`condition`, `delta`), task transitions (`task.enabled` with the new generation, `started`,
`completed`, `withdrawn`, `canceled`, `failed`), work item transitions (`work_item.<state>`,
plus `retried`, which is failed → initialized), data (`case.started` with the whole data,
`data.updated` with the changed keys; keys are never removed) and the case's own state. Folding
the events in order gives the marking, the task states with generations and stats, the data
and the work items' states, as they were after the last event folded. `tests` check that
folding the whole log gives exactly the case's stored state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

STAT_KEYS = ("total", "initialized", "started", "completed", "failed", "canceled")
ITEM_STATES = ("initialized", "started", "completed", "failed", "canceled")
TASK_EVENT_STATES = {
    "task.enabled": "enabled",
    "task.started": "started",
    "task.completed": "completed",
    "task.withdrawn": "disabled",
    "task.canceled": "canceled",
    "task.failed": "failed",
}
CASE_EVENT_STATES = {
    "case.started": "running",
    "case.suspended": "suspended",
    "case.resumed": "running",
    "case.completed": "completed",
    "case.failed": "failed",
    "case.canceled": "canceled",
    "case.deadlocked": "deadlocked",
}


def _stats() -> dict[str, int]:
    return dict.fromkeys(STAT_KEYS, 0)


@dataclass
class PastState:
    state: str = "running"
    marking: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    work_items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "marking": {c: n for c, n in self.marking.items() if n > 0},
            "tasks": self.tasks,
            "data": self.data,
            "work_items": self.work_items,
        }


def replay(task_ids: Iterable[str], events: Iterable[Mapping[str, Any]]) -> PastState:
    """Fold `events` (dicts with type, task, work_item, payload; oldest first) over a fresh
    case of a net with these tasks."""
    past = PastState(tasks={tid: {"state": "disabled", "generation": 0, "stats": _stats()} for tid in task_ids})
    for ev in events:
        _apply(past, ev)
    return past


def _apply(past: PastState, ev: Mapping[str, Any]) -> None:
    kind = ev["type"]
    payload = ev.get("payload") or {}
    task_id = ev.get("task") or ""
    if kind == "tokens":
        cond = payload["condition"]
        past.marking[cond] = past.marking.get(cond, 0) + int(payload["delta"])
        if past.marking[cond] <= 0:
            past.marking.pop(cond)
    elif kind in CASE_EVENT_STATES:
        past.state = CASE_EVENT_STATES[kind]
        if kind == "case.started":
            past.data = copy.deepcopy(payload.get("data") or {})
    elif kind == "data.updated":
        past.data = {**past.data, **copy.deepcopy(payload.get("changes") or {})}
    elif kind in TASK_EVENT_STATES:
        run = past.tasks.setdefault(task_id, {"state": "disabled", "generation": 0, "stats": _stats()})
        run["state"] = TASK_EVENT_STATES[kind]
        if kind == "task.enabled":
            run["generation"] = int(payload.get("generation", run["generation"] + 1))
            run["stats"] = _stats()
            run.pop("error", None)
        elif kind == "task.failed" and payload.get("error"):
            run["error"] = payload["error"]
    elif kind == "task.incident":
        past.tasks.setdefault(task_id, {"state": "started", "generation": 0, "stats": _stats()})["error"] = payload.get(
            "error"
        )
    elif kind.startswith("work_item.") and ev.get("work_item"):
        _apply_item(past, ev, kind.removeprefix("work_item."), payload, task_id)


def _apply_item(past: PastState, ev: Mapping[str, Any], what: str, payload: Mapping[str, Any], task_id: str) -> None:
    item_id = str(ev["work_item"])
    generation = int(payload.get("generation", 0))
    run = past.tasks.setdefault(task_id, {"state": "disabled", "generation": 0, "stats": _stats()})
    current = generation == run["generation"]
    if what == "created":
        past.work_items[item_id] = {
            "task": task_id,
            "generation": generation,
            "state": "initialized",
            "attempt": 1,
            "assignee": None,
        }
        if current:
            run["stats"]["total"] += 1
            run["stats"]["initialized"] += 1
        return
    item = past.work_items.get(item_id)
    if item is None:  # a log that starts later than the item (not written by this engine)
        return
    if what == "retried":
        what = "initialized"
        item["attempt"] = int(payload.get("attempt", item["attempt"] + 1))
    elif what == "attempt_failed":
        item["attempt"] = int(payload.get("attempt", item["attempt"])) + 1
        return
    elif what in ("claimed", "delegated"):
        item["assignee"] = payload.get("user")
        return
    elif what == "released":
        item["assignee"] = None
        return
    if what not in ITEM_STATES:
        return  # skipped: the state change follows as its own event
    old, item["state"] = item["state"], what
    if current:
        run["stats"][old] -= 1
        run["stats"][what] += 1
