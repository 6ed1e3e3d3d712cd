"""What an operation asks to be done outside the case, after the engine has changed it.

The engine appends these to `Engine.effects`; the persistence layer
(`engine/services/persistence.py` `_carry_out`) carries them out: inside the case's
transaction (child cases started or canceled, the parent told that a child ended) or on commit
(an automatic item sent to a worker). Each effect is a frozen dataclass; `Effect` is their union.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Send an automatic work item to a worker, `delay` seconds after commit (a retry's back-off)."""

    item_id: str
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class StartChild:
    """Start the child case of a composite work item: definition `workflow`, data `input`."""

    item_id: str
    workflow: str
    input: Any


@dataclass(frozen=True, slots=True)
class CancelChild:
    """Cancel the running child cases of a composite work item."""

    item_id: str


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    """A timer work item is due at `due_at` (ISO 8601; also on its row: the timer sweep fires it)."""

    item_id: str
    due_at: str | None


@dataclass(frozen=True, slots=True)
class AwaitSignal:
    """A signal work item waits for the signal `signal` (signals arrive through the API)."""

    item_id: str
    signal: str | None


@dataclass(frozen=True, slots=True)
class CaseEnded:
    """The case ended with `status` (a final case status): a parent case is told."""

    status: str


Effect = Dispatch | StartChild | CancelChild | ScheduleTimer | AwaitSignal | CaseEnded
