"""The ``pure`` backend of the pattern harness: the pure engine in memory, no Django.

`PureBackend` plays the part of the database and of `engine.services.persistence`, in a few
dicts, for the pure engine (`engine.core.engine.Engine`):

* **Nets** are validated with `engine.core.validation.validate_net` (activities: the backend's
  activity table; child workflows: the nets published here) and parsed once per version, with
  their OR-join analyzer, as `definitions.runtime` does.
* **One operation** = a fresh `Engine` over the case's `CaseState` (as `_load_engine` builds
  one from the rows), the call, then `_settle`: the changed work items and the events are
  "written" (copied into `rows` and `event_log`), the engine's effects are carried out until
  none is left, and the state keeps only the live work items, as a reload from the database
  would. An operation that raises leaves nothing behind (the transaction is rolled back). A
  nested change to a case whose engine is open further up the stack (a child that ends at once
  moves its parent on) is applied to that open engine, as in persistence.
* **Effects**, all read in `PureBackend._carry_out` (the one place that knows their shape):
  `Dispatch` queues the automatic item in `queue`; it waits for the test (as with
  ``WORKFLOW_RUNNER="manual"``) unless the backend was made with ``runner="inline"``, which
  runs it through the `activities` table after each operation (`run_automatic`), retry
  delays ignored. `StartChild` starts the child case in memory (an `EngineError` fails the
  parent's item, as in persistence), `CancelChild` cancels the item's running child cases,
  `CaseEnded` tells the parent case. `ScheduleTimer` records the due time in `timers`;
  `fire_timers` fires the due ones (the worker's sweep). `AwaitSignal` needs nothing: signals
  arrive through `PureRun.signal`.
* **Events** are turned into the harness's event rows in `_event_row` (the one place that knows
  their shape).

What it does not do: rights checks (the db backend acts as ``SYSTEM``, which passes them),
row locks and concurrency, pushes and hooks, users/roles beyond what the engine stores,
retries' back-off timing, batches, the redispatch of lost messages. Its clock does not move:
every engine runs at `now` (the time the backend was made); `fire_timers(later)` fires what is
due `later` from then.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.core.effects import AwaitSignal, CancelChild, CaseEnded, Dispatch, Effect, ScheduleTimer, StartChild
from engine.core.engine import Engine
from engine.core.errors import EngineError, InvalidInput, NotAllowed, NotFound
from engine.core.events import Event
from engine.core.net import Net, parse_net
from engine.core.orjoin import OrJoinAnalyzer
from engine.core.state import CASE_FINAL, ITEM_LIVE, CaseState
from engine.core.state import WorkItem as ItemState
from engine.core.validation import validate_net

from .harness import Run

__all__ = ["PureBackend", "PureItem", "PureRun"]

T = TypeVar("T")
Activity = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Version:
    """One published version of a net: parsed once, with its OR-join analyzer."""

    name: str
    version: int
    net: Net
    or_join: OrJoinAnalyzer


@dataclass
class PureCase:
    """A case "row": the engine's state and what the database keeps beside it."""

    id: int
    version: Version
    cs: CaseState
    parent_id: int | None = None
    parent_item: str | None = None  # the parent's composite work item
    depth: int = 0
    reason: str = ""
    ended_at: dt.datetime | None = None


@dataclass(frozen=True)
class CaseRow:
    """A snapshot of a case, with the columns of `engine.models.Case` the tests read."""

    id: int
    definition_name: str
    state: str
    marking: dict[str, int]
    tasks: dict[str, Any]
    data: dict[str, Any]
    pending_signals: list[dict[str, Any]]
    reason: str
    ended_at: dt.datetime | None
    depth: int
    parent_id: int | None


@dataclass(frozen=True)
class ItemRecord:
    """A written work item (a copy: later changes in the engine do not show until written)."""

    case_id: int
    item: ItemState


class PureItem:
    """A work item as a row: a snapshot; `refresh_from_db` reads the written one again."""

    def __init__(self, backend: PureBackend, record: ItemRecord):
        self._backend = backend
        self.case_id = record.case_id
        self._item = copy.deepcopy(record.item)

    def refresh_from_db(self) -> None:
        self._item = copy.deepcopy(self._backend.rows[self.pk].item)

    @property
    def pk(self) -> str:
        return self._item.id

    @property
    def task(self) -> str:
        return self._item.task

    @property
    def kind(self) -> str:
        return self._item.kind

    @property
    def state(self) -> str:
        return self._item.state

    @property
    def input(self) -> Any:
        return self._item.input

    @property
    def output(self) -> Any:
        return self._item.output

    @property
    def attempt(self) -> int:
        return self._item.attempt

    @property
    def error(self) -> Any:
        return self._item.error

    def __repr__(self) -> str:
        return f"<PureItem {self.task} {self.state} {self.pk}>"


class PureBackend:
    """Cases of the pure engine in memory (see the module docstring)."""

    name = "pure"

    def __init__(
        self,
        *,
        activities: Mapping[str, Activity] | None = None,
        runner: str = "manual",
        max_child_depth: int = 10,
        now: dt.datetime | None = None,
    ):
        assert runner in ("manual", "inline")
        self.activities: dict[str, Activity] = {"noop": lambda _input: {}, **(activities or {})}
        self.runner = runner
        self.max_child_depth = max_child_depth  # WORKFLOW_MAX_CHILD_DEPTH
        self.now = now or dt.datetime.now(dt.UTC)
        self.versions: dict[str, list[Version]] = {}
        self.cases: dict[int, PureCase] = {}
        self.rows: dict[str, ItemRecord] = {}  # every work item written, by id
        self.event_log: list[tuple[int, dict[str, Any]]] = []  # (case id, event row), in order
        self.timers: dict[str, dt.datetime] = {}  # timer work item -> due (schedule_timer)
        self.queue: list[tuple[str, int]] = []  # dispatched automatic items: (item id, attempt)
        self._case_ids = itertools.count(1)
        self._open: dict[int, Engine] = {}  # cases whose engine is open in this call stack
        self._in_transaction = False
        self._draining = False

    # ------------------------------------------------------------------ the Backend API

    def publish(self, doc: Mapping[str, Any]) -> str:
        name = str(doc["name"])
        result = validate_net(
            copy.deepcopy(dict(doc)),
            activity_exists=lambda a: a in self.activities,
            definition_exists=lambda d: d in self.versions or d == name,
        )
        if not result.valid:
            raise InvalidInput(
                "the net has errors; fix them before publishing", errors=[p.as_dict() for p in result.errors]
            )
        parsed = parse_net(copy.deepcopy(dict(doc)))
        versions = self.versions.setdefault(name, [])
        versions.append(Version(name, len(versions) + 1, parsed, OrJoinAnalyzer(parsed)))
        return name

    def start(self, definition: str, data: Mapping[str, Any] | None = None) -> PureRun:
        with self._transaction():
            case = self._start_case(definition, dict(data or {}))
        return PureRun(self, case.id)

    def fire_timers(self, later: dt.timedelta) -> int:
        """Fire every timer work item of a running case due `later` from `now`, earliest
        first, each as its own operation. Returns how many were due."""
        due_by = self.now + later
        due = []
        for item_id, at in sorted(self.timers.items(), key=lambda kv: kv[1]):
            record = self.rows.get(item_id)
            if record is None or record.item.state != "initialized":
                del self.timers[item_id]  # withdrawn or canceled: never fires
            elif at <= due_by and self.cases[record.case_id].cs.status == "running":
                due.append((item_id, record.case_id))
        for item_id, case_id in due:
            self.timers.pop(item_id, None)
            try:
                self._execute(case_id, functools.partial(_fire_timer, item_id=item_id))
            except EngineError:  # pragma: no cover - the case moved on meanwhile
                continue
        return len(due)

    def run_automatic(self) -> int:
        """Run the queued automatic items through the activity table: the output completes
        the item; an exception is a failed attempt (the task's retry policy decides). Returns
        how many attempts ran."""
        self._draining = True
        try:
            return self._drain()
        finally:
            self._draining = False

    def _drain(self) -> int:
        ran = 0
        while self.queue:
            item_id, attempt = self.queue.pop(0)
            record = self.rows.get(item_id)
            if record is None or record.item.state != "initialized" or record.item.attempt != attempt:
                continue  # a stale message: the runner drops it
            if self.cases[record.case_id].cs.status != "running":
                continue
            case_id, item = record.case_id, record.item
            activity = self.activities[self.cases[case_id].version.net.tasks[item.task].spec["activity"]]
            ran += 1
            try:
                output = activity(copy.deepcopy(item.input or {}))
            except Exception as exc:  # noqa: BLE001 - the activity's failure is the item's
                error = {"type": type(exc).__name__, "message": str(exc)}
                self._item_op(item_id, functools.partial(_attempt_failed, error=error))
            else:
                self._item_op(item_id, functools.partial(_complete, output=output))
        return ran

    # ------------------------------------------------------------------ operations

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The outermost operation is all or nothing, as one database transaction."""
        if self._in_transaction:
            yield
            return
        memo: dict[int, Any] = {id(v): v for vs in self.versions.values() for v in vs}  # nets are shared
        saved = copy.deepcopy((self.cases, self.timers, self.queue), memo)
        rows, events = dict(self.rows), len(self.event_log)
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.cases, self.timers, self.queue = saved
            self.rows = rows
            del self.event_log[events:]
            raise
        finally:
            self._in_transaction = False
        if self.runner == "inline" and not self._draining:
            self.run_automatic()  # "on commit"

    def _execute(self, case_id: int, op: Callable[[Engine], T]) -> T:
        opened = self._open.get(case_id)
        if opened is not None:  # already open further up this call stack
            return op(opened)
        case = self.cases.get(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        with self._transaction():
            engine = self._engine(case)
            result = op(engine)
            self._settle(case, engine)
        return result

    def _item_op(self, item_id: str, op: Callable[[Engine, str], Any]) -> None:
        record = self.rows.get(str(item_id))
        if record is None:
            raise NotFound(f"no work item {item_id}")

        def run(engine: Engine) -> None:
            if str(item_id) not in engine.state.work_items:
                raise NotAllowed("the work item is no longer active")
            op(engine, str(item_id))

        self._execute(record.case_id, run)

    def _engine(self, case: PureCase) -> Engine:
        ver = case.version
        return Engine(ver.net, case.cs, or_join=ver.or_join, case=self._case_vars(case), now=self.now)

    def _start_case(
        self, definition: str, data: dict[str, Any], *, parent: PureCase | None = None, parent_item: str | None = None
    ) -> PureCase:
        versions = self.versions.get(definition)
        if not versions:
            raise NotFound(f"no published definition {definition!r}")
        depth = parent.depth + 1 if parent is not None else 0
        if depth > self.max_child_depth:
            raise NotAllowed(f"child workflows nest at most {self.max_child_depth} deep")
        ver = versions[-1]
        state = CaseState()
        engine = Engine(ver.net, state, or_join=ver.or_join, case={}, now=self.now)
        engine.start_case(data)  # raises InvalidInput before anything is kept
        case = PureCase(
            id=next(self._case_ids),
            version=ver,
            cs=state,
            depth=depth,
            parent_id=parent.id if parent is not None else None,
            parent_item=parent_item,
        )
        self.cases[case.id] = case
        engine.case = self._case_vars(case)
        self._settle(case, engine)
        return case

    def _settle(self, case: PureCase, engine: Engine) -> None:
        """Write what the engine changed and carry out its effects, until nothing is left."""
        self._open[case.id] = engine
        try:
            while True:
                self._write(case, engine)
                effects, engine.effects = engine.effects, []
                if not effects:
                    break
                for effect in effects:
                    self._carry_out(case, engine, effect)
        finally:
            self._open.pop(case.id, None)
        # the next operation sees what a reload from the rows gives: the live work items only
        case.cs.work_items = {k: w for k, w in case.cs.work_items.items() if w.state in ITEM_LIVE}

    def _write(self, case: PureCase, engine: Engine) -> None:
        if not (engine.events or engine.dirty):
            return
        for ev in engine.events:
            row = _event_row(ev)
            self.event_log.append((case.id, row))
            if row["type"] == f"case.{case.cs.status}" and row.get("reason"):
                case.reason = row["reason"]
        for item in engine.dirty.values():
            self.rows[item.id] = ItemRecord(case.id, copy.deepcopy(item))
        if case.cs.status in CASE_FINAL and case.ended_at is None:
            case.ended_at = self.now
        engine.events, engine.dirty, engine.created = [], {}, set()

    def _carry_out(self, case: PureCase, engine: Engine, effect: Effect) -> None:
        """Carry out one effect of the engine (`engine.core.effects`): the ONLY code here that
        reads an effect."""
        if isinstance(effect, Dispatch):  # the delay (a retry's back-off) is not waited for
            item = engine.state.work_items[effect.item_id]
            self.queue.append((item.id, item.attempt))
        elif isinstance(effect, StartChild):
            item_id, name, child_input = effect.item_id, effect.workflow, effect.input
            try:
                self._start_case(
                    name, child_input if isinstance(child_input, dict) else {}, parent=case, parent_item=item_id
                )
            except EngineError as exc:
                if engine.state.work_items[item_id].state == "started":
                    engine.fail_item(
                        item_id, {"type": type(exc).__name__, "message": f"child workflow {name!r}: {exc.message}"}
                    )
        elif isinstance(effect, CancelChild):
            for child in [
                c
                for c in self.cases.values()
                if c.parent_item == effect.item_id and c.cs.status in ("running", "suspended")
            ]:
                self._execute(child.id, lambda e: e.cancel_case("the parent work item was canceled"))
        elif isinstance(effect, CaseEnded):
            if case.parent_id is not None and case.parent_item is not None:
                item_id, status, data = case.parent_item, case.cs.status, dict(case.cs.data)
                self._execute(
                    case.parent_id,
                    lambda e: e.child_ended(item_id, status, data) if item_id in e.state.work_items else None,
                )
        elif isinstance(effect, ScheduleTimer):
            if effect.due_at:
                self.timers[effect.item_id] = dt.datetime.fromisoformat(effect.due_at)
        elif isinstance(effect, AwaitSignal):
            pass  # signals arrive through PureRun.signal
        else:  # pragma: no cover - a new effect the harness does not know yet
            raise AssertionError(f"the pure harness does not know the effect {effect!r}")

    @staticmethod
    def _case_vars(case: PureCase) -> dict[str, Any]:
        return {"id": case.id, "definition": case.version.name, "version": case.version.version}


def _event_row(ev: Event) -> dict[str, Any]:
    """An engine event (`engine.core.events.Event`) as the harness reads it: ``{"type", "task",
    "work_item", **payload}`` (an `engine.models.Event` row, payload flattened). The ONLY code
    here that reads an event."""
    return {"type": ev.type.value, "task": ev.task, "work_item": ev.work_item, **copy.deepcopy(dict(ev.payload))}


class PureRun(Run):
    """One case of a `PureBackend`."""

    def __init__(self, backend: PureBackend, case_id: int):
        super().__init__(case_id)
        self.backend = backend

    @property
    def case(self) -> CaseRow:
        c = self.backend.cases[self.id]
        return CaseRow(
            id=c.id,
            definition_name=c.version.name,
            state=c.cs.status,
            marking=c.cs.marking_json(),
            tasks=copy.deepcopy(c.cs.tasks_json()),
            data=copy.deepcopy(c.cs.data),
            pending_signals=copy.deepcopy(c.cs.pending_signals),
            reason=c.reason,
            ended_at=c.ended_at,
            depth=c.depth,
            parent_id=c.parent_id,
        )

    def _item_rows(self, task_id: str | None, states: Iterable[str]) -> list[PureItem]:
        wanted = set(states)
        return [
            PureItem(self.backend, r)
            for r in self.backend.rows.values()
            if r.case_id == self.id and r.item.state in wanted and (task_id is None or r.item.task == task_id)
        ]

    def events(self, *types: str) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(row)
            for case_id, row in self.backend.event_log
            if case_id == self.id and (not types or row["type"] in types)
        ]

    def children(self) -> list[Run]:
        return [
            PureRun(self.backend, c.id)
            for c in sorted(self.backend.cases.values(), key=lambda c: c.id)
            if c.parent_id == self.id
        ]

    def _start_item(self, item: PureItem) -> None:
        self.backend._item_op(item.pk, lambda e, i: e.start_item(i, None))

    def _complete_item(self, item: PureItem, output: dict[str, Any], routes: list[str] | None) -> None:
        self.backend._item_op(item.pk, lambda e, i: e.complete_item(i, output, routes=routes))

    def _fail_item(self, item: PureItem, error: str) -> None:
        self.backend._item_op(item.pk, lambda e, i: e.fail_item(i, error))

    def add_item(self, task_id: str, item_input: Mapping[str, Any] | None = None) -> PureItem:
        item_id = self.backend._execute(self.id, lambda e: e.add_item(task_id, dict(item_input or {})).id)
        return PureItem(self.backend, self.backend.rows[item_id])

    def complete_task(self, task_id: str) -> Run:
        self.backend._execute(self.id, lambda e: e.complete_task(task_id))
        return self

    def cancel(self, reason: str = "") -> Run:
        self.backend._execute(self.id, lambda e: e.cancel_case(reason or ""))
        return self

    def signal(self, name: str, payload: Mapping[str, Any] | None = None) -> Run:
        self.backend._execute(self.id, lambda e: e.signal(name, dict(payload or {})))
        return self


def _fire_timer(engine: Engine, *, item_id: str) -> None:
    if item_id in engine.state.work_items:  # else the case moved on meanwhile
        engine.fire_timer(item_id)


def _attempt_failed(engine: Engine, item_id: str, *, error: dict[str, Any]) -> None:
    engine.attempt_failed(item_id, error)


def _complete(engine: Engine, item_id: str, *, output: Any) -> None:
    engine.complete_item(item_id, output or {})
