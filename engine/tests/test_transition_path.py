"""The manual step path made thin (issue 12, ADR 0062): a complete on an offered item claims and
starts it in the same transaction, each transaction stays within 8 statements with pushes on,
nothing is read back after the commit, and only what changed is written. Its statements are
built once per process (ADR 0088): what they write and read is what the ORM writes and reads,
the user's groups come with the case lock, and a statement's text is not built per call."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.functional import SimpleLazyObject

from engine import access, bulk, services
from engine.access import SYSTEM
from engine.core.errors import Forbidden, NotFound
from engine.core.replay import replay
from engine.models import Case, Event, WorkItem
from tests.helpers import db_state, make_user, net, publish

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
STEPS = net(
    "steps",
    [
        {"id": "a", "kind": "manual", "label": "First", "form": FORM, "assign": {"role": "clerks"}},
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


class Commits:
    """Counts the transactions committed on the default connection."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        commit = connection.commit

        def counted() -> None:
            self.count += 1
            commit()

        connection.ensure_connection()
        monkeypatch.setattr(connection, "commit", counted)


def test_complete_on_an_offered_item_claims_starts_and_completes_it_in_one_transaction(
    clerk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = services.case_start(definition="steps", user=SYSTEM)
    item = open_item(case, "a")
    assert item.assignee is None
    first_new_event = Event.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
    commits = Commits(monkeypatch)

    row = services.work_item_complete(item_id=item.pk, user=fresh(clerk), output={"ok": True})

    assert commits.count == 1
    assert (row.state, row.assignee, row.completed_by, row.output) == ("completed", "clerk1", "clerk1", {"ok": True})
    new = list(Event.objects.filter(case=case, id__gt=first_new_event).order_by("id"))
    assert [e.type for e in new if e.work_item == item.pk] == [
        "work_item.claimed",
        "work_item.started",
        "work_item.completed",
    ]
    assert {e.actor for e in new} == {"clerk1"}
    assert open_item(case, "b").assignee is None  # the next step is offered, not claimed
    # the history says who took it: the replayed past state has the claim
    past = replay(
        ["a", "b"], Event.objects.filter(case=case).order_by("id").values("type", "task", "work_item", "payload")
    )
    assert past.work_items[str(item.pk)]["assignee"] == "clerk1"
    assert past.work_items[str(item.pk)]["state"] == "completed"


def test_the_old_three_calls_still_work_and_write_the_same_history(clerk: Any) -> None:
    one = services.case_start(definition="steps", user=SYSTEM)
    three = services.case_start(definition="steps", user=SYSTEM)
    services.work_item_complete(item_id=open_item(one, "a").pk, user=fresh(clerk), output={"ok": True})
    item = open_item(three, "a")
    services.work_item_claim(item_id=item.pk, user=fresh(clerk))
    services.work_item_start(item_id=item.pk, user=fresh(clerk))
    services.work_item_complete(item_id=item.pk, user=fresh(clerk), output={"ok": True})

    def history(case: Case) -> list[tuple[str, str]]:
        return [(e.type, e.task) for e in Event.objects.filter(case=case).order_by("id")]

    assert history(one) == history(three)
    assert Case.objects.get(pk=one.pk).tasks == Case.objects.get(pk=three.pk).tasks


def test_complete_by_a_user_the_item_is_not_offered_to_is_refused_and_changes_nothing(
    clerk: Any, django_user_model: Any
) -> None:
    outsider = make_user(django_user_model, "outsider", "managers")
    case = services.case_start(definition="steps", user=SYSTEM)
    before = db_state()
    with pytest.raises(Forbidden):
        services.work_item_complete(item_id=open_item(case, "a").pk, user=fresh(outsider), output={"ok": True})
    assert db_state() == before


@pytest.mark.parametrize("calls", [("claim", "complete"), ("complete",), ("claim", "start", "complete")])
def test_each_transaction_of_a_manual_step_runs_at_most_8_statements_and_none_after_its_commit(
    clerk: Any, calls: tuple[str, ...]
) -> None:
    case = services.case_start(definition="steps", user=SYSTEM)
    item = open_item(case, "a")
    actions = {
        "claim": lambda user: services.work_item_claim(item_id=item.pk, user=user),
        "start": lambda user: services.work_item_start(item_id=item.pk, user=user),
        "complete": lambda user: services.work_item_complete(item_id=item.pk, user=user, output={"ok": True}),
    }
    for call in calls:
        user = fresh(clerk)
        with CaptureQueriesContext(connection) as queries:
            actions[call](user)  # pushes on: the push is built from the rows written
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) <= 8, (call, sql)
        commit = next(n for n, s in enumerate(sql) if s.upper().startswith("COMMIT"))
        assert sql[commit + 1 :] == [], f"{call}: read after its commit"
        if connection.vendor == "postgresql":  # the case, its items and its events: one statement
            writes = [s for s in sql if s.startswith(("UPDATE", "INSERT", "WITH"))]
            assert len(writes) == 1 and len(sql) <= 5, (call, sql)  # the groups come with the lock (ADR 0088)
    assert open_item(case, "b")


def test_a_claim_writes_only_the_columns_it_changed(clerk: Any) -> None:
    case = services.case_start(definition="steps", user=SYSTEM)
    item = open_item(case, "a")
    with CaptureQueriesContext(connection) as queries:
        services.work_item_claim(item_id=item.pk, user=fresh(clerk))
    sql = " ".join(q["sql"] for q in queries.captured_queries)  # PostgreSQL: one WITH statement
    case_match = re.search(r'UPDATE "engine_case" SET (.*?) WHERE', sql)
    item_match = re.search(r'UPDATE "engine_workitem" SET (.*?) WHERE', sql)
    assert case_match and item_match, sql
    case_update, item_update = case_match.group(1), item_match.group(1)
    assert '"marking"' not in case_update and '"tasks"' not in case_update and '"updated_at"' in case_update
    assert '"assignee"' in item_update and '"input"' not in item_update and '"state"' not in item_update
    row = WorkItem.objects.get(pk=item.pk)
    assert (row.assignee, row.state, row.created_at) == ("clerk1", "initialized", item.created_at)


# ---------------------------------------------------------------------- statements built once (ADR 0088)


def test_rows_written_and_read_by_the_built_statements_are_the_orms(clerk: Any) -> None:
    data = {"name": "Zoë \u00e9\u4e2d", "nested": [1, 2.5, None, {"k": True}], "quote": 'it\'s "x"'}
    case = services.case_start(definition="steps", data=data, user=SYSTEM)
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
    case = services.case_start(definition="steps", user=SYSTEM)
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
        case = services.case_start(definition="steps", user=SYSTEM)
        services.work_item_complete(item_id=open_item(case, "a").pk, user=fresh(clerk), output={"ok": True})
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
    services.case_start(definition="steps", user=SYSTEM)
    before = db_state()
    with pytest.raises(NotFound):
        services.case_cancel(case_id=case_id, user=staff, reason="x")
    assert db_state() == before


def test_a_user_behind_a_lazy_object_claims_as_a_session_request_does(clerk: Any) -> None:
    case = services.case_start(definition="steps", user=SYSTEM)
    item = open_item(case, "a")
    lazy = SimpleLazyObject(lambda: fresh(clerk))  # what Django's session middleware hands a view
    row = services.work_item_claim(item_id=item.pk, user=lazy)
    assert row.assignee == "clerk1"
    assert access.user_groups(lazy) == {"clerks"}
