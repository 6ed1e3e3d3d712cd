"""Task kinds: what is particular to the work items of each kind, one module per kind.

The engine (`engine.py`) runs every kind through the same rules (enabling, firing, work item
states, multi-instance, directives); a `Kind` says only what differs: how a new item is set up
(`prepare`), what runs it once it exists (`launch`), what stops it when it is canceled or
skipped (`stop`), what a resumed case sends again (`resume`), and a few flags. Adding a kind is
adding a module here that registers a `Kind` (and listing it below), with its validator checks
in `Kind.check`; the net schema's `kind` enum names it too (a test keeps the two lists equal).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..engine import Engine
    from ..net import Task
    from ..state import WorkItem


class TaskChecks(Protocol):
    """What a kind's `check` may use of the net validator (`validation.py`)."""

    @property
    def signal_names(self) -> Collection[str]: ...  # the signals the net declares

    def error(self, element: str | None, message: str, path: str) -> None: ...

    def activity_known(self, name: str) -> bool: ...

    def check_workflow(self, tid: str, workflow: object, p: Callable[..., str]) -> None: ...


class Kind:
    """The behaviour of one task kind (the defaults: a work item nothing runs by itself)."""

    name: str = ""
    # the task has work items (a dummy task has none: it completes as soon as it is enabled)
    has_items: bool = True
    # the task starts (consumes its tokens) when enabled, not when its first item starts
    starts_when_enabled: bool = False
    # a person does the work: the output is checked against the task's form (an invalid form
    # is refused, nothing changes), and whoever starts the item becomes its assignee
    by_person: bool = False
    # a single item's output object is written into the case data (without an output mapping)
    output_to_data: bool = True

    def check(self, checks: TaskChecks, tid: str, spec: Mapping[str, Any], p: Callable[..., str]) -> None:
        """The validator's checks of a task of this kind, on its JSON as written (`p(*keys)`:
        the JSON pointer of one of its fields)."""

    def prepare(self, engine: Engine, task: Task, item: WorkItem) -> None:
        """Set up a new item (allocation, due time) before it is stored."""

    def launch(self, engine: Engine, item: WorkItem) -> None:
        """Hand a fresh (or retried) item to whatever runs it (the case is running)."""

    def stop(self, engine: Engine, item: WorkItem) -> None:
        """The item is canceled or skipped: stop what runs it."""

    def resume(self, engine: Engine, item: WorkItem) -> None:
        """The case was resumed: send again what a suspended case held back."""


KINDS: dict[str, Kind] = {}
_PLAIN = Kind()


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> Kind:
    """The behaviour of kind `name` (an unknown kind, which validation refuses, is plain)."""
    return KINDS.get(name, _PLAIN)


from . import automatic, composite, dummy, manual, signal, timer  # noqa: E402,F401  (they register)
