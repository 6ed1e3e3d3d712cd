"""The running state of one case, separate from the net's definition (specs vs. state).

`CaseState` is what the engine reads and changes; persistence stores `marking`, `tasks` and
`data` on the case row and each `WorkItem` as its own row. Only *live* work items
(initialized, started, or failed awaiting an operator) need to be loaded for an operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import NotAllowed

# --- state machines: tables of allowed transitions, guarded by `check_transition` ---
# Nothing writes a case status, a task state or a work item state without going through
# `check_transition` (the engine's `_set_case_status`, `_task_transition`, `_set_item_state`).

# case statuses; "created" is the engine's state before `start_case` (never stored)
CASE_CREATED = "created"
CASE_STATES = ("running", "suspended", "completed", "failed", "canceled", "deadlocked")
CASE_FINAL = frozenset({"completed", "failed", "canceled", "deadlocked"})
CASE_ACTIVE = frozenset({"running", "suspended"})

CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CASE_CREATED: frozenset({"running"}),
    "running": frozenset({"suspended", "completed", "failed", "canceled", "deadlocked"}),
    "suspended": frozenset({"running", "canceled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "canceled": frozenset(),
    "deadlocked": frozenset(),
}

TASK_STATES = ("disabled", "enabled", "started", "completed", "failed", "canceled")
TASK_ACTIVE = frozenset({"enabled", "started"})
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    "disabled": frozenset({"enabled"}),
    "enabled": frozenset({"started", "disabled", "canceled", "failed"}),  # disabled = withdrawn
    "started": frozenset({"completed", "failed", "canceled"}),
    "completed": frozenset({"enabled"}),  # a new generation
    "failed": frozenset({"enabled"}),
    "canceled": frozenset({"enabled"}),
}

ITEM_STATES = ("initialized", "started", "completed", "failed", "canceled")
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"started", "canceled", "completed", "failed"}),
    "started": frozenset({"completed", "failed", "canceled"}),
    "failed": frozenset({"initialized", "completed", "canceled"}),  # retry, skip, cancel
    "completed": frozenset(),
    "canceled": frozenset(),
}
# corrections: transitions only the engine's own named steps make (`correction=True`), never
# an operation asked for directly
ITEM_CORRECTIONS: dict[str, frozenset[str]] = {
    "started": frozenset({"initialized"}),  # an automatic attempt failed and is retried
    "failed": frozenset({"started"}),  # an operator skips a failed item: it completes next
    "completed": frozenset({"failed"}),  # the completion's split or output failed: an incident
}
ITEM_OPEN = frozenset({"initialized", "started"})  # waiting for or doing work
ITEM_LIVE = ITEM_OPEN | {"failed"}  # what a case keeps loaded: open, or failed awaiting an operator
STAT_KEYS = ("total", *ITEM_STATES)

MACHINES: dict[str, dict[str, frozenset[str]]] = {
    "case": CASE_TRANSITIONS,
    "task": TASK_TRANSITIONS,
    "work item": ITEM_TRANSITIONS,
}


_NOTHING: frozenset[str] = frozenset()


def check_transition(machine: str, old: str, new: str, *, correction: bool = False, subject: str = "") -> None:
    """Raise `NotAllowed` unless the table of `machine` ("case", "task", "work item") allows
    going from `old` to `new` (or, with `correction`, the work item corrections do). `subject`
    names the task in the message. Called at every step: the message is built only on refusal."""
    if new in MACHINES[machine].get(old, _NOTHING):
        return
    if correction and machine == "work item" and new in ITEM_CORRECTIONS.get(old, _NOTHING):
        return
    if machine == "task":
        raise NotAllowed(f"task {subject} cannot go from {old} to {new}")
    raise NotAllowed(f"a {old} {machine} cannot become {new}")


def empty_stats() -> dict[str, int]:
    return dict.fromkeys(STAT_KEYS, 0)


@dataclass
class TaskRun:
    state: str = "disabled"
    generation: int = 0
    stats: dict[str, int] = field(default_factory=empty_stats)
    results: list[Any] = field(default_factory=list)  # final outputs of completed items, this generation
    error: str | None = None
    # runs asked for by `next_tasks` directives and not started yet: each one enables the task
    # once, whatever its join says, and is used up when the task starts (engine-semantics 12)
    directed: int = 0
    # `goto` targets recorded by this generation's items: when the task completes, these get a
    # directed run each and the task's own outputs are not produced
    goto: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "generation": self.generation, "stats": self.stats}
        if self.results:
            out["results"] = self.results
        if self.error:
            out["error"] = self.error
        if self.directed:
            out["directed"] = self.directed
        if self.goto:
            out["goto"] = self.goto
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TaskRun:
        return cls(
            state=doc.get("state", "disabled"),
            generation=doc.get("generation", 0),
            stats={**empty_stats(), **doc.get("stats", {})},
            results=list(doc.get("results", [])),
            error=doc.get("error"),
            directed=int(doc.get("directed", 0)),
            goto=list(doc.get("goto", [])),
        )


@dataclass
class WorkItem:
    id: str
    task: str
    generation: int
    kind: str
    state: str = "initialized"
    input: Any = None
    output: Any = None
    attempt: int = 1
    error: dict[str, Any] | None = None
    role: str | None = None  # offered to this group
    user: str | None = None  # offered to this user (username)
    assignee: str | None = None  # claimed by (username)
    priority: int = 0
    due_at: str | None = None  # ISO 8601
    completed_by: str | None = None
    iteration: int = 1  # 1 + the number of `next_iteration` directives that led to this item


@dataclass
class CaseState:
    status: str = CASE_CREATED
    marking: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, TaskRun] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    work_items: dict[str, WorkItem] = field(default_factory=dict)  # the loaded (live) items
    # persistent signals received while no signal task waited for them, oldest first:
    # {"name", "payload", "received_at"}; consumed by the first signal task enabled for the name
    pending_signals: list[dict[str, Any]] = field(default_factory=list)

    def tasks_json(self) -> dict[str, Any]:
        return {tid: run.to_json() for tid, run in self.tasks.items()}

    def marking_json(self) -> dict[str, int]:
        return {c: n for c, n in self.marking.items() if n > 0}
