"""The ``db`` backend of the pattern harness: the service layer and the database.

Nets go through the designer's path (`definition_save_draft` + `definition_publish`,
validation included), cases through `engine.services` with ``user=SYSTEM`` (the engine's own actor: no rights
checked), and everything is read back from the rows (`Case`, `WorkItem`, `Event`), so a test
on this backend checks the persistence round trip as well as the firing rules. Effects are
carried out by `engine.services.persistence` as in production; automatic items wait for the
test (``WORKFLOW_RUNNER="manual"``, set by the ``wf`` fixture).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from definitions.services import definition_publish, definition_save_draft
from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem

from .harness import Run

__all__ = ["DbBackend", "DbRun"]


class DbBackend:
    name = "db"

    def publish(self, doc: Mapping[str, Any]) -> str:
        definition_save_draft(doc=dict(doc), user=SYSTEM)
        definition_publish(name=doc["name"], user=SYSTEM)
        return str(doc["name"])

    def start(self, definition: str, data: Mapping[str, Any] | None = None) -> DbRun:
        return DbRun(services.case_start(definition=definition, data=dict(data or {}), user=SYSTEM).pk)

    def fire_timers(self, later: dt.timedelta) -> int:
        return services.timers_fire_due(now=timezone.now() + later)


class DbRun(Run):
    """One case, read fresh from the database on every access."""

    @property
    def case(self) -> Case:
        return Case.objects.get(pk=self.id)

    def _item_rows(self, task_id: str | None, states: Iterable[str]) -> list[WorkItem]:
        rows = WorkItem.objects.filter(case_id=self.id, state__in=list(states))
        if task_id is not None:
            rows = rows.filter(task=task_id)
        return list(rows)

    def events(self, *types: str) -> list[dict[str, Any]]:
        qs = Event.objects.filter(case_id=self.id).order_by("id")
        if types:
            qs = qs.filter(type__in=list(types))
        return [{**e.payload, "type": e.type, "task": e.task, "work_item": e.work_item} for e in qs]

    def children(self) -> list[Run]:
        return [DbRun(pk) for pk in Case.objects.filter(parent_id=self.id).order_by("id").values_list("pk", flat=True)]

    def _start_item(self, item: WorkItem) -> None:
        services.work_item_start(item_id=item.pk, user=SYSTEM)

    def _complete_item(self, item: WorkItem, output: dict[str, Any], routes: list[str] | None) -> None:
        services.work_item_complete(item_id=item.pk, output=output, routes=routes, user=SYSTEM)

    def _fail_item(self, item: WorkItem, error: str) -> None:
        services.work_item_fail(item_id=item.pk, error=error, user=SYSTEM)

    def add_item(self, task_id: str, item_input: Mapping[str, Any] | None = None) -> WorkItem:
        return services.work_item_add(case_id=self.id, task_id=task_id, item_input=dict(item_input or {}), user=SYSTEM)

    def complete_task(self, task_id: str) -> Run:
        services.task_complete(case_id=self.id, task_id=task_id, user=SYSTEM)
        return self

    def cancel(self, reason: str = "") -> Run:
        services.case_cancel(case_id=self.id, reason=reason, user=SYSTEM)
        return self

    def signal(self, name: str, payload: Mapping[str, Any] | None = None) -> Run:
        services.case_signal(case_id=self.id, name=name, payload=dict(payload or {}), user=SYSTEM)
        return self
