"""Benchmark of the OR-join decision (engine/core/orjoin.py) on a ~200-node net.

Run from the repository root: ``python bench/bench_orjoin.py [--seed N] [--samples N]``.

The net is generated from nested blocks: sequences, AND/XOR/OR split-join blocks, loops
(XOR back edges) and cancellation regions (one branch's completion cancels the other branch,
joined by an OR-join, as in YAWL's fig. 3.3). Mid-run states come from random runs of the
token game with the engine's rules (one generation of a task at a time; the OR-joins
themselves decided by the analyzer). For every OR-join, states where it has some but not all
inputs marked (the ones that need the analysis) are timed:

* cold: a fresh analyzer per decision (translation done, nothing precomputed for the join,
  empty cache) -- the first decision of a freshly published version;
* warm_nocache: the same analyzer, its answer cache cleared (per-join plan reused);
* warm: the same question again (answer cache hit).

Output: ``key=value`` lines; the ``orjoin_decision_ms_*`` ones aggregate all OR-joins.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.core.net import Net, Task, parse_net  # noqa: E402
from engine.core.orjoin import OrJoinAnalyzer  # noqa: E402


class NetBuilder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.conditions: list[dict[str, Any]] = [
            {"id": "start", "kind": "start"},
            {"id": "end", "kind": "end"},
        ]
        self.tasks: dict[str, dict[str, Any]] = {}
        self.flows: list[dict[str, Any]] = []
        self.n = 0

    def size(self) -> int:
        return len(self.conditions) + len(self.tasks)

    def cond(self) -> str:
        self.n += 1
        cid = f"c{self.n}"
        self.conditions.append({"id": cid})
        return cid

    def task(self, join: str = "xor", split: str = "and", kind: str = "manual") -> str:
        self.n += 1
        tid = f"t{self.n}"
        self.tasks[tid] = {"id": tid, "kind": kind, "join": join, "split": split}
        return tid

    def flow(self, a: str, b: str) -> None:
        self.flows.append({"from": a, "to": b})

    def block(self, entry: str, exit_: str, depth: int, kind: str | None = None) -> list[str]:
        """Nodes strictly between entry and exit; returns them (for cancellation sets)."""
        rng = self.rng
        if kind is None:
            if depth <= 0:
                kind = "seq"
            else:
                kind = rng.choices(["seq", "and", "xor", "or", "loop", "cancel"], [1, 2, 2, 3, 3, 3])[0]
        made: list[str] = []
        if kind == "seq":
            prev = entry
            for k in range(rng.randint(1, 3)):
                t = self.task()
                made.append(t)
                self.flow(prev, t)
                if k:
                    made.append(prev)
                prev = self.cond()
                self.flow(t, prev)
            # reconnect the last condition to the exit through one more task
            t = self.task()
            made += [prev, t]
            self.flow(prev, t)
            self.flow(t, exit_)
            return made
        if kind == "loop":
            head, c1, c2 = self.task(join="xor"), self.cond(), self.cond()
            tail = self.task(split="xor")
            self.flow(entry, head)
            self.flow(head, c1)
            made += [head, c1, *self.block(c1, c2, depth - 1), c2, tail]
            self.flow(c2, tail)
            self.flow(tail, entry)  # the back edge
            self.flow(tail, exit_)
            return made
        split = join = {"and": "and", "xor": "xor", "or": "or", "cancel": "and"}[kind]
        if kind == "cancel":
            join = "or"
        s, j = self.task(split=split), self.task(join=join)
        self.flow(entry, s)
        self.flow(j, exit_)
        made += [s, j]
        regions = []
        for _ in range(2 if kind == "cancel" else rng.randint(2, 3)):
            ci, di = self.cond(), self.cond()
            self.flow(s, ci)
            region = self.block(ci, di, depth - 1)
            self.flow(di, j)
            made += [ci, *region, di]
            regions.append((ci, region, di))
        if kind == "cancel":
            # the first branch's last task cancels the whole second branch
            (_, region_a, _), (ci_b, region_b, _) = regions
            canceller = [x for x in region_a if x in self.tasks][-1]
            self.tasks[canceller]["cancels"] = [ci_b, *region_b]
        return made

    def build(self, target: int) -> Net:
        """Blocks in series until about `target` nodes, the whole series inside a loop (a
        rework edge from the end back to the beginning), so every part of the net can be
        reached again from every other part: the hardest case for the analysis."""
        first = self.task()
        self.flow("start", first)
        entry = top = self.cond()
        self.flow(first, top)
        while self.size() < target - 4:
            nxt = self.cond()
            self.block(entry, nxt, depth=3)
            entry = nxt
        last = self.task(split="xor")
        self.flow(entry, last)
        self.flow(last, top)
        self.flow(last, "end")
        doc = {
            "schema_version": 1,
            "name": "bench",
            "conditions": self.conditions,
            "tasks": list(self.tasks.values()),
            "flows": self.flows,
        }
        return parse_net(doc)


def join_ready(net: Net, task: Task, marking: dict[str, int], busy: dict[str, int], analyzer: OrJoinAnalyzer) -> bool:
    marked = [c for c in task.inputs if marking.get(c, 0) > 0]
    if not marked:
        return False
    if task.join == "and" or len(task.inputs) == 1:
        return len(marked) == len(task.inputs)
    if task.join == "xor" or len(marked) == len(task.inputs):
        return True
    return analyzer.is_enabled(task.id, marking, busy)


def simulate(
    net: Net, rng: random.Random, steps: int, analyzer: OrJoinAnalyzer
) -> list[tuple[dict[str, int], dict[str, int]]]:
    """A random run of the token game; returns the state after every step."""
    marking: dict[str, int] = {net.start: 1}
    busy: dict[str, int] = {}
    states = []
    for _ in range(steps):
        startable = [
            t for t in net.tasks.values() if not busy.get(t.id) and join_ready(net, t, marking, busy, analyzer)
        ]
        running = list(busy)
        if not startable and not running:
            break
        if startable and (not running or rng.random() < 0.5):
            t = rng.choice(startable)
            marked = [c for c in t.inputs if marking.get(c, 0) > 0]
            for c in marked[:1] if t.join == "xor" else marked:
                marking[c] -= 1
            busy[t.id] = 1
        else:
            t = net.tasks[rng.choice(running)]
            del busy[t.id]
            for x in t.cancels:
                marking.pop(x, None)
                busy.pop(x, None)
            outs = list(t.output_conditions)
            if t.split == "xor":
                # loops: leave through the last flow (the exit) more often than looping back
                outs = [outs[-1]] if len(outs) > 1 and rng.random() < 0.6 else [rng.choice(outs)]
            elif t.split == "or":
                outs = [c for c in outs if rng.random() < 0.6] or [rng.choice(outs)]
            for c in outs:
                marking[c] = marking.get(c, 0) + 1
            if marking.get(net.end):
                break
        marking = {c: n for c, n in marking.items() if n > 0}
        states.append((dict(marking), dict(busy)))
    return states


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--samples", type=int, default=40, help="states timed per OR-join")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    net = NetBuilder(rng).build(args.nodes)
    or_joins = [t.id for t in net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1]
    xor_back_edges = sum(1 for t in net.tasks.values() if t.split == "xor" and len(t.outputs) > 1)
    splits = {
        k: sum(1 for t in net.tasks.values() if t.split == k and len(t.outputs) > 1) for k in ("and", "xor", "or")
    }
    print(
        f"net_conditions={len(net.conditions)} net_tasks={len(net.tasks)} "
        f"nodes={len(net.conditions) + len(net.tasks)} or_joins={len(or_joins)} "
        f"loops={xor_back_edges} cancelling_tasks={sum(1 for t in net.tasks.values() if t.cancels)} "
        f"splits={splits}"
    )

    t0 = time.perf_counter()
    reps = 20
    for _ in range(reps):
        OrJoinAnalyzer(net)
    print(f"orjoin_translate_ms={(time.perf_counter() - t0) / reps * 1000:.3f}")

    # collect mid-run states that need the analysis, per OR-join
    sim_analyzer = OrJoinAnalyzer(net)
    wanted: dict[str, list[tuple[dict[str, int], dict[str, int]]]] = {j: [] for j in or_joins}
    seen: set[tuple[str, tuple[tuple[str, int], ...], tuple[str, ...]]] = set()
    for _ in range(400):
        for marking, busy in simulate(net, rng, 2000, sim_analyzer):
            for j in or_joins:
                inputs = set(net.tasks[j].inputs)
                n = sum(1 for c in inputs if marking.get(c, 0) > 0)
                key = (j, tuple(sorted(marking.items())), tuple(sorted(busy)))
                if 0 < n < len(inputs) and key not in seen and len(wanted[j]) < args.samples:
                    seen.add(key)
                    wanted[j].append((marking, busy))
        if all(len(v) >= args.samples for v in wanted.values()):
            break

    all_cold: list[float] = []
    all_nocache: list[float] = []
    all_warm: list[float] = []
    for j in or_joins:
        cold: list[float] = []
        nocache: list[float] = []
        warm: list[float] = []
        answers = []
        for marking, busy in wanted[j]:
            analyzer = OrJoinAnalyzer(net)
            t0 = time.perf_counter()
            answer = analyzer.is_enabled(j, marking, busy)
            cold.append((time.perf_counter() - t0) * 1000)
            answers.append(answer)
            analyzer.clear_cache()
            t0 = time.perf_counter()
            analyzer.is_enabled(j, marking, busy)
            nocache.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            analyzer.is_enabled(j, marking, busy)
            warm.append((time.perf_counter() - t0) * 1000)
        if not cold:
            print(f"orjoin={j} states=0 (never reached with a partial marking)")
            continue
        all_cold += cold
        all_nocache += nocache
        all_warm += warm
        print(
            f"orjoin={j} inputs={len(set(net.tasks[j].inputs))} states={len(cold)} "
            f"enabled={sum(answers)} "
            f"cold_median_ms={statistics.median(cold):.3f} cold_p95_ms={pct(cold, 0.95):.3f} "
            f"cold_max_ms={max(cold):.3f} "
            f"warm_nocache_median_ms={statistics.median(nocache):.3f} "
            f"warm_median_ms={statistics.median(warm):.4f} warm_p95_ms={pct(warm, 0.95):.4f}"
        )
    if not all_cold:
        print("no OR-join state to time")
        return
    print(f"orjoin_decision_ms_cold_median={statistics.median(all_cold):.3f}")
    print(f"orjoin_decision_ms_cold_p95={pct(all_cold, 0.95):.3f}")
    print(f"orjoin_decision_ms_cold_max={max(all_cold):.3f}")
    print(f"orjoin_decision_ms_warm_nocache_median={statistics.median(all_nocache):.3f}")
    print(f"orjoin_decision_ms_warm_nocache_p95={pct(all_nocache, 0.95):.3f}")
    print(f"orjoin_decision_ms_warm_nocache_p99={pct(all_nocache, 0.99):.3f}")
    print(f"orjoin_decision_ms_warm_nocache_max={max(all_nocache):.3f}")
    print(f"orjoin_decision_ms_cold_p99={pct(all_cold, 0.99):.3f}")
    print(f"orjoin_decision_ms_warm_median={statistics.median(all_warm):.4f}")
    print(f"orjoin_decision_ms_warm_p95={pct(all_warm, 0.95):.4f}")


if __name__ == "__main__":
    main()
