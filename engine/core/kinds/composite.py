"""A composite task: each work item runs a child case (the engine's `child_ended` completes or
fails it when the child ends)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..effects import CancelChild, StartChild
from ..expr import ExpressionError, evaluate
from ..names import is_plain_name
from . import Kind, TaskChecks, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..net import Task
    from ..state import WorkItem


class Composite(Kind):
    name = "composite"
    starts_when_enabled = True

    def check(self, checks: TaskChecks, tid: str, spec: Mapping[str, Any], p: Callable[..., str]) -> None:
        checks.check_workflow(tid, spec.get("workflow"), p)

    def launch(self, engine: Engine, item: WorkItem) -> None:
        engine._set_item_state(item, "started")
        task = engine.net.tasks[item.task]
        try:
            name = child_name(engine, task, item)
        except ExpressionError as exc:
            item.error = {"type": "ExpressionError", "message": str(exc)}
            engine._set_item_state(item, "failed")
            engine._apply_failure_policy(task, item)
            return
        engine.effects.append(StartChild(item.id, name, item.input))

    def stop(self, engine: Engine, item: WorkItem) -> None:
        if item.state == "started":
            engine.effects.append(CancelChild(item.id))


def child_name(engine: Engine, task: Task, item: WorkItem) -> str:
    """The child's definition: the task's `workflow`, a name or a CEL expression."""
    workflow = str(task.spec.get("workflow", ""))
    if is_plain_name(workflow):
        return workflow
    variables = engine._vars()
    variables["item"] = item.input
    if task.instances:
        variables[task.instances.as_name] = (item.input or {}).get(task.instances.as_name, item.input)
        variables["item"] = variables[task.instances.as_name]
    name = evaluate(workflow, variables)
    if not isinstance(name, str):
        raise ExpressionError(workflow, "the child workflow expression must give a string")
    return name


register(Composite())
