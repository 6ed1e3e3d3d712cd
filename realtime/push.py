"""Websocket pushes, sent after commit from whichever process changed a case (web or worker).

`engine.hooks.case_changed` calls `record` inside the case's transaction; the first call of a
transaction registers one `transaction.on_commit` callback that sends everything the transaction
touched, so a rolled-back transaction sends nothing. The callback reads the committed rows and
publishes through the channel layer:

- each changed manual work item, once serialized, to the groups of everyone who may have it in
  their inbox before or after the change: its role, its offered user, its assignee, the
  assignees it had before the transaction, and staff. Each consumer decides what its user sees
  (realtime/consumers.py), so one message serves every audience;
- each changed case's id to `case.<id>` (the staff's case page reloads it);
- `dashboard.changed` to the `dashboard` group once per transaction that changed a case: the
  staff's overview and case list reload (each socket at most once a second, realtime/consumers.py);
- `inbox.audience` to a user whose groups, staff or active flag changed (`audience_changed`,
  called by realtime/signals.py): their sockets re-read who they are.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from rest_framework.utils.encoders import JSONEncoder

from engine import access
from engine.core.state import ITEM_OPEN
from engine.selectors import work_items_for_output
from engine.serializers import WorkItemOutputSerializer, task_specs_of

logger = logging.getLogger(__name__)

STAFF_GROUP = "inbox.staff"
DASHBOARD_GROUP = "dashboard"
ACTIVE_STATES = tuple(sorted(ITEM_OPEN))  # ("initialized", "started"): what an inbox lists


def _name_hash(name: str) -> str:
    # group names allow only [A-Za-z0-9._-] and < 100 characters; user and role names may not
    return hashlib.sha256(name.encode()).hexdigest()[:24]


def user_group(username: str) -> str:
    return f"inbox.user.{_name_hash(username)}"


def role_group(role: str) -> str:
    return f"inbox.role.{_name_hash(role)}"


def case_group(case_id: int) -> str:
    return f"case.{int(case_id)}"


class _Pending:
    """What one transaction touched: {item id: usernames who had it before} and case ids."""

    def __init__(self) -> None:
        self.items: dict[str, set[str]] = {}
        self.cases: set[int] = set()

    def __call__(self) -> None:  # the on_commit callback
        try:
            publish(case_ids=self.cases, items=self.items)
        except Exception:  # a push must never break the request that committed
            logger.exception("websocket push failed")


def _current_pending() -> _Pending | None:
    # The callback registered by an earlier record() of this transaction, if it is still queued
    # (a rolled-back savepoint or transaction drops it from run_on_commit).
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Pending):
            return func
    return None


def record(case_id: int, item_ids: Iterable[str], previous_assignees: dict[str, str] | None = None) -> None:
    """Called inside the transaction that changed the case."""
    if not getattr(settings, "WORKFLOW_PUSH", True):
        return
    pending = _current_pending() if connection.in_atomic_block else None
    if pending is None:
        pending = _Pending()
        transaction.on_commit(pending)
    pending.cases.add(int(case_id))
    previous = previous_assignees or {}
    for item_id in item_ids:
        before = pending.items.setdefault(str(item_id), set())
        if previous.get(str(item_id)):
            before.add(previous[str(item_id)])


def audience_changed(usernames: Iterable[str]) -> None:
    """Tell the open inbox sockets of these users, after commit, that who they are changed
    (groups, staff, active): they re-read it (realtime/signals.py)."""
    if not getattr(settings, "WORKFLOW_PUSH", True):
        return
    groups = sorted({user_group(u) for u in usernames if u})
    if groups:
        message = {"type": "inbox.audience"}
        transaction.on_commit(lambda: _publish_safely([(g, message) for g in groups]))


def _publish_safely(messages: list[tuple[str, dict[str, Any]]]) -> None:
    try:
        asyncio.run_coroutine_threadsafe(_send_all(messages), _publisher_loop()).result(timeout=PUBLISH_TIMEOUT)
    except Exception:  # a push must never break the request that committed
        logger.exception("websocket push failed")


def as_json(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=JSONEncoder))


def item_messages(items: dict[str, set[str]]) -> list[tuple[str, dict[str, Any]]]:
    """(group, message) pairs for the manual items among `items`, as committed."""
    if not items:
        return []
    rows = list(work_items_for_output().filter(pk__in=list(items), kind="manual"))
    if not rows:
        return []
    context: dict[str, Any] = {}
    docs = as_json(WorkItemOutputSerializer(rows, many=True, context=context).data)
    specs = task_specs_of(context)
    out: list[tuple[str, dict[str, Any]]] = []
    for row, doc in zip(rows, docs, strict=True):
        excluded: frozenset[str] = frozenset()
        if row.state in ACTIVE_STATES:
            excluded = access.four_eyes_excluded(case_id=row.case_id, spec=specs.get(row.case_version_id, row.task))
        message = {"type": "inbox.item", "work_item": doc, "excluded": sorted(excluded)}
        groups = {STAFF_GROUP}
        if row.role:
            groups.add(role_group(row.role))
        for username in {row.offered_user, row.assignee, *items.get(str(row.pk), ())}:
            if username:
                groups.add(user_group(username))
        out.extend((g, message) for g in sorted(groups))
    return out


def publish(*, case_ids: Iterable[int], items: dict[str, set[str]]) -> None:
    messages = item_messages(items)
    cases = sorted(case_ids)
    messages += [(case_group(c), {"type": "case.changed", "case_id": c}) for c in cases]
    if cases:
        messages.append((DASHBOARD_GROUP, {"type": "dashboard.changed"}))
    if messages:
        # Waited for, so that a request's pushes are out before its response (and tests see
        # them in order); a publish takes about a millisecond.
        asyncio.run_coroutine_threadsafe(_send_all(messages), _publisher_loop()).result(timeout=PUBLISH_TIMEOUT)


PUBLISH_TIMEOUT = 5.0
_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, for publishing: the channel layer keeps
    its Redis connection on it. `async_to_sync` from a plain thread would start a loop, a thread
    and a Redis connection for every push (~25 ms); a forked worker gets a loop of its own."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="push-publisher", daemon=True).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]


def warm_up() -> None:
    """Open the publisher's Redis connection now rather than on the first push (the first
    publish of a process takes ~0.25 s): for long-running processes such as workers."""
    asyncio.run_coroutine_threadsafe(_send_all([("warm-up", {"type": "noop"})]), _publisher_loop()).result(
        timeout=PUBLISH_TIMEOUT
    )


async def _send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    for group, message in messages:
        await layer.group_send(group, message)
