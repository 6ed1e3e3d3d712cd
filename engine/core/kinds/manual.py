"""A manual task: a person does the work (offered to a role or a user, claimed, completed
through a form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..expr import evaluate
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
            user = evaluate(assign["user"], variables)
            item.user = str(user) if user is not None else None
        if task.spec.get("priority") is not None:
            item.priority = int(evaluate(str(task.spec["priority"]), variables))
        if task.spec.get("due"):
            item.due_at = engine._as_time(task.spec["due"], variables).isoformat()


register(Manual())
