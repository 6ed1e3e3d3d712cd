"""What a case or a work item allows now, and what an incident is: the engine's own guards,
as pure functions that the API and the pages use too (to offer only the actions that the
engine will accept). Derived from the transition tables in `state.py`.
"""

from __future__ import annotations

from .state import CASE_ACTIVE, CASE_TRANSITIONS, ITEM_LIVE, ITEM_TRANSITIONS, TASK_ACTIVE

CASE_ACTIONS = ("cancel", "suspend", "resume", "edit_data", "signal", "add_work_item")
ITEM_ACTIONS = ("claim", "release", "delegate", "start", "complete", "fail", "retry", "skip")


def case_actions(status: str) -> frozenset[str]:
    """The case-level actions a case in `status` allows."""
    moves = CASE_TRANSITIONS.get(status, frozenset())
    allowed: set[str] = set()
    if "canceled" in moves:
        allowed.add("cancel")
    if "suspended" in moves:
        allowed.add("suspend")
    if status == "suspended" and "running" in moves:
        allowed.add("resume")
    if status in CASE_ACTIVE:
        allowed.add("edit_data")
    if status == "running":
        allowed |= {"signal", "add_work_item"}
    return frozenset(allowed)


def item_actions(
    case_status: str, *, state: str, kind: str, current: bool, task_state: str, assigned: bool = False
) -> frozenset[str]:
    """The actions a work item allows now: its `state` and `kind`, whether it belongs to its
    task's current generation (`current`) whose state is `task_state`, whether someone has
    claimed it (`assigned`), and its case's status. (Starting a lingering item of a completed
    task, and who may act, are checked by the engine and the access rules.)"""
    moves = ITEM_TRANSITIONS.get(state, frozenset())
    active = case_status in CASE_ACTIVE
    running = case_status == "running"
    allowed: set[str] = set()
    if kind == "manual" and active:
        if state == "initialized":
            allowed.add("claim")
            if assigned:
                allowed.add("release")
        if state in ("initialized", "started"):
            allowed.add("delegate")
    if running:
        if "started" in moves and current and task_state in TASK_ACTIVE:
            allowed.add("start")
        if state in ("initialized", "started"):
            allowed |= {"complete", "fail"}
        if state == "failed" and "initialized" in moves and current and task_state == "started":
            allowed.add("retry")
        if state in ITEM_LIVE and current:
            allowed.add("skip")
    return frozenset(allowed)


def task_can_complete(case_status: str, *, multi_instance: bool, task_state: str) -> bool:
    """May an operator force-complete this task now (WCP-27, `Engine.complete_task`)? A
    multi-instance task, enabled or started, of a running case."""
    return case_status == "running" and multi_instance and task_state in TASK_ACTIVE


def is_open_incident(*, state: str, on_failure: str, current: bool, task_state: str) -> bool:
    """Is this work item an open incident, its task waiting for an operator to retry or skip
    it? A failed item of its task's current, still running generation, the task's failure
    policy being `incident` (with `continue` a failure is tolerated and final)."""
    return state == "failed" and on_failure == "incident" and current and task_state in TASK_ACTIVE


def case_has_incident(*, status: str, has_failed_item: bool) -> bool:
    """Does the case need an operator? Deadlocked, or still active (running or suspended) with a
    failed work item waiting to be retried or skipped. The dashboard's incident filter and
    counts use the queryset form of this rule, `engine.selectors.incident_q` (kept in step by
    engine/tests/test_rules_sql.py)."""
    return status == "deadlocked" or (status in CASE_ACTIVE and has_failed_item)
