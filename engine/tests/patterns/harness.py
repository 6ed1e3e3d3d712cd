"""Helpers for the workflow-pattern tests (WCP-1..43, the Workflow Patterns Initiative).

Every pattern test takes the ``wf`` fixture (see ``conftest.py``): the **backend** that runs
its cases. There are two, with the same API:

* ``pure`` (`pure.PureBackend`): the pure engine (`engine.core`) in memory, no Django, no
  database. It carries out the engine's effects itself (child cases, timers, automatic items);
  every pattern test runs on it, in milliseconds.
* ``db`` (`db.DbBackend`): the **service layer with the database**, the calls the API makes
  (`definitions.services.definition_save_draft` + `definition_publish`,
  `engine.services.case_start`, `work_item_start/complete/fail/add`, `case_cancel`,
  `case_signal`, `timers_fire_due`): persistence, the row lock and the effects as the product
  runs them, on SQLite and on PostgreSQL alike. The tests marked ``roundtrip`` run on it too
  (``PATTERNS_DB=all`` runs every test on it).

A test publishes nets with ``wf.publish(net(...))``, starts cases with ``wf.start(name, data)``
and drives them through the `Run` it gets back.

What a test asserts after each step (`Run.expect`)
--------------------------------------------------
* ``enabled``: the sorted ids of the tasks whose state is ``enabled``: offered and not yet
  started. Manual, timer and signal tasks stay here until their first work item starts (that
  is what makes a deferred choice). Dummy tasks never show: they start and complete inside the
  step that enabled them.
* ``started``: the sorted ids of the tasks whose state is ``started``: a work item started
  (manual), or automatic/composite tasks (they start at once), or a multi-instance task with
  work still running. Asserted separately from ``enabled``, and always (default: none).
* ``state``: the case state (default ``running``); optionally ``marking`` (tokens per
  condition, only the non-empty ones).

The final step of every test asserts the final case state (``completed``, ``canceled``,
``deadlocked``...). `Run.completions(task)` counts a task's `task.completed` events (how many
times it ran), from the case history.

Work items are addressed by task id: `run.complete("B")` completes the one live work item of
task B (it must be the only one; a multi-instance task takes ``which=`` (index in creation
order) or ``item=``). Automatic items wait until the test completes or fails them (the db
backend runs with ``WORKFLOW_RUNNER="manual"``; the pure one queues them the same way).
A work item the harness hands out is a snapshot, as a database row is: `item.refresh_from_db()`
reads it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from engine.core.state import ITEM_LIVE

__all__ = ["ALL_ITEM_STATES", "Backend", "Run", "auto", "composite", "dummy", "manual", "net", "timer"]

Flow = tuple[str, str] | tuple[str, str, Mapping[str, Any]] | Mapping[str, Any]

ALL_ITEM_STATES = ("initialized", "started", "completed", "failed", "canceled")


# ---------------------------------------------------------------------- building nets


def _task(task_id: str, kind: str, **spec: Any) -> dict[str, Any]:
    return {"id": task_id, "kind": kind, **spec}


def manual(task_id: str, **spec: Any) -> dict[str, Any]:
    return _task(task_id, "manual", **spec)


def dummy(task_id: str, **spec: Any) -> dict[str, Any]:
    return _task(task_id, "dummy", **spec)


def auto(task_id: str, activity: str = "noop", **spec: Any) -> dict[str, Any]:
    return _task(task_id, "automatic", activity=activity, **spec)


def composite(task_id: str, workflow: str, **spec: Any) -> dict[str, Any]:
    return _task(task_id, "composite", workflow=workflow, **spec)


def timer(task_id: str, duration: str, **spec: Any) -> dict[str, Any]:
    return _task(task_id, "timer", duration=duration, **spec)


def net(name: str, tasks: Sequence[Mapping[str, Any]], flows: Iterable[Flow], **extra: Any) -> dict[str, Any]:
    """A net document. ``start`` and ``end`` are the start and end conditions; every other
    flow end that is not a task id becomes a condition. A flow is ``(from, to)``,
    ``(from, to, {"when": ..., "default": ...})`` or a flow dict."""
    task_ids = {t["id"] for t in tasks}
    flow_docs: list[dict[str, Any]] = []
    for f in flows:
        if isinstance(f, Mapping):
            flow_docs.append(dict(f))
        elif len(f) == 2:
            flow_docs.append({"from": f[0], "to": f[1]})
        else:
            flow_docs.append({"from": f[0], "to": f[1], **f[2]})
    conditions: dict[str, dict[str, Any]] = {
        "start": {"id": "start", "kind": "start"},
        "end": {"id": "end", "kind": "end"},
    }
    for f in flow_docs:
        for node in (f["from"], f["to"]):
            if node not in task_ids and node not in conditions:
                conditions[node] = {"id": node}
    return {
        "schema_version": 1,
        "name": name,
        "conditions": list(conditions.values()),
        "tasks": [dict(t) for t in tasks],
        "flows": flow_docs,
        **extra,
    }


# ---------------------------------------------------------------------- the two backends


class Backend(Protocol):
    """What a pattern test does besides driving one case (the ``wf`` fixture)."""

    name: str  # "pure" or "db"

    def publish(self, doc: Mapping[str, Any]) -> str:
        """Validate and publish a net document (a new version). Returns its name."""

    def start(self, definition: str, data: Mapping[str, Any] | None = None) -> Run:
        """Start a case of the latest version of `definition`."""

    def fire_timers(self, later: dt.timedelta) -> int:
        """Fire every timer of a running case that is due `later` from now (the worker's sweep).
        Returns how many were due."""


class ItemRow(Protocol):
    """A work item as the tests read it (a `engine.models.WorkItem` row on the db backend)."""

    pk: Any
    task: str
    state: str
    input: Any
    output: Any

    def refresh_from_db(self) -> None: ...


# ---------------------------------------------------------------------- running cases


class Run:
    """One case, read fresh from its backend on every access.

    The assertions live here, once, over a few primitives each backend provides: `case` (the
    case as a row: state, marking, tasks, data, reason, ended_at, depth, pending_signals),
    `_item_rows`, `events`, `children` and the actions (`start_task`, `complete`, `fail`,
    `add_item`, `cancel`, `signal`).
    """

    def __init__(self, case_id: int):
        self.id = case_id

    # -- what a backend provides ------------------------------------------------------------

    @property
    def case(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _item_rows(self, task_id: str | None, states: Iterable[str]) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def events(self, *types: str) -> list[dict[str, Any]]:  # pragma: no cover
        """The case's events of those types, oldest first: ``{"type", "task", "work_item", **payload}``."""
        raise NotImplementedError

    def children(self) -> list[Run]:  # pragma: no cover
        raise NotImplementedError

    def _start_item(self, item: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _complete_item(self, item: Any, output: dict[str, Any], routes: list[str] | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _fail_item(self, item: Any, error: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def add_item(self, task_id: str, item_input: Mapping[str, Any] | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def complete_task(self, task_id: str) -> Run:  # pragma: no cover
        """Force-complete a running multi-instance task (WCP-27)."""
        raise NotImplementedError

    def cancel(self, reason: str = "") -> Run:  # pragma: no cover
        raise NotImplementedError

    def signal(self, name: str, payload: Mapping[str, Any] | None = None) -> Run:  # pragma: no cover
        """Send the signal `name` to the case (the API's ``POST /api/cases/{id}/signals/{name}/``)."""
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------------

    def _tasks_in(self, state: str) -> list[str]:
        return sorted(tid for tid, doc in self.case.tasks.items() if doc.get("state") == state)

    @property
    def enabled(self) -> list[str]:
        return self._tasks_in("enabled")

    @property
    def started(self) -> list[str]:
        return self._tasks_in("started")

    @property
    def state(self) -> str:
        return str(self.case.state)

    @property
    def marking(self) -> dict[str, int]:
        return dict(self.case.marking)

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.case.data)

    def task(self, task_id: str) -> dict[str, Any]:
        """The task's state document: state, generation, stats."""
        return dict(self.case.tasks[task_id])

    def expect(
        self,
        enabled: Sequence[str] = (),
        started: Sequence[str] = (),
        state: str = "running",
        marking: Mapping[str, int] | None = None,
    ) -> Run:
        case = self.case
        got = {
            "enabled": sorted(t for t, d in case.tasks.items() if d.get("state") == "enabled"),
            "started": sorted(t for t, d in case.tasks.items() if d.get("state") == "started"),
            "state": case.state,
        }
        want: dict[str, Any] = {"enabled": sorted(enabled), "started": sorted(started), "state": state}
        if marking is not None:
            got["marking"] = dict(case.marking)
            want["marking"] = dict(marking)
        assert got == want, f"case {self.id} {case.reason or ''}\n got: {got}\nwant: {want}"
        return self

    def items(self, task_id: str | None, states: Iterable[str] = ITEM_LIVE) -> list[Any]:
        """The task's work items in those states (default: live), in creation order;
        `task_id=None`: every task's."""
        order = {str(e["work_item"]): n for n, e in enumerate(self.events("work_item.created"))}
        rows = self._item_rows(task_id, list(states))
        return sorted(rows, key=lambda r: order.get(str(r.pk), 0))

    def item(self, task_id: str, which: int | None = None) -> Any:
        live = [w for w in self.items(task_id) if w.state in ("initialized", "started")]
        if which is None:
            assert len(live) == 1, f"task {task_id} has {len(live)} open work items: {live}"
            return live[0]
        return live[which]

    def completions(self, task_id: str) -> int:
        return sum(1 for e in self.events("task.completed") if e["task"] == task_id)

    def history(self, *types: str) -> list[tuple[str, str]]:
        """(event type, task) of the case's task events, in order (default: task.completed)."""
        return [(e["type"], e["task"]) for e in self.events(*(types or ("task.completed",)))]

    # -- acting -------------------------------------------------------------------------

    def start_task(self, task_id: str, which: int | None = None) -> Run:
        self._start_item(self.item(task_id, which))
        return self

    def complete(
        self,
        task_id: str,
        output: Mapping[str, Any] | None = None,
        *,
        which: int | None = None,
        item: Any = None,
        routes: list[str] | None = None,
    ) -> Run:
        self._complete_item(item if item is not None else self.item(task_id, which), dict(output or {}), routes)
        return self

    def fail(self, task_id: str, error: str = "failed", *, which: int | None = None) -> Run:
        self._fail_item(self.item(task_id, which), error)
        return self
