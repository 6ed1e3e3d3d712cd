"""The OR-join oracle: random nets, random walks of cases on the pure engine, and at every
OR-join decision met on the way a bounded exhaustive exploration of the engine's own behaviour
(issue 14; used by ``test_orjoin_oracle.py`` with a fixed seed and by
``bench/bench_orjoin_oracle.py`` for longer runs).

A *decision* is a state reached after an operation in which an OR-join ``j`` (a manual task,
so that "enabled" is visible and nobody has to start it) has some but not all of its inputs
marked. The engine's answer is whether ``j`` is ``enabled`` there. The truth comes from the
engine itself: every operation a user or worker could do next (start a work item, complete
one with every route its split allows) is tried on copies of the state, breadth first, with
``j`` held (never started). If a reachable state marks every input of ``j`` marked now plus
one more, a token could still arrive: enabling ``j`` was **unsafe**. If none does (and the
exploration finished within its budget), waiting was **over-cautious**; it is **stuck** when,
from that state, the case can no longer complete while it could complete had ``j`` fired.

Other OR-joins met during an exploration are decided by the engine (its analyzer), as they
would be in a real case.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.core.engine import Engine
from engine.core.errors import EngineError
from engine.core.net import Net, parse_net
from engine.core.orjoin import OrJoinAnalyzer
from engine.core.state import CaseState
from engine.core.validation import validate_net

Op = tuple[str, str, tuple[str, ...] | None]  # (start|complete, item id, routes)


def random_net(rng: random.Random, size: int = 6) -> dict[str, Any] | None:
    """A random net document that passes the validator (or None): AND/XOR/OR joins and
    splits, loops (any flow may go back), cancellation sets, multi-instance and dummy and
    automatic tasks. OR-joins are manual tasks."""
    n_tasks = rng.randint(max(3, size - 2), size + 1)
    conds = [f"c{k}" for k in range(rng.randint(2, size))]
    tids = [f"T{k}" for k in range(n_tasks)]
    tasks: dict[str, dict[str, Any]] = {}
    flows: list[dict[str, Any]] = []
    nodes = ["start", *conds]
    for k, tid in enumerate(tids):
        join = rng.choice(["and", "xor", "or", "or"])
        split = rng.choice(["and", "xor", "or"])
        ins = ["start"] if k == 0 else rng.sample(nodes[1:] + tids[:k], rng.randint(1, 2))
        outs = rng.sample([*conds, *tids[k + 1 :], *(["end"] if k >= n_tasks - 2 else [])], 1)
        if rng.random() < 0.5:
            extra = [x for x in [*conds, "end", *tids] if x not in outs and x != tid]
            outs += rng.sample(extra, 1)
        kind = "manual"
        if join != "or" and len(set(ins)) < 2 or join != "or":
            kind = rng.choices(["manual", "dummy", "automatic"], [5, 2, 2])[0]
        spec: dict[str, Any] = {"id": tid, "kind": kind, "join": join, "split": split}
        if kind == "automatic":
            spec["activity"] = "noop"
        if kind == "manual" and join != "or" and rng.random() < 0.15:
            spec["instances"] = {"min": 2, "max": 2}
        if rng.random() < 0.3:
            spec["cancels"] = rng.sample([x for x in [*conds, *tids] if x != tid], rng.randint(1, 2))
        tasks[tid] = spec
        flows += [{"from": c, "to": tid} for c in ins]
        flows += [{"from": tid, "to": c} for c in outs]
    _repair(rng, tids, conds, flows)
    used = {f["from"] for f in flows} | {f["to"] for f in flows}
    conds = [c for c in conds if c in used]
    # a cycle of dummy tasks would run by itself forever: its dummies become manual
    succ: dict[str, set[str]] = {}
    for f in flows:
        if tasks.get(f["from"], {}).get("kind", "dummy") == "dummy":
            succ.setdefault(f["from"], set()).add(f["to"])
    for tid, spec in tasks.items():
        if spec["kind"] == "dummy" and tid in _reach(sorted(succ.get(tid, ())), succ):
            spec["kind"] = "manual"
    for tid, spec in tasks.items():  # a split with one output flow is plain
        if sum(f["from"] == tid for f in flows) < 2:
            spec["split"] = "and"
    # flows need not repeat; predicates are ignored by the oracle (it gives routes)
    seen, unique = set(), []
    for f in flows:
        key = (f["from"], f["to"])
        if key not in seen:
            seen.add(key)
            unique.append(f)
    for f in unique:
        source = tasks.get(f["from"])
        if source is not None and source["split"] != "and":
            f["when"] = "true"
    doc = {
        "schema_version": 1,
        "name": "oracle",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}, *({"id": c} for c in conds)],
        "tasks": list(tasks.values()),
        "flows": unique,
    }
    if not validate_net(copy.deepcopy(doc)).valid:
        return None
    return doc


def clone(state: CaseState) -> CaseState:
    """A copy of a case state deep enough for the engine (it replaces, never mutates, data)."""
    return CaseState(
        status=state.status,
        marking=dict(state.marking),
        tasks={
            t: dataclasses.replace(r, stats=dict(r.stats), results=list(r.results), goto=list(r.goto))
            for t, r in state.tasks.items()
        },
        data=dict(state.data),
        work_items={k: copy.copy(w) for k, w in state.work_items.items()},
        pending_signals=list(state.pending_signals),
    )


def _reach(roots: list[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(roots)
    stack = list(roots)
    while stack:
        for y in edges.get(stack.pop(), ()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return seen


def _repair(rng: random.Random, tids: list[str], conds: list[str], flows: list[dict[str, Any]]) -> None:
    """Add flows until every node lies on a path from start to end (the validator's rule)."""
    for _ in range(20):
        succ: dict[str, set[str]] = {}
        pred: dict[str, set[str]] = {}
        for f in flows:
            succ.setdefault(f["from"], set()).add(f["to"])
            pred.setdefault(f["to"], set()).add(f["from"])
        used = {f["from"] for f in flows} | {f["to"] for f in flows}
        nodes = [n for n in [*tids, *conds] if n in used or n in tids]
        fwd = _reach(["start"], succ)
        bwd = _reach(["end"], pred)
        bad = False
        for n in nodes:
            if n not in fwd:
                bad = True
                src = rng.choice([t for t in tids if t in fwd and t != n] or ["start"])
                if n in conds and src == "start":
                    src = tids[0]
                flows.append({"from": src, "to": n})
            if n not in bwd:
                bad = True
                if n in conds:
                    dst = rng.choice([t for t in tids if t in bwd] or [tids[-1]])
                else:
                    dst = rng.choice([x for x in [*conds, *tids, "end"] if x in bwd and x != n] or ["end"])
                flows.append({"from": n, "to": dst})
        if not bad:
            return


@dataclass
class Stats:
    decisions: int = 0
    checked: int = 0  # decisions whose truth the exploration settled
    enabled: int = 0
    unsafe: list[Any] = field(default_factory=list)
    cautious: int = 0  # waited although nothing could arrive
    stuck: list[Any] = field(default_factory=list)  # ... and the case cannot complete because of it
    inconclusive: int = 0
    circle: int = 0  # enabled by the vicious-circle rule
    nets: int = 0

    def merge(self, other: Stats) -> None:
        self.decisions += other.decisions
        self.checked += other.checked
        self.enabled += other.enabled
        self.unsafe += other.unsafe
        self.cautious += other.cautious
        self.stuck += other.stuck
        self.inconclusive += other.inconclusive
        self.nets += other.nets
        self.circle += other.circle


class Oracle:
    def __init__(self, doc: dict[str, Any], budget: int = 400):
        self.doc = doc
        self.net: Net = parse_net(copy.deepcopy(doc))
        self.analyzer = OrJoinAnalyzer(self.net)
        self.budget = budget
        self._ids = itertools.count()
        self.or_joins = [t.id for t in self.net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1]

    # ------------------------------------------------------------------ the engine

    def engine(self, state: CaseState) -> Engine:
        return Engine(self.net, state, or_join=self.analyzer, new_id=lambda: f"w{next(self._ids)}")

    def start(self) -> CaseState:
        state = CaseState()
        self.engine(state).start_case({})
        return state

    def ops(self, state: CaseState, hold: frozenset[str] = frozenset()) -> list[Op]:
        """What could be done next: start a waiting manual item, complete a started (or
        automatic) item with every route set its split allows. Items of one multi-instance
        task are alike: only the first of each state is tried."""
        if state.status != "running":
            return []
        out: list[Op] = []
        seen: set[tuple[str, str]] = set()
        for item in state.work_items.values():
            run = state.tasks[item.task]
            if item.generation != run.generation or run.state not in ("enabled", "started"):
                continue
            if item.state not in ("initialized", "started") or (item.task, item.state) in seen:
                continue
            seen.add((item.task, item.state))
            if item.task in hold:
                continue
            if item.state == "initialized" and item.kind == "manual":
                out.append(("start", item.id, None))
                continue
            for routes in self.routes(item.task):
                out.append(("complete", item.id, routes))
        return out

    def routes(self, task_id: str) -> Iterator[tuple[str, ...] | None]:
        task = self.net.tasks[task_id]
        targets = list(dict.fromkeys(task.output_conditions))
        if task.split == "and" or len(targets) < 2:
            yield None
        elif task.split == "xor":
            for t in targets:
                yield (t,)
        else:
            for k in range(1, len(targets) + 1):
                yield from itertools.combinations(targets, k)

    def apply(self, state: CaseState, op: Op) -> CaseState | None:
        new = clone(state)
        kind, item_id, routes = op
        try:
            engine = self.engine(new)
            if kind == "start":
                engine.start_item(item_id)
            else:
                engine.complete_item(item_id, {}, routes=list(routes) if routes is not None else None)
        except EngineError:
            return None
        new.work_items = {k: w for k, w in new.work_items.items() if w.state in ("initialized", "started", "failed")}
        return new

    @staticmethod
    def key(state: CaseState) -> Any:
        return (
            state.status,
            tuple(sorted((c, n) for c, n in state.marking.items() if n > 0)),
            tuple(
                sorted((t, r.state, r.directed) for t, r in state.tasks.items() if r.state in ("enabled", "started"))
            ),
            tuple(sorted((w.task, w.state) for w in state.work_items.values())),
        )

    def reachable(
        self, state: CaseState, goal: Callable[[CaseState], bool], hold: frozenset[str] = frozenset()
    ) -> bool | None:
        """Does some state reachable from `state` (itself excluded) satisfy `goal`? None when
        the exploration went over its budget."""
        seen = {self.key(state)}
        queue = deque([state])
        while queue:
            s = queue.popleft()
            for op in self.ops(s, hold):
                n = self.apply(s, op)
                if n is None:
                    continue
                k = self.key(n)
                if k in seen:
                    continue
                if goal(n):
                    return True
                seen.add(k)
                if len(seen) > self.budget:
                    return None
                queue.append(n)
        return False

    # ------------------------------------------------------------------ decisions

    def pending(self, state: CaseState) -> list[str]:
        """The OR-joins with some but not all inputs marked, not running: a decision each."""
        out: list[str] = []
        if state.status != "running":
            return out
        for j in self.or_joins:
            task = self.net.tasks[j]
            run = state.tasks[j]
            marked = [c for c in task.inputs if state.marking.get(c, 0) > 0]
            if run.state != "started" and run.directed == 0 and 0 < len(set(marked)) < len(set(task.inputs)):
                out.append(j)
        return out

    def check(self, state: CaseState, j: str, stats: Stats) -> None:
        task = self.net.tasks[j]
        marked = {c for c in task.inputs if state.marking.get(c, 0) > 0}
        empty = set(task.inputs) - marked
        said = state.tasks[j].state == "enabled"
        stats.decisions += 1
        stats.enabled += said

        def covers(s: CaseState) -> bool:
            if s.status != "running":
                return False
            have = {c for c in task.inputs if s.marking.get(c, 0) > 0}
            return marked <= have and bool(empty & have)

        # an OR-join fired by the vicious-circle rule fires together with its group: tokens
        # the other members send afterwards are expected
        hold = frozenset((j,))
        if said:
            started = {t: 1 for t, r in state.tasks.items() if r.state == "started"}
            directed = {t: r.directed for t, r in state.tasks.items() if r.directed}
            if not self.analyzer._decide(j, hold, state.marking, started, directed):
                hold = self.analyzer._circle(state.marking, started, directed)
                stats.circle += 1
        arrives = self.reachable(state, covers, hold=hold)
        if arrives is None:
            stats.inconclusive += 1
            return
        stats.checked += 1
        if said and arrives:
            stats.unsafe.append((self.doc, j, self.key(state)))
        elif not said and not arrives:
            stats.cautious += 1
            done = self.reachable(state, lambda s: s.status == "completed")
            if done is False and self.completes_if_fired(state, j):
                stats.stuck.append((self.doc, j, self.key(state)))

    def completes_if_fired(self, state: CaseState, j: str) -> bool:
        new = clone(state)
        engine = self.engine(new)
        engine._enable(self.net.tasks[j])
        item = next(w for w in new.work_items.values() if w.task == j and w.state == "initialized")
        try:
            engine.start_item(item.id)
        except EngineError:
            return False
        return bool(self.reachable(new, lambda s: s.status == "completed"))

    def walk(self, rng: random.Random, steps: int, stats: Stats) -> None:
        """One random case; every OR-join decision on the way is checked."""
        state = self.start()
        checked: set[Any] = set()
        for _ in range(steps):
            for j in self.pending(state):
                k = (j, self.key(state))
                if k not in checked:
                    checked.add(k)
                    self.check(state, j, stats)
            ops = self.ops(state)
            if not ops:
                return
            nxt = self.apply(state, rng.choice(ops))
            if nxt is None:
                return
            state = nxt


def run(seed: int, nets: int, walks: int = 3, steps: int = 25, budget: int = 400, size: int = 6) -> Stats:
    rng = random.Random(seed)
    stats = Stats()
    made = 0
    while made < nets:
        doc = random_net(rng, size)
        if doc is None:
            continue
        oracle = Oracle(doc, budget)
        if not oracle.or_joins:
            continue
        made += 1
        stats.nets += 1
        for _ in range(walks):
            oracle.walk(rng, steps, stats)
    return stats
