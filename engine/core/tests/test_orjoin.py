"""OR-join decisions on small nets with known answers (docs/or-join.md), plus a brute-force check.

Each net is a JSON document as the designer saves it; ``i`` is the start and ``o`` the end.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from typing import Any

import pytest

from engine.core.net import Net, parse_net
from engine.core.orjoin import OrJoinAnalyzer, OrJoinBudgetExceeded


def make_net(
    tasks: Mapping[str, Mapping[str, Any]],
    flows: list[tuple[str, str]],
    conditions: list[str] = (),  # type: ignore[assignment]
) -> Net:
    """tasks: id -> {"join", "split", "cancels", "kind"} (kind defaults to dummy)."""
    doc = {
        "schema_version": 1,
        "name": "t",
        "conditions": [
            {"id": "i", "kind": "start"},
            {"id": "o", "kind": "end"},
            *({"id": c} for c in conditions),
        ],
        "tasks": [{"id": tid, "kind": "dummy", **spec} for tid, spec in tasks.items()],
        "flows": [{"from": a, "to": b} for a, b in flows],
    }
    return parse_net(doc)


def enabled(net: Net, task: str, marking: Mapping[str, int], busy: Mapping[str, int] | None = None) -> bool:
    """Ask a fresh analyzer and the literal OR-split subset translation; they must agree."""
    busy = busy or {}
    answer = OrJoinAnalyzer(net).is_enabled(task, marking, busy)
    literal = OrJoinAnalyzer(net, expand_or_splits=True).is_enabled(task, marking, busy)
    assert answer == literal
    return answer


# ---------------------------------------------------------------- YAWL book, figure 3.3


@pytest.fixture
def fig33() -> Net:
    return make_net(
        tasks={
            "A": {"split": "or"},
            "B": {},
            "C": {},
            "D": {"cancels": ["c2", "c5", "C"]},
            "E": {"join": "or"},
        },
        flows=[
            ("i", "A"),
            ("A", "c1"),
            ("A", "c2"),
            ("A", "c3"),
            ("c1", "B"),
            ("B", "c4"),
            ("c2", "C"),
            ("C", "c5"),
            ("c3", "D"),
            ("D", "c6"),
            ("c4", "E"),
            ("c5", "E"),
            ("c6", "E"),
            ("E", "o"),
        ],
        conditions=["c1", "c2", "c3", "c4", "c5", "c6"],
    )


def test_fig33_c2_c3_c4_not_enabled(fig33: Net) -> None:
    # C can still put a token in c5 while c4 stays marked
    assert enabled(fig33, "E", {"c2": 1, "c3": 1, "c4": 1}) is False


def test_fig33_c3_c4_c5_enabled(fig33: Net) -> None:
    # D is the only way to c6, and its completion empties c5: c4+c5+c6 is never covered
    assert enabled(fig33, "E", {"c3": 1, "c4": 1, "c5": 1}) is True


def test_fig33_c4_with_d_busy_not_enabled(fig33: Net) -> None:
    # D's completion resets c2, c5 and C but not c4, and puts a token in c6: c4+c6 coverable
    assert enabled(fig33, "E", {"c4": 1}, {"D": 1}) is False


def test_fig33_c4_with_c_busy_not_enabled(fig33: Net) -> None:
    assert enabled(fig33, "E", {"c4": 1}, {"C": 1}) is False


def test_fig33_c4_c6_after_d_enabled(fig33: Net) -> None:
    # D completed (and cancelled C): nothing else can arrive
    assert enabled(fig33, "E", {"c4": 1, "c6": 1}) is True


def test_fig33_only_c4_enabled(fig33: Net) -> None:
    # A took only the c1 branch
    assert enabled(fig33, "E", {"c4": 1}) is True


# ---------------------------------------------------------------- OR split / join diamond


@pytest.fixture
def diamond() -> Net:
    return make_net(
        tasks={"A": {"split": "or"}, "B": {}, "C": {}, "J": {"join": "or"}},
        flows=[
            ("i", "A"),
            ("A", "a1"),
            ("A", "a2"),
            ("a1", "B"),
            ("B", "x"),
            ("a2", "C"),
            ("C", "y"),
            ("x", "J"),
            ("y", "J"),
            ("J", "o"),
        ],
        conditions=["a1", "a2", "x", "y"],
    )


def test_diamond_other_branch_pending_upstream(diamond: Net) -> None:
    assert enabled(diamond, "J", {"x": 1, "a2": 1}) is False
    assert enabled(diamond, "J", {"y": 1, "a1": 1}) is False


def test_diamond_other_branch_not_taken(diamond: Net) -> None:
    assert enabled(diamond, "J", {"x": 1}) is True
    assert enabled(diamond, "J", {"y": 1}) is True


def test_diamond_both_done(diamond: Net) -> None:
    assert enabled(diamond, "J", {"x": 1, "y": 1}) is True


def test_diamond_split_not_yet_fired(diamond: Net) -> None:
    # nothing on J's inputs yet
    assert enabled(diamond, "J", {"i": 1}) is False
    assert enabled(diamond, "J", {"a1": 1, "a2": 1}) is False


def test_diamond_upstream_busy_task(diamond: Net) -> None:
    # C is running and will produce into y
    assert enabled(diamond, "J", {"x": 1}, {"C": 1}) is False
    # A itself is running: it may still produce both branches... but x is already marked,
    # so a token can reach y through A -> a2 -> C
    assert enabled(diamond, "J", {"x": 1}, {"A": 1}) is False
    # B running does not matter for y (x is marked already, y can't be reached)
    assert enabled(diamond, "J", {"x": 1}, {"B": 1}) is True


def test_no_input_marked_even_with_nothing_upstream(diamond: Net) -> None:
    assert enabled(diamond, "J", {}) is False
    assert enabled(diamond, "J", {"o": 1}) is False


def test_all_inputs_marked_is_enabled_whatever_is_upstream(diamond: Net) -> None:
    assert enabled(diamond, "J", {"x": 1, "y": 1, "a1": 1, "a2": 1}, {"A": 1}) is True


def test_not_an_or_join(diamond: Net) -> None:
    with pytest.raises(ValueError):
        OrJoinAnalyzer(diamond).is_enabled("B", {"a1": 1}, {})
    with pytest.raises(ValueError):
        OrJoinAnalyzer(diamond).is_enabled("nope", {"a1": 1}, {})


# ---------------------------------------------------------------- loops


@pytest.fixture
def loop_upstream() -> Net:
    """A OR-splits to a1, a2; B: a1 -> x; C: a2 -> r; R XOR-splits back to a2 or on to y.
    J OR-joins x, y."""
    return make_net(
        tasks={
            "A": {"split": "or"},
            "B": {},
            "C": {"join": "xor"},
            "R": {"split": "xor"},
            "J": {"join": "or"},
        },
        flows=[
            ("i", "A"),
            ("A", "a1"),
            ("A", "a2"),
            ("a1", "B"),
            ("B", "x"),
            ("a2", "C"),
            ("C", "r"),
            ("r", "R"),
            ("R", "a2"),
            ("R", "y"),
            ("x", "J"),
            ("y", "J"),
            ("J", "o"),
        ],
        conditions=["a1", "a2", "r", "x", "y"],
    )


def test_loop_upstream_can_still_deliver(loop_upstream: Net) -> None:
    assert enabled(loop_upstream, "J", {"x": 1, "r": 1}) is False
    assert enabled(loop_upstream, "J", {"x": 1, "a2": 1}) is False
    assert enabled(loop_upstream, "J", {"x": 1}, {"C": 1}) is False
    assert enabled(loop_upstream, "J", {"x": 1}, {"R": 1}) is False


def test_loop_upstream_exited(loop_upstream: Net) -> None:
    assert enabled(loop_upstream, "J", {"y": 1}) is True
    assert enabled(loop_upstream, "J", {"x": 1}) is True
    # y is marked and the loop still runs: it can bring a second token to y, but only x's
    # arrival counts and x's branch is finished
    assert enabled(loop_upstream, "J", {"y": 1, "r": 1}) is True


@pytest.fixture
def join_in_loop() -> Net:
    """The OR-join itself sits in a loop: J -> jo -> K, K XOR-splits to o or back to p,
    p -> A OR-splits to a1, a2 -> B, C -> x, y -> J."""
    return make_net(
        tasks={
            "S": {},
            "A": {"join": "xor", "split": "or"},
            "B": {},
            "C": {},
            "J": {"join": "or"},
            "K": {"split": "xor"},
        },
        flows=[
            ("i", "S"),
            ("S", "p"),
            ("p", "A"),
            ("A", "a1"),
            ("A", "a2"),
            ("a1", "B"),
            ("B", "x"),
            ("a2", "C"),
            ("C", "y"),
            ("x", "J"),
            ("y", "J"),
            ("J", "jo"),
            ("jo", "K"),
            ("K", "p"),
            ("K", "o"),
        ],
        conditions=["p", "a1", "a2", "x", "y", "jo"],
    )


def test_join_in_loop_back_edge_can_refill(join_in_loop: Net) -> None:
    # a token in jo: K may loop back through p, A and C to y while x stays marked
    assert enabled(join_in_loop, "J", {"x": 1, "jo": 1}) is False
    assert enabled(join_in_loop, "J", {"x": 1}, {"K": 1}) is False
    assert enabled(join_in_loop, "J", {"x": 1, "p": 1}) is False
    # J itself still running from an earlier round: its output can come back round
    assert enabled(join_in_loop, "J", {"x": 1}, {"J": 1}) is False


def test_join_in_loop_no_token_can_come_back(join_in_loop: Net) -> None:
    # only J's own firing can restart the loop, and J has no start in its own analysis
    assert enabled(join_in_loop, "J", {"x": 1}) is True
    assert enabled(join_in_loop, "J", {"y": 1, "o": 1}) is True


def test_two_or_joins_on_a_cycle_fire_together() -> None:
    """YAWL's vicious circle: J1 waits for c2 from J2, J2 waits for c1 from J1. Each on its
    own would wait (the reset net and the exact exploration both say a token can come); the
    vicious-circle rule lets both fire, since only the other could ever deliver."""
    net = make_net(
        tasks={
            "A": {},
            "J1": {"join": "or", "split": "xor"},
            "J2": {"join": "or", "split": "xor"},
            "F": {"join": "xor"},
        },
        flows=[
            ("i", "A"),
            ("A", "a"),
            ("A", "b"),
            ("a", "J1"),
            ("c2", "J1"),
            ("b", "J2"),
            ("c1", "J2"),
            ("J1", "c1"),
            ("J1", "o1"),
            ("J2", "c2"),
            ("J2", "o2"),
            ("o1", "F"),
            ("o2", "F"),
            ("F", "o"),
        ],
        conditions=["a", "b", "c1", "c2", "o1", "o2"],
    )
    state = {"a": 1, "b": 1}
    analyzer = OrJoinAnalyzer(net)
    assert _reset_net(analyzer, "J1", state, {}) is False
    assert analyzer._decide("J1", frozenset({"J1"}), state, {}, {}) is False
    assert enabled(net, "J1", state) is True
    assert enabled(net, "J2", state) is True
    # J2 running (not waiting) may still deliver to c2: no circle, J1 waits
    assert enabled(net, "J1", {"a": 1}, {"J2": 1}) is False


# ---------------------------------------------------------------- cancellation


def _cancel_net(cancels: list[str]) -> Net:
    """A AND-splits to d, y0; D: d -> x (cancelling `cancels`); Y: y0 -> y; J OR-joins x, y."""
    return make_net(
        tasks={
            "A": {},
            "D": {"cancels": cancels},
            "Y": {},
            "J": {"join": "or"},
        },
        flows=[
            ("i", "A"),
            ("A", "d"),
            ("A", "y0"),
            ("d", "D"),
            ("D", "x"),
            ("y0", "Y"),
            ("Y", "y"),
            ("x", "J"),
            ("y", "J"),
            ("J", "o"),
        ],
        conditions=["d", "y0", "x", "y"],
    )


def test_cancellation_removes_the_marked_input() -> None:
    # D is the only source of x, and it empties y when it completes: x+y never coverable
    assert enabled(_cancel_net(["y"]), "J", {"y": 1, "d": 1}) is True
    assert enabled(_cancel_net(["y"]), "J", {"y": 1}, {"D": 1}) is True
    # without the cancellation D can deliver x while y stays marked
    assert enabled(_cancel_net([]), "J", {"y": 1, "d": 1}) is False


def test_cancellation_of_the_only_source() -> None:
    """D cancels Y and its input y0; Y is the only source of y."""
    net = make_net(
        tasks={
            "A": {},
            "D": {"cancels": ["y0", "Y"]},
            "Y": {},
            "J": {"join": "or"},
        },
        flows=[
            ("i", "A"),
            ("A", "d"),
            ("A", "y0"),
            ("d", "D"),
            ("D", "x"),
            ("y0", "Y"),
            ("Y", "y"),
            ("x", "J"),
            ("y", "J"),
            ("J", "o"),
        ],
        conditions=["d", "y0", "x", "y"],
    )
    # D completed and emptied y0 and Y: nothing can reach y any more
    assert enabled(net, "J", {"x": 1}) is True
    # ... had it not, Y could still deliver
    assert enabled(net, "J", {"x": 1, "y0": 1}) is False
    assert enabled(net, "J", {"x": 1}, {"Y": 1}) is False
    # D still running while y is marked: it will deliver x and does not touch y
    assert enabled(net, "J", {"y": 1}, {"D": 1}) is False


def test_cancelling_the_or_join_inputs_upstream_in_a_loop() -> None:
    """A loop that could bring a token to y, guarded by a task whose completion cancels the
    loop's condition: once the guard has fired nothing can come; before, the loop can."""
    net = make_net(
        tasks={
            "A": {},
            "L": {"split": "xor", "join": "xor"},
            "G": {"cancels": ["l", "L"]},
            "J": {"join": "or"},
        },
        flows=[
            ("i", "A"),
            ("A", "l"),
            ("A", "g"),
            ("l", "L"),
            ("L", "l"),
            ("L", "y"),
            ("g", "G"),
            ("G", "x"),
            ("x", "J"),
            ("y", "J"),
            ("J", "o"),
        ],
        conditions=["l", "g", "x", "y"],
    )
    assert enabled(net, "J", {"x": 1, "l": 1}) is False  # the loop still runs: L can reach y
    assert enabled(net, "J", {"x": 1}) is True  # G done and emptied the loop
    assert enabled(net, "J", {"l": 1, "g": 1}) is False  # no input marked yet
    # y marked, loop live, G pending: G produces x but empties l and L, never y: y stays
    # marked and x arrives -> coverable
    assert enabled(net, "J", {"y": 1, "l": 1, "g": 1}) is False


# ---------------------------------------------------------------- caching and budget


def test_cache_is_keyed_by_the_relevant_marking(diamond: Net) -> None:
    analyzer = OrJoinAnalyzer(diamond)
    assert analyzer.is_enabled("J", {"x": 1, "a2": 1}, {}) is False
    assert analyzer.is_enabled("J", {"x": 1}, {}) is True
    # o is not relevant to J's inputs: same cache entry, same answer
    assert analyzer.is_enabled("J", {"x": 1, "o": 3}, {}) is True
    assert analyzer.is_enabled("J", {"x": 1, "a2": 1}, {}) is False


def test_budget(fig33: Net) -> None:
    with pytest.raises(OrJoinBudgetExceeded):
        OrJoinAnalyzer(fig33, max_basis=0).is_enabled("E", {"c2": 1, "c3": 1, "c4": 1}, {})


# ---------------------------------------------------------------- brute force on random nets


def _random_net(rng: random.Random, chains: float = 0.0) -> Net:
    """`chains`: the probability that a task is a plain one-input one-output step without a
    cancellation set (what series fusion in the analyzer reduces)."""
    conds = [f"c{k}" for k in range(rng.randint(3, 6))]
    places = ["i", "o", *conds]
    tids = [f"T{k}" for k in range(rng.randint(3, 6))]
    tasks: dict[str, dict[str, Any]] = {}
    flows: list[tuple[str, str]] = []
    for tid in tids:
        step = rng.random() < chains
        ins = rng.sample(places, 1 if step else rng.randint(1, 2))
        outs = rng.sample(places, 1 if step else rng.randint(1, 3))
        flows += [(c, tid) for c in ins] + [(tid, c) for c in outs]
        cancels: list[str] = []
        if not step and rng.random() < 0.6:
            cancels = rng.sample(places + tids, rng.randint(1, 3))
        tasks[tid] = {
            "join": rng.choice(["and", "xor", "or"]),
            "split": rng.choice(["and", "xor", "or"]),
            "cancels": cancels,
        }
    return make_net(tasks, flows, conds)


def _brute_force(
    analyzer: OrJoinAnalyzer,
    task_id: str,
    marking: Mapping[str, int],
    busy: Mapping[str, int],
    held: frozenset[str] = frozenset(),
) -> bool | None:
    """Forward exploration of the same reset net (the OR-joins of `held` never starting
    either); None when it is too big to finish."""
    net = analyzer.net
    index = {name: k for k, name in enumerate(analyzer.places)}
    inputs = list(dict.fromkeys(net.tasks[task_id].inputs))
    marked = [c for c in inputs if marking.get(c, 0) > 0]
    if not marked:
        return False
    if len(marked) == len(inputs):
        return True
    targets: list[list[int]] = []
    for q in inputs:
        if q not in marked:
            targets.append([index[c] for c in [*marked, q]])
    m0 = [0] * len(analyzer.places)
    for cid, tokens in marking.items():
        m0[index[cid]] = tokens
    for tid, count in busy.items():
        m0[index[f"busy_{tid}"]] = count
    for tid in net.tasks:
        if f"idle_{tid}" in index and not busy.get(tid):
            m0[index[f"idle_{tid}"]] = 1
    transitions = [t for t in analyzer.transitions if not (t.is_start and (t.owner == task_id or t.owner in held))]
    start = tuple(m0)
    seen = {start}
    queue = deque([start])
    while queue:
        m = queue.popleft()
        if any(all(m[p] >= 1 for p in target) for target in targets):
            return False
        for t in transitions:
            if all(m[p] >= c for p, c in t.pre):
                n = list(m)
                for p, c in t.pre:
                    n[p] -= c
                for p in t.reset:
                    n[p] = 0
                for p, c in t.post.items():
                    n[p] += c
                nt = tuple(n)
                if max(nt) > 3:
                    return None  # (possibly) unbounded: inconclusive
                if nt not in seen:
                    if len(seen) > 20000:
                        return None
                    seen.add(nt)
                    queue.append(nt)
    return True


def _reset_net(analyzer: OrJoinAnalyzer, j: str, marking: Mapping[str, int], busy: Mapping[str, int]) -> bool:
    """The reset-net stage alone (no exact exploration, no vicious-circle rule)."""
    return analyzer._reset_net_enabled(j, frozenset({j}), marking, busy, {})


@pytest.mark.parametrize(("seed", "chains"), [(7, 0.0), (8, 0.7)])
def test_random_nets_against_forward_exploration(seed: int, chains: float) -> None:
    """The backward search against breadth-first forward exploration of the same reset net,
    on random nets (with OR-splits, resets, loops) whose state space is small enough; the
    second run has mostly one-input one-output steps, so series fusion is exercised."""
    rng = random.Random(seed)
    checked = 0
    fused = 0
    for _ in range(800):
        net = _random_net(rng, chains)
        joins = [t.id for t in net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1]
        if not joins:
            continue
        # the reset net alone (exact_budget=0): the brute force explores the same reset net
        analyzer = OrJoinAnalyzer(net, exact_budget=0)
        literal = OrJoinAnalyzer(net, expand_or_splits=True, exact_budget=0)
        for _ in range(4):
            marking = {c: rng.choice([0, 0, 0, 1]) for c in net.conditions}
            busy = {t: rng.choice([0, 0, 0, 1]) for t in net.tasks}
            for j in joins:
                got = _reset_net(analyzer, j, marking, busy)
                fused += bool(analyzer._plan(j, frozenset({j})).fused)
                assert got == _reset_net(literal, j, marking, busy)
                expected = _brute_force(analyzer, j, marking, busy)
                if expected is not None:
                    assert got == expected, (net.doc, j, marking, busy)
                    inputs = set(net.tasks[j].inputs)
                    if 0 < sum(marking[c] > 0 for c in inputs) < len(inputs):
                        checked += 1  # a real question, not decided by the input count
    assert checked > (200 if chains else 500)
    if chains:
        assert fused > 150  # the fusion really ran on these nets


@pytest.mark.parametrize("seed", [31, 32])
def test_held_or_joins_switched_off_against_forward_exploration(seed: int) -> None:
    """The vicious-circle rule's searches (a group of OR-joins held: none of them starts) run
    on the plan of the deciding OR-join alone with the held ones' start transitions switched
    off; checked against forward exploration of the reset net without those transitions, on
    random nets with several OR-joins."""
    rng = random.Random(seed)
    checked = 0
    for _ in range(1500):
        net = _random_net(rng, chains=0.3)
        analyzer = OrJoinAnalyzer(net, exact_budget=0)
        joins = list(analyzer.or_joins)
        if len(joins) < 2:
            continue
        for _ in range(4):
            marking = {c: rng.choice([0, 0, 1]) for c in net.conditions}
            busy = {t: rng.choice([0, 0, 0, 1]) for t in net.tasks}
            for j in joins:
                held = frozenset([j, *rng.sample(joins, rng.randint(1, len(joins)))])
                if held == {j}:
                    continue
                got = analyzer._reset_net_enabled(j, held, marking, busy, {})
                expected = _brute_force(analyzer, j, marking, busy, held)
                if expected is None:
                    continue
                assert got == expected, (net.doc, j, sorted(held), marking, busy)
                inputs = set(net.tasks[j].inputs)
                if 0 < sum(marking[c] > 0 for c in inputs) < len(inputs):
                    checked += 1
    assert checked > 100


# ---------------------------------------------------------------- bounds and shortcuts (issue 14)


def test_a_search_over_its_bound_answers_wait(fig33: Net) -> None:
    """Past a bound the answer is "wait", never "enabled": with no room at all for the
    backward search (and the exact layer off) an OR-join that is enabled waits."""
    state = {"c3": 1, "c4": 1, "c5": 1}
    analyzer = OrJoinAnalyzer(fig33, exact_budget=0)
    assert analyzer._decide("E", frozenset({"E"}), state, {}, {}) is True
    assert analyzer._decide("E", frozenset({"E"}), state, {}, {}, basis=0) is False
    assert analyzer._reset_net_enabled("E", frozenset({"E"}), state, {}, {}, basis=0) is False
    # the bounded answers are cached apart from the unbounded ones
    assert analyzer._decide("E", frozenset({"E"}), state, {}, {}) is True


@pytest.mark.parametrize("seed", [21, 22])
def test_skipping_the_idle_search_changes_no_answer(seed: int) -> None:
    """When the plain reset net's path to a target starts no task with an idle place twice nor
    one that is running, the search with idle places is skipped (`_one_at_a_time`): it could
    only say "wait" too. Checked against an analyzer that never skips, on random nets with
    cancellation sets (so that idle places exist), the exact layer off: what is compared is
    the reset-net steps alone."""
    rng = random.Random(seed)
    questions = skipped = 0
    for _ in range(250):
        net = _random_net(rng)
        joins = [t.id for t in net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1]
        fast = OrJoinAnalyzer(net, exact_budget=0)
        if not joins or not fast._idle_index:
            continue
        slow = OrJoinAnalyzer(net, exact_budget=0)
        setattr(slow, "_one_at_a_time", lambda *args: False)  # noqa: B010 -- replaces a method
        shortcut = fast._one_at_a_time
        taken: list[bool] = []

        def counting(*args: Any, _shortcut: Any = shortcut, _taken: list[bool] = taken) -> bool:
            _taken.append(_shortcut(*args))
            return _taken[-1]

        setattr(fast, "_one_at_a_time", counting)  # noqa: B010 -- replaces a method
        for _ in range(4):
            marking = {c: rng.choice([0, 0, 1]) for c in net.conditions}
            busy = {t: rng.choice([0, 0, 0, 1]) for t in net.tasks}
            for j in joins:
                inputs = set(net.tasks[j].inputs)
                if not 0 < sum(marking[c] > 0 for c in inputs) < len(inputs):
                    continue
                questions += 1
                held = frozenset({j})
                assert fast._decide(j, held, marking, busy, {}) == slow._decide(j, held, marking, busy, {}), (
                    net.doc,
                    j,
                    marking,
                    busy,
                )
        skipped += sum(taken)
    assert questions > 100
    assert skipped > 20  # the shortcut was really taken


def _closure_by_fixpoint(net: Net, j: str) -> tuple[frozenset[str], frozenset[str]]:
    """The exact model's relevance closure as first written: iterate over every task until
    nothing changes."""
    cond_rel: set[str] = set(net.tasks[j].inputs)
    task_rel: set[str] = {j}
    changed = True
    while changed:
        changed = False
        for t in net.tasks.values():
            if t.id in task_rel:
                continue
            if (
                any(c in cond_rel for c in t.inputs)
                or any(c in cond_rel for c in t.output_conditions)
                or any(x in cond_rel or x in task_rel for x in t.cancels)
            ):
                task_rel.add(t.id)
                cond_rel.update(t.inputs)
                changed = True
    return frozenset(task_rel), frozenset(cond_rel)


def test_the_exact_models_closure_by_worklist_is_the_fixpoint() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(300):
        net = _random_net(rng, chains=0.3)
        analyzer = OrJoinAnalyzer(net)
        for j in analyzer.or_joins:
            assert analyzer._exact._closure(j) == _closure_by_fixpoint(net, j)
            checked += 1
    assert checked > 100
