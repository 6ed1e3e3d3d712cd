"""Changes to one work item: claim, release, delegate, start, complete, fail, retry, skip, its
follow-up date, and adding work items to a running task.

Each takes the acting `user` (required): a user, or `engine.access.SYSTEM` (ADR 0061); a worker's
report of a failed attempt (`work_item_attempt_failed`) is the system's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config import log_context
from engine import access, hooks
from engine.access import SYSTEM, Actor
from engine.core.engine import Engine
from engine.core.errors import InvalidInput, NotAllowed, NotFound
from engine.core.state import CASE_ACTIVE, ITEM_OPEN
from engine.models import WorkItem
from engine.services.persistence import _execute, _item_key, _item_op, _lock_case

# how far a follow-up date may lie from now (further is a typing slip: year 20260, 1926)
FOLLOW_UP_PAST = dt.timedelta(days=366)
FOLLOW_UP_FUTURE = dt.timedelta(days=10 * 366)


def work_item_claim(*, item_id, user: Actor) -> WorkItem:
    access.check_claim(user)
    return _item_op(item_id, user, "claim", lambda e, i: e.claim(i, user.username))


def work_item_release(*, item_id, user: Actor) -> WorkItem:
    def op(e: Engine, i: str) -> None:
        access.check_release(user, e.state.work_items[i])
        e.release(i)

    return _item_op(item_id, user, "release", op)


def work_item_delegate(*, item_id, user: Actor, to_username: str) -> WorkItem:
    target = get_user_model().objects.filter(username=to_username, is_active=True).first()
    if target is None:
        raise InvalidInput(f"no active user {to_username!r}", errors=[{"field": "user", "message": "unknown user"}])

    def op(e: Engine, i: str) -> None:
        access.check_delegate_target(user, e, e.state.work_items[i], target)  # four eyes, the item's role
        e.delegate(i, to_username)

    return _item_op(item_id, user, "delegate", op)


def work_item_set_follow_up(*, item_id, user: Actor, follow_up: dt.datetime | None) -> WorkItem:
    """Set (a moment) or clear (None) the follow-up date of an open manual work item: until then
    its assignee's inbox files it under "later" (ADR 0084). Who may: `access.check_follow_up`.
    People's planning, not the net's state: the engine is not run and the history gets no event;
    the row is written under the case's lock (so it never races an action on the item) and
    pushed to everyone who has the item in their inbox, like any change."""
    access.require_actor(user)
    if follow_up is not None:
        if timezone.is_naive(follow_up):
            raise InvalidInput("the follow-up date needs a time zone", errors=[_follow_up_error("no time zone")])
        now = timezone.now()
        if not now - FOLLOW_UP_PAST <= follow_up <= now + FOLLOW_UP_FUTURE:
            message = "must lie between a year ago and ten years from now"
            raise InvalidInput(f"the follow-up date {message}", errors=[_follow_up_error(message)])
    key = _item_key(item_id)
    with transaction.atomic(), log_context.bound(item_id=key):
        case = _lock_case("item", key)  # the same lock as every action on the item
        if case is None:
            raise NotFound(f"no work item {item_id}")
        row = WorkItem.objects.get(pk=key)
        if row.state not in ITEM_OPEN or case.state not in CASE_ACTIVE:
            raise NotAllowed("the work item is closed: it has no follow-up date to set")
        access.check_follow_up(user, row)
        if row.follow_up != follow_up:
            row.follow_up = follow_up
            row.save(update_fields=["follow_up", "updated_at"])
            hooks.case_changed(case, [row])  # the open inboxes update (realtime/push.py)
    return row


def _follow_up_error(message: str) -> dict[str, str]:
    return {"field": "follow_up", "message": message}


def work_item_start(*, item_id, user: Actor) -> WorkItem:
    return _item_op(item_id, user, "start", lambda e, i: e.start_item(i, access.actor_name(user)))


def work_item_complete(
    *,
    item_id,
    user: Actor,
    output: Any = None,
    routes: list[str] | None = None,
    directives: dict[str, Any] | None = None,
    attempt: int | None = None,
) -> WorkItem:
    """Complete a work item. `attempt` (from the worker) makes a completion of an attempt that
    is no longer current a no-op: a redelivered or duplicated message never advances the net
    twice. `directives` are what an activity returned besides its output (see engine.py)."""
    return _item_op(item_id, user, "complete", _complete_op(user, output, routes, directives, attempt))


def _complete_op(
    user: Actor, output: Any, routes: list[str] | None, directives: dict[str, Any] | None, attempt: int | None
) -> Callable[[Engine, str], None]:
    if output is not None and not isinstance(output, dict):
        raise InvalidInput("output must be a JSON object")

    def op(e: Engine, i: str) -> None:
        if attempt is not None and e.state.work_items[i].attempt != attempt:
            raise NotAllowed(f"attempt {attempt} is not the work item's current attempt")
        if directives:
            e.complete_item(i, output or {}, user=access.actor_name(user), routes=routes, directives=directives)
        else:
            e.complete_item(i, output or {}, user=access.actor_name(user), routes=routes)

    return op


def work_item_attempt_failed(*, item_id, attempt: int, error: dict[str, Any], retry: bool | None = None) -> WorkItem:
    """The worker reports a failed attempt: retry (attempt + 1, dispatched again after the
    back-off, on commit) or fail for good (the task's `on_failure` policy). `retry=None`: the
    task's retry policy decides. A report for an attempt that is no longer current is refused
    (NotAllowed): a redelivered message changes nothing."""
    return _item_op(item_id, SYSTEM, "fail", _attempt_failed_op(attempt, error, retry))


def _attempt_failed_op(attempt: int, error: dict[str, Any], retry: bool | None = None) -> Callable[[Engine, str], None]:
    def op(e: Engine, i: str) -> None:
        if e.state.work_items[i].attempt != attempt:
            raise NotAllowed(f"attempt {attempt} is not the work item's current attempt")
        e.attempt_failed(i, error, retry=retry)

    return op


def work_item_fail(*, item_id, user: Actor, error: dict[str, Any] | str | None = None) -> WorkItem:
    return _item_op(item_id, user, "fail", lambda e, i: e.fail_item(i, error))


def work_item_retry(*, item_id, user: Actor, new_input: Any = None) -> WorkItem:
    return _item_op(item_id, user, "retry", lambda e, i: e.retry_item(i, new_input), staff_only=True)


def work_item_skip(*, item_id, user: Actor, output: Any = None) -> WorkItem:
    if output is not None and not isinstance(output, dict):
        raise InvalidInput("output must be a JSON object")
    return _item_op(item_id, user, "skip", lambda e, i: e.skip_item(i, output or {}), staff_only=True)


def work_item_add(*, case_id: int, task_id: str, item_input: Any = None, user: Actor) -> WorkItem:
    created: list[str] = []

    def op(e: Engine) -> None:
        created.append(e.add_item(task_id, item_input).id)

    _execute(case_id, op, user=user, staff_only=True)
    return WorkItem.objects.get(pk=created[0])


def task_complete(*, case_id: int, task_id: str, user: Actor) -> None:
    """WCP-27: force-complete a running multi-instance task (staff): its remaining work items
    are withdrawn, it ends `completed`, its output mapping runs over the completed instances
    (`Engine.complete_task`)."""
    _execute(case_id, lambda e: e.complete_task(task_id), user=user, staff_only=True)
