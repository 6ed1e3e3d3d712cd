"""A case's state at a past moment, rebuilt from its event log (pure Python, no Django).

The engine writes an event for every change it makes (engine/core/engine.py `_emit`; the names
are in events.py): tokens
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .events import CASE_STATUS_EVENTS, ITEM_STATE_EVENTS, EventType
from .state import empty_stats as _stats

TASK_EVENT_STATES: dict[str, str] = {
    EventType.TASK_ENABLED: "enabled",
    EventType.TASK_STARTED: "started",
    EventType.TASK_COMPLETED: "completed",
    EventType.TASK_WITHDRAWN: "disabled",
    EventType.TASK_CANCELED: "canceled",
    EventType.TASK_FAILED: "failed",
}
CASE_EVENT_STATES: dict[str, str] = {
    EventType.CASE_STARTED: "running",
    **{event: status for status, event in CASE_STATUS_EVENTS.items()},
}
# work item events that change its state (a retry is failed -> initialized)
ITEM_EVENT_STATES: dict[str, str] = {
    **{event: state for state, event in ITEM_STATE_EVENTS.items()},
    EventType.WORK_ITEM_RETRIED: "initialized",
}


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
    if kind == EventType.TOKENS:
        cond = payload["condition"]
        past.marking[cond] = past.marking.get(cond, 0) + int(payload["delta"])
        if past.marking[cond] <= 0:
            past.marking.pop(cond)
    elif kind in CASE_EVENT_STATES:
        past.state = CASE_EVENT_STATES[kind]
        if kind == EventType.CASE_STARTED:
            past.data = copy.deepcopy(payload.get("data") or {})
    elif kind == EventType.DATA_UPDATED:
        past.data = {**past.data, **copy.deepcopy(payload.get("changes") or {})}
    elif kind in TASK_EVENT_STATES:
        run = past.tasks.setdefault(task_id, {"state": "disabled", "generation": 0, "stats": _stats()})
        run["state"] = TASK_EVENT_STATES[kind]
        if kind == EventType.TASK_ENABLED:
            run["generation"] = int(payload.get("generation", run["generation"] + 1))
            run["stats"] = _stats()
            run.pop("error", None)
        elif kind == EventType.TASK_FAILED and payload.get("error"):
            run["error"] = payload["error"]
    elif kind == EventType.TASK_INCIDENT:
        past.tasks.setdefault(task_id, {"state": "started", "generation": 0, "stats": _stats()})["error"] = payload.get(
            "error"
        )
    elif kind.startswith("work_item.") and ev.get("work_item"):
        _apply_item(past, ev, kind, payload, task_id)


def _apply_item(past: PastState, ev: Mapping[str, Any], kind: str, payload: Mapping[str, Any], task_id: str) -> None:
    item_id = str(ev["work_item"])
    generation = int(payload.get("generation", 0))
    run = past.tasks.setdefault(task_id, {"state": "disabled", "generation": 0, "stats": _stats()})
    current = generation == run["generation"]
    if kind == EventType.WORK_ITEM_CREATED:
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
    if kind == EventType.WORK_ITEM_RETRIED:
        item["attempt"] = int(payload.get("attempt", item["attempt"] + 1))
    elif kind == EventType.WORK_ITEM_ATTEMPT_FAILED:
        item["attempt"] = int(payload.get("attempt", item["attempt"])) + 1
        return
    elif kind in (EventType.WORK_ITEM_CLAIMED, EventType.WORK_ITEM_DELEGATED):
        item["assignee"] = payload.get("user")
        return
    elif kind == EventType.WORK_ITEM_RELEASED:
        item["assignee"] = None
        return
    what = ITEM_EVENT_STATES.get(kind)
    if what is None:
        return  # skipped, iterated: the state change follows as its own event (or there is none)
    old, item["state"] = item["state"], what
    if current:
        run["stats"][old] -= 1
        run["stats"][what] += 1
