"""Ports where work leaves a case's transaction: running automatic items, running batch jobs,
and telling listeners what changed (the websocket pushes).

The engine layer defines these seams; the layers above fill them when Django starts
(`worker.apps` registers the dispatcher and the batch runner, `realtime.apps` the change
listener). The engine never imports them: lower layers do not import higher ones
(docs/architecture.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dispatch:
    """One attempt of an automatic work item to run: its id and attempt (the idempotency key),
    how long to wait first (the retry back-off), how long it may run (the task's timeout), and
    whether it must run alone rather than in a worker's batch (its activity waits on the
    outside world)."""

    item_id: str
    attempt: int
    countdown: float = 0.0
    timeout: float | None = None
    alone: bool = False


# (case row, the work item rows the transaction wrote for it, {item id: previous assignee})
ChangeListener = Callable[[Any, list[Any], "dict[str, str] | None"], None]

_dispatcher: Callable[[Dispatch], None] | None = None
_batch_runner: Callable[[int, int | None], None] | None = None
_change_listeners: list[ChangeListener] = []


def register_dispatcher(fn: Callable[[Dispatch], None]) -> None:
    global _dispatcher
    _dispatcher = fn


def register_batch_runner(fn: Callable[[int, int | None], None]) -> None:
    """`fn(job_id, user_id)` runs a batch job, called on commit (user_id None: as the system)."""
    global _batch_runner
    _batch_runner = fn


def register_change_listener(fn: ChangeListener) -> None:
    if fn not in _change_listeners:
        _change_listeners.append(fn)


def dispatch_automatic(job: Dispatch) -> None:
    """Called on commit for each automatic work item ready to run (a new item, a retry after its
    back-off, an item of a resumed case)."""
    if _dispatcher is None:  # pragma: no cover - configuration error
        raise RuntimeError("no dispatcher registered: is the app 'worker' in INSTALLED_APPS?")
    _dispatcher(job)


def run_batch_job(job_id: int, user_id: int | None) -> None:
    if _batch_runner is None:  # pragma: no cover - configuration error
        raise RuntimeError("no batch runner registered: is the app 'worker' in INSTALLED_APPS?")
    _batch_runner(job_id, user_id)


def case_changed(case: Any, items: list[Any], previous_assignees: dict[str, str] | None = None) -> None:
    """Called inside the transaction after a case's rows are written: the case row (its version
    loaded) and the work item rows as written (`engine.models.WorkItem`, complete: a listener
    needs no read-back). `previous_assignees`: {item id: the user who had claimed it before this
    write}, so that they hear it has gone."""
    for listener in _change_listeners:
        listener(case, items, previous_assignees)


# --- observability (issue 16): metrics and log context, filled by the `ops` app -----------------

# (case rows, the events stored, the work item rows written: complete, as for `case_changed`)
WriteListener = Callable[[list[Any], list[Any], list[Any]], None]
Observer = Callable[[str, float, "dict[str, str]"], None]

_write_listeners: list[WriteListener] = []
_observers: list[Observer] = []


def register_write_listener(fn: WriteListener) -> None:
    """`fn(cases, events, items)` is called inside the transaction after the rows of one write
    (one case, or a worker's batch of cases) and their events are stored, with the work item rows
    it wrote (in memory, complete: a listener needs no read-back); listeners that count must wait
    for the commit themselves (`transaction.on_commit`)."""
    if fn not in _write_listeners:
        _write_listeners.append(fn)


def register_observer(fn: Observer) -> None:
    """`fn(name, value, labels)`: a measurement the engine took (e.g. an OR-join decision's time)."""
    if fn not in _observers:
        _observers.append(fn)


def rows_written(cases: list[Any], events: list[Any], items: list[Any]) -> None:
    for listener in _write_listeners:
        listener(cases, events, items)


def observe(name: str, value: float, labels: dict[str, str] | None = None) -> None:
    for observer in _observers:
        observer(name, value, labels or {})


class TimedOrJoin:
    """Wraps an OR-join decider: each decision's time goes to the observers
    (`or_join_decision_seconds`); everything else is the wrapped decider's."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def is_enabled(self, *args: Any, **kwargs: Any) -> Any:
        if not _observers:
            return self._inner.is_enabled(*args, **kwargs)
        began = time.perf_counter()
        try:
            return self._inner.is_enabled(*args, **kwargs)
        finally:
            observe("or_join_decision_seconds", time.perf_counter() - began)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
