"""YAWL's OR-join decision by backward coverability on a reset net (see docs/or-join.md).

An OR-join task ``j`` is enabled when at least one of its inputs holds a token and no state
reachable from the current one marks every currently marked input of ``j`` plus one currently
empty input (no more tokens can still arrive). Data is ignored, so the answer holds whatever
the flow predicates say.

The translation (done once per published version, in `OrJoinAnalyzer.__init__`)
-----------------------------------------------------------------------------
Places are the net's conditions plus one ``busy_t`` place per task. Each task ``t`` gives:

* start transitions: an AND-join consumes one token from every input; an XOR-join gives one
  transition per input; every *other* OR-join is treated as an XOR-join; the OR-join under
  analysis gets no start transition at all. Each produces one token in ``busy_t``.
* end transitions, each consuming the token in ``busy_t`` and with reset arcs to every place of
  ``t``'s cancellation set (cancelled conditions, and ``busy_x`` of cancelled tasks ``x``):
  an XOR-split gives one transition per output; an AND-split one transition to all outputs;
  an OR-split gives **a single transition to all its outputs**, not one per non-empty subset.

Why one transition is enough for an OR-split: reset nets are monotone (if ``M <= M'`` and a
sequence of transitions fires from ``M``, it fires from ``M'`` and ends in a larger marking,
since consuming, resetting to zero and producing all preserve ``<=``). The subset transitions
share their preset and reset set and differ only in producing less, so a run that uses a
subset can be replayed with the full-set transition, ending in markings that are everywhere at
least as large. The target sets are upward closed, so "some reachable marking covers the
target" has the same answer with the subsets dropped: the result is *exactly* the one of the
2^n - 1 subset translation, at the cost of one transition instead of exponentially many. (The
same argument covers the engine's default flow, taken alone, and routes returned by an
activity, which may be any non-empty subset of an OR/AND split's outputs.) The test suite
checks this against the explicit subset translation (``expand_or_splits=True``).

Multi-instance and composite tasks are single busy tasks: one token in ``busy_t`` per started
instance of the task, consumed once when the task (all its items / its child case) completes.
Timer and signal tasks are ordinary busy tasks; dummy tasks are never seen busy.

The decision (`OrJoinAnalyzer.is_enabled`)
------------------------------------------
1. Fewer than one marked input: not enabled. All inputs marked: enabled, no analysis.
2. Pruning, precomputed per OR-join: only transitions that produce into a place from which
   ``j``'s inputs can be reached structurally are kept (*backward relevance*); the answer
   depends only on the marking of those places, which is also the cache key. Per call, the
   places reachable structurally from the marked places are computed (*forward relevance*);
   transitions whose preset is not within them are dropped, and so is every empty input
   outside them (no token can ever arrive there). If no empty input is left: enabled.
   Also per OR-join, chains of one-input one-output transitions are fused (`_Translation.fuse_series`):
   a token anywhere along such a chain counts as a token at its head.
3. Backward coverability: one search for all empty inputs at once, starting from the basis
   {marked inputs + q : q an empty, forward-reachable input}. A predecessor of a minimal
   marking ``m`` through ``t`` (consume ``pre``, reset ``R``, produce ``post``) is none when
   some place of ``R`` needs more tokens in ``m`` than ``post`` gives it, else
   ``max(m - post, 0) + pre`` outside ``R`` and ``pre`` on ``R``. Only transitions whose
   ``post`` meets the support of ``m`` are tried (the others give a predecessor ``>= m``).
   Markings above a basis element are dropped; basis elements above a new one are removed.
   The frontier is explored in order of "tokens still missing from the current marking", and
   the search stops as soon as the current marking is at least a basis element (coverable:
   not enabled). Termination follows from Dickson's lemma (reset nets are well-structured);
   in practice every search is also bounded (`PLAIN_BASIS`, `IDLE_BASIS`, `CIRCLE_BASIS`
   minimal markings), past which the answer is "wait" (sound). The layers above this one (the
   translation with idle places, the engine's own rules, the vicious-circle rule) are in
   `OrJoinAnalyzer._decide_uncached` and `_circle`; docs/or-join.md has the whole of it.

What the analysis is conservative about
---------------------------------------
The reset net over-approximates the engine's behaviour; over-approximation can only make a
target *more* coverable, so an OR-join may wait where a finer analysis would let it fire, but it
never fires while a token can still reach one of its empty inputs. The imprecision comes from:

* **concurrent firings of one task**: the engine runs one generation of a task at a time (a
  started task is re-enabled only after it ends), but ``busy_t`` may hold several tokens in the
  abstraction, so a task with surplus input tokens may start again while it is running (and a
  cancellation of ``t`` resets all of them at once);
* **data**: every XOR/OR split outcome is possible whatever the predicates and case data;
* **other OR-joins as XOR-joins**: they may start on any single marked input, earlier and with
  fewer tokens consumed than they really would (this is YAWL's choice; it is what lets two
  OR-joins on a cycle, each waiting for the other, block each other -- the documented
  "vicious circle" -- rather than loop in the analysis);
* **XOR-join input choice**: the engine consumes the first marked input in declaration order;
  the abstraction may consume any marked input;
* **ignored engine behaviour that removes states**: case completion on the first token in the
  end condition, failures, deferred-choice withdrawals of enabled tasks, timers that never fire
  and signals that never arrive. All of these only shrink what is really reachable.

Places are indexed ints; markings in the search are small tuples of ``(place, count)`` pairs
sorted by place, with an int bitmask of their support for fast domination checks.

No Django here: this module is imported by the pure engine and its tests.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .net import Net, Task
from .orjoin_exact import ExactModel

__all__ = ["OrJoinAnalyzer", "OrJoinBudgetExceeded"]

# A sparse marking: (place index, tokens) pairs, sorted by place, all tokens > 0.
SparseMarking = tuple[tuple[int, int], ...]
# A case's state as a cache key: marked conditions, started tasks, directed runs
StateKey = tuple[frozenset[tuple[str, int]], frozenset[str], frozenset[tuple[str, int]]]

_A = TypeVar("_A")  # an answer cache's value type


class OrJoinBudgetExceeded(RuntimeError):
    """The backward search grew beyond the analyzer's ``max_basis`` (only when one is set)."""


class _OverBound(OrJoinBudgetExceeded):
    """A search went over its own bound (`PLAIN_BASIS`, `IDLE_BASIS`, `CIRCLE_BASIS`): the
    answer is "wait"."""


# bounds on the backward searches, in minimal markings (each costs some tens of microseconds):
# the translation without idle places, asked first; the one with idle places, asked only when
# the first said "wait" along a path that runs a task with an idle place twice
PLAIN_BASIS = 100
IDLE_BASIS = 50
# the bound for each search of the vicious-circle rule (it decides every waiting OR-join, with
# the group held: several searches for one decision)
CIRCLE_BASIS = 50


@dataclass(frozen=True, slots=True)
class _Wait:
    """A reset-net "wait": the tasks started on the path found to a target, in order (None
    when the search went over its bound and found none)."""

    starts: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class _Transition:
    """One reset-net transition: consume ``pre``, reset ``reset``, then produce ``post``."""

    name: str
    owner: str  # the task it belongs to
    is_start: bool
    pre: tuple[tuple[int, int], ...]
    pre_mask: int
    reset: frozenset[int]
    post: Mapping[int, int]
    post_mask: int


@dataclass(frozen=True, slots=True)
class _JoinPlan:
    """What the analysis of one OR-join needs, independent of the marking."""

    inputs: tuple[int, ...]  # j's distinct input places, in declaration order
    relevant: frozenset[int]  # places from which j's inputs are structurally reachable
    idle: tuple[tuple[str, int], ...]  # (task, its idle place) for the relevant idle places
    # place -> the place it was fused into (series fusion, see `_Translation.fuse_series`); absent: itself
    fused: Mapping[int, int]
    transitions: tuple[_Transition, ...]  # the backward-relevant transitions, after fusion
    # place -> indices (into `transitions`) of transitions producing into it
    producers: Mapping[int, tuple[int, ...]]
    # place -> indices of transitions that have it in their preset (for forward closure)
    consumers: Mapping[int, tuple[int, ...]]
    # task -> indices of its start transitions (switched off while the task is held)
    starts: Mapping[str, tuple[int, ...]]


def _add(counts: dict[int, int], place: int, n: int = 1) -> None:
    counts[place] = counts.get(place, 0) + n


def _mask(places: Iterable[int]) -> int:
    mask = 0
    for p in places:
        mask |= 1 << p
    return mask


class OrJoinAnalyzer:
    """The OR-join decision for one published net version.

    Build it once per version (the translation is done here); `is_enabled` is then safe to call
    from several threads. Answers are cached per (OR-join, marking of its relevant places).
    """

    def __init__(
        self,
        net: Net,
        *,
        expand_or_splits: bool = False,
        max_basis: int | None = None,
        cache_size: int = 4096,
        exact_budget: int = 2000,
    ) -> None:
        """``expand_or_splits`` builds one end transition per non-empty subset of an OR-split's
        outputs (the literal translation, exponential; for tests: the answers are the same).
        ``max_basis`` bounds the backward search further, raising `OrJoinBudgetExceeded` when
        exceeded (``None``, the default: only the built-in bounds apply, past which the answer
        is "wait"). ``exact_budget`` bounds the exploration of the
        engine's own behaviour (`ExactModel`), in states; 0 turns it off."""
        self.net = net
        self._max_basis = max_basis
        self._cache_size = cache_size
        self._exact_budget = exact_budget
        self._exact = ExactModel(net)
        self._lock = threading.Lock()
        # the reset net's answers, per (join, held, translation, bound, relevant marking)
        self._cache: dict[tuple[str, frozenset[str], bool, int | None, frozenset[tuple[int, int]]], _Wait | None] = {}
        # the decisions, per (join, held, bound, state)
        self._decisions: dict[tuple[str, frozenset[str], int, StateKey], bool] = {}
        self._circle_cache: dict[StateKey, frozenset[str]] = {}
        self._plans: dict[tuple[str, frozenset[str], bool], _JoinPlan] = {}
        self.or_joins: tuple[str, ...] = tuple(
            t.id for t in net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1
        )

        places: list[str] = list(net.conditions)
        self._cond_index: dict[str, int] = {c: i for i, c in enumerate(places)}
        self._busy_index: dict[str, int] = {}
        for tid in net.tasks:
            self._busy_index[tid] = len(places)
            places.append(f"busy_{tid}")
        # 1-bounded busy places: `idle_t` holds a token while t is not running, so that t runs
        # one generation at a time as in the engine. Only where it can matter (see `_needs_idle`)
        self._idle_index: dict[str, int] = {}
        for tid in net.tasks:
            if _needs_idle(net, tid):
                self._idle_index[tid] = len(places)
                places.append(f"idle_{tid}")
        self.places: tuple[str, ...] = tuple(places)

        transitions: list[_Transition] = []
        for task in net.tasks.values():
            transitions.extend(self._start_transitions(task))
            transitions.extend(self._end_transitions(task, expand_or_splits))
        self.transitions: tuple[_Transition, ...] = tuple(transitions)
        # the same translation without idle places: coarser, but its search is fast (series
        # fusion applies throughout); asked first, its "enabled" is final
        idle_index, self._idle_index = self._idle_index, {}
        plain: list[_Transition] = []
        for task in net.tasks.values():
            plain.extend(self._start_transitions(task))
            plain.extend(self._end_transitions(task, expand_or_splits))
        self._idle_index = idle_index
        self._plain_transitions: tuple[_Transition, ...] = tuple(plain)
        # per translation (key: plain?), what plans are built from (see `_Translation`); a held
        # group of the vicious-circle rule needs no plan of its own (see `_reset_net`)
        self._translations = {
            True: _Translation(self._plain_transitions),
            False: _Translation(self.transitions),
        }
        # everything that does not depend on the marking, for each OR-join deciding alone
        for j in self.or_joins:
            held = frozenset((j,))
            if self._idle_index:
                self._plan(j, held, plain=True)
            self._plan(j, held)
            self._exact.prepare(j, held)

    # ------------------------------------------------------------------ translation

    def _start_transitions(self, task: Task) -> list[_Transition]:
        busy = {self._busy_index[task.id]: 1}
        busy_mask = 1 << self._busy_index[task.id]
        idle = self._idle_index.get(task.id)
        inputs = [self._cond_index[c] for c in task.inputs]
        if not inputs:
            return []
        if task.join == "and" or len(inputs) == 1:
            groups = [inputs]
        else:  # xor, and every OR-join (the one under analysis is filtered out per plan)
            groups = [[p] for p in dict.fromkeys(inputs)]
        out = []
        for n, group in enumerate(groups):
            pre: dict[int, int] = {}
            for p in group:
                _add(pre, p)
            if idle is not None:
                pre[idle] = 1
            out.append(
                _Transition(
                    name=f"start_{task.id}#{n}",
                    owner=task.id,
                    is_start=True,
                    pre=tuple(sorted(pre.items())),
                    pre_mask=_mask(pre),
                    reset=frozenset(),
                    post=busy,
                    post_mask=busy_mask,
                )
            )
        return out

    def _end_transitions(self, task: Task, expand_or_splits: bool) -> list[_Transition]:
        busy = self._busy_index[task.id]
        reset: set[int] = set()
        back: dict[int, int] = {}  # a cancelled task is idle again
        own_idle = self._idle_index.get(task.id)
        if own_idle is not None:
            back[own_idle] = 1
        for x in task.cancels:
            if x in self._cond_index:
                reset.add(self._cond_index[x])
            elif x == task.id:
                continue  # the engine never cancels the completing task itself
            elif x in self._busy_index:
                reset.add(self._busy_index[x])
                if x in self._idle_index:
                    reset.add(self._idle_index[x])
                    back[self._idle_index[x]] = 1
            else:
                raise ValueError(f"task {task.id} cancels unknown element {x!r}")
        targets = [self._cond_index[f.target] for f in task.outputs]
        if not targets:
            groups: list[list[int]] = [[]]
        elif task.split == "xor":
            groups = [[p] for p in dict.fromkeys(targets)]
        elif task.split == "or" and expand_or_splits and len(targets) > 1:
            distinct = list(dict.fromkeys(targets))
            groups = [list(s) for k in range(1, len(distinct) + 1) for s in itertools.combinations(distinct, k)]
        elif task.split == "or":
            groups = [list(dict.fromkeys(targets))]  # the engine adds one token per chosen target
        else:  # and: one token per output flow
            groups = [targets]
        frozen_reset = frozenset(reset)
        out = []
        for n, group in enumerate(groups):
            post: dict[int, int] = dict(back)
            for p in group:
                _add(post, p)
            out.append(
                _Transition(
                    name=f"end_{task.id}#{n}",
                    owner=task.id,
                    is_start=False,
                    pre=((busy, 1),),
                    pre_mask=1 << busy,
                    reset=frozen_reset,
                    post=post,
                    post_mask=_mask(post),
                )
            )
        return out

    def _plan(self, task_id: str, held: frozenset[str] = frozenset(), plain: bool = False) -> _JoinPlan:
        plan = self._plans.get((task_id, held, plain))
        if plan is not None:
            return plan
        task = self.net.tasks.get(task_id)
        if task is None:
            raise ValueError(f"unknown task {task_id!r}")
        if task.join != "or":
            raise ValueError(f"task {task_id!r} is not an OR-join")
        tr = self._translations[plain]
        by_post, pre_places = tr.by_post, tr.pre_places
        inputs = tuple(dict.fromkeys(self._cond_index[c] for c in task.inputs))
        relevant = set(inputs)
        kept: list[int] = []  # indices into `source`, in the order first reached
        # the held OR-joins never start: their start transitions are never kept
        seen: set[int] = set(tr.starts.get(task_id, ()))
        for h in held:
            seen.update(tr.starts.get(h, ()))
        stack = list(inputs)
        while stack:
            p = stack.pop()
            for i in by_post.get(p, ()):
                if i in seen:
                    continue
                seen.add(i)
                kept.append(i)
                for q in pre_places[i]:
                    if q not in relevant:
                        relevant.add(q)
                        stack.append(q)
        fused, transitions = tr.fuse_series(kept, set(inputs))
        producers: dict[int, list[int]] = {}
        consumers: dict[int, list[int]] = {}
        starts: dict[str, list[int]] = {}
        for i, t in enumerate(transitions):
            for p in t.post:
                producers.setdefault(p, []).append(i)
            for p, _ in t.pre:
                consumers.setdefault(p, []).append(i)
            if t.is_start:
                starts.setdefault(t.owner, []).append(i)
        plan = _JoinPlan(
            inputs=inputs,
            relevant=frozenset(relevant),
            idle=tuple((tid, p) for tid, p in self._idle_index.items() if p in relevant and not plain),
            fused=fused,
            transitions=transitions,
            producers={p: tuple(ts) for p, ts in producers.items()},
            consumers={p: tuple(ts) for p, ts in consumers.items()},
            starts={o: tuple(ts) for o, ts in starts.items()},
        )
        self._plans[(task_id, held, plain)] = plan
        return plan

    # ------------------------------------------------------------------ the decision

    def is_enabled(
        self,
        task_id: str,
        marking: Mapping[str, int],
        busy: Mapping[str, int],
        directed: Mapping[str, int] | None = None,
    ) -> bool:
        """task_id is an OR-join task. marking: condition id -> tokens (missing = 0).
        busy: task id -> 1 for each started task (missing = 0). directed: task id -> directed
        runs still to start (`next_tasks`); without it, `busy` counts them too.

        True iff at least one input is marked and either no state reachable from here marks all
        currently marked inputs of task_id plus one currently empty input (YAWL's rule, decided
        as `_decide` says), or task_id belongs to a group of OR-joins that can only receive a
        further token through one another (the vicious-circle rule, `_circle`)."""
        task = self.net.tasks.get(task_id)
        if task is None:
            raise ValueError(f"unknown task {task_id!r}")
        if task.join != "or":
            raise ValueError(f"task {task_id!r} is not an OR-join")
        inputs = set(task.inputs)
        marked = sum(1 for c in inputs if marking.get(c, 0) > 0)
        if not marked:
            return False
        if marked == len(inputs):
            return True
        started = busy
        directed = directed or {}
        if self._decide(task_id, frozenset((task_id,)), marking, started, directed):
            return True
        return task_id in self._circle(marking, started, directed)

    def clear_cache(self) -> None:
        """Forget every cached answer (the per-join plans stay)."""
        with self._lock:
            self._cache.clear()
            self._decisions.clear()
            self._circle_cache.clear()

    def _waiting(
        self, marking: Mapping[str, int], started: Mapping[str, int], directed: Mapping[str, int]
    ) -> list[str]:
        """The OR-joins with some but not all inputs marked that are not running."""
        out = []
        for j in self.or_joins:
            if started.get(j, 0) > 0 or directed.get(j, 0) > 0:
                continue
            inputs = set(self.net.tasks[j].inputs)
            n = sum(1 for c in inputs if marking.get(c, 0) > 0)
            if 0 < n < len(inputs):
                out.append(j)
        return out

    def _circle(
        self, marking: Mapping[str, int], started: Mapping[str, int], directed: Mapping[str, int]
    ) -> frozenset[str]:
        """The vicious-circle rule (docs/engine-semantics.md section 8): the largest group V of
        waiting OR-joins such that each member, with every member of V held (never starting),
        could no longer receive a token. Its members fire. Computed as a greatest fixpoint:
        start from every waiting OR-join and drop those that could still receive a token
        while the rest are held, until none is dropped (holding fewer OR-joins only adds
        behaviour, so a dropped one never comes back)."""
        if any(n > 0 for n in started.values()) or any(n > 0 for n in directed.values()):
            return frozenset()  # tried only when no task is running: work in progress goes first
        group = self._waiting(marking, started, directed)
        if len(group) < 2:
            return frozenset()
        key = _state_key(marking, started, directed)
        answer = self._circle_cache.get(key)
        if answer is not None:
            return answer
        answer = frozenset()
        # a quick no: if even with every waiting OR-join held the reset net sees a token
        # coming to the first of them, the rule is not tried (that one keeps waiting)
        if not self._reset_net_enabled(
            group[0], frozenset(group), marking, started, directed, plain=True, basis=CIRCLE_BASIS
        ):
            group = group[1:]
        while len(group) >= 2:
            held = frozenset(group)
            keep = [j for j in group if self._decide(j, held, marking, started, directed, CIRCLE_BASIS)]
            if len(keep) == len(group):
                answer = held
                break
            group = keep
        self._remember(self._circle_cache, key, answer)
        return answer

    def _remember(self, cache: dict[Any, _A], key: Any, answer: _A) -> None:
        """Keep `answer` in one of the bounded answer caches (cleared whole when full)."""
        with self._lock:
            if len(cache) >= self._cache_size:
                cache.clear()
            cache[key] = answer

    def _decide(
        self,
        task_id: str,
        held: frozenset[str],
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
        basis: int = PLAIN_BASIS,
    ) -> bool:
        """Can no token reach an empty input of task_id any more (with the OR-joins of `held`,
        task_id among them, never starting)? Cached per (task_id, held, bound, state); see
        `_decide_uncached`."""
        key = (task_id, held, basis, _state_key(marking, started, directed))
        answer = self._decisions.get(key)
        if answer is None:
            answer = self._decide_uncached(task_id, held, marking, started, directed, basis)
            self._remember(self._decisions, key, answer)
        return answer

    def _decide_uncached(
        self,
        task_id: str,
        held: frozenset[str],
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
        basis: int,
    ) -> bool:
        """Three steps, each final when it says "enabled" (all three over-approximate the
        engine, so their "enabled" is sound):

        1. the reset net without idle places (fast: series fusion applies throughout), its
           search bounded by `basis` minimal markings (`PLAIN_BASIS`, or `CIRCLE_BASIS` for
           the vicious-circle rule);
        2. the reset net with idle places (1-bounded busy places), bounded by `IDLE_BASIS`.
           Skipped when the path step 1 found to a target starts no task with an idle place
           twice, nor one that is running (`_one_at_a_time`): that path exists with idle
           places too, so step 2 would say "wait"; skipped too when step 1 went over its
           bound (step 2 searches a bigger net with a smaller bound);
        3. the engine's own rules (`ExactModel.can_arrive`), explored up to `exact_budget`
           states, for OR-joins whose relevant part of the net is small enough
           (`ExactModel.applies`, known per version); otherwise, or past the budget, "wait"."""
        idle_wait = False
        if self._idle_index:
            plain = self._reset_net(task_id, held, marking, started, directed, plain=True, basis=basis)
            if plain is None:
                return True
            # over its bound, the finer search (with more places, and a tighter bound) would
            # not finish either: "wait" stands for step 2
            idle_wait = plain.starts is None or self._one_at_a_time(plain, started, directed)
        if not idle_wait:
            bound = IDLE_BASIS if self._idle_index else basis
            if self._reset_net(task_id, held, marking, started, directed, basis=bound) is None:
                return True
        if self._exact_budget <= 0 or not self._exact.applies(task_id):
            return False
        arrives = self._exact.can_arrive(task_id, held, marking, started, directed, self._exact_budget)
        return arrives is False

    def _one_at_a_time(self, wait: _Wait, started: Mapping[str, int], directed: Mapping[str, int]) -> bool:
        """Does the path of a "wait" of the reset net without idle places (step 1 of
        `_decide_uncached`) fire with idle places too? It does when every task with an idle
        place is started on it at most once, and not at all while it is running: `idle_t` then
        always holds a token when the path starts t (a cancellation resets `idle_t` but gives
        it back), and nothing else differs between the two translations."""
        if wait.starts is None:
            return False  # no path known
        seen: set[str] = set()
        for tid in wait.starts:
            if tid in self._idle_index:
                if tid in seen or started.get(tid, 0) > 0 or directed.get(tid, 0) > 0:
                    return False
                seen.add(tid)
        return True

    def _reset_net_enabled(
        self,
        task_id: str,
        held: frozenset[str],
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
        plain: bool = False,
        basis: int | None = None,
    ) -> bool:
        """The reset-net answer: no target coverable from the current marking. `plain`: the
        translation without idle places. `basis`: a bound on the search (over it: "wait")."""
        return self._reset_net(task_id, held, marking, started, directed, plain, basis) is None

    def _reset_net(
        self,
        task_id: str,
        held: frozenset[str],
        marking: Mapping[str, int],
        started: Mapping[str, int],
        directed: Mapping[str, int],
        plain: bool = False,
        basis: int | None = None,
    ) -> _Wait | None:
        """None when no target is coverable from the current marking in the reset net (enabled);
        else "wait", with the tasks started on the path found (`_coverable`; None when the
        search went over `basis` minimal markings, which counts as "wait" too)."""
        # the plan of task_id deciding alone, with the start transitions of the other held
        # OR-joins switched off in the search (`_coverable`): a plan per held group cost about
        # a millisecond each, several of them in one decision of the vicious-circle rule
        plan = self._plan(task_id, frozenset((task_id,)), plain)
        relevant = plan.relevant
        fused = plan.fused
        current: dict[int, int] = {}
        for cid, n in marking.items():
            if n > 0:
                p = self._cond_index.get(cid)
                if p is not None and p in relevant:
                    p = fused.get(p, p)
                    current[p] = current.get(p, 0) + n
        inputs = plan.inputs
        marked = [p for p in inputs if p in current]
        if not marked:
            return _Wait(None)
        if len(marked) == len(inputs):
            return None
        busy_index = self._busy_index
        for tid, n in started.items():
            if n > 0:
                p = busy_index.get(tid, -1)
                if p in relevant:
                    p = fused.get(p, p)
                    current[p] = current.get(p, 0) + n
        for tid, n in directed.items():
            if n > 0:
                p = busy_index.get(tid, -1)
                if p in relevant:
                    p = fused.get(p, p)
                    current[p] = current.get(p, 0) + n
        if not plain:
            for tid, idle in plan.idle:
                if started.get(tid, 0) <= 0 and directed.get(tid, 0) <= 0:
                    p = fused.get(idle, idle)
                    current[p] = current.get(p, 0) + 1
        key = (task_id, held, plain, basis, frozenset(current.items()))
        try:
            return self._cache[key]
        except KeyError:
            pass
        answer: _Wait | None
        try:
            off = [i for h in held if h != task_id for i in plan.starts.get(h, ())]
            starts = self._coverable(plan, current, marked, basis, off)
            answer = None if starts is None else _Wait(starts)
        except _OverBound:
            answer = _Wait(None)  # over its bound: "wait" (the coarser answer stands)
        self._remember(self._cache, key, answer)
        return answer

    def _coverable(
        self,
        plan: _JoinPlan,
        current: dict[int, int],
        marked: list[int],
        basis: int | None = None,
        off: Iterable[int] = (),
    ) -> tuple[str, ...] | None:
        """Can a marking with every place of `marked` plus one other input of the join be
        covered from `current`, the transitions of `off` (indices) never firing? None: no.
        Otherwise the tasks started on the path found, in the order they start (with repeats;
        `_one_at_a_time`)."""
        transitions = plan.transitions
        consumers = plan.consumers

        # Forward relevance, with costs: a transition is alive when every place of its preset
        # can be marked from `current`; its cost is 1 + the costs of its preset (the additive
        # heuristic of planning, computed Dijkstra-style); `produce[p]` is the cheapest alive
        # transition putting a token in p. A place without an alive producer never holds more
        # tokens than it does now, which prunes markings asking for more.
        produce: dict[int, int] = {}
        cost: dict[int, int] = dict.fromkeys(current, 0)
        missing = [len(t.pre) for t in transitions]
        for i in off:
            missing[i] = -1  # never reaches 0: never alive
        acc = [0] * len(transitions)
        alive = [False] * len(transitions)
        queue: list[tuple[int, int]] = [(0, p) for p in current]
        while queue:
            c, p = heapq.heappop(queue)
            if c > cost[p]:
                continue
            for i in consumers.get(p, ()):
                missing[i] -= 1
                acc[i] += c
                if missing[i] == 0:
                    alive[i] = True
                    tc = acc[i] + 1
                    for q in transitions[i].post:
                        if tc < produce.get(q, tc + 1):
                            produce[q] = tc
                        if tc < cost.get(q, tc + 1):
                            cost[q] = tc
                            heapq.heappush(queue, (tc, q))

        empty = [q for q in plan.inputs if q not in current and q in produce]
        if not empty:
            return None
        producers = plan.producers
        cur_get = current.get
        prod_get = produce.get

        def estimate(m: SparseMarking) -> int:
            """Tokens still to produce, weighted by their cost; -1 if m can never be covered."""
            h = 0
            for p, c in m:
                extra = c - cur_get(p, 0)
                if extra > 0:
                    pc = prod_get(p)
                    if pc is None:
                        return -1
                    h += extra * pc
            return h

        # The basis, indexed by support mask so that "is m above a basis element" only looks at
        # the subsets of m's support. Elements that turn out not to be minimal are dropped when
        # popped; the frontier is ordered by the estimate (greedy best-first), so a coverable
        # target is usually found after a handful of expansions.
        by_support: dict[int, list[SparseMarking]] = {}
        size = 0
        heap: list[tuple[int, int, SparseMarking, int]] = []
        counter = itertools.count()

        def dominated(m: SparseMarking, mask: int) -> bool:
            if (1 << mask.bit_count()) <= len(by_support):
                sub = mask
                while sub:
                    group = by_support.get(sub)
                    if group:
                        for b in group:
                            if b is not m and _leq(b, m):
                                return True
                    sub = (sub - 1) & mask
                return False
            for smask, group in by_support.items():
                if smask & ~mask == 0:
                    for b in group:
                        if b is not m and _leq(b, m):
                            return True
            return False

        # basis element -> (the transition it is a predecessor through, of which marking)
        parent: dict[SparseMarking, tuple[_Transition, SparseMarking] | None] = {}

        def path(m: SparseMarking) -> tuple[str, ...]:
            """The tasks started on the way from a covered `m` to a target. (A start transition
            is never fused away when its task has an idle place, see `_Translation.fuse_series`.)"""
            starts: list[str] = []
            step = parent.get(m)
            for _ in range(len(parent)):  # a chain of parents never repeats; bounded anyway
                if step is None:
                    break
                t, m = step
                if t.is_start:
                    starts.append(t.owner)
                step = parent.get(m)
            return tuple(starts)

        found: list[tuple[str, ...]] = []

        def insert(m: SparseMarking, mask: int, via: tuple[_Transition, SparseMarking] | None) -> bool:
            """Add m to the basis unless dominated; True when m is covered by `current`."""
            nonlocal size
            h = estimate(m)
            if h < 0 or dominated(m, mask):
                return False
            parent[m] = via
            if h == 0:
                found.append(path(m))
                return True
            by_support.setdefault(mask, []).append(m)
            size += 1
            if basis is not None and size > basis:
                raise _OverBound(f"OR-join analysis exceeded {basis} minimal markings")
            if self._max_basis is not None and size > self._max_basis:
                raise OrJoinBudgetExceeded(f"OR-join analysis exceeded {self._max_basis} minimal markings")
            heapq.heappush(heap, (h, next(counter), m, mask))
            return False

        base = [(p, 1) for p in marked]
        for q in empty:
            m = tuple(sorted([*base, (q, 1)]))
            if insert(m, _mask(p for p, _ in m), None):
                return found[0]

        while heap:
            _, _, m, mask = heapq.heappop(heap)
            if dominated(m, mask):
                # a smaller marking arrived since; its predecessors are smaller too
                by_support[mask].remove(m)
                continue
            mdict = dict(m)
            seen: set[int] = set()
            for p, _ in m:
                for i in producers.get(p, ()):
                    if not alive[i] or i in seen:
                        continue
                    seen.add(i)
                    t = transitions[i]
                    pred = _predecessor(mdict, t)
                    if pred is not None and insert(pred[0], pred[1], (t, m)):
                        return found[0]
        return None


def _state_key(marking: Mapping[str, int], started: Mapping[str, int], directed: Mapping[str, int]) -> StateKey:
    """The whole state as a cache key (frozensets: hashed without sorting)."""
    return (
        frozenset((c, n) for c, n in marking.items() if n > 0),
        frozenset(t for t, n in started.items() if n > 0),
        frozenset((t, n) for t, n in directed.items() if n > 0),
    )


def _needs_idle(net: Net, tid: str) -> bool:
    """Does task `tid` get an `idle` place (its busy place bounded by 1)? Leaving it out only
    adds behaviour to the abstraction (still sound, less precise), and it costs: the task's
    chain can no longer be fused and the backward basis grows. It pays where cancellation is
    involved: a task that is cancelled, or whose inputs a cancellation empties (Tasquencer's
    net in issue 14 is of this class). Elsewhere a second run started early can be started
    after the first ends instead, reaching nearly the same markings."""
    cancelled = {x for t in net.tasks.values() for x in t.cancels}
    task = net.tasks[tid]
    return tid in cancelled or any(c in cancelled for c in task.inputs)


class _Translation:
    """One translation (with or without idle places), indexed for building plans: per
    transition (by its index), the places of its preset and postset, its reset set, and the
    (p, q) of a one-token move from p to q without reset (a candidate for `fuse_series`);
    per place, the transitions producing into it; and the transitions already rewritten by
    fusion in earlier plans (keyed by index and the fusion of the places they touch)."""

    def __init__(self, transitions: tuple[_Transition, ...]) -> None:
        self.transitions = transitions
        self.pre_places: list[tuple[int, ...]] = [tuple(p for p, _ in t.pre) for t in transitions]
        self.post_places: list[tuple[int, ...]] = [tuple(t.post) for t in transitions]
        self.resets: list[frozenset[int]] = [t.reset for t in transitions]
        self.masks: list[int] = [t.pre_mask | t.post_mask for t in transitions]
        self.series: list[tuple[int, int] | None] = []
        by_post: dict[int, list[int]] = {}
        starts: dict[str, list[int]] = {}
        for i, t in enumerate(transitions):
            if t.is_start:
                starts.setdefault(t.owner, []).append(i)
            move = None
            if not t.reset and len(t.pre) == 1 and t.pre[0][1] == 1 and len(t.post) == 1:
                (p, _), (q, n) = t.pre[0], next(iter(t.post.items()))
                if n == 1 and p != q:
                    move = (p, q)
            self.series.append(move)
            for p in t.post:
                by_post.setdefault(p, []).append(i)
        self.by_post: dict[int, tuple[int, ...]] = {p: tuple(ts) for p, ts in by_post.items()}
        self.starts: dict[str, tuple[int, ...]] = {o: tuple(ts) for o, ts in starts.items()}
        self._rewritten: dict[tuple[int, tuple[tuple[int, int], ...]], _Transition] = {}

    def fuse_series(self, kept: list[int], keep: set[int]) -> tuple[dict[int, int], tuple[_Transition, ...]]:
        """Fusion of series places (a reduction rule of Wynn et al. for reset nets), exact for
        coverability: a transition ``T`` that moves one token from ``p`` to ``q`` (nothing else,
        no reset), where ``T`` is ``p``'s only consumer and ``q``'s only producer, neither place is
        reset by any transition and neither is an input of the OR-join (`keep`), is dropped and
        ``q`` is fused into ``p``. A token in ``q`` then counts as a token in ``p``: ``T`` can
        always fire and nothing else competes for ``p``'s tokens or resets either place, so the
        two nets cover the same targets. It turns every chain of one-input one-output tasks
        (start, busy, end, next condition, ...) into a single place, which removes the
        interleavings of parallel branches that would otherwise multiply the backward basis.

        Returns the fusion map (place -> representative, for fused places only) and the kept
        transitions (indices, `kept`) without the fused ones, rewritten onto representatives."""
        chain = itertools.chain.from_iterable
        consumers = Counter(chain(map(self.pre_places.__getitem__, kept)))
        producers = Counter(chain(map(self.post_places.__getitem__, kept)))
        reset: set[int] = set().union(*map(self.resets.__getitem__, kept))
        parent: dict[int, int] = {}

        def find(p: int) -> int:
            root = p
            while root in parent:
                root = parent[root]
            while p != root:  # path compression: long chains are walked once
                parent[p], p = root, parent[p]
            return root

        series = self.series
        dropped: set[int] = set()
        for i in kept:
            move = series[i]
            if move is None:
                continue
            p, q = move
            if p in keep or q in keep or p in reset or q in reset:
                continue
            if consumers[p] != 1 or producers[q] != 1:
                continue
            rp, rq = find(p), find(q)
            if rp != rq:
                parent[rq] = rp
            dropped.add(i)
        fused = {p: find(p) for p in parent}
        fused_mask = _mask(fused)
        source = self.transitions
        rewritten = self._rewritten
        out: list[_Transition] = []
        masks = self.masks
        for i in kept:
            if not masks[i] & fused_mask:
                out.append(source[i])
                continue
            if i in dropped:
                continue
            t = source[i]
            key = (i, tuple((p, fused[p]) for p in self.pre_places[i] + self.post_places[i] if p in fused))
            done = rewritten.get(key)
            if done is None:
                pre: dict[int, int] = {}
                for p, c in t.pre:
                    _add(pre, fused.get(p, p), c)
                post: dict[int, int] = {}
                for p, c in t.post.items():
                    _add(post, fused.get(p, p), c)
                done = _Transition(
                    name=t.name,
                    owner=t.owner,
                    is_start=t.is_start,
                    pre=tuple(sorted(pre.items())),
                    pre_mask=_mask(pre),
                    reset=t.reset,  # reset places are never fused
                    post=post,
                    post_mask=_mask(post),
                )
                rewritten[key] = done
            out.append(done)
        return fused, tuple(out)


def _leq(a: SparseMarking, b: SparseMarking) -> bool:
    """a <= b, for sparse markings whose supports are already known to satisfy supp a ⊆ supp b."""
    if len(a) == 1:
        p, c = a[0]
        for q, d in b:
            if q == p:
                return c <= d
        return False
    bd = dict(b)
    return all(c <= bd.get(p, 0) for p, c in a)


def _predecessor(m: dict[int, int], t: _Transition) -> tuple[SparseMarking, int] | None:
    """The minimal marking from which firing t covers m, or None if t cannot help."""
    post = t.post
    reset = t.reset
    pred: dict[int, int] = {}
    for p, c in m.items():
        if p in reset:
            if c > post.get(p, 0):
                return None  # t empties p and does not give back enough
            continue
        left = c - post.get(p, 0)
        if left > 0:
            pred[p] = left
    for p, c in t.pre:
        pred[p] = pred.get(p, 0) + c
    items = tuple(sorted(pred.items()))
    mask = 0
    for p, _ in items:
        mask |= 1 << p
    return items, mask
