"""The push is built from the rows the transaction wrote (no read-back, ADR 0062): what it sends
for each work item equals the API's representation of the committed row, as the read-back
built it before; four-eyes exclusions included; nothing for a rollback; sent in commit order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from engine import access, services
from engine.access import SYSTEM
from engine.models import WorkItem
from engine.selectors import work_items_for_output
from engine.serializers import WorkItemOutputSerializer
from realtime import push
from tests.helpers import make_user, net, publish

pytestmark = pytest.mark.django_db(transaction=True)

DECIDED_ON = ("id", "updated_at", "kind", "state", "role", "offered_user", "assignee")
FORM = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
REVIEW = net(
    "review",
    [
        {
            "id": "prepare",
            "kind": "manual",
            "label": "Prepare it",
            "description": "Fill in the form",
            "form": FORM,
            "assign": {"role": "clerks"},
        },
        {
            "id": "check",
            "kind": "manual",
            "assign": {"role": "clerks", "not_same_as": "prepare"},
            "input": {"what": "data.what"},
            "priority": "data.p",
        },
    ],
    [("start", "prepare"), ("prepare", "check"), ("check", "end")],
)


@pytest.fixture
def sent(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, dict[str, Any]]]]:
    settings.WORKFLOW_RUNNER = "manual"
    settings.WORKFLOW_PUSH = True
    batches: list[list[tuple[str, dict[str, Any]]]] = []
    # each entry of the transaction's bus message as (group, message) for each of its groups
    monkeypatch.setattr(
        push, "_enqueue", lambda job: batches.append([(g, m) for gs, m in push.entries_of(job) for g in gs])
    )
    publish(REVIEW)
    return batches


def read_back(item_id: Any) -> dict[str, Any]:
    """What the push sent before ADR 0062: the committed row read back through the API serializer."""
    row = work_items_for_output().get(pk=item_id)
    return push.as_json(WorkItemOutputSerializer(row, context={}).data)


def item_docs(batch: list[tuple[str, dict[str, Any]]]) -> dict[str, tuple[dict[str, Any], list[str], set[str]]]:
    out: dict[str, tuple[dict[str, Any], list[str], set[str]]] = {}
    for group, message in batch:
        if message["type"] == "inbox.items":
            for entry in message["items"]:
                doc = json.loads(entry["json"])
                # what the consumers decide on is the document's own
                assert {k: doc[k] for k in DECIDED_ON} == {k: entry[k] for k in DECIDED_ON}
                out.setdefault(doc["id"], (doc, entry["excluded"], set()))[2].add(group)
    return out


def test_each_pushed_item_equals_the_api_representation_of_the_committed_row(
    sent: list[Any], django_user_model: Any
) -> None:
    clerk1 = make_user(django_user_model, "clerk1", "clerks")
    clerk2 = make_user(django_user_model, "clerk2", "clerks")
    sent.clear()  # their sockets told of their groups
    case = services.case_start(definition="review", data={"what": "invoice 7", "p": 3}, user=SYSTEM)
    prepare = WorkItem.objects.get(case=case, task="prepare")
    services.work_item_claim(item_id=prepare.pk, user=clerk1)
    services.work_item_complete(item_id=prepare.pk, user=clerk1, output={"ok": True})
    check = WorkItem.objects.get(case=case, task="check")
    services.work_item_delegate(item_id=check.pk, user=SYSTEM, to_username="clerk2")
    services.work_item_complete(item_id=check.pk, user=clerk2, output={})
    assert len(sent) == 5  # one batch per commit, in commit order

    # each batch against the rows as committed by it: compare batch n with a replay up to n is
    # not possible afterwards, so the last write of each item is compared with the database,
    # and the earlier ones with what they must have been
    docs = [item_docs(batch) for batch in sent]
    assert docs[0][str(prepare.pk)][0]["state"] == "initialized"
    assert docs[1][str(prepare.pk)][0]["assignee"] == "clerk1"
    assert set(docs[2]) == {str(prepare.pk), str(check.pk)}
    assert docs[3][str(check.pk)][0]["assignee"] == "clerk2"
    assert docs[4][str(check.pk)][0]["state"] == "completed"
    # the item was not written since; its case was (it completed with `check`): the case's state
    # in the representation is the one committed with the batch
    now = read_back(prepare.pk)
    assert now["case_state"] == "completed"
    assert docs[2][str(prepare.pk)][0] == {**now, "case_state": "running"}
    assert docs[4][str(check.pk)][0]["case_state"] == "completed"
    assert docs[4][str(check.pk)][0] == read_back(check.pk)
    for n, d in enumerate(docs):
        for doc, _, _ in d.values():
            assert doc == push.as_json(doc), n  # JSON as it is sent
            assert set(doc) == set(read_back(doc["id"])), n
    # the label, description and form of the version's task, the case data mapped into the input
    assert docs[0][str(prepare.pk)][0]["task_label"] == "Prepare it"
    assert docs[0][str(prepare.pk)][0]["task_description"] == "Fill in the form"
    assert docs[2][str(check.pk)][0]["task_description"] == ""
    assert docs[0][str(prepare.pk)][0]["form"] == FORM
    assert docs[2][str(check.pk)][0]["input"] == {"what": "invoice 7"}
    assert docs[2][str(check.pk)][0]["priority"] == 3
    # four eyes: who did `prepare` is excluded from `check`, as the read-back computed it
    spec = REVIEW["tasks"][1]
    assert docs[2][str(check.pk)][1] == sorted(access.four_eyes_excluded(case_id=case.pk, spec=spec)) == ["clerk1"]
    # the groups: role, staff, the assignee and whoever had it before
    assert docs[3][str(check.pk)][2] == {
        push.STAFF_GROUP,
        push.role_group("clerks"),
        push.user_group("clerk2"),
    }


def test_every_message_of_a_transaction_equals_the_read_back_right_after_it(
    sent: list[Any], django_user_model: Any
) -> None:
    clerk1 = make_user(django_user_model, "clerk1", "clerks")
    case = services.case_start(definition="review", data={"what": "x", "p": 1}, user=SYSTEM)
    prepare = WorkItem.objects.get(case=case, task="prepare")
    actions = [
        lambda: services.work_item_claim(item_id=prepare.pk, user=clerk1),
        lambda: services.work_item_release(item_id=prepare.pk, user=clerk1),
        lambda: services.case_suspend(case_id=case.pk, user=SYSTEM),  # its open items again: on hold
        lambda: services.case_resume(case_id=case.pk, user=SYSTEM),
        lambda: services.work_item_complete(item_id=prepare.pk, user=clerk1, output={"ok": False}),
    ]
    states = []
    for action in actions:
        sent.clear()
        action()
        (batch,) = sent
        docs = item_docs(batch)
        assert docs
        for item_id, (doc, _, _) in docs.items():
            assert doc == read_back(item_id)
        states.append(docs[str(prepare.pk)][0]["case_state"])
    assert states == ["running", "running", "suspended", "running", "running"]


def test_a_rolled_back_transaction_pushes_nothing(sent: list[Any]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_start(definition="review", data={"what": "x", "p": 1}, user=SYSTEM)
        raise RuntimeError("abort")
    assert sent == []


def test_a_follow_up_date_is_pushed_and_kept_by_later_changes(sent: list[Any], django_user_model: Any) -> None:
    """Setting it pushes the item to everyone who has it (ADR 0084); the engine's next write of
    the row (a release) pushes it with the date still on it, as committed."""
    import datetime as dt

    from django.utils import timezone

    clerk1 = make_user(django_user_model, "clerk1", "clerks")
    case = services.case_start(definition="review", data={"what": "x", "p": 1}, user=SYSTEM)
    prepare = WorkItem.objects.get(case=case, task="prepare")
    services.work_item_claim(item_id=prepare.pk, user=clerk1)
    when = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    for action, expected, assignee in [
        (lambda: services.work_item_set_follow_up(item_id=prepare.pk, user=clerk1, follow_up=when), when, True),
        (lambda: services.work_item_release(item_id=prepare.pk, user=clerk1), when, True),  # who had it
        (lambda: services.work_item_set_follow_up(item_id=prepare.pk, user=SYSTEM, follow_up=None), None, False),
    ]:
        sent.clear()
        action()
        (batch,) = sent
        doc, _, groups = item_docs(batch)[str(prepare.pk)]
        assert doc == read_back(prepare.pk)
        assert doc["follow_up"] == (expected.isoformat().replace("+00:00", "Z") if expected else None)
        assert groups == {push.role_group("clerks"), push.STAFF_GROUP} | (
            {push.user_group("clerk1")} if assignee else set()
        )
    sent.clear()  # the same date again: nothing written, nothing pushed
    services.work_item_set_follow_up(item_id=prepare.pk, user=SYSTEM, follow_up=None)
    assert sent == []


def test_a_transaction_sends_each_group_one_message_with_its_items_in_order(
    sent: list[Any], django_user_model: Any
) -> None:
    clerk1 = make_user(django_user_model, "clerk1", "clerks")
    case = services.case_start(definition="review", data={"what": "x", "p": 1}, user=SYSTEM)
    prepare = WorkItem.objects.get(case=case, task="prepare")
    services.work_item_claim(item_id=prepare.pk, user=clerk1)
    sent.clear()
    services.work_item_complete(item_id=prepare.pk, user=clerk1, output={"ok": True})
    check = WorkItem.objects.get(case=case, task="check")
    (batch,) = sent
    item_groups = [g for g, m in batch if m["type"] == "inbox.items"]
    # staff, the role and the user who had `prepare`: one message each, the same one
    assert sorted(item_groups) == sorted({push.STAFF_GROUP, push.role_group("clerks"), push.user_group("clerk1")})
    assert len(item_groups) == len(set(item_groups))
    messages = [m for _, m in batch if m["type"] == "inbox.items"]
    assert all(m is messages[0] for m in messages)
    # what left before what was offered next
    assert [(e["id"], e["state"]) for e in messages[0]["items"]] == [
        (str(prepare.pk), "completed"),
        (str(check.pk), "initialized"),
    ]
    # then the case page and the dashboard, once each
    assert [g for g, m in batch if m["type"] != "inbox.items"] == [push.case_group(case.pk), push.DASHBOARD_GROUP]
