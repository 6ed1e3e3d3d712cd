"""A timer task: its work item is due at a time (`duration` from now, or `at`); the timer sweep
fires it (the engine's `fire_timer`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..effects import ScheduleTimer
from . import Kind, TaskChecks, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..net import Task
    from ..state import WorkItem


class Timer(Kind):
    name = "timer"

    def check(self, checks: TaskChecks, tid: str, spec: Mapping[str, Any], p: Callable[..., str]) -> None:
        has = [k for k in ("duration", "at") if spec.get(k) is not None]
        if len(has) != 1:
            checks.error(
                tid,
                f"timer task '{tid}' needs exactly one of `duration` and `at`" + (" (it has both)" if has else ""),
                p(),
            )

    def prepare(self, engine: Engine, task: Task, item: WorkItem) -> None:
        src = task.spec.get("duration") or task.spec.get("at")
        item.due_at = engine._as_time_checked(str(src), engine._vars()).isoformat()

    def launch(self, engine: Engine, item: WorkItem) -> None:
        engine.effects.append(ScheduleTimer(item.id, item.due_at))


register(Timer())
