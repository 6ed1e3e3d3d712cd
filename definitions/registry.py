"""Activities by name: `@activity("name")` registers a function that automatic tasks call.

Activities are discovered from each installed app's `activities.py` and from the modules
listed in the `WORKFLOW_ACTIVITY_MODULES` setting (a comma-separated environment variable), so
users add activities without writing a Django app. An activity takes the work item's input (a
dict) and an `ActivityContext`, and returns its output (a dict) or an `ActivityResult`: the
output plus **directives** for the engine (docs/engine-semantics.md section 12):

    return ActivityResult({"hit": True}, terminate="found in the cache")
    return ActivityResult({"accuracy": acc}, next_iteration={"accuracy": acc})
    return ActivityResult(next_tasks=[NextTask("emergency_handler", goto=True)])

The runner reports `result.as_completion()` for the item's attempt through
`engine.services.work_item_attempts_report`, as the system actor (ADR 0061). Publishing a net
that names an unregistered activity is a validation error on that task
(`definitions.services.definition_validate`).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass
class ActivityContext:
    case_id: int
    task: str
    work_item: str
    attempt: int
    data: dict[str, Any]
    iteration: int = 1  # which run of a `next_iteration` chain this work item is


@dataclass(frozen=True)
class NextTask:
    """`next_tasks` entry: run `task` too (enqueue), or instead of the normal successors (goto)."""

    task: str
    goto: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"task": self.task, "goto": self.goto}


@dataclass
class ActivityResult:
    """An activity's output with directives for the engine.

    - `routes`: the outputs of the task's XOR/OR split to take (output condition ids or the
      ids of the tasks they feed); XOR takes exactly one.
    - `next_tasks`: task ids (enqueue) or `NextTask(id, goto=True)` (jump: the task's own
      outputs are not produced).
    - `next_iteration`: the input of the next run of this task (the task completes, and its
      successors run, only after a run without it); bounded by the task's `max_iterations`.
    - `terminate`: complete the case now (True or a reason); `cancel`: cancel it (a reason).
    - `add_items`: inputs of more work items for this (dynamic multi-instance) task.
    - `complete_task`: this multi-instance task completes now (WCP-27): its other work items
      are withdrawn and its output mapping runs over the completed ones.
    """

    output: dict[str, Any] = field(default_factory=dict)
    routes: list[str] | None = None
    next_tasks: list[str | NextTask] = field(default_factory=list)
    next_iteration: dict[str, Any] | None = None
    terminate: bool | str = False
    cancel: str | None = None
    add_items: list[dict[str, Any]] = field(default_factory=list)
    complete_task: bool = False

    def directives(self) -> dict[str, Any]:
        """The directives as `engine.complete_item` takes them (only those given)."""
        out: dict[str, Any] = {}
        if self.next_tasks:
            out["next_tasks"] = [
                t.as_json() if isinstance(t, NextTask) else {"task": t, "goto": False} for t in self.next_tasks
            ]
        if self.next_iteration is not None:
            out["next_iteration"] = {"input": self.next_iteration}
        if self.terminate is not False and self.terminate is not None:
            out["terminate"] = {"reason": self.terminate if isinstance(self.terminate, str) else ""}
        if self.cancel is not None:
            out["cancel"] = {"reason": self.cancel}
        if self.add_items:
            out["add_items"] = list(self.add_items)
        if self.complete_task:
            out["complete_task"] = True
        return out

    def as_completion(self) -> dict[str, Any]:
        """Keyword arguments for `services.work_item_complete`: output, routes, directives."""
        return {"output": dict(self.output or {}), "routes": self.routes, "directives": self.directives()}

    @classmethod
    def of(cls, result: Any) -> ActivityResult:
        """What an activity returned, as an ActivityResult (a plain dict is the output; any
        other value is wrapped as {"result": value})."""
        if isinstance(result, ActivityResult):
            return result
        if result is None:
            return cls()
        if isinstance(result, dict):
            return cls(output=result)
        return cls(output={"result": result})


@dataclass(frozen=True)
class ActivitySpec:
    name: str
    func: Callable[..., Any]
    description: str = ""
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    # runs alone, never in a worker's batch: it waits on the outside world (a network call, a
    # sleep), which would hold up the commit of the items batched with it (ADR 0017)
    alone: bool = False


_registry: dict[str, ActivitySpec] = {}
_lock = threading.Lock()
_apps_discovered = False
_modules_imported: set[str] = set()


def activity(
    name: str,
    *,
    input_schema: dict[str, Any] | None = None,
    output_schema: dict[str, Any] | None = None,
    alone: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the activity `name`. Registering another function
    under a name already taken is an error (re-importing the same module is fine). `alone`: the
    worker runs it by itself, not in a batch with others (for activities that wait on the
    outside world: network calls, sleeps)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        with _lock:
            old = _registry.get(name)
            if old is not None and _qualname(old.func) != _qualname(func):
                raise ValueError(f"activity {name!r} is already registered by {_qualname(old.func)}")
            _registry[name] = ActivitySpec(name, func, (func.__doc__ or "").strip(), input_schema, output_schema, alone)
        return func

    return register


def _qualname(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def activity_modules() -> list[str]:
    """The modules named by the WORKFLOW_ACTIVITY_MODULES setting (a list, or one
    comma-separated string)."""
    value = getattr(settings, "WORKFLOW_ACTIVITY_MODULES", None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [m.strip() for m in value if m and m.strip()]


def discover() -> None:
    """Import every installed app's `activities` module (once) and every module of
    WORKFLOW_ACTIVITY_MODULES not imported yet (the setting is read on each call)."""
    global _apps_discovered
    if not _apps_discovered:
        for config in apps.get_app_configs():
            try:
                importlib.import_module(f"{config.name}.activities")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.activities":
                    raise
        _apps_discovered = True
    for module in activity_modules():
        if module in _modules_imported:
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"WORKFLOW_ACTIVITY_MODULES names {module!r}, which cannot be imported: {exc}"
            ) from exc
        _modules_imported.add(module)


def get_activity(name: str) -> ActivitySpec | None:
    discover()
    return _registry.get(name)


def all_activities() -> list[ActivitySpec]:
    discover()
    return sorted(_registry.values(), key=lambda s: s.name)
