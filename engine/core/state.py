"""The running state of one case, separate from the net's definition (specs vs. state).

`CaseState` is what the engine reads and changes; persistence stores `marking`, `tasks` and
`data` on the case row and each `WorkItem` as its own row. Only *live* work items
(initialized, started, or failed awaiting an operator) need to be loaded for an operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# --- state machines: tables of allowed transitions, guarded by `check_transition` ---

CASE_STATES = ("running", "suspended", "completed", "failed", "canceled", "deadlocked")
CASE_FINAL = frozenset({"completed", "failed", "canceled", "deadlocked"})

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    "disabled": frozenset({"enabled"}),
    "enabled": frozenset({"started", "disabled", "canceled", "failed"}),  # disabled = withdrawn
    "started": frozenset({"completed", "failed", "canceled"}),
    "completed": frozenset({"enabled"}),  # a new generation
    "failed": frozenset({"enabled"}),
    "canceled": frozenset({"enabled"}),
}

ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"started", "canceled", "completed", "failed"}),
    "started": frozenset({"completed", "failed", "canceled"}),
    "failed": frozenset({"initialized", "completed", "canceled"}),  # retry, skip, cancel
    "completed": frozenset(),
    "canceled": frozenset(),
}
ITEM_LIVE = frozenset({"initialized", "started", "failed"})
STAT_KEYS = ("total", "initialized", "started", "completed", "failed", "canceled")


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
    def from_json(cls, doc: dict[str, Any]) -> "TaskRun":
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
    status: str = "running"
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
