"""Helpers for the workflow-pattern tests (WCP-1..43, the Workflow Patterns Initiative).

Every pattern test goes through the **service layer with the database** (the same calls the
API makes: `definitions.services.definition_save_draft` + `definition_publish`,
`engine.services.case_start`, `work_item_start/complete/fail/add`, `case_cancel`,
`timers_fire_due`), so the suite checks persistence, the row lock and the effects as well as
the firing rules, on SQLite and on PostgreSQL alike.

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
order) or ``item=``). Tests run with ``WORKFLOW_RUNNER="manual"``: automatic items wait until
the test completes or fails them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest

from definitions.services import definition_publish, definition_save_draft
from engine import services
from engine.core.state import ITEM_LIVE
from engine.models import Case, Event, WorkItem

__all__ = ["Run", "auto", "composite", "dummy", "manual", "net", "pattern_env", "publish", "timer"]

Flow = tuple[str, str] | tuple[str, str, Mapping[str, Any]] | Mapping[str, Any]


@pytest.fixture(autouse=True)
def pattern_env(settings: Any, db: None) -> None:
    """Automatic work items wait for the test (which completes or fails them itself)."""
    settings.WORKFLOW_RUNNER = "manual"


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
            flow_docs.append({"from": f[0], "to": f[1], **f[2]})  # type: ignore[misc]
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


def publish(doc: Mapping[str, Any]) -> str:
    """Save the draft and publish it (the designer's path: validation included). Returns the name."""
    definition_save_draft(doc=dict(doc))
    definition_publish(name=doc["name"])
    return str(doc["name"])


# ---------------------------------------------------------------------- running cases


class Run:
    """One case, read fresh from the database on every access."""

    def __init__(self, case_id: int):
        self.id = case_id

    @classmethod
    def start(cls, definition: str, data: Mapping[str, Any] | None = None) -> "Run":
        return cls(services.case_start(definition=definition, data=dict(data or {})).pk)

    # -- reading ------------------------------------------------------------------------

    @property
    def case(self) -> Case:
        return Case.objects.get(pk=self.id)

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
        return self.case.state

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
    ) -> "Run":
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

    def _creation_order(self) -> dict[str, int]:
        rows = Event.objects.filter(case_id=self.id, type="work_item.created").values_list("work_item", "id")
        return {str(item): n for item, n in rows}

    def items(self, task_id: str, states: Iterable[str] = ITEM_LIVE) -> list[WorkItem]:
        """The task's work items in those states (default: live), in creation order."""
        order = self._creation_order()
        rows = WorkItem.objects.filter(case_id=self.id, task=task_id, state__in=list(states))
        return sorted(rows, key=lambda r: order.get(str(r.pk), 0))

    def item(self, task_id: str, which: int | None = None) -> WorkItem:
        live = [w for w in self.items(task_id) if w.state in ("initialized", "started")]
        if which is None:
            assert len(live) == 1, f"task {task_id} has {len(live)} open work items: {live}"
            return live[0]
        return live[which]

    def completions(self, task_id: str) -> int:
        return Event.objects.filter(case_id=self.id, type="task.completed", task=task_id).count()

    def history(self, *types: str) -> list[tuple[str, str]]:
        """(event type, task) of the case's task events, in order (default: task.completed)."""
        qs = Event.objects.filter(case_id=self.id, type__in=list(types or ("task.completed",))).order_by("id")
        return list(qs.values_list("type", "task"))

    def children(self) -> list["Run"]:
        return [Run(pk) for pk in Case.objects.filter(parent_id=self.id).order_by("id").values_list("pk", flat=True)]

    # -- acting -------------------------------------------------------------------------

    def start_task(self, task_id: str, which: int | None = None) -> "Run":
        services.work_item_start(item_id=self.item(task_id, which).pk, user=None)
        return self

    def complete(
        self,
        task_id: str,
        output: Mapping[str, Any] | None = None,
        *,
        which: int | None = None,
        item: WorkItem | None = None,
        routes: list[str] | None = None,
    ) -> "Run":
        target = item if item is not None else self.item(task_id, which)
        services.work_item_complete(item_id=target.pk, output=dict(output or {}), routes=routes)
        return self

    def fail(self, task_id: str, error: str = "failed", *, which: int | None = None) -> "Run":
        services.work_item_fail(item_id=self.item(task_id, which).pk, error=error)
        return self

    def add_item(self, task_id: str, item_input: Mapping[str, Any] | None = None) -> WorkItem:
        return services.work_item_add(case_id=self.id, task_id=task_id, item_input=dict(item_input or {}))

    def cancel(self, reason: str = "") -> "Run":
        services.case_cancel(case_id=self.id, reason=reason)
        return self
