"""A manual task: a person does the work (offered to a role or a user, claimed, completed
through a form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..expr import ExpressionError, evaluate
from . import Kind, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..net import Task
    from ..state import WorkItem


class Manual(Kind):
    name = "manual"
    by_person = True

    def prepare(self, engine: Engine, task: Task, item: WorkItem) -> None:
        """Allocation: `assign` (role, user), `priority` and `due` of the task."""
        assign = task.spec.get("assign") or {}
        variables = engine._vars()
        item.role = assign.get("role")
        if assign.get("user"):
            item.user = _username(assign["user"], evaluate(assign["user"], variables))
        if task.spec.get("priority") is not None:
            source = str(task.spec["priority"])
            item.priority = _priority(source, evaluate(source, variables))
        if task.spec.get("due"):
            item.due_at = engine._as_time_checked(task.spec["due"], variables).isoformat()


# what the work item table holds: a 32-bit priority, a username of at most 150 characters
PRIORITY_RANGE = (-(2**31), 2**31 - 1)
USERNAME_MAX = 150


def _priority(source: str, value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpressionError(source, f"priority must be an integer, got {value!r}")
    low, high = PRIORITY_RANGE
    if not low <= value <= high:
        raise ExpressionError(source, f"priority must be between {low} and {high}, got {value}")
    return value


def _username(source: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise ExpressionError(source, f"assign.user must give a username, got {value!r}")
    name = str(value)
    if len(name) > USERNAME_MAX:
        raise ExpressionError(source, f"assign.user must give a username of at most {USERNAME_MAX} characters")
    return name


register(Manual())
