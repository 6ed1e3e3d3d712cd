"""The enabling and firing rules of a workflow net (docs/engine-semantics.md), on a `CaseState`.

An `Engine` wraps one case's state for one operation. Each public method checks that the
transition is allowed (raising `NotAllowed`/`InvalidInput` *before* changing anything),
applies it, then `_advance`s the net to a fixpoint: enabling tasks whose join is satisfied,
withdrawing enabled tasks whose tokens were taken by a competitor (deferred choice), running
dummy tasks, detecting the end of the case and deadlock.

What the operation changed is left on the engine for persistence: `events` (the history),
`effects` (things to do outside the case after commit: dispatch an automatic item, start or
cancel a child case, notify a parent) and `dirty` (work items created or changed).
Besides its output, a completing work item may carry **directives** (what an activity returned
with it): `next_tasks` (enqueue or jump to another task), `next_iteration` (run the task again
with new input), `terminate`, `cancel` and `add_items`. They are checked before anything
changes; an invalid one fails the item with a `DirectiveError` (an incident). Signals declared
by the net are delivered by `signal`: they write case data, complete the waiting signal tasks,
and are kept (persistent) or dropped (transient) when none waits.

`docs/engine-semantics.md` states every rule implemented here (directives: section 12, signals:
section 13).
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import jsonschema

from .effects import CaseEnded, Dispatch, Effect
from .errors import EngineError, InvalidInput, NotAllowed, NotFound, RoutingError
from .events import CASE_STATUS_EVENTS, ITEM_STATE_EVENTS, Event, EventType
from .expr import (
    ExpressionError,
    evaluate,
    evaluate_bool,
    evaluate_mapping,
    evaluate_mapping_each,
    evaluate_raw,
)
from .kinds import KINDS, kind_of
from .limits import LIMITS
from .net import Net, Task
from .retry import RetryPolicy
from .rules import case_actions, is_open_incident, item_actions
from .state import (
    CASE_ACTIVE,
    CASE_FINAL,
    ITEM_LIVE,
    ITEM_TRANSITIONS,
    TASK_TRANSITIONS,
    CaseState,
    TaskRun,
    WorkItem,
    check_transition,
    empty_stats,
)

WORK_KINDS = tuple(name for name, kind in KINDS.items() if kind.has_items)
DIRECTIVES = ("next_tasks", "next_iteration", "terminate", "cancel", "add_items", "complete_task")


class DirectiveError(EngineError):
    """A directive returned with a work item's output cannot be carried out (unknown task,
    over a bound, contradictory directives). The item fails with it: an incident."""

    code = "invalid_directive"
    http_status = 400


@dataclass
class DirectivePlan:
    """The checked directives of one completion (see `Engine.plan_directives`)."""

    enqueue: list[str] = field(default_factory=list)  # tasks that get a directed run
    goto: list[str] = field(default_factory=list)  # ... instead of the task's own outputs
    next_input: Any = None  # the next iteration's input, when `iterate`
    iterate: bool = False
    terminate: str | None = None  # the reason, when the case is to complete now
    cancel: str | None = None  # the reason, when the case is to be canceled
    add_items: list[Any] = field(default_factory=list)
    complete_task: bool = False  # WCP-27: the multi-instance task completes now

    def given(self) -> list[str]:
        out = []
        if self.enqueue or self.goto:
            out.append("next_tasks")
        if self.iterate:
            out.append("next_iteration")
        if self.terminate is not None:
            out.append("terminate")
        if self.cancel is not None:
            out.append("cancel")
        if self.add_items:
            out.append("add_items")
        if self.complete_task:
            out.append("complete_task")
        return out


class OrJoinDecider(Protocol):
    def is_enabled(
        self,
        task_id: str,
        marking: Mapping[str, int],
        busy: Mapping[str, int],
        directed: Mapping[str, int] | None = None,
    ) -> bool: ...


class Engine:
    def __init__(
        self,
        net: Net,
        state: CaseState,
        *,
        case: Mapping[str, Any] | None = None,
        now: dt.datetime | None = None,
        or_join: OrJoinDecider | None = None,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        actor: str | None = None,
    ):
        self.net = net
        self.state = state
        self.case = dict(case or {})
        self.now = now or dt.datetime.now(dt.UTC)
        self._or_join = or_join
        self._new_id = new_id
        self.actor = actor
        self.events: list[Event] = []
        self.effects: list[Effect] = []
        self.dirty: dict[str, WorkItem] = {}
        # items whose allocation (`assign.user`, `priority`, `due`, a timer's time) failed to
        # evaluate: they fail when launched, and the task's on_failure policy applies
        self._unprepared: dict[str, dict[str, Any]] = {}
        self.created: set[str] = set()
        for tid in net.tasks:
            state.tasks.setdefault(tid, TaskRun())

    # ------------------------------------------------------------------ case operations

    def start_case(self, data: Mapping[str, Any] | None = None) -> None:
        data = dict(data or {})
        self._validate_data(data)
        self._set_case_status("running")
        self.state.data = data
        self._emit(EventType.CASE_STARTED, data=data)
        self._add_tokens(self.net.start, 1)
        self._advance()

    def cancel_case(self, reason: str = "") -> None:
        if "cancel" not in case_actions(self.state.status):
            raise NotAllowed(f"the case is {self.state.status} and cannot be canceled")
        self._end_case("canceled", reason=reason)

    def suspend(self) -> None:
        if "suspend" not in case_actions(self.state.status):
            raise NotAllowed(f"only a running case can be suspended (it is {self.state.status})")
        self._set_case_status("suspended")
        self._emit(EventType.CASE_SUSPENDED)
        self._touch_people_items()  # their inboxes mark them as on hold

    def resume(self) -> None:
        if "resume" not in case_actions(self.state.status):
            raise NotAllowed(f"only a suspended case can be resumed (it is {self.state.status})")
        self._set_case_status("running")
        self._emit(EventType.CASE_RESUMED)
        self._touch_people_items()
        for item in self.state.work_items.values():
            kind_of(item.kind).resume(self, item)
        self._advance()

    def update_data(self, changes: Mapping[str, Any]) -> None:
        self._require_active()
        new = {**self.state.data, **changes}
        self._validate_data(new)
        self._set_data(new)
        self._advance()

    # ------------------------------------------------------------------ work item operations

    def claim(self, item_id: str, user: str) -> WorkItem:
        item = self._item(item_id, kinds=("manual",))
        if self.state.status == "suspended":
            raise NotAllowed("the case is suspended: its work cannot be claimed until an operator resumes it")
        self._require_active()
        if item.state != "initialized":
            raise NotAllowed(f"a {item.state} work item cannot be claimed")
        if item.assignee and item.assignee != user:
            raise NotAllowed(f"the work item is already claimed by {item.assignee}")
        item.assignee = user
        self._touch(item)
        self._emit(EventType.WORK_ITEM_CLAIMED, item=item, user=user)
        return item

    def release(self, item_id: str) -> WorkItem:
        item = self._item(item_id, kinds=("manual",))
        self._require_active()
        if item.state != "initialized" or not item.assignee:
            raise NotAllowed("only a claimed work item that has not started can be released")
        self._emit(EventType.WORK_ITEM_RELEASED, item=item, user=item.assignee)
        item.assignee = None
        self._touch(item)
        return item

    def delegate(self, item_id: str, user: str) -> WorkItem:
        item = self._item(item_id, kinds=("manual",))
        self._require_active()
        if item.state not in ("initialized", "started"):
            raise NotAllowed(f"a {item.state} work item cannot be delegated")
        item.assignee = user
        self._touch(item)
        self._emit(EventType.WORK_ITEM_DELEGATED, item=item, user=user)
        return item

    def start_item(self, item_id: str, user: str | None = None) -> WorkItem:
        item = self._item(item_id)
        self._require_running()
        if item.state != "initialized":
            raise NotAllowed(f"a {item.state} work item cannot be started")
        run = self.state.tasks[item.task]
        current = item.generation == run.generation and run.state in ("enabled", "started")
        if not current and not self._lingering(item):
            raise NotAllowed("the work item's task is no longer active")
        if kind_of(item.kind).by_person and user:
            if not item.assignee:  # started by a person straight from the offer: a claim too
                self._emit(EventType.WORK_ITEM_CLAIMED, item=item, user=user)
            item.assignee = user
        if current and run.state == "enabled":
            self._start_task(self.net.tasks[item.task])
        self._set_item_state(item, "started")
        self._advance()
        return item

    def complete_item(
        self,
        item_id: str,
        output: Any = None,
        *,
        user: str | None = None,
        routes: list[str] | None = None,
        directives: Mapping[str, Any] | None = None,
    ) -> WorkItem:
        """Complete a work item with its output; `routes` and `directives` are what an activity
        returned besides its output (engine-semantics sections 6 and 12). Whatever can fail is
        checked before anything changes: an invalid directive, an output mapping or a split
        that fails, data breaking the schema make the item `failed` (an incident), nothing else."""
        item = self._item(item_id)
        self._require_running()
        task = self.net.tasks[item.task]
        output = {} if output is None else output
        if kind_of(item.kind).by_person and item.state in ("initialized", "started"):
            self._validate_form(task, output)
        if item.state == "initialized":
            self.start_item(item_id, user)
        if item.state != "started":
            raise NotAllowed(f"a {item.state} work item cannot be completed")
        run = self.state.tasks[task.id]
        current = item.generation == run.generation and run.state == "started"
        plan = DirectivePlan()
        if directives:
            try:
                plan = self.plan_directives(item, directives, routes=routes)
            except DirectiveError as exc:
                self._incident(item, exc)
                return item
        item.output = output
        item.completed_by = user or item.assignee
        self._set_item_state(item, "completed")
        if plan.cancel is not None:
            self._end_case("canceled", reason=plan.cancel, by_task=task.id, by_item=item.id)
            return item
        if not current:
            self._advance()  # a lingering item: only the item itself changes
            return item
        if plan.iterate:
            # the item is done but its task is not: the next iteration takes its place
            nxt = self._new_item(task, plan.next_input, iteration=item.iteration + 1)
            self._emit(EventType.WORK_ITEM_ITERATED, item=item, next_item=nxt.id, iteration=nxt.iteration)
            self._launch(nxt)
            self._advance()
            return item
        run.results.append(output)
        goto_before = list(run.goto)
        for target in plan.goto:
            if target not in run.goto:
                run.goto.append(target)
        try:
            if plan.terminate is not None:
                self._complete_task(task, terminate=True)
            elif plan.complete_task:
                self._force_complete(task, routes=routes)
            else:
                self._check_task_completion(task, routes=routes, pending=len(plan.add_items))
        except (RoutingError, ExpressionError, InvalidInput) as exc:
            if kind_of(item.kind).by_person and isinstance(exc, InvalidInput):
                raise  # the person fixes the form: nothing changes
            # an incident: the item fails, the case waits for an operator
            run.results.pop()
            run.goto = goto_before
            self._incident(item, exc)
            return item
        if run.state == "started":
            for extra in plan.add_items:  # dynamic instances asked for by the activity
                self._launch(self._new_item(task, extra))
        for target in plan.enqueue:
            self._direct(target, by=task.id, by_item=item.id, goto=False)
        if plan.terminate is not None:
            reason = plan.terminate or f"terminated by task {task.id}"
            self._end_case("completed", reason=reason, by_task=task.id, by_item=item.id)
            return item
        self._advance()
        return item

    def plan_directives(
        self, item: WorkItem, directives: Mapping[str, Any], *, routes: list[str] | None = None
    ) -> DirectivePlan:
        """Check the directives returned with `item`'s output against the net and the current
        state, without changing anything. Raises `DirectiveError` with a clear message."""
        task = self.net.tasks[item.task]
        run = self.state.tasks[task.id]

        def bad(message: str) -> DirectiveError:
            return DirectiveError(f"task {task.id}: {message}")

        if not isinstance(directives, Mapping):
            raise bad("directives must be an object")
        unknown = [k for k in directives if k not in DIRECTIVES]
        if unknown:
            raise bad(f"unknown directive {', '.join(repr(k) for k in unknown)} (known: {', '.join(DIRECTIVES)})")
        plan = DirectivePlan()

        entries = directives.get("next_tasks")
        if entries is not None:
            if not isinstance(entries, list):
                raise bad('next_tasks must be a list of {"task", "goto"}')
            for i, entry in enumerate(entries):
                if isinstance(entry, str):
                    entry = {"task": entry}
                if not isinstance(entry, Mapping) or not isinstance(entry.get("task"), str):
                    raise bad(f'next_tasks[{i}] must be {{"task": <task id>, "goto": <boolean>}}')
                extra = [k for k in entry if k not in ("task", "goto")]
                if extra:
                    raise bad(f"next_tasks[{i}] has unknown field {', '.join(repr(k) for k in extra)}")
                goto = entry.get("goto", False)
                if not isinstance(goto, bool):
                    raise bad(f"next_tasks[{i}].goto must be a boolean")
                target = entry["task"]
                if target not in self.net.tasks:
                    raise bad(f"next_tasks[{i}]: there is no task {target!r} in this net")
                (plan.goto if goto else plan.enqueue).append(target)

        nxt = directives.get("next_iteration")
        if nxt is not None and nxt is not False:
            if nxt is True:
                next_input = item.input
            elif isinstance(nxt, Mapping):
                extra = [k for k in nxt if k != "input"]
                if extra:
                    raise bad(f"next_iteration has unknown field {', '.join(repr(k) for k in extra)}")
                next_input = nxt.get("input", item.input)
                if not isinstance(next_input, Mapping):
                    raise bad("next_iteration.input must be an object")
                next_input = dict(next_input)
            else:
                raise bad('next_iteration must be {"input": {...}} or true')
            if item.iteration >= task.max_iterations:
                raise bad(
                    f"next_iteration over the bound: the task allows {task.max_iterations} iterations "
                    f"(max_iterations) and this work item was iteration {item.iteration}"
                )
            plan.iterate, plan.next_input = True, next_input

        for key in ("terminate", "cancel"):
            value = directives.get(key)
            if value is None or value is False:
                continue
            if value is True:
                reason = ""
            elif isinstance(value, str):
                reason = value
            elif isinstance(value, Mapping) and isinstance(value.get("reason", ""), str) and set(value) <= {"reason"}:
                reason = value.get("reason", "")
            else:
                raise bad(f'{key} must be true, a reason or {{"reason": <text>}}')
            if key == "terminate":
                plan.terminate = reason
            else:
                plan.cancel = reason or f"canceled by task {task.id}"

        added = directives.get("add_items")
        if added is not None:
            if not isinstance(added, list) or not all(isinstance(x, Mapping) for x in added):
                raise bad("add_items must be a list of work item inputs (objects)")
            plan.add_items = [dict(x) for x in added]
            if plan.add_items:
                inst = task.instances
                if inst is None or inst.creation != "dynamic":
                    raise bad('add_items needs a multi-instance task with `creation: "dynamic"`')
                most = self._max_items(task)
                if run.stats["total"] + len(plan.add_items) > most:
                    raise bad(
                        f"add_items over the bound: {run.stats['total']} work items exist, "
                        f"{len(plan.add_items)} more would exceed the task's maximum ({most})"
                    )

        done = directives.get("complete_task")
        if done is not None and done is not False:
            if done is not True:
                raise bad("complete_task must be true")
            if task.instances is None:
                raise bad("complete_task needs a multi-instance task (`instances`)")
            if plan.add_items or plan.iterate:
                raise bad("complete_task cannot be combined with add_items or next_iteration")
            plan.complete_task = True

        given = plan.given()
        if not given:
            return plan
        if not (item.generation == run.generation and run.state == "started"):
            raise bad("the task has completed already (a lingering work item): its directives cannot apply")
        with_routes = [*given, "routes"] if routes is not None else given
        for exclusive in ("cancel", "terminate", "next_iteration"):
            if exclusive in given and len(with_routes) > 1:
                others = ", ".join(k for k in with_routes if k != exclusive)
                raise bad(f"{exclusive} cannot be combined with {others}")
        if plan.goto and routes is not None:
            raise bad("a goto replaces the task's outputs: it cannot come with routes")
        return plan

    def attempt_failed(self, item_id: str, error: Mapping[str, Any], *, retry: bool | None = None) -> WorkItem:
        """An automatic item's attempt raised. `retry=None` lets the task's retry policy decide
        (attempts left and the error type not `non_retryable`). On retry the item stays
        `initialized` with attempt + 1 and a `dispatch` effect carries the back-off delay;
        otherwise it fails and the task's `on_failure` policy applies."""
        item = self._item(item_id, kinds=("automatic",))
        self._require_running()
        if item.state not in ("initialized", "started"):
            raise NotAllowed(f"a {item.state} work item has no attempt running")
        policy = RetryPolicy.of(self.net.tasks[item.task].spec)
        if retry is None:
            retry = policy.should_retry(item.attempt, str(error.get("type", "")))
        if not retry:
            return self.fail_item(item_id, error)
        item.error = dict(error)
        item.attempt += 1
        if item.state == "started":
            self._set_item_state(item, "initialized", correction=True)
        delay = policy.delay(item.attempt - 1)
        self._emit(
            EventType.WORK_ITEM_ATTEMPT_FAILED, item=item, attempt=item.attempt - 1, error=item.error, retry_in=delay
        )
        self._touch(item)
        self.effects.append(Dispatch(item.id, delay))
        return item

    def fail_item(self, item_id: str, error: Mapping[str, Any] | str | None = None) -> WorkItem:
        item = self._item(item_id)
        self._require_running()
        if item.state == "initialized":
            self.start_item(item_id)
        if item.state != "started":
            raise NotAllowed(f"a {item.state} work item cannot fail")
        if isinstance(error, str) or error is None:
            error = {"type": "Failed", "message": error or "failed"}
        item.error = dict(error)
        self._set_item_state(item, "failed")
        if self._lingering(item):
            # its task completed already (threshold, remaining "continue"): the failure is
            # recorded on the item and changes nothing else
            self._emit(EventType.WORK_ITEM_FAILED, item=item, error=item.error)
        else:
            self._apply_failure_policy(self.net.tasks[item.task], item)
        self._advance()
        return item

    def retry_item(self, item_id: str, new_input: Any = None) -> WorkItem:
        item = self._item(item_id)
        self._require_running()
        if "retry" not in self._item_actions(item):
            raise NotAllowed("only a failed work item of a running task can be retried")
        if new_input is not None:
            item.input = new_input
        item.attempt += 1
        if (item.error or {}).get("during") == "allocation":  # evaluated again, on today's data
            self._prepare(self.net.tasks[item.task], item)
        item.error = None
        self._set_item_state(item, "initialized")
        if new_input is not None:  # the history keeps what the operator changed
            self._emit(EventType.WORK_ITEM_RETRIED, item=item, attempt=item.attempt, input=new_input)
        else:
            self._emit(EventType.WORK_ITEM_RETRIED, item=item, attempt=item.attempt)
        self._launch(item)
        self._advance()
        return item

    def skip_item(self, item_id: str, output: Any = None) -> WorkItem:
        """An operator completes a live item in the worker's or person's place."""
        item = self._item(item_id)
        self._require_running()
        if "skip" not in self._item_actions(item):
            raise NotAllowed(f"a {item.state} work item cannot be skipped")
        kind_of(item.kind).stop(self, item)
        self._emit(EventType.WORK_ITEM_SKIPPED, item=item)
        if item.state == "failed":
            item.error = None
            self._set_item_state(item, "started", correction=True)
        return self.complete_item(item_id, output or {}, user=self.actor)

    def add_item(self, task_id: str, item_input: Any = None) -> WorkItem:
        task = self.net.tasks.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id!r} in this net")
        self._require_running()
        inst = task.instances
        if inst is None or inst.creation != "dynamic":
            raise NotAllowed(f"task {task_id!r} does not allow adding work items (creation is not dynamic)")
        run = self.state.tasks[task_id]
        if run.state not in ("enabled", "started"):
            raise NotAllowed(f"task {task_id!r} is {run.state}; work items are added to a running task")
        most = self._max_items(task)
        if run.stats["total"] >= most:
            raise NotAllowed(f"task {task_id!r} already has its maximum of {most} work items")
        item = self._new_item(task, item_input if item_input is not None else {})
        self._launch(item)
        self._advance()
        return item

    def complete_task(self, task_id: str, routes: list[str] | None = None) -> None:
        """WCP-27, force-complete a multi-instance task: its remaining work items are withdrawn
        (canceled), the task ends `completed` and its `output` mapping runs over the instances
        that did complete (`results`). The task must be running, or enabled (it then starts,
        taking its tokens, with no instance completed). A failing output mapping or split is
        refused (nothing changes)."""
        task = self.net.tasks.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id!r} in this net")
        self._require_running()
        if task.instances is None:
            raise NotAllowed(f"task {task_id!r} is not a multi-instance task: only those can be force-completed")
        run = self.state.tasks[task_id]
        if run.state not in ("enabled", "started"):
            raise NotAllowed(f"task {task_id!r} is {run.state}; only a running multi-instance task can be completed")
        if run.state == "enabled":
            self._output_data(task, run)  # fail before anything changes (evaluated again below)
            self._start_task(task)
        try:
            self._force_complete(task, routes=routes)
        except (RoutingError, ExpressionError) as exc:
            raise InvalidInput(f"task {task_id!r} cannot complete: {exc}") from None
        self._advance()

    def _force_complete(self, task: Task, routes: list[str] | None = None) -> None:
        run = self.state.tasks[task.id]
        generation = run.generation
        self._complete_task(task, routes=routes, forced=True)
        self._cancel_items(task.id, generation=generation)

    def child_ended(self, item_id: str, child_state: str, child_data: Mapping[str, Any]) -> None:
        item = self._item(item_id, kinds=("composite",))
        if item.state != "started" or self.state.status in CASE_FINAL:
            return  # the parent moved on already (canceled or withdrawn)
        if self.state.status != "running":
            return  # a suspended parent: the operator retries the item after resuming
        if child_state == "completed":
            self.complete_item(item_id, dict(child_data))
        else:
            self.fail_item(
                item_id,
                {"type": f"ChildCase{child_state.capitalize()}", "message": f"the child case ended {child_state}"},
            )

    def fire_timer(self, item_id: str) -> None:
        item = self._item(item_id, kinds=("timer",))
        if self.state.status != "running" or item.state != "initialized":
            return
        self.complete_item(item_id, {"fired_at": self.now.isoformat()})

    # ------------------------------------------------------------------ signals

    def signal(self, name: str, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A signal declared by the net arrives (engine-semantics section 13). Checked first,
        nothing changed on refusal: an undeclared name (NotFound), a case that is not running
        (NotAllowed), a payload breaking the signal's `schema` or data breaking `data_schema`
        (InvalidInput). Then the signal's `output` mapping writes the case data, and every
        signal task waiting for it completes with the payload as its output. When none waits,
        a persistent signal (the default) is kept until a signal task for it is enabled; a
        transient one (`"persistent": false`) is dropped. Returns what happened."""
        decl = self.net.signals.get(name)
        if decl is None:
            raise NotFound(f"the definition declares no signal {name!r}")
        self._require_running()
        if payload is not None and not isinstance(payload, Mapping):
            raise InvalidInput("a signal's payload must be a JSON object")
        payload = dict(payload or {})
        schema = decl.get("schema")
        if schema:
            errors = _schema_errors(schema, payload)
            if errors:
                raise InvalidInput(f"the payload does not match the schema of signal {name!r}", errors=errors)
        new_data = None
        mapping = decl.get("output")
        if mapping:
            variables = self._vars()
            variables["signal"] = payload
            try:
                new_data = {**self.state.data, **evaluate_mapping(mapping, variables)}
            except ExpressionError as exc:
                raise InvalidInput(f"signal {name!r}: its output mapping failed on this payload: {exc}") from None
            self._validate_data(new_data)
        waiting = self._waiting_for(name)
        persistent = decl.get("persistent") is not False
        outcome = "delivered" if waiting else "kept" if persistent else "dropped"
        self._emit(EventType.SIGNAL_RECEIVED, signal=name, payload=payload, outcome=outcome)
        if new_data is not None:
            self._set_data(new_data)
        delivered: list[str] = []
        if waiting:
            delivered = self._deliver(name, payload, waiting, kept=False)
        elif persistent:
            self.state.pending_signals.append({"name": name, "payload": payload, "received_at": self.now.isoformat()})
        self._advance()
        return {"signal": name, "outcome": outcome, "work_items": delivered}

    def _waiting_for(self, name: str) -> list[WorkItem]:
        """The work items of signal tasks waiting for `name`, in task declaration order."""
        order = {tid: i for i, tid in enumerate(self.net.tasks)}
        out = []
        for item in self.state.work_items.values():
            if item.kind != "signal" or item.state != "initialized":
                continue
            task = self.net.tasks[item.task]
            run = self.state.tasks[item.task]
            if (
                task.spec.get("signal") == name
                and item.generation == run.generation
                and run.state in ("enabled", "started")
            ):
                out.append(item)
        return sorted(out, key=lambda i: order[i.task])

    def _deliver(self, name: str, payload: Mapping[str, Any], items: list[WorkItem], *, kept: bool) -> list[str]:
        """Complete the waiting items with the payload. One completion may withdraw the next
        item (signal tasks in a deferred choice) or end the case: each is checked in turn."""
        done = []
        for item in items:
            if self.state.status != "running" or item.state != "initialized":
                continue
            run = self.state.tasks[item.task]
            if item.generation != run.generation or run.state not in ("enabled", "started"):
                continue
            self._emit(EventType.SIGNAL_CONSUMED, item=item, signal=name, kept=kept)
            self.complete_item(item.id, dict(payload))
            done.append(item.id)
        return done

    def _deliver_pending_signal(self) -> bool:
        """Hand the oldest kept signal that a signal task now waits for to that task."""
        for i, sig in enumerate(self.state.pending_signals):
            waiting = self._waiting_for(sig["name"])
            if waiting:
                del self.state.pending_signals[i]
                return bool(self._deliver(sig["name"], sig.get("payload") or {}, waiting, kept=True))
        return False

    # ------------------------------------------------------------------ the net

    def _join_satisfied(self, task: Task) -> bool:
        marking = self.state.marking
        marked = [c for c in task.inputs if marking.get(c, 0) > 0]
        if not marked:
            return False
        if task.join == "and" or len(task.inputs) == 1:
            return len(marked) == len(task.inputs)
        if task.join == "xor":
            return True
        if len(marked) == len(task.inputs):
            return True
        # started tasks, and directed runs still to come (they run whatever their join says)
        started: dict[str, int] = {}
        directed: dict[str, int] = {}
        for tid, run in self.state.tasks.items():
            if run.state == "started":
                started[tid] = 1
            if run.directed:
                directed[tid] = run.directed
        return self._or_join_decider().is_enabled(task.id, marking, started, directed)

    def _can_enable(self, task: Task) -> bool:
        return self.state.tasks[task.id].directed > 0 or self._join_satisfied(task)

    def _or_join_decider(self) -> OrJoinDecider:
        if self._or_join is None:
            from .orjoin import OrJoinAnalyzer

            self._or_join = OrJoinAnalyzer(self.net)
        return self._or_join

    def _advance(self) -> None:
        """Run the net to a fixpoint after a change."""
        if self.state.status != "running":
            return
        tasks = self.net.tasks
        runs = self.state.tasks
        changed = True
        while changed and self.state.status == "running":
            changed = False
            if self.state.marking.get(self.net.end, 0) > 0:
                self._end_case("completed")
                return
            for tid, task in tasks.items():
                run = runs[tid]
                if run.state == "enabled":
                    if not self._can_enable(task):
                        self._withdraw(task)
                        changed = True
                elif run.state != "started" and self._can_enable(task):
                    self._enable(task)
                    changed = True
                if self.state.status != "running":
                    return
            if not changed and self.state.pending_signals:
                changed = self._deliver_pending_signal()
        if self.state.status != "running":
            return  # a kept signal's delivery ended the case (it used to end a second time)
        if self.state.marking.get(self.net.end, 0) > 0:
            self._end_case("completed")
        elif not any(run.state in ("enabled", "started") for run in runs.values()):
            if self.net.implicit_termination:
                # WCP-11: nothing is running, nothing is offered and no token can move
                self._end_case("completed", reason="implicit termination: no work is left")
            else:
                self._end_case("deadlocked", reason="no task can be enabled and the end is not reached")

    def _enable(self, task: Task) -> None:
        run = self.state.tasks[task.id]
        self._task_transition(task.id, run, "enabled")
        run.generation += 1
        run.stats = empty_stats()
        run.results = []
        run.error = None
        run.goto = []
        if run.directed:
            self._emit(EventType.TASK_ENABLED, task=task.id, generation=run.generation, directed=True)
        else:
            self._emit(EventType.TASK_ENABLED, task=task.id, generation=run.generation)
        kind = kind_of(task.kind)
        if not kind.has_items:
            self._start_task(task)
            try:
                self._complete_task(task)
            except (RoutingError, ExpressionError, InvalidInput) as exc:
                self._fail_task(task, str(exc))
            return
        try:
            inputs = self._item_inputs(task)
        except (ExpressionError, InvalidInput) as exc:
            # the task cannot make its work items: it fails, and with it the case (never silent)
            self._fail_task(task, str(exc))
            return
        if kind.starts_when_enabled or not inputs:
            self._start_task(task)
        for item_input in inputs:
            self._launch(self._new_item(task, item_input))
        if not inputs:
            # zero instances: the task completes at once; with no work item to hold an
            # incident, a routing/output error fails the task as it does for a dummy task
            # (it used to escape and roll back the unrelated operation that enabled the task)
            try:
                self._complete_task(task)
            except (RoutingError, ExpressionError, InvalidInput) as exc:
                self._fail_task(task, str(exc))

    def _item_inputs(self, task: Task) -> list[Any]:
        """The inputs of the work items a task creates when enabled (one unless multi-instance)."""
        variables = self._vars()
        mapping = task.spec.get("input")
        inst = task.instances
        if inst is None:
            return [evaluate_mapping(mapping, variables) if mapping else {}]
        if inst.for_each:
            elements = evaluate(inst.for_each, variables)
            if not isinstance(elements, list):
                raise InvalidInput(f"for_each of task {task.id} must give a list, got {type(elements).__name__}")
        else:
            elements = [None] * max(inst.min or 1, 1)
        most = self._max_items(task)
        if len(elements) > most:
            raise InvalidInput(
                f"task {task.id} allows at most {most} work items"
                + (" (WORKFLOW_MAX_ITEMS_PER_TASK)" if most == LIMITS.max_items_per_task else "")
                + f", for_each gave {len(elements)}"
            )
        if inst.min is not None and len(elements) < inst.min:
            raise InvalidInput(f"task {task.id} needs at least {inst.min} work items, for_each gave {len(elements)}")
        if not mapping:
            return [{inst.as_name: el} if inst.for_each else {} for el in elements]
        return evaluate_mapping_each(mapping, variables, (inst.as_name, "item"), elements)

    def _max_items(self, task: Task) -> int:
        """The most work items one generation of `task` may have: its `instances.max`, within
        the installation's limit (docs/limits.md)."""
        inst = task.instances
        most = LIMITS.max_items_per_task
        if inst is not None and inst.max is not None:
            most = min(most, inst.max)
        return most

    def _new_item(self, task: Task, item_input: Any, iteration: int = 1) -> WorkItem:
        run = self.state.tasks[task.id]
        item = WorkItem(
            id=self._new_id(),
            task=task.id,
            generation=run.generation,
            kind=task.kind,
            input=item_input,
            iteration=iteration,
        )
        self._prepare(task, item)
        self.state.work_items[item.id] = item
        self.created.add(item.id)
        self._touch(item)
        run.stats["total"] += 1
        run.stats["initialized"] += 1
        if iteration > 1:
            self._emit(EventType.WORK_ITEM_CREATED, item=item, iteration=iteration)
        else:
            self._emit(EventType.WORK_ITEM_CREATED, item=item)
        return item

    def _prepare(self, task: Task, item: WorkItem) -> None:
        """Set up the item's allocation; an expression that fails on this case's data (a CEL
        error, a value of the wrong type or out of range) is kept for `_launch`, which fails
        the item: the task's on_failure policy applies, never an error escaping the engine
        (docs/engine-semantics.md section 4)."""
        try:
            kind_of(task.kind).prepare(self, task, item)
        except (ExpressionError, ValueError, TypeError, OverflowError) as exc:
            message = exc.message if isinstance(exc, ExpressionError) else str(exc)
            self._unprepared[item.id] = {"type": "ExpressionError", "message": message, "during": "allocation"}

    def _launch(self, item: WorkItem) -> None:
        """Hand a fresh (or retried) item to whatever runs it, after commit."""
        if self.state.status != "running":
            return
        error = self._unprepared.pop(item.id, None)
        if error is not None:
            self._fail_unprepared(item, error)
            return
        kind_of(item.kind).launch(self, item)

    def _fail_unprepared(self, item: WorkItem, error: dict[str, Any]) -> None:
        task = self.net.tasks[item.task]
        run = self.state.tasks[item.task]
        if item.generation == run.generation and run.state == "enabled":
            self._start_task(task)  # as when a person fails it: the item starts its task
        self._set_item_state(item, "started")
        item.error = error
        self._set_item_state(item, "failed")
        self._apply_failure_policy(task, item)

    def _as_time(self, source: str, variables: Mapping[str, Any]) -> dt.datetime:
        value = evaluate_raw(source, variables)
        if isinstance(value, dt.timedelta):
            return self.now + value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.now + dt.timedelta(seconds=value)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ExpressionError(source, f"not a time: {value!r}") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise ExpressionError(source, "expected a duration, a number of seconds or a timestamp")

    def _as_time_checked(self, source: str, variables: Mapping[str, Any]) -> dt.datetime:
        """`_as_time`, refusing times no calendar (or database) holds: far past or future."""
        try:
            when = self._as_time(source, variables)
        except (OverflowError, ValueError) as exc:
            if isinstance(exc, ExpressionError):
                raise
            raise ExpressionError(source, f"not a representable time: {exc}") from None
        if not (1 <= when.year <= 9998):
            raise ExpressionError(source, f"the time {when.isoformat()} is out of range")
        return when

    def _start_task(self, task: Task) -> None:
        """The task starts: it consumes its tokens (one per marked input; XOR: the first)."""
        run = self.state.tasks[task.id]
        if run.directed > 0:
            # a directed run (next_tasks/goto): it uses itself up and leaves the tokens alone
            run.directed -= 1
            self._task_transition(task.id, run, "started")
            self._emit(EventType.TASK_STARTED, task=task.id, generation=run.generation, directed=True)
            return
        marking = self.state.marking
        marked = [c for c in task.inputs if marking.get(c, 0) > 0]
        if task.join == "xor" and len(task.inputs) > 1:
            marked = marked[:1]
        for c in marked:
            self._add_tokens(c, -1)
        self._task_transition(task.id, run, "started")
        self._emit(EventType.TASK_STARTED, task=task.id, generation=run.generation)

    def _lingering(self, item: WorkItem) -> bool:
        """Is this a live item left running after its task completed on a threshold with
        `remaining: "continue"`? It may still be started, completed or failed; that changes
        only its own state (and the stats of its generation while that is the current one).
        Withdrawing or canceling the task cancels such items with the rest."""
        task = self.net.tasks[item.task]
        inst = task.instances
        if inst is None or inst.threshold is None or inst.remaining != "continue":
            return False
        run = self.state.tasks[item.task]
        return item.generation < run.generation or (item.generation == run.generation and run.state == "completed")

    def _withdraw(self, task: Task) -> None:
        run = self.state.tasks[task.id]
        self._cancel_items(task.id)
        self._task_transition(task.id, run, "disabled")
        self._emit(EventType.TASK_WITHDRAWN, task=task.id, generation=run.generation)

    def _check_task_completion(self, task: Task, routes: list[str] | None = None, pending: int = 0) -> None:
        """Complete the task if its items allow it; `pending` items are about to be added."""
        run = self.state.tasks[task.id]
        if run.state != "started":
            return
        stats = run.stats
        inst = task.instances
        # the threshold counts instances that completed for good: `results` holds their outputs
        # (an item superseded by its next iteration is completed but not counted)
        if inst is not None and inst.threshold is not None and len(run.results) >= inst.threshold:
            self._complete_task(task, routes=routes)
            return
        blocking = stats["initialized"] + stats["started"] + pending
        if task.on_failure == "incident":
            blocking += stats["failed"]
        if blocking == 0:
            self._complete_task(task, routes=routes)

    def _complete_task(
        self, task: Task, routes: list[str] | None = None, *, terminate: bool = False, forced: bool = False
    ) -> None:
        """Output mapping, then cancellation set, then the split. Everything that can fail is
        computed before anything changes, so a routing error leaves the state untouched.
        With a recorded `goto` the split is not evaluated: the goto targets get a directed run
        instead of the outputs. With `terminate` no output is produced at all (the caller ends
        the case)."""
        run = self.state.tasks[task.id]
        new_data = self._output_data(task, run)
        if new_data is not None:
            self._validate_data(new_data)
        variables = self._vars(data=new_data if new_data is not None else self.state.data)
        if run.results and not task.instances:
            variables["result"] = run.results[-1]
        goto = [] if terminate else list(run.goto)
        targets = [] if terminate or goto else self._route(task, variables, routes)

        if new_data is not None:
            self._set_data(new_data, task=task.id)  # the task's output mapping: a step of the engine
        for x in task.cancels:
            self._cancel_element(x, by=task.id)
        remaining = task.instances.remaining if task.instances else "cancel"
        if remaining == "cancel":
            self._cancel_items(task.id, generation=run.generation)
        self._task_transition(task.id, run, "completed")
        if task.instances is None:
            run.results = []  # a single item's output lives on the item; keep the case row small
        run.goto = []
        extra: dict[str, Any] = {}
        if goto:
            extra["goto"] = goto
        if terminate:
            extra["terminated"] = True
        if forced:
            extra["forced"] = True
        self._emit(EventType.TASK_COMPLETED, task=task.id, generation=run.generation, **extra)
        for c in targets:
            self._add_tokens(c, 1)
        for target in goto:
            self._direct(target, by=task.id, goto=True)

    def _output_data(self, task: Task, run: TaskRun) -> dict[str, Any] | None:
        mapping = task.spec.get("output")
        results = run.results
        if mapping:
            variables = self._vars()
            variables["results"] = results
            variables["result"] = results[-1] if results else {}
            return {**self.state.data, **evaluate_mapping(mapping, variables)}
        # a signal task writes through its own `output` mapping only: what a signal writes into
        # the case data is said by the signal's declaration (its `output`)
        if (
            task.instances is None
            and kind_of(task.kind).output_to_data
            and results
            and isinstance(results[-1], dict)
            and results[-1]
        ):
            return {**self.state.data, **results[-1]}
        return None

    def _route(self, task: Task, variables: Mapping[str, Any], routes: list[str] | None) -> list[str]:
        outs = task.outputs
        if routes is not None:
            by_target = {}
            for f in outs:
                by_target[f.target] = f.target
                for consumer in self.net.consumers.get(f.target, ()):  # a route may name the next task
                    by_target.setdefault(consumer, f.target)
            chosen = []
            for r in routes:
                if r not in by_target:
                    raise RoutingError(f"task {task.id} has no output to {r!r}")
                chosen.append(by_target[r])
            if not chosen:
                raise RoutingError(f"task {task.id}: the activity returned no route")
            if task.split == "xor" and len(chosen) > 1:
                raise RoutingError(f"task {task.id} is an XOR split: exactly one route allowed")
            return list(dict.fromkeys(chosen))
        if task.split == "and" or len(outs) <= 1 and not any(f.when for f in outs):
            return [f.target for f in outs]
        default = next((f for f in outs if f.default), None)
        taken: list[str] = []
        for f in outs:
            if f.default:
                continue
            if f.when is None or evaluate_bool(f.when, variables):
                taken.append(f.target)
                if task.split == "xor":
                    break
        if not taken and default is not None:
            taken.append(default.target)
        if not taken:
            raise RoutingError(f"task {task.id}: no flow predicate is true and there is no default flow")
        return taken

    def _incident(self, item: WorkItem, exc: Exception) -> None:
        """The completing item fails with `exc` and nothing else changes; the case waits for an
        operator to retry or skip it."""
        item.output = None
        self._set_item_state(item, "failed", correction=True)
        item.error = {"type": type(exc).__name__, "message": getattr(exc, "message", None) or str(exc)}
        self._emit(EventType.WORK_ITEM_FAILED, item=item, error=item.error)

    def _direct(self, task_id: str, *, by: str, goto: bool, by_item: str | None = None) -> None:
        """Give `task_id` one directed run: it is enabled (a new generation once it is not
        running) whatever its join says, and the run is used up when it starts."""
        run = self.state.tasks[task_id]
        run.directed += 1
        fields: dict[str, Any] = {"task": task_id, "by": by, "goto": goto, "delta": 1}
        if by_item:
            fields["by_item"] = by_item
        self._emit(EventType.TASK_DIRECTED, **fields)

    def _fail_task(self, task: Task, error: str) -> None:
        """The task fails, its other items are canceled, and the case fails."""
        run = self.state.tasks[task.id]
        self._cancel_items(task.id)
        run.error = error
        self._task_transition(task.id, run, "failed")
        self._emit(EventType.TASK_FAILED, task=task.id, generation=run.generation, error=error)
        self._end_case("failed", reason=f"task {task.id} failed: {error}")

    def _apply_failure_policy(self, task: Task, item: WorkItem) -> None:
        policy = task.on_failure
        self._emit(EventType.WORK_ITEM_FAILED, item=item, error=item.error)
        if policy == "fail":
            self._fail_task(task, str((item.error or {}).get("message")))
        elif policy == "continue":
            try:
                self._check_task_completion(task)
            except (RoutingError, ExpressionError, InvalidInput) as exc:
                # the last item's failure completes the task, but its split/output fails: an
                # incident on the task; the operator retries the failed item (or skips it)
                run = self.state.tasks[task.id]
                run.error = str(exc)
                self._emit(EventType.TASK_INCIDENT, task=task.id, generation=run.generation, error=run.error)
        # incident: the item stays failed; the case waits for an operator to retry or skip

    def _cancel_element(self, element: str, *, by: str) -> None:
        if element in self.net.conditions:
            n = self.state.marking.get(element, 0)
            if n:
                self._add_tokens(element, -n, reason=f"canceled by {by}")
        elif element in self.net.tasks and element != by:
            run = self.state.tasks[element]
            if run.directed:  # a canceled task loses the runs directed to it, too
                self._emit(
                    EventType.TASK_DIRECTED, task=element, by=by, goto=False, delta=-run.directed, reason="canceled"
                )
                run.directed = 0
            run.goto = []
            if run.state in ("enabled", "started"):
                self._cancel_items(element)
                self._task_transition(element, run, "canceled")
                self._emit(EventType.TASK_CANCELED, task=element, generation=run.generation, by=by)

    def _cancel_items(self, task_id: str | None, generation: int | None = None) -> None:
        for item in list(self.state.work_items.values()):
            if item.state not in ITEM_LIVE:
                continue
            if task_id is not None and item.task != task_id:
                continue
            if generation is not None and item.generation != generation:
                continue
            if item.state == "failed" and not self._blocking_failure(item):
                continue  # a tolerated failure (`continue`, or its task is over) is final: it stays failed
            kind_of(item.kind).stop(self, item)
            self._set_item_state(item, "canceled")

    def _blocking_failure(self, item: WorkItem) -> bool:
        """Is this failed item an open incident (its task waits for an operator)?"""
        run = self.state.tasks.get(item.task)
        task = self.net.tasks.get(item.task)
        if task is None or run is None:
            return False
        return is_open_incident(
            state=item.state,
            on_failure=task.on_failure,
            current=run.generation == item.generation,
            task_state=run.state,
        )

    def _item_actions(self, item: WorkItem) -> frozenset[str]:
        run = self.state.tasks[item.task]
        return item_actions(
            self.state.status,
            state=item.state,
            kind=item.kind,
            current=item.generation == run.generation,
            task_state=run.state,
            assigned=bool(item.assignee),
        )

    def _end_case(self, status: str, reason: str = "", **fields: Any) -> None:
        self._cancel_items(None)
        for tid, run in self.state.tasks.items():
            if run.state in ("enabled", "started"):
                self._task_transition(tid, run, "canceled")
                self._emit(EventType.TASK_CANCELED, task=tid, generation=run.generation, by="case")
            run.directed, run.goto = 0, []
        self._set_case_status(status)
        self._emit(CASE_STATUS_EVENTS[status], reason=reason, **fields)
        self.effects.append(CaseEnded(status))

    # ------------------------------------------------------------------ helpers

    def _vars(self, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"data": self.state.data if data is None else data, "case": self.case}

    def _validate_data(self, data: Mapping[str, Any]) -> None:
        schema = self.net.data_schema
        if schema:
            errors = _schema_errors(schema, data)
            if errors:
                raise InvalidInput("the case data does not match the definition's data_schema", errors=errors)

    def _validate_form(self, task: Task, output: Any) -> None:
        form = task.spec.get("form")
        if form:
            errors = _schema_errors(form, output)
            if errors:
                raise InvalidInput(f"the output does not match the form of task {task.id}", errors=errors)

    def _set_data(self, new: dict[str, Any], *, task: str = "") -> None:
        """`task`: the task whose output mapping changed the data (its `data.updated` event names
        it); none for an operator's edit or a signal's mapping (the acts of whoever sent them)."""
        if new != self.state.data:
            changed = {k: v for k, v in new.items() if self.state.data.get(k, _MISSING) != v}
            self.state.data = new
            self._emit(EventType.DATA_UPDATED, task=task, changes=changed)

    def _item(self, item_id: str, kinds: Iterable[str] = WORK_KINDS) -> WorkItem:
        item = self.state.work_items.get(item_id)
        if item is None:
            raise NotFound(f"no live work item {item_id} in this case")
        if item.kind not in kinds:
            raise NotAllowed(f"not allowed on a {item.kind} work item")
        return item

    def _require_running(self) -> None:
        if self.state.status != "running":
            raise NotAllowed(f"the case is {self.state.status}")

    def _require_active(self) -> None:
        if self.state.status not in CASE_ACTIVE:
            raise NotAllowed(f"the case is {self.state.status}")

    def _add_tokens(self, condition: str, delta: int, reason: str | None = None) -> None:
        marking = self.state.marking
        marking[condition] = marking.get(condition, 0) + delta
        if marking[condition] <= 0:
            marking.pop(condition)
        ev: dict[str, Any] = {"condition": condition, "delta": delta}
        if reason:
            ev["reason"] = reason
        self._emit(EventType.TOKENS, **ev)

    def _set_case_status(self, new: str) -> None:
        check_transition("case", self.state.status, new)
        self.state.status = new

    def _task_transition(self, task_id: str, run: TaskRun, new: str) -> None:
        if new not in TASK_TRANSITIONS[run.state]:  # the guard, called at every step: its fast path here
            check_transition("task", run.state, new, subject=task_id)
        run.state = new

    def _set_item_state(self, item: WorkItem, new: str, *, correction: bool = False) -> None:
        """`correction`: one of the engine's own steps listed in `ITEM_CORRECTIONS` (a retried
        attempt, a skipped failed item, an incident found while completing)."""
        if new not in ITEM_TRANSITIONS[item.state]:  # the guard's fast path (see _task_transition)
            check_transition("work item", item.state, new, correction=correction)
        run = self.state.tasks[item.task]
        if item.generation == run.generation:
            run.stats[item.state] -= 1
            run.stats[new] += 1
        old, item.state = item.state, new
        self._touch(item)
        if new not in ("failed",) and not (old == "failed" and new == "initialized"):
            self._emit(ITEM_STATE_EVENTS[new], item=item)

    def _touch(self, item: WorkItem) -> None:
        self.dirty[item.id] = item

    def _touch_people_items(self) -> None:
        """The case's open manual items changed with the case (suspended or resumed): saved and
        pushed again, so that inboxes show their case's state."""
        for item in self.state.work_items.values():
            if kind_of(item.kind).by_person and item.state in ("initialized", "started"):
                self._touch(item)

    def _emit(self, type_: EventType, *, item: WorkItem | None = None, task: str = "", **fields: Any) -> None:
        if item is not None:
            self.events.append(Event(type_, item.task, item.id, {"generation": item.generation, **fields}))
        else:
            self.events.append(Event(type_, task, None, fields))


_MISSING = object()


def _schema_errors(schema: Mapping[str, Any], instance: Any) -> list[dict[str, Any]]:
    validator = _validator_for(schema)
    instance = _without_blanks(instance)
    errors = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = list(err.absolute_path)
        if err.validator == "required" and isinstance(err.validator_value, list):
            # one error per missing property: name the one this message is about
            where = err.instance if isinstance(err.instance, dict) else {}
            missing = [p for p in err.validator_value if p not in where and repr(p) in err.message]
            missing = missing or [p for p in err.validator_value if p not in where]
            field = ".".join(str(p) for p in path + missing[:1])
        else:
            field = ".".join(str(p) for p in path)
        errors.append({"field": field or None, "message": err.message})
    return errors


def _without_blanks(value: Any) -> Any:
    """The value with every text holding only white space left out of its objects: such a
    text counts as not filled in, so a required field holding it is missing (forms people fill
    in; docs/net-format.md, "Forms and validation")."""
    if isinstance(value, dict):
        return {k: _without_blanks(v) for k, v in value.items() if not (isinstance(v, str) and not v.strip())}
    if isinstance(value, list):
        return [_without_blanks(v) for v in value]
    return value


_VALIDATORS: dict[str, Any] = {}


def _validator_for(schema: Mapping[str, Any]) -> Any:
    import json

    key = json.dumps(schema, sort_keys=True)
    v = _VALIDATORS.get(key)
    if v is None:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        v = _VALIDATORS[key] = cls(copy.deepcopy(dict(schema)))
    return v
