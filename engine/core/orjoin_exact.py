"""The exact OR-join question, asked of the engine's own firing rules (docs/or-join.md).

`OrJoinAnalyzer` (orjoin.py) first asks the reset-net abstraction, which is fast and sound but
over-approximates what the engine can do. When it says "wait", the same question is put to
this model of the engine, explored exhaustively up to a budget of states:

* a task runs **one generation at a time** (a started task does not start again);
* a task **consumes** when it starts: every marked input (AND- and OR-joins; an AND-join needs
  them all), or the **first marked input in declaration order** (XOR-join); a directed run
  (`next_tasks`) enables it whatever its join says and consumes nothing;
* **dummy tasks** start and complete the moment they can; **automatic and composite tasks**
  start the moment they can; both in the engine's order (passes over the tasks in declaration
  order until nothing changes, as `Engine._advance`);
* manual, timer and signal tasks start whenever someone starts them, if their join holds;
* a started task completes with **every outcome its split allows** (data is ignored): XOR one
  output, OR any non-empty subset, AND all of them; an automatic task may also return routes,
  any non-empty subset of its outputs. Completion applies the cancellation set first (every
  cancelled condition emptied, every cancelled task stopped, its directed runs dropped), then
  puts the tokens down;
* **other OR-joins** may start whenever one of their inputs is marked (whatever their own rule
  will say then: a sound over-approximation of it) and must when all are; when they start
  they consume every marked input, as the engine does;
* the OR-joins in ``held`` (the one being decided, and the group of the vicious-circle rule)
  never start;
* the case **completes** when ``end`` is marked: nothing moves after that.

The question: from the current state, can a state be reached (after the engine has settled, as
between two operations) in which every input of ``j`` marked now is still marked and one more
input is marked too? Only the tasks that can touch the relevant conditions are modelled: the
inputs of ``j`` and, closing over them, the inputs of every task that produces into, consumes
from or cancels something relevant. Everything else cannot change the answer.

No Django here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .kinds import kind_of
from .net import Net

__all__ = ["ExactModel"]

DUMMY, FORCED, OFFERED = 0, 1, 2  # how a task starts: at once and completes; at once; when asked
MAX_OUTCOMES = 64


@dataclass(frozen=True, slots=True)
class _Task:
    id: str
    bit: int
    starts: int  # DUMMY | FORCED | OFFERED
    join: str  # "and" | "xor" | "or" (another OR-join) ; a single input counts as "and"
    inputs: tuple[int, ...]  # tracked condition indices, in declaration order (repeats kept)
    distinct: tuple[int, ...]
    outcomes: tuple[tuple[int, ...], ...]  # tracked output conditions, per outcome
    cancel_conds: tuple[int, ...]
    cancel_mask: int  # bits of cancelled tracked tasks
    held: bool


@dataclass(frozen=True, slots=True)
class _Plan:
    conds: Mapping[str, int]  # tracked condition -> index
    end: int
    tasks: tuple[_Task, ...]  # relevant tasks, declaration order
    by_id: Mapping[str, _Task]
    eager: tuple[_Task, ...]  # the tasks that start by themselves (`_settle`), declaration order


State = tuple[tuple[int, ...], int, tuple[int, ...]]  # marking, started bits, directed per task
MAX_SETTLE_STEPS = 10_000
MAX_GROWTH = 3
# past this many relevant tasks the state space is hopeless within any budget worth spending
# on one decision (parallel branches multiply): the reset net's answer stands
MAX_TASKS = 40


class _TooBig(Exception):
    """The exploration went over its budget."""


class ExactModel:
    """The engine's firing rules over one net, for the exact OR-join question."""

    def __init__(self, net: Net) -> None:
        self.net = net
        self._plans: dict[tuple[str, frozenset[str]], _Plan | None] = {}
        self._relevant: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._touching: dict[str, list[str]] | None = None

    def applies(self, j: str) -> bool:
        """Is the model small enough to be asked about `j` at all (`MAX_TASKS`)?"""
        return len(self._closure(j)[0]) <= MAX_TASKS

    def _plan(self, j: str, held: frozenset[str]) -> _Plan | None:
        """The model for deciding `j` with the OR-joins of `held` never starting, over the
        tasks relevant to `j` (`_closure`); None when it does not apply."""
        key = (j, held)
        if key in self._plans:
            return self._plans[key]
        task_rel, cond_rel = self._closure(j)
        plan = self._build(task_rel, cond_rel, held) if self.applies(j) else None
        self._plans[key] = plan
        return plan

    def prepare(self, j: str, held: frozenset[str]) -> None:
        """Build the model for deciding `j` with `held` ahead of the first question."""
        self._plan(j, held)

    def _closure(self, j: str) -> tuple[frozenset[str], frozenset[str]]:
        """The tasks and conditions that can change the answer for `j` (the same whatever
        OR-joins are held, so kept once per join): from `j`'s inputs, every task that consumes
        from, produces into or cancels something relevant, and that task's inputs."""
        found = self._relevant.get(j)
        if found is not None:
            return found
        if self._touching is None:
            touching: dict[str, list[str]] = {}  # condition or task -> tasks touching it
            for t in self.net.tasks.values():
                for x in (*t.inputs, *t.output_conditions, *t.cancels):
                    touching.setdefault(x, []).append(t.id)
            self._touching = touching
        touching = self._touching
        cond_rel: set[str] = set(self.net.tasks[j].inputs)
        task_rel: set[str] = {j}  # held: it never starts, but may be running (then it ends)
        stack = [*cond_rel, j]
        while stack:
            for tid in touching.get(stack.pop(), ()):
                if tid not in task_rel:
                    task_rel.add(tid)
                    stack.append(tid)
                    for c in self.net.tasks[tid].inputs:
                        if c not in cond_rel:
                            cond_rel.add(c)
                            stack.append(c)
        found = (frozenset(task_rel), frozenset(cond_rel))
        self._relevant[j] = found
        return found

    def _build(self, task_rel: frozenset[str], cond_rel: frozenset[str], held: frozenset[str]) -> _Plan | None:
        net = self.net
        conds = {c: i for i, c in enumerate(sorted(cond_rel | {net.end}))}
        order = [t for t in net.tasks.values() if t.id in task_rel]
        bits = {t.id: 1 << i for i, t in enumerate(order)}
        tasks: list[_Task] = []
        for t in order:
            kind = kind_of(t.kind)
            starts = DUMMY if not kind.has_items else FORCED if kind.starts_when_enabled else OFFERED
            distinct_targets = [c for c in dict.fromkeys(t.output_conditions) if c in conds]
            outcomes: list[tuple[int, ...]]
            all_targets = [conds[c] for c in t.output_conditions if c in conds]
            if not t.outputs:
                outcomes = [()]
            elif t.split == "xor":
                outcomes = [(conds[c],) for c in distinct_targets]
                if len(distinct_targets) < len(dict.fromkeys(t.output_conditions)):
                    outcomes.append(())  # an output nobody here tracks
            elif t.split == "or" or (t.kind == "automatic" and len(t.outputs) > 1):
                every = list(dict.fromkeys(t.output_conditions))
                if 2 ** len(every) > MAX_OUTCOMES:
                    return None
                seen: set[tuple[int, ...]] = set()
                outcomes = []
                for k in range(1, len(every) + 1):
                    for subset in itertools.combinations(every, k):
                        o = tuple(sorted(conds[c] for c in subset if c in conds))
                        if o not in seen:
                            seen.add(o)
                            outcomes.append(o)
            else:
                outcomes = [tuple(sorted(all_targets))]
            join = t.join if len(t.inputs) > 1 else "and"
            tasks.append(
                _Task(
                    id=t.id,
                    bit=bits[t.id],
                    starts=starts,
                    join=join,
                    inputs=tuple(conds[c] for c in t.inputs),
                    distinct=tuple(dict.fromkeys(conds[c] for c in t.inputs)),
                    outcomes=tuple(outcomes),
                    cancel_conds=tuple(conds[x] for x in t.cancels if x in conds),
                    cancel_mask=sum(bits[x] for x in set(t.cancels) if x in bits and x != t.id),
                    held=t.id in held,
                )
            )
        return _Plan(
            conds=conds,
            end=conds[net.end],
            tasks=tuple(tasks),
            by_id={t.id: t for t in tasks},
            eager=tuple(t for t in tasks if t.starts != OFFERED and not t.held),
        )

    # ------------------------------------------------------------------ the question

    def can_arrive(
        self,
        j: str,
        held: frozenset[str],
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
        budget: int,
    ) -> bool | None:
        """True when a token can still reach an empty input of `j` while its marked inputs stay
        marked; False when no state reachable from here does that; None when the state space
        is bigger than `budget` states (or the model does not apply)."""
        plan = self._plan(j, held)
        if plan is None:
            return None
        start, covers = self._question(plan, j, marking, started, directed)
        try:
            return self._search(plan, start, covers, budget)
        except _TooBig:
            return None

    def _question(
        self,
        plan: _Plan,
        j: str,
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
    ) -> tuple[State, Callable[[State], bool]]:
        """The model's state for the engine's, and the test "a token has arrived"."""
        conds = plan.conds
        m = [0] * len(conds)
        for c, n in marking.items():
            i = conds.get(c)
            if i is not None and n > 0:
                m[i] = n
        bits = 0
        d = [0] * len(plan.tasks)
        for k, t in enumerate(plan.tasks):
            if started.get(t.id, 0) > 0:
                bits |= t.bit
            d[k] = directed.get(t.id, 0)
        inputs = [conds[c] for c in dict.fromkeys(self.net.tasks[j].inputs)]
        marked = tuple(p for p in inputs if m[p] > 0)
        empty = tuple(p for p in inputs if m[p] == 0)
        end = plan.end

        def covers(s: State) -> bool:
            mk = s[0]
            if mk[end] > 0:
                return False
            return all(mk[p] > 0 for p in marked) and any(mk[p] > 0 for p in empty)

        return (tuple(m), bits, tuple(d)), covers

    def _search(
        self,
        plan: _Plan,
        start: State,
        covers: Callable[[State], bool],
        budget: int,
    ) -> bool | None:
        """Depth-first exploration of the settled states reachable from `start`. True: a state
        `covers`; False: none does; None: over `budget` states or growing without bound."""
        end = plan.end
        # a condition gathering tokens far beyond what it holds now: most likely an unbounded
        # loop, whose state space no budget would exhaust; give up at once
        cap = max(start[0], default=0) + MAX_GROWTH
        # the engine's states are settled already; a state given by hand may not be
        first = self._settle(plan, start)
        for n in first:
            if n != start and covers(n):
                return True
        seen = set(first)
        stack = list(first)
        while stack:
            s = stack.pop()
            if s[0][end] > 0:
                continue  # the case is over
            for move in self._moves(plan.tasks, s):
                for n in self._settle(plan, move):
                    if n in seen:
                        continue
                    if covers(n):
                        return True
                    if max(n[0]) > cap:
                        return None
                    seen.add(n)
                    if len(seen) > budget:
                        return None
                    stack.append(n)
        return False

    # ------------------------------------------------------------------ the firing rules

    @staticmethod
    def _join(t: _Task, s: State) -> int:
        """2: the task's join holds (or a directed run waits); 1: another OR-join that may start;
        0: cannot start."""
        mk = s[0]
        if s[2][t.bit.bit_length() - 1] > 0:
            return 2
        n = sum(1 for p in t.distinct if mk[p] > 0)
        if n == 0:
            return 0
        if t.join == "and":
            return 2 if n == len(t.distinct) else 0
        if t.join == "xor":
            return 2
        return 2 if n == len(t.distinct) else 1

    @staticmethod
    def _start(t: _Task, s: State) -> State:
        mk, bits, d = s
        k = t.bit.bit_length() - 1
        if d[k] > 0:
            dl = list(d)
            dl[k] -= 1
            return mk, bits | t.bit, tuple(dl)
        ml = list(mk)
        if t.join == "xor":
            for p in t.inputs:
                if ml[p] > 0:
                    ml[p] -= 1
                    break
        else:
            for p in t.inputs:
                if ml[p] > 0:
                    ml[p] -= 1
        return tuple(ml), bits | t.bit, d

    @staticmethod
    def _complete(t: _Task, s: State) -> list[State]:
        mk, bits, d = s
        bits &= ~t.bit
        ml = list(mk)
        for p in t.cancel_conds:
            ml[p] = 0
        if t.cancel_mask:
            bits &= ~t.cancel_mask
            if any(d):
                dl = list(d)
                mask = t.cancel_mask
                while mask:
                    low = mask & -mask
                    dl[low.bit_length() - 1] = 0
                    mask ^= low
                d = tuple(dl)
        out = []
        for outcome in t.outcomes:
            nl = list(ml)
            for p in outcome:
                nl[p] += 1
            out.append((tuple(nl), bits, d))
        return out

    def _moves(self, tasks: tuple[_Task, ...], s: State) -> list[State]:
        """The states right after one operation (before the engine settles)."""
        out: list[State] = []
        bits = s[1]
        for t in tasks:
            if bits & t.bit:
                out.extend(self._complete(t, s))
            elif not t.held:
                j = self._join(t, s)
                if j == 2 and t.starts == OFFERED or j == 1:
                    started = self._start(t, s)
                    if t.starts == DUMMY:
                        out.extend(self._complete(t, started))
                    else:
                        out.append(started)
        return out

    def _settle(self, plan: _Plan, s: State) -> list[State]:
        """`Engine._advance`: passes over the tasks in declaration order, each task that must
        start doing so (dummies complete at once, with every outcome), until a pass changes
        nothing. Returns the settled states."""
        tasks = plan.eager  # the others never start by themselves
        end = plan.end
        done: list[State] = []
        stack: list[tuple[State, int, bool]] = [(s, 0, False)]
        steps = 0
        while stack:
            steps += 1
            if steps > MAX_SETTLE_STEPS:
                raise _TooBig  # dummies running in a cycle: the engine would not settle either
            st, i, changed = stack.pop()
            if st[0][end] > 0:
                done.append(st)
                continue
            k = i
            while k < len(tasks):
                t = tasks[k]
                if not st[1] & t.bit and self._join(t, st) == 2:
                    break
                k += 1
            if k == len(tasks):
                if changed:
                    stack.append((st, 0, False))
                else:
                    done.append(st)
                continue
            t = tasks[k]
            started = self._start(t, st)
            if t.starts == DUMMY:
                for n in self._complete(t, started):
                    stack.append((n, k + 1, True))
            else:
                stack.append((started, k + 1, True))
        return done
