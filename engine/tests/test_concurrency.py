"""Two parallel branches finishing at the same instant fire an AND-join exactly once.

Runs in the PostgreSQL pass of the test command (real row locks); the SQLite pass deselects
it (SQLite has no row locks and serialises whole-database writes instead).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from definitions.services import definition_publish, definition_save_draft
from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

NET = {
    "schema_version": 1,
    "name": "and-join-race",
    "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
    "tasks": [
        {"id": "split", "kind": "dummy", "split": "and"},
        {"id": "left", "kind": "manual"},
        {"id": "right", "kind": "manual"},
        {"id": "join", "kind": "manual", "join": "and"},
    ],
    "flows": [
        {"from": "start", "to": "split"},
        {"from": "split", "to": "left"},
        {"from": "split", "to": "right"},
        {"from": "left", "to": "join"},
        {"from": "right", "to": "join"},
        {"from": "join", "to": "end"},
    ],
}


def _complete_in_thread(item_id, barrier: threading.Barrier, errors: list) -> None:
    try:
        barrier.wait(timeout=10)
        services.work_item_complete(item_id=item_id, output={}, user=SYSTEM)
    except Exception as exc:  # reported by the main thread
        errors.append(exc)
    finally:
        connections.close_all()


def test_and_join_fires_exactly_once_when_both_inputs_complete_at_once():
    assert connection.vendor == "postgresql"
    definition_save_draft(doc=NET, user=SYSTEM)
    definition_publish(name="and-join-race", user=SYSTEM)
    for _ in range(50):
        case = services.case_start(definition="and-join-race", user=SYSTEM)
        items = {w.task: w.pk for w in WorkItem.objects.filter(case=case)}
        assert set(items) == {"left", "right"}
        barrier = threading.Barrier(2)
        errors: list = []
        threads = [threading.Thread(target=_complete_in_thread, args=(items[t], barrier, errors)) for t in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors, errors
        case = Case.objects.get(pk=case.pk)
        join_items = WorkItem.objects.filter(case=case, task="join")
        assert join_items.count() == 1
        assert case.tasks["join"]["state"] == "enabled"
        assert case.tasks["join"]["generation"] == 1
        assert case.marking == {"left__to__join": 1, "right__to__join": 1}
        assert Event.objects.filter(case=case, type="task.enabled", task="join").count() == 1
        services.work_item_complete(item_id=join_items.get().pk, output={}, user=SYSTEM)
        case.refresh_from_db()
        assert case.state == "completed"
        assert case.marking == {"end": 1}
