"""Websocket pushes, sent after commit from whichever process changed a case (web or worker).

`engine.hooks.case_changed` calls `record` inside the case's transaction with the rows it wrote;
the first call of a transaction registers one `transaction.on_commit` callback that sends
everything the transaction wrote, so a rolled-back transaction sends nothing. The callback reads
what four-eyes needs and hands the rows to this process's publisher, whose thread builds the
messages from them in memory (no read-back; the task's label and form come from the version's
cached runtime; ADR 0093) and sends them through the channel layer in commit order while the
committing code goes on (ADR 0062):

- the transaction's changed manual work items, each serialized to JSON text once, as ONE
  message (`inbox.items`, the items in the order they were made) to each group of everyone who
  may have one of them in their inbox before or after the change: the items' roles, offered
  users, assignees, the assignees they had before the transaction, and staff. Each consumer
  decides what its user sees (realtime/consumers.py) and sends the prepared text, so one message
  per group serves every audience, and a socket in several of the groups gets the items in their
  order from whichever copy comes first (the later copies change nothing; ADR 0090);
- each changed case's id to `case.<id>` (the staff's case page reloads it);
- `dashboard.changed` to the `dashboard` group once per transaction that changed a case: the
  staff's overview and case list reload (each socket at most once a second, realtime/consumers.py);
- `inbox.audience` to a user whose groups, staff or active flag changed (`audience_changed`,
  called by realtime/signals.py): their sockets re-read who they are.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from queue import Empty, SimpleQueue
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from definitions.runtime import runtime_for
from engine import access
from engine.core.state import ITEM_OPEN

logger = logging.getLogger(__name__)

STAFF_GROUP = "inbox.staff"
DASHBOARD_GROUP = "dashboard"
ACTIVE_STATES = tuple(sorted(ITEM_OPEN))  # ("initialized", "started"): what an inbox lists
Entry = tuple[list[str], dict[str, Any]]  # a message and the groups it goes to (realtime/layer.py)


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
    """What one transaction wrote: the last row of each work item with the usernames who had
    it before, and the cases (with what an item's representation needs from them)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Any, set[str]]] = {}
        self.cases: dict[int, tuple[str, str, Any]] = {}  # id: (definition name, state, version)
        self.specs: dict[str, Mapping[str, Any]] = {}  # item id: its task's spec (found on commit)
        self.excluded: dict[str, frozenset[str]] = {}  # item id: who four-eyes keeps it from

    def __call__(self) -> None:  # the on_commit callback, in the committing thread
        try:
            # The one part that reads the database is done here, on the committing thread's
            # connection; the messages are built by the publisher's thread (ADR 0093).
            for key, (row, _) in self.items.items():
                version = self.cases[row.case_id][2]
                task = runtime_for(version).net.tasks.get(row.task) if version is not None else None
                spec = self.specs[key] = task.spec if task else {}
                if row.state in ACTIVE_STATES and access.four_eyes_task(spec):
                    self.excluded[key] = access.four_eyes_excluded(case_id=row.case_id, spec=spec)
            _enqueue(self.messages)
        except Exception:  # a push must never break the request that committed
            logger.exception("websocket push failed")

    def messages(self) -> list[Entry]:
        entries: list[dict[str, Any]] = []
        groups: set[str] = set()
        # oldest item first, as a read-back in the items' order gave them: what left before
        # what was offered next
        for row, before in sorted(self.items.values(), key=lambda v: (v[0].created_at, str(v[0].pk))):
            definition, case_state, _ = self.cases[row.case_id]
            key = str(row.pk)
            entries.append(
                item_entry(
                    row,
                    definition=definition,
                    case_state=case_state,
                    spec=self.specs[key],
                    excluded=self.excluded.get(key, frozenset()),
                )
            )
            groups |= item_groups(row, before)
        out: list[Entry] = []
        if entries:
            out.append((sorted(groups), {"type": "inbox.items", "items": entries}))
        cases = sorted(self.cases)
        out += [([case_group(c)], {"type": "case.changed", "case_id": c}) for c in cases]
        if cases:
            out.append(([DASHBOARD_GROUP], {"type": "dashboard.changed"}))
        return out


def _current_pending() -> _Pending | None:
    # The callback registered by an earlier record() of this transaction, if it is still queued
    # (a rolled-back savepoint or transaction drops it from run_on_commit).
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Pending):
            return func
    return None


def record(case: Any, items: Iterable[Any], previous_assignees: dict[str, str] | None = None) -> None:
    """Called inside the transaction that changed the case, with the rows it wrote (the
    engine's change port): kept, then turned into messages once, after the commit."""
    if not getattr(settings, "WORKFLOW_PUSH", True):
        return
    pending = _current_pending() if connection.in_atomic_block else None
    if pending is None:
        pending = _Pending()
        transaction.on_commit(pending)
    pending.cases[int(case.pk)] = (case.definition_name, case.state, case.version)  # as committed: the last write
    previous = previous_assignees or {}
    for row in items:
        if row.kind != "manual":
            continue  # only people's work is pushed
        key = str(row.pk)
        before = pending.items[key][1] if key in pending.items else set()
        if previous.get(key):
            before.add(previous[key])
        pending.items[key] = (row, before)  # the last write of the transaction wins


def audience_changed(usernames: Iterable[str]) -> None:
    """Tell the open inbox sockets of these users, after commit, that who they are changed
    (groups, staff, active): they re-read it (realtime/signals.py)."""
    if not getattr(settings, "WORKFLOW_PUSH", True):
        return
    groups = sorted({user_group(u) for u in usernames if u})
    if groups:
        transaction.on_commit(lambda: _enqueue([(groups, {"type": "inbox.audience"})]))


def as_json(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=JSONEncoder))


_datetime = serializers.DateTimeField()  # the API's format for times (ISO 8601, "Z" for UTC)


def item_doc(row: Any, *, definition: str, case_state: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A work item row as `engine.serializers.WorkItemOutputSerializer` shows it (the API's
    representation), built from the row and its case in memory: no read-back, no DRF serializer
    run. realtime/tests checks that the two agree."""
    return {
        "id": str(row.pk),
        "case": row.case_id,
        "task": row.task,
        "generation": row.generation,
        "kind": row.kind,
        "state": row.state,
        "input": row.input,
        "output": row.output,
        "assignee": row.assignee,
        "role": row.role,
        "attempt": row.attempt,
        "error": row.error,
        "created_at": _datetime.to_representation(row.created_at),
        "updated_at": _datetime.to_representation(row.updated_at),
        "offered_user": row.offered_user,
        "priority": row.priority,
        "due_at": _datetime.to_representation(row.due_at) if row.due_at else None,
        "follow_up": _datetime.to_representation(row.follow_up) if row.follow_up else None,
        "iteration": row.iteration,
        "definition": definition,
        "case_state": case_state,
        "task_label": spec.get("label") or row.task,
        "task_description": spec.get("description") or "",
        "form": spec.get("form"),
    }


def item_entry(
    row: Any, *, definition: str, case_state: str, spec: Mapping[str, Any], excluded: frozenset[str]
) -> dict[str, Any]:
    """A committed manual work item as the consumers get it: what they decide on (who may see it,
    and whether it is newer than what the client has) and `json`, the API representation as
    JSON text, made here once for every socket (a consumer puts it into its frame as is).
    `excluded`: who four-eyes keeps it from (read by the committing thread)."""
    doc = item_doc(row, definition=definition, case_state=case_state, spec=spec)
    return {
        "id": doc["id"],
        "updated_at": doc["updated_at"],
        "kind": row.kind,
        "state": row.state,
        "role": row.role,
        "offered_user": row.offered_user,
        "assignee": row.assignee,
        "excluded": sorted(excluded),
        "json": item_json(doc),
    }


def item_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, cls=JSONEncoder)


def item_groups(row: Any, before: Iterable[str] = ()) -> set[str]:
    """The groups of everyone who may have the item in their inbox before or after the change:
    its role, its offered user, its assignee, those who had claimed it before, and staff."""
    groups = {STAFF_GROUP}
    if row.role:
        groups.add(role_group(row.role))
    for username in {row.offered_user, row.assignee, *before}:
        if username:
            groups.add(user_group(username))
    return groups


PUBLISH_TIMEOUT = 5.0
BATCH = 100  # transactions' entries sent as one bus message at most, when they queue up


Job = list[Entry] | Callable[[], list[Entry]]  # entries, or what makes them (in the publisher's thread)


def entries_of(job: Job) -> list[Entry]:
    return job() if callable(job) else job


class _Publisher:
    """One daemon thread per process that publishes what commits hand it, in commit order, while
    the committing code goes on (ADR 0062): a commit hands over what it wrote, and this thread
    makes the messages of it (ADR 0093) and publishes them; what queued up while the last
    PUBLISH was on its way goes as one bus message (up to BATCH transactions). A plain thread
    with a blocking queue and the layer's synchronous Redis connection (ADR 0092); a forked
    worker makes its own."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.queue: SimpleQueue[Job] = SimpleQueue()
        self.pending = 0  # handed over, not yet sent
        self.done = threading.Condition()
        threading.Thread(target=self.run, name="push-publisher", daemon=True).start()

    def put(self, job: Job) -> None:
        with self.done:
            self.pending += 1
        self.queue.put(job)

    def run(self) -> None:
        while True:
            jobs = [self.queue.get()]
            while len(jobs) < BATCH:
                try:
                    jobs.append(self.queue.get_nowait())
                except Empty:
                    break
            entries: list[Entry] = []
            for job in jobs:
                try:
                    entries += entries_of(job)
                except Exception:  # one transaction's push failed: the others still go
                    logger.exception("websocket push failed")
            try:
                if entries:
                    _send_all(entries)
            except Exception:  # a push must never stop the publisher
                logger.exception("websocket push failed")
            finally:
                with self.done:
                    self.pending -= len(jobs)
                    if not self.pending:
                        self.done.notify_all()

    def flush(self, timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: not self.pending, timeout)


_publisher: _Publisher | None = None
_publisher_lock = threading.Lock()


def _the_publisher() -> _Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher.pid != os.getpid():
            _publisher = _Publisher()
        return _publisher


def _enqueue(job: Job) -> None:
    if job:
        _the_publisher().put(job)


def flush(timeout: float = PUBLISH_TIMEOUT) -> None:
    """Wait until every message handed to the publisher so far is sent (or `timeout`)."""
    if _publisher is None or _publisher.pid != os.getpid():
        return
    if not _publisher.flush(timeout):  # pragma: no cover - Redis unreachable
        logger.error("websocket pushes not all sent within %s s", timeout)


atexit.register(flush)  # a short-lived process (a command, a script) sends what it committed


def warm_up() -> None:
    """Open the publisher's Redis connection now rather than on the first push: for
    long-running processes such as workers."""
    _send_all([(["warm-up"], {"type": "noop"})])


def _send_all(entries: list[Entry]) -> None:
    """As one message on the push bus (realtime/layer.py): serialized once, one PUBLISH, and
    each process's router hands each entry to its sockets in this order (the item that left
    before the one offered next)."""
    get_channel_layer().bus_publish(entries)
