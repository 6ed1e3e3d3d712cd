"""The manual step's statements built once per process (issue 12, ADR 0088): what they write and
read is what the ORM writes and reads, the user's groups come with the case lock, and the text of
a statement is built once, not per call."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import bulk, services
from engine.access import SYSTEM
from engine.core.errors import Forbidden, NotFound
from engine.core.replay import replay
from engine.models import Case, Event, WorkItem
from tests.helpers import db_state, make_user, net, publish

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = net(
    "stmts",
    [
        {"id": "a", "kind": "manual", "assign": {"role": "clerks"}},
        {"id": "b", "kind": "manual", "assign": {"role": "clerks"}},
    ],
    [("start", "a"), ("a", "b"), ("b", "end")],
)


@pytest.fixture
def clerk(django_user_model: Any, settings: Any) -> Any:
    settings.WORKFLOW_RUNNER = "manual"
    settings.WORKFLOW_PUSH = True
    publish(STEPS)
    return make_user(django_user_model, "clerk1", "clerks")


def fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)  # as a request loads it: its groups not yet read


def open_item(case: Case, task: str) -> WorkItem:
    return WorkItem.objects.get(case=case, task=task, state="initialized")


def test_rows_written_and_read_by_the_built_statements_are_the_orms(clerk: Any) -> None:
    data = {"name": "Zoë \u00e9\u4e2d", "nested": [1, 2.5, None, {"k": True}], "quote": 'it\'s "x"'}
    case = services.case_start(definition="stmts", data=data, user=SYSTEM)
    item = open_item(case, "a")
    output = {"ok": True, "note": "line\nbreak \\ back", "n": 10**15}
    row = services.work_item_complete(item_id=item.pk, user=fresh(clerk), output=output)

    stored = WorkItem.objects.get(pk=item.pk)
    for f in ("state", "input", "output", "assignee", "completed_by", "role", "created_at", "updated_at"):
        assert getattr(row, f) == getattr(stored, f), f  # the row returned is the row stored
    assert stored.output == output and stored.created_at == item.created_at
    stored_data = Case.objects.get(pk=case.pk).data
    assert {k: stored_data[k] for k in data} == data  # (the output was merged into it too)
    # the events: in the engine's order (ids follow it), values as given, one actor and time
    events = list(Event.objects.filter(case=case, actor="clerk1").order_by("id"))
    mine = [e.type for e in events if e.work_item == item.pk]
    assert mine == ["work_item.claimed", "work_item.started", "work_item.completed"]
    completed = next(e for e in events if e.type == "work_item.completed")
    assert completed.work_item == item.pk and completed.payload == {"generation": 1}
    assert len({e.created_at for e in events}) == 1
    tokens = [e for e in events if e.type == "tokens"]
    assert tokens and all(e.work_item is None and e.task == "" for e in tokens)
    # enough history to replay the state as it is
    past = replay(
        ["a", "b"], Event.objects.filter(case=case).order_by("id").values("type", "task", "work_item", "payload")
    )
    assert past.work_items[str(item.pk)]["state"] == "completed"
    assert past.work_items[str(item.pk)]["assignee"] == "clerk1"


def test_a_claim_reads_the_users_groups_in_the_lock_and_sees_a_change_from_the_next_request(
    clerk: Any, django_user_model: Any
) -> None:
    newcomer = make_user(django_user_model, "newcomer")
    case = services.case_start(definition="stmts", user=SYSTEM)
    item = open_item(case, "a")
    before = db_state()
    with pytest.raises(Forbidden):
        services.work_item_claim(item_id=item.pk, user=fresh(newcomer))
    assert db_state() == before
    newcomer.groups.add(Group.objects.get(name="clerks"))
    user = fresh(newcomer)
    with CaptureQueriesContext(connection) as queries:
        row = services.work_item_claim(item_id=item.pk, user=user)
    assert row.assignee == "newcomer"
    assert user._workflow_groups == {"clerks"}  # read with the lock, kept for the rest of the request
    sql = [q["sql"] for q in queries.captured_queries]
    assert [s for s in sql if "auth_user_groups" in s and "engine_case" not in s] == [], sql
    # BEGIN, the lock (with the groups), the live items, the write(s), COMMIT
    assert len(sql) <= (5 if connection.vendor == "postgresql" else 7), sql


def test_a_statement_is_built_once_not_per_call(clerk: Any) -> None:
    def step() -> Case:
        case = services.case_start(definition="stmts", user=SYSTEM)
        services.work_item_complete(item_id=open_item(case, "a").pk, user=fresh(clerk), output={})
        return case

    step()
    known = dict(bulk._built)
    assert any("lock case" in k for k in known) and any("live items" in k for k in known)
    case = step()  # the same statements again: none built anew, the same texts reused
    assert bulk._built == known
    assert open_item(case, "b").assignee is None


@pytest.mark.parametrize("case_id", [2**63, -(2**63) - 1, 10**30])
def test_a_case_id_past_the_databases_integers_is_not_found_and_changes_nothing(
    clerk: Any, django_user_model: Any, case_id: int
) -> None:
    staff = make_user(django_user_model, "boss", is_staff=True)
    services.case_start(definition="stmts", user=SYSTEM)
    before = db_state()
    with pytest.raises(NotFound):
        services.case_cancel(case_id=case_id, user=staff, reason="x")
    assert db_state() == before
