"""An automatic task: an activity run by a worker, with retries (`retry.py`; the engine's
`attempt_failed`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..effects import Dispatch
from . import Kind, register

if TYPE_CHECKING:
    from ..engine import Engine
    from ..state import WorkItem


class Automatic(Kind):
    name = "automatic"
    starts_when_enabled = True

    def launch(self, engine: Engine, item: WorkItem) -> None:
        engine.effects.append(Dispatch(item.id))

    def resume(self, engine: Engine, item: WorkItem) -> None:
        if item.state == "initialized":  # its dispatch was held back while the case was suspended
            engine.effects.append(Dispatch(item.id))


register(Automatic())
