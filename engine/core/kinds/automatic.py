"""An automatic task: an activity run by a worker, with retries (`retry.py`; the engine's
`attempt_failed`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..effects import Dispatch
from . import Kind, TaskChecks, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..state import WorkItem


class Automatic(Kind):
    name = "automatic"
    starts_when_enabled = True

    def check(self, checks: TaskChecks, tid: str, spec: Mapping[str, Any], p: Callable[..., str]) -> None:
        activity = spec.get("activity")
        if not isinstance(activity, str) or not activity:
            checks.error(tid, f"automatic task '{tid}' needs an `activity`", p())
        elif not checks.activity_known(activity):
            checks.error(tid, f"unknown activity '{activity}'", p("activity"))

    def launch(self, engine: Engine, item: WorkItem) -> None:
        engine.effects.append(Dispatch(item.id))

    def resume(self, engine: Engine, item: WorkItem) -> None:
        if item.state == "initialized":  # its dispatch was held back while the case was suspended
            engine.effects.append(Dispatch(item.id))


register(Automatic())
