"""The events the engine writes: one for every change it makes to a case (its history).

The event type names are defined here, once: the engine emits them, persistence stores them as
rows (`type`, `task`, `work_item`, `payload`), and `replay` folds them back into a case's state.
The stored rows are the product's history format: a name here never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    # the case (`case.<status>` for each status the case can reach)
    CASE_STARTED = "case.started"
    CASE_SUSPENDED = "case.suspended"
    CASE_RESUMED = "case.resumed"
    CASE_COMPLETED = "case.completed"
    CASE_FAILED = "case.failed"
    CASE_CANCELED = "case.canceled"
    CASE_DEADLOCKED = "case.deadlocked"
    DATA_UPDATED = "data.updated"  # payload: changes (the changed keys)
    TOKENS = "tokens"  # payload: condition, delta[, reason]
    # tasks (payload: generation, ...)
    TASK_ENABLED = "task.enabled"
    TASK_STARTED = "task.started"
    TASK_COMPLETED = "task.completed"
    TASK_WITHDRAWN = "task.withdrawn"  # enabled -> disabled: a competitor took its tokens
    TASK_CANCELED = "task.canceled"
    TASK_FAILED = "task.failed"
    TASK_INCIDENT = "task.incident"
    TASK_DIRECTED = "task.directed"  # a directed run given (delta 1) or taken away (delta -n)
    # work items (payload: generation, ...); `work_item.<state>` for each state change but
    # failed, which is `work_item.failed` with the error
    WORK_ITEM_CREATED = "work_item.created"
    WORK_ITEM_INITIALIZED = "work_item.initialized"  # an attempt failed and is retried
    WORK_ITEM_STARTED = "work_item.started"
    WORK_ITEM_COMPLETED = "work_item.completed"
    WORK_ITEM_FAILED = "work_item.failed"
    WORK_ITEM_CANCELED = "work_item.canceled"
    WORK_ITEM_CLAIMED = "work_item.claimed"
    WORK_ITEM_RELEASED = "work_item.released"
    WORK_ITEM_DELEGATED = "work_item.delegated"
    WORK_ITEM_ITERATED = "work_item.iterated"
    WORK_ITEM_ATTEMPT_FAILED = "work_item.attempt_failed"
    WORK_ITEM_RETRIED = "work_item.retried"  # failed -> initialized, by an operator
    WORK_ITEM_SKIPPED = "work_item.skipped"
    # signals
    SIGNAL_RECEIVED = "signal.received"
    SIGNAL_CONSUMED = "signal.consumed"


# the event of a case reaching a status, of a task reaching a state, of an item reaching a state
CASE_STATUS_EVENTS: Mapping[str, EventType] = {
    "running": EventType.CASE_RESUMED,  # `case.started` as well, when the case starts
    "suspended": EventType.CASE_SUSPENDED,
    "completed": EventType.CASE_COMPLETED,
    "failed": EventType.CASE_FAILED,
    "canceled": EventType.CASE_CANCELED,
    "deadlocked": EventType.CASE_DEADLOCKED,
}
ITEM_STATE_EVENTS: Mapping[str, EventType] = {
    "initialized": EventType.WORK_ITEM_INITIALIZED,
    "started": EventType.WORK_ITEM_STARTED,
    "completed": EventType.WORK_ITEM_COMPLETED,
    "failed": EventType.WORK_ITEM_FAILED,
    "canceled": EventType.WORK_ITEM_CANCELED,
}


@dataclass(slots=True)
class Event:
    """One change, as stored: its type, the task and work item it concerns (if any) and the
    rest of what it says (`payload`: for task and work item events, `generation` first).
    Treated as immutable; not `frozen`, because the engine makes one at every step and a frozen
    dataclass costs three times as much to build (bench/bench_refactor.py)."""

    type: EventType
    task: str = ""
    work_item: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
