"""A signal task: its work item waits for a signal declared by the net (the engine's `signal`
completes it with the payload)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..effects import AwaitSignal
from . import Kind, TaskChecks, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..state import WorkItem


class Signal(Kind):
    name = "signal"
    # what a signal writes into the case data is said by the signal's declaration (its
    # `output`); the task writes through its own `output` mapping only
    output_to_data = False

    def check(self, checks: TaskChecks, tid: str, spec: Mapping[str, Any], p: Callable[..., str]) -> None:
        name = spec.get("signal")
        if not isinstance(name, str) or not name:
            checks.error(tid, f"signal task '{tid}' needs a `signal`", p())
        elif name not in checks.signal_names:
            checks.error(tid, f"signal '{name}' is not declared in the net's `signals`", p("signal"))

    def launch(self, engine: Engine, item: WorkItem) -> None:
        engine.effects.append(AwaitSignal(item.id, engine.net.tasks[item.task].spec.get("signal")))


register(Signal())
