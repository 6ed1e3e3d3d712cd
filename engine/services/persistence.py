"""The only code that changes a case.

Every change runs `_execute`: one transaction holding the case's row lock
(`select_for_update`), the pure engine applied to the loaded state, then `_settle`: the
engine's effects (child cases started or canceled, the parent told that a child ended) are
carried out inside the same transaction, the changed rows and the events are written, and
what leaves the process (dispatching automatic items, pushes) is sent on commit only.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from config import log_context
from definitions.models import DefinitionVersion
from definitions.registry import get_activity
from definitions.runtime import runtime_for
from definitions.selectors import version_get
from engine import access, hooks
from engine.access import SYSTEM, Actor
from engine.bulk import (
    Columns,
    Statement,
    built,
    bulk_update_rows,
    column,
    execute_as_one,
    fetch,
    insert_statement,
    table,
    update_statement,
)
from engine.core.effects import CancelChild, CaseEnded, Dispatch, Effect, StartChild
from engine.core.engine import Engine
from engine.core.errors import EngineError, InvalidInput, NotAllowed, NotFound
from engine.core.events import CASE_STATUS_EVENTS
from engine.core.limits import LIMITS
from engine.core.retry import RetryPolicy
from engine.core.state import CASE_ACTIVE, CASE_FINAL, ITEM_LIVE, CaseState, TaskRun
from engine.core.state import WorkItem as ItemState
from engine.models import Case, Event, WorkItem

T = TypeVar("T")

ITEM_FIELDS = [
    "state",
    "input",
    "output",
    "attempt",
    "error",
    "role",
    "offered_user",
    "assignee",
    "completed_by",
    "priority",
    "due_at",
    "updated_at",
]

# cases whose engine is open in this call stack: a nested change to one of them (a child that
# completes at once and moves its parent on) is applied to the open engine, not reloaded.
_open: contextvars.ContextVar[dict[int, Loaded] | None] = contextvars.ContextVar("open_cases", default=None)


@dataclass(slots=True)
class Loaded:
    """One case opened for a change: its row, the pure engine over its state, and the live
    work item rows that state was loaded from (by id; kept up to date by `_collect`, so the
    services return them to their callers)."""

    case: Case
    engine: Engine
    rows: dict[str, WorkItem] = field(default_factory=dict)


# ---------------------------------------------------------------------- the machinery


def start_case(
    *,
    ver: DefinitionVersion,
    data: dict[str, Any] | None = None,
    user: Actor,
    parent_item: WorkItem | None = None,
    business_key: str | None = None,
) -> Case:
    """Create a case of the published version `ver` and start it (no rights checked:
    `cases.case_start` checks them; a child case is started by its parent's work item, as
    `SYSTEM`). A `business_key` (already cleaned) another case of the definition holds is
    refused (409, `business_key_taken`) before anything is written, and again by the unique
    constraint when two starts race."""
    access.require_actor(user)
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("case data must be a JSON object")
    rt = runtime_for(ver)
    with transaction.atomic():
        depth = 0
        parent_id = None
        if parent_item is not None:
            depth = parent_item.case.depth + 1
            parent_id = parent_item.case_id
            if depth > settings.WORKFLOW_MAX_CHILD_DEPTH:
                raise NotAllowed(
                    f"child workflows nest at most {settings.WORKFLOW_MAX_CHILD_DEPTH} deep (WORKFLOW_MAX_CHILD_DEPTH)"
                )
            most = LIMITS.max_cases_per_root
            if _tree_size(parent_item.case_id) >= most:
                raise NotAllowed(
                    f"a case and its descendants are at most {most} cases (WORKFLOW_MAX_CASES_PER_ROOT): "
                    "no child case is started"
                )
        case = Case(
            version=ver,
            definition_name=ver.definition.name,
            parent_id=parent_id,
            parent_item=parent_item,
            depth=depth,
            started_by=access.user_row(user),
            business_key=business_key,
        )
        if (
            business_key is not None
            and Case.objects.filter(definition_name=case.definition_name, business_key=business_key).exists()
        ):
            raise business_key_taken(case.definition_name, business_key)
        state = CaseState()
        engine = Engine(rt.net, state, or_join=hooks.TimedOrJoin(rt.or_join), actor=access.actor_name(user), case={})
        engine.start_case(data or {})  # raises InvalidInput before anything is written
        _case_row_fields(case, state)
        if business_key is None:
            case.save()
        else:
            try:
                with transaction.atomic():  # a savepoint: a racing start with the same key loses here
                    case.save()
            except IntegrityError:
                raise business_key_taken(case.definition_name, business_key) from None
        engine.case = _case_vars(case)
        _settle(Loaded(case, engine))
    return case


def business_key_taken(definition: str, key: str | None) -> NotAllowed:
    return NotAllowed(
        f"a case of {definition!r} with business key {key!r} exists already; business keys are unique "
        "among the cases of a definition",
        errors=[{"field": "business_key", "message": "taken by another case of this definition"}],
        code="business_key_taken",
    )


def _tree_size(case_id: int) -> int:
    """How many cases the tree holding `case_id` has: its root and every descendant (two
    recursive queries along `parent_id`, on SQLite and PostgreSQL alike)."""
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM {table} WHERE id = %s "
            f"UNION ALL SELECT c.id, c.parent_id FROM {table} c JOIN up ON c.id = up.parent_id) "
            "SELECT id FROM up WHERE parent_id IS NULL",
            [case_id],
        )
        root = cursor.fetchone()
        cursor.execute(
            f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s UNION ALL SELECT c.id FROM {table} c "
            "JOIN tree t ON c.parent_id = t.id) SELECT count(*) FROM tree",
            [root[0] if root else case_id],
        )
        return int(cursor.fetchone()[0])


def _item_key(item_id: Any) -> str:
    """A work item id as its canonical UUID text; anything else is no work item (404)."""
    try:
        return str(uuid.UUID(str(item_id)))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"no work item {item_id}") from None


def _item_op(item_id, user: Actor, action: str, op: Callable[[Engine, str], Any], staff_only: bool = False) -> WorkItem:
    access.require_actor(user)
    key = _item_key(item_id)

    def run(engine: Engine) -> None:
        item = engine.state.work_items.get(key)
        if item is None:
            raise NotAllowed("the work item is no longer active")
        access.check_item_action(user, engine, item, action, staff_only=staff_only)
        op(engine, key)

    with log_context.bound(item_id=key):  # one query finds and locks the item's case
        _, _, loaded = _run_locked(("item", key), run, user=user, missing=f"no work item {item_id}", groups=True)
    row = loaded.rows.get(key)
    if row is None:  # pragma: no cover - the item is live, so it was loaded
        row = WorkItem.objects.get(pk=key)
    return row


def _execute(case_id: int, op: Callable[[Engine], T], *, user: Actor, staff_only: bool = False) -> tuple[Case, T]:
    """Apply `op` to the case's engine, as `user` (the caller's user, or `SYSTEM` for the
    engine's own changes: a child canceled, a parent told, a timer fired)."""
    if staff_only:
        access.check_staff(user)
    else:
        access.require_actor(user)
    opened = _open.get()
    if opened is not None and case_id in opened:  # already open further up this call stack
        o = opened[case_id]
        return o.case, op(o.engine)
    case, result, _ = _run_locked(("case", case_id), op, user=user, missing=f"no case {case_id}")
    return case, result


def _run_locked(
    lock: tuple[str, Any], op: Callable[[Engine], T], *, user: Actor, missing: str, groups: bool = False
) -> tuple[Case, T, Loaded]:
    """Lock the case (`("case", id)`, or `("item", work item id)`: the item's case), apply `op`
    to its engine and settle, in one transaction. `groups`: the rights check may need the user's
    groups; when this user object has not read them, the lock's statement reads them too."""
    with transaction.atomic():
        case = _lock_case(*lock, groups_of=user if groups and access.groups_unread(user) else None)
        if case is None:
            raise NotFound(missing)
        with log_context.bound(case_id=case.pk, definition=case.definition_name):  # on each log record
            loaded = _load_engine(case, user)
            result = op(loaded.engine)
            _settle(loaded)
    return case, result, loaded


# ---------------------------------------------------------------------- the statements of a step
# Built once per process and connection vendor (engine.bulk.built), not compiled from a queryset
# on every call (ADR 0088). They read what these querysets read:
#   Case.objects.select_for_update(of=("self",)).select_related("version").defer("version__net")
#       .filter(pk=...) or .filter(work_items__pk=...)
#   case.work_items.filter(state__in=ITEM_LIVE)  (ordered by created_at, the model's ordering)


def _lock_statement(conn: BaseDatabaseWrapper, by: str, groups_of: Any = None) -> tuple[str, Columns, Columns]:
    """The lock's SELECT; with `groups_of` (a user model) one more column, the names of a user's
    groups (its id the first parameter): an array on PostgreSQL, a JSON array elsewhere."""

    def build(c: BaseDatabaseWrapper) -> tuple[str, Columns, Columns]:
        case_cols = Columns(c, Case, "c")
        version_cols = Columns(c, DefinitionVersion, "v", exclude=("net",))
        if by == "item":
            item = f"SELECT w.{column(c, WorkItem, 'case')} FROM {table(c, WorkItem)} w"
            item += f" WHERE w.{column(c, WorkItem)} = %s"
            where = f"c.{column(c, Case)} = ({item})"
        else:
            where = f"c.{column(c, Case)} = %s"
        lock = ""
        if c.features.has_select_for_update:  # only the case row (SQLite: the write lock of BEGIN IMMEDIATE)
            lock = " " + c.ops.for_update_sql(of=("c",) if c.features.has_select_for_update_of else ())
        groups = ""
        if groups_of is not None:
            names = access.groups_sql(groups_of, c)
            if c.vendor == "postgresql":
                groups = f", ARRAY({names})"
            else:
                groups = f", (SELECT json_group_array(n.name) FROM ({names}) n)"
        sql = (
            f"SELECT {case_cols.sql}, {version_cols.sql}{groups} FROM {table(c, Case)} c"
            f" INNER JOIN {table(c, DefinitionVersion)} v"
            f" ON v.{column(c, DefinitionVersion)} = c.{column(c, Case, 'version')} WHERE {where}{lock}"
        )
        return sql, case_cols, version_cols

    return built(conn, ("lock case", by, groups_of), build)


_VERSION = Case._meta.get_field("version")
_PAYLOAD_ENCODER = Event._meta.get_field("payload").encoder  # None: json's own


def _lock_case(by: str, key: Any, groups_of: Any = None) -> Case | None:
    """The case row (its version loaded, less the net) locked for this transaction, or None.
    `by`: "case" (`key` its id) or "item" (`key` the id of one of its work items, a checked UUID).
    `groups_of`: a user whose groups are read by the same statement (`access.remember_groups`)."""
    conn = connections["default"]
    if by == "item":
        param = WorkItem._meta.pk.get_db_prep_value(key, conn)
    else:
        param = Case._meta.pk.get_prep_value(key)  # ValueError as .filter(pk=) raises
        low, high = conn.ops.integer_field_range(Case._meta.pk.get_internal_type())
        if not low <= param <= high:  # past the column's integers: no such case (as the ORM answers)
            return None
    user_model = groups_of._meta.model if groups_of is not None else None  # (a lazy object's too)
    sql, case_cols, version_cols = _lock_statement(conn, by, user_model)
    rows = fetch(conn, sql, (param,) if groups_of is None else (groups_of.pk, param))
    if not rows:
        return None
    row = rows[0]
    case: Case = case_cols.instance(conn, row[: case_cols.width])
    end = case_cols.width + version_cols.width
    _VERSION.set_cached_value(case, version_cols.instance(conn, row[case_cols.width : end]))
    if groups_of is not None:
        names: Any = row[end]  # PostgreSQL: a list; SQLite: JSON text
        access.remember_groups(groups_of, json.loads(names) if isinstance(names, str) else names or ())
    return case


def _live_rows(case: Case) -> list[WorkItem]:
    """The case's live work items (open, or failed awaiting an operator), oldest first."""
    conn = connections["default"]

    def build(c: BaseDatabaseWrapper) -> tuple[str, Columns, tuple[str, ...]]:
        cols = Columns(c, WorkItem, "w")
        states = tuple(sorted(ITEM_LIVE))
        sql = (
            f"SELECT {cols.sql} FROM {table(c, WorkItem)} w WHERE w.{column(c, WorkItem, 'case')} = %s"
            f" AND w.{column(c, WorkItem, 'state')} IN ({', '.join(['%s'] * len(states))})"
            f" ORDER BY w.{column(c, WorkItem, 'created_at')}"
        )
        return sql, cols, states

    sql, cols, states = built(conn, ("live items",), build)
    return [cols.instance(conn, row) for row in fetch(conn, sql, (case.pk, *states))]


def _load_engine(case: Case, user, live: list[WorkItem] | None = None) -> Loaded:
    rt = runtime_for(case.version)
    if live is None:
        live = _live_rows(case)
    rows = {str(r.pk): r for r in live}
    state = CaseState(
        status=case.state,
        marking=dict(case.marking),
        tasks={tid: TaskRun.from_json(doc) for tid, doc in case.tasks.items()},
        data=dict(case.data),  # a copy: `_collect` writes the data only when it differs from the row's
        work_items={key: _item_from_row(r) for key, r in rows.items()},
        pending_signals=list(case.pending_signals or []),
    )
    or_join = hooks.TimedOrJoin(rt.or_join)  # its decisions' time goes to the metrics
    engine = Engine(rt.net, state, or_join=or_join, actor=access.actor_name(user), case=_case_vars(case))
    return Loaded(case, engine, rows)


def _settle(loaded: Loaded) -> None:
    """Write what the engine changed and carry out its effects, until nothing is left."""
    case, engine = loaded.case, loaded.engine
    token = None
    opened = _open.get()
    if opened is None:
        opened = {}
        token = _open.set(opened)
    opened[case.pk] = loaded
    try:
        while True:
            _write(loaded)
            effects, engine.effects = engine.effects, []
            if not effects:
                break
            for effect in effects:
                _carry_out(loaded, effect)
    finally:
        opened.pop(case.pk, None)
        if token is not None:
            _open.reset(token)


def _carry_out(loaded: Loaded, effect: Effect) -> None:
    case, engine = loaded.case, loaded.engine
    if isinstance(effect, Dispatch):
        item = engine.state.work_items[effect.item_id]
        job = _dispatch(engine.net.tasks[item.task].spec, effect.item_id, item.attempt, effect.delay)
        transaction.on_commit(lambda: hooks.dispatch_automatic(job))
    elif isinstance(effect, StartChild):
        item_id, name, child_input = effect.item_id, effect.workflow, effect.input
        parent_item = WorkItem.objects.select_related("case").get(pk=item_id)
        try:
            with transaction.atomic():
                child_version = version_get(definition=name)
                access.check_can_start_child(parent_item.case, child_version)
                start_case(
                    ver=child_version,
                    data=child_input if isinstance(child_input, dict) else {},
                    user=SYSTEM,
                    parent_item=parent_item,
                )
        except EngineError as exc:
            if engine.state.work_items[item_id].state == "started":
                engine.fail_item(
                    item_id, {"type": type(exc).__name__, "message": f"child workflow {name!r}: {exc.message}"}
                )
    elif isinstance(effect, CancelChild):
        for child_id in Case.objects.filter(parent_item_id=effect.item_id, state__in=CASE_ACTIVE).values_list(
            "pk", flat=True
        ):
            _execute(child_id, lambda e: e.cancel_case("the parent work item was canceled"), user=SYSTEM)
    elif isinstance(effect, CaseEnded) and case.parent_item_id and case.parent_id:
        item_id = str(case.parent_item_id)  # the parent is told that its child ended
        status, data = engine.state.status, dict(engine.state.data)
        _execute(
            case.parent_id,
            lambda e: e.child_ended(item_id, status, data) if item_id in e.state.work_items else None,
            user=SYSTEM,
        )
    # ScheduleTimer: the due time is on the row; the timer sweep fires it.
    # AwaitSignal: signals arrive through the API.


class _Writes:
    """What one case's engine changed, as rows to write: `_collect` builds it, `_flush` writes
    the writes of one case or of many (the worker's batches) with one statement per table."""

    __slots__ = ("case", "case_fields", "created", "changed", "item_fields", "events", "previous_assignees")

    def __init__(self, case: Case) -> None:
        self.case = case
        self.case_fields: list[str] = CASE_FIELDS  # the case's columns this change wrote
        self.created: list[WorkItem] = []
        self.changed: list[WorkItem] = []
        self.item_fields: list[str] = ITEM_FIELDS  # the columns the changed items need written
        self.events: list[EventRow] = []
        self.previous_assignees: dict[str, str] = {}


class EventRow(NamedTuple):
    """An event row to insert (what `engine.models.Event` stores, without its id): a tuple, not
    a model instance, on the path every change takes."""

    case_id: int
    type: str
    task: str
    work_item: str | None
    payload: dict[str, Any]
    actor: str
    created_at: dt.datetime


CASE_FIELDS = ["state", "marking", "tasks", "data", "pending_signals", "ended_at", "reason", "updated_at"]


def _dispatch(spec: Mapping[str, Any], item_id: str, attempt: int, countdown: float = 0.0) -> hooks.Dispatch:
    """The message for one attempt of an automatic item of the task `spec`: its timeout, and
    whether it runs alone (an activity registered `alone=True`, see ADR 0017)."""
    act = get_activity(spec.get("activity") or "")
    return hooks.Dispatch(
        item_id=item_id,
        attempt=attempt,
        countdown=countdown,
        timeout=RetryPolicy.of(spec).timeout,
        alone=bool(act and act.alone),
    )


def _write(loaded: Loaded) -> None:
    writes = _collect(loaded)
    if writes is not None:
        _flush([writes])


def _collect(loaded: Loaded) -> _Writes | None:
    case, engine = loaded.case, loaded.engine
    state = engine.state
    if not (engine.events or engine.dirty):
        return None
    w = _Writes(case)
    status_event = CASE_STATUS_EVENTS.get(state.status)
    reason = next((ev.payload.get("reason", "") for ev in engine.events if ev.type == status_event), "")
    now = timezone.now()
    w.case_fields = [*_case_row_fields(case, state, reason=reason), "updated_at"]
    case.updated_at = now
    w.created = [_row_from_item(case, engine.dirty[i], now) for i in engine.created if i in engine.dirty]
    changed = [i for i in engine.dirty.values() if i.id not in engine.created]
    if changed:
        before = loaded.rows
        fields: set[str] = set()
        rows = []
        for item in changed:
            row = before.get(item.id)
            if row is None:  # pragma: no cover - a changed item is live, so it was loaded
                rows.append(_row_from_item(case, item, now))
                fields.update(ITEM_FIELDS)
                continue
            # the loaded row itself becomes the row as written (no second instance): its columns
            # set from the engine's item, noting which changed
            if row.assignee and row.assignee != item.assignee:
                w.previous_assignees[item.id] = row.assignee
            for f, value in _item_columns(item).items():
                if getattr(row, f) != value:
                    fields.add(f)
                    setattr(row, f, value)
            row.updated_at = now
            rows.append(row)
        # only what changed is written (one statement for the rows: the union of their changes)
        w.item_fields = [f for f in ITEM_FIELDS if f in fields or f == "updated_at"]
        w.changed = rows
    actor = engine.actor or ""
    w.events = [
        EventRow(case.pk, ev.type.value, ev.task, ev.work_item, dict(ev.payload), actor, now) for ev in engine.events
    ]
    engine.events, engine.dirty, engine.created = [], {}, set()
    return w


def _flush(batch: list[_Writes]) -> None:
    """Write the collected changes of one or more cases: one statement per table (an UPDATE of
    the one row, or a bulk one for several; a case's new and changed items together in one
    INSERT ... ON CONFLICT UPDATE), then tell the change hook the rows each case wrote."""
    if len(batch) == 1 and _small(batch[0]):
        w = batch[0]
        _flush_one(w)
        rows = [*w.changed, *w.created]
        hooks.rows_written([w.case], w.events, rows)  # metrics (ops app), counted on commit
        hooks.case_changed(w.case, rows, w.previous_assignees)
        return
    if len(batch) == 1:
        w = batch[0]
        Case.objects.filter(pk=w.case.pk).update(**{f: getattr(w.case, f) for f in w.case_fields})
    else:
        bulk_update_rows(Case, [w.case for w in batch], CASE_FIELDS)
    created = [r for w in batch for r in w.created]
    changed = [r for w in batch for r in w.changed]
    if created:
        WorkItem.objects.bulk_create(created)
    if len(changed) == 1:
        r = changed[0]
        WorkItem.objects.filter(pk=r.pk).update(**{f: getattr(r, f) for f in batch[0].item_fields})
    elif changed:
        for start in range(0, len(changed), 500):
            bulk_update_rows(WorkItem, changed[start : start + 500], ITEM_FIELDS)
    events = [e for w in batch for e in w.events]
    Event.objects.bulk_create([Event(**e._asdict()) for e in events], batch_size=1000)
    hooks.rows_written([w.case for w in batch], events, [*changed, *created])  # metrics (ops app), on commit
    for w in batch:
        hooks.case_changed(w.case, [*w.changed, *w.created], w.previous_assignees)


def _small(w: _Writes) -> bool:
    """Few enough rows for one statement (a case start with 1,000 items keeps the batched path)."""
    return len(w.created) + len(w.changed) <= UPSERT_MAX and len(w.events) <= 4 * UPSERT_MAX


def _flush_one(w: _Writes) -> None:
    """One case's writes (its row, its new and changed items, its events): on PostgreSQL one
    statement, `WITH ... UPDATE, INSERT ... ON CONFLICT ... INSERT` (each part touches other rows;
    ADR 0062), one round trip instead of three; on SQLite the same parts one after another. The
    statements' text is built once per set of columns (engine.bulk, ADR 0088)."""
    parts = [update_statement(Case, w.case.pk, {f: getattr(w.case, f) for f in w.case_fields})]
    created = w.created
    if len(w.changed) == 1 and (not created or connection.vendor == "postgresql"):
        # one changed row: an UPDATE of its changed columns (on PostgreSQL a part of the one
        # statement beside the INSERT of the new rows; fewer values than an upsert of both)
        r = w.changed[0]
        parts.append(update_statement(WorkItem, r.pk, {f: getattr(r, f) for f in w.item_fields}))
    elif w.changed:  # a changed row exists: the upsert sets only its changed columns
        parts.append(insert_statement(WorkItem, [*created, *w.changed], update_fields=w.item_fields))
        created = []
    if created:
        parts.append(insert_statement(WorkItem, created))
    if w.events:
        parts.append(_events_statement(w.events))
    execute_as_one(parts)


_EVENT_SHARED = ("case", "actor", "created_at")  # the same for every event of one case's write
_EVENT_OWN = ("type", "task", "work_item", "payload")


def _events_statement(events: list[EventRow]) -> Statement:
    """One case's events (one actor, one time: `_collect`) as one INSERT. On PostgreSQL their
    own columns go as one JSON parameter (`jsonb_to_recordset`, in order: the ids follow the
    list), so the statement has four parameters whatever the number of events: no value is
    prepared column by column, and with its few parameters the whole write stays within what
    psycopg caches the parsing of (50). Elsewhere, `insert_statement`."""
    conn = connections["default"]
    if conn.vendor != "postgresql":
        return insert_statement(Event, events)

    def build(c: BaseDatabaseWrapper) -> str:
        cols = ", ".join(column(c, Event, n) for n in (*_EVENT_SHARED, *_EVENT_OWN))
        own = ", ".join(_EVENT_OWN)
        return (
            f"INSERT INTO {table(c, Event)} ({cols}) SELECT %s, %s, %s, {', '.join(f'e.{n}' for n in _EVENT_OWN)}"
            " FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS (type text, task text, work_item uuid, payload jsonb))"
            f" WITH ORDINALITY AS e({own}, n) ORDER BY e.n"
        )

    first = events[0]
    shared = [
        Event._meta.get_field(n).get_db_prep_save(getattr(first, n if n != "case" else "case_id"), conn)
        for n in _EVENT_SHARED
    ]
    own_rows = [
        {"type": e.type, "task": e.task, "work_item": str(e.work_item) if e.work_item else None, "payload": e.payload}
        for e in events
    ]
    return built(conn, ("events",), build), (*shared, json.dumps(own_rows, cls=_PAYLOAD_ENCODER))


# most rows written by one INSERT ... ON CONFLICT (beyond: the statements of a large batch)
UPSERT_MAX = 200


def _case_row_fields(case: Case, state: CaseState, reason: str = "") -> list[str]:
    """Set the case row's columns from `state`; returns the names of those that changed."""
    changed = []
    for name, value in (
        ("state", state.status),
        ("marking", state.marking_json()),
        ("tasks", state.tasks_json()),
        ("data", state.data),
        ("pending_signals", state.pending_signals),
    ):
        if getattr(case, name) != value:
            changed.append(name)
        setattr(case, name, value)
    if state.status in CASE_FINAL and case.ended_at is None:
        case.ended_at = timezone.now()
        changed.append("ended_at")
    if reason and case.reason != reason:
        case.reason = reason
        changed.append("reason")
    return changed


def _item_from_row(r: WorkItem) -> ItemState:
    return ItemState(
        id=str(r.pk),
        task=r.task,
        generation=r.generation,
        kind=r.kind,
        state=r.state,
        input=r.input,
        output=r.output,
        attempt=r.attempt,
        error=r.error,
        role=r.role,
        user=r.offered_user,
        assignee=r.assignee,
        priority=r.priority,
        due_at=r.due_at.isoformat() if r.due_at else None,
        completed_by=r.completed_by,
        iteration=r.iteration,
    )


def _item_columns(i: ItemState) -> dict[str, Any]:
    """The columns of ITEM_FIELDS (but `updated_at`) as the engine's item has them."""
    return {
        "state": i.state,
        "input": i.input,
        "output": i.output,
        "attempt": i.attempt,
        "error": i.error,
        "role": i.role,
        "offered_user": i.user,
        "assignee": i.assignee,
        "completed_by": i.completed_by,
        "priority": i.priority,
        "due_at": dt.datetime.fromisoformat(i.due_at) if i.due_at else None,
    }


def _row_from_item(case: Case, i: ItemState, now: dt.datetime) -> WorkItem:
    return WorkItem(
        id=i.id,
        case_id=case.pk,
        task=i.task,
        generation=i.generation,
        kind=i.kind,
        iteration=i.iteration,
        created_at=now,
        updated_at=now,
        **_item_columns(i),
    )


def _case_vars(case: Case) -> dict[str, Any]:
    return {"id": case.pk, "definition": case.definition_name, "version": case.version.version}
