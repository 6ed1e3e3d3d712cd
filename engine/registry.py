"""Activities by name: `@activity("name")` registers a function that automatic tasks call.

Activities are discovered from each installed app's `activities.py` and from the modules
listed in the `WORKFLOW_ACTIVITY_MODULES` setting, so users add activities without a Django app.
An activity takes the work item's input (a dict) and a context, and returns its output (a dict)
or an `ActivityResult` carrying directives (routes for its task's split).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from django.apps import apps
from django.conf import settings


@dataclass
class ActivityContext:
    case_id: int
    task: str
    work_item: str
    attempt: int
    data: dict[str, Any]


@dataclass
class ActivityResult:
    output: dict[str, Any] = field(default_factory=dict)
    routes: list[str] | None = None


@dataclass(frozen=True)
class ActivitySpec:
    name: str
    func: Callable[..., Any]
    description: str = ""
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None


_registry: dict[str, ActivitySpec] = {}
_discovered = False


def activity(name: str, *, input_schema: dict | None = None, output_schema: dict | None = None):
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _registry[name] = ActivitySpec(name, func, (func.__doc__ or "").strip(), input_schema, output_schema)
        return func

    return register


def discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.activities")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.activities":
                raise
    for module in getattr(settings, "WORKFLOW_ACTIVITY_MODULES", []) or []:
        importlib.import_module(module)


def get_activity(name: str) -> ActivitySpec | None:
    discover()
    return _registry.get(name)


def all_activities() -> list[ActivitySpec]:
    discover()
    return sorted(_registry.values(), key=lambda s: s.name)
