"""Benchmark of the OR-join decision (engine/core/orjoin.py) on nets of 200, 300 and 450 nodes,
against a baseline revision in the same run.

Run from the repository root: ``python bench/bench_orjoin.py [--nodes 200,300,450]
[--samples 20] [--baseline main] [--seed 11]``.

The net is generated from nested blocks: sequences, AND/XOR/OR split-join blocks, loops
(XOR back edges) and cancellation regions (one branch's completion cancels the other branch,
joined by an OR-join, as in YAWL's fig. 3.3), all of it inside one rework loop. Mid-run
states come from random runs of the token game with the engine's rules (one generation of a
task at a time; the OR-joins themselves decided by today's analyzer). For every OR-join,
`--samples` states where it has some but not all inputs marked (the ones that need the
analysis) are timed:

* after / before: today's analyzer and the baseline's (`--baseline`, a git revision whose
  orjoin.py and orjoin_exact.py are loaded from git into a temporary package), one analyzer
  per net each, every answer cache cleared before each decision (the per-join plans kept, as
  in a running server); the two are interleaved, their order alternating, so that the load
  of the shared machine hits both alike. A decision over `--limit` seconds is cut off;
* the garbage collector is kept out of the timed calls (it runs between them);
* after_cold: a fresh analyzer built and then asked (the first decision of a newly published
  version), today's code only.

Printed per size: p50/p95/p99/max in milliseconds, the ratios before/after, and how many
answers differ between the two (today's may be "enabled" where the baseline waited: a finer
analysis; the reverse would be a regression). The load average is printed with each size.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
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
        while self.size() < target - 1:  # the last task below makes it at least `target`
            nxt = self.cond()
            for depth in (3, 2, 1, 0):
                # a block that would overshoot the asked size is taken back and drawn again,
                # shallower (the 200-node net never needs it: it is the same net as before)
                saved = (len(self.conditions), dict(self.tasks), len(self.flows), self.n)
                self.block(entry, nxt, depth=depth)
                if self.size() <= target - 1 or depth == 0:
                    break
                conditions, tasks, flows, self.n = saved
                del self.conditions[conditions:]
                self.tasks = tasks
                del self.flows[flows:]
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


def load_baseline(ref: str) -> Any:
    """`OrJoinAnalyzer` as it is at git revision `ref` (orjoin.py and orjoin_exact.py from that
    revision, in a temporary package; the net model and task kinds are today's)."""
    root = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="orjoin_baseline_"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    pkg = tmp / "orjoin_baseline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("orjoin.py", "orjoin_exact.py"):
        text = subprocess.run(
            ["git", "show", f"{ref}:engine/core/{name}"], cwd=root, check=True, capture_output=True, text=True
        ).stdout
        text = text.replace("from .net import", "from engine.core.net import")
        text = text.replace("from .kinds import", "from engine.core.kinds import")
        (pkg / name).write_text(text)
    sys.path.insert(0, str(tmp))
    module = importlib.import_module("orjoin_baseline.orjoin")
    return module.OrJoinAnalyzer


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


def timed(
    analyzer: Any, j: str, marking: dict[str, int], busy: dict[str, int], limit: float
) -> tuple[float, float, Any]:
    """One decision with the answer caches cleared (the per-join plans kept): wall and CPU
    milliseconds and the answer; a decision past `limit` seconds of wall time is cut off
    (answer None, times = the limit)."""
    analyzer.clear_cache()
    # the garbage collector runs between decisions, not inside one (as timeit does): a full
    # collection walks the whole heap, the baseline's memory included, and would land on
    # whichever decision happens to trigger it
    gc.disable()
    signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    c0 = time.process_time()
    try:
        answer = analyzer.is_enabled(j, marking, busy)
    except Timeout:
        return limit * 1000, limit * 1000, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        gc.enable()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, answer


def spread(values: list[float]) -> str:
    return (
        f"p50={statistics.median(values):.3f} p95={pct(values, 0.95):.3f} "
        f"p99={pct(values, 0.99):.3f} max={max(values):.3f}"
    )


def load() -> str:
    return "load=" + ",".join(f"{x:.2f}" for x in os.getloadavg())


def run_size(nodes: int, args: argparse.Namespace, baseline: Any) -> None:
    rng = random.Random(args.seed)
    net = NetBuilder(rng).build(nodes)
    or_joins = [t.id for t in net.tasks.values() if t.join == "or" and len(set(t.inputs)) > 1]
    print(
        f"[{nodes}] net_conditions={len(net.conditions)} net_tasks={len(net.tasks)} "
        f"nodes={len(net.conditions) + len(net.tasks)} or_joins={len(or_joins)} "
        f"cancelling_tasks={sum(1 for t in net.tasks.values() if t.cancels)} {load()}",
        flush=True,
    )
    # translation (and, now, every per-join plan): once per published version
    reps = 5
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        OrJoinAnalyzer(net)
    wall, cpu = (time.perf_counter() - t0) / reps * 1000, (time.process_time() - c0) / reps * 1000
    line = f"[{nodes}] build_ms after={wall:.1f} (cpu {cpu:.1f})"
    if baseline is not None:
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(reps):
            baseline(net)
        wall, cpu = (time.perf_counter() - t0) / reps * 1000, (time.process_time() - c0) / reps * 1000
        line += f" before={wall:.1f} (cpu {cpu:.1f}; the baseline builds its per-join plans at the first decision)"
    print(line, flush=True)

    # mid-run states that need the analysis, per OR-join (the runs use today's analyzer)
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

    after = OrJoinAnalyzer(net)
    before = baseline(net) if baseline is not None else None
    if before is not None:  # the baseline builds its per-join plans on first use: not timed
        for j in or_joins:
            for marking, busy in wanted[j][:1]:
                timed(before, j, marking, busy, args.limit)
    t_after: list[float] = []
    t_before: list[float] = []
    cpu_after: list[float] = []
    cpu_before: list[float] = []
    cold: list[float] = []
    differ = {"before wait, after enabled": 0, "before enabled, after wait": 0, "before cut off": 0}
    enabled = 0
    k = 0
    for j in or_joins:
        for marking, busy in wanted[j]:
            k += 1
            # interleaved, the order alternating, so that a change in load hits both alike
            first_after = k % 2 == 0
            if first_after:
                ms, cpu, answer = timed(after, j, marking, busy, args.limit)
            if before is not None:
                ms_b, cpu_b, answer_b = timed(before, j, marking, busy, args.limit)
                t_before.append(ms_b)
                cpu_before.append(cpu_b)
            if not first_after:
                ms, cpu, answer = timed(after, j, marking, busy, args.limit)
            t_after.append(ms)
            cpu_after.append(cpu)
            enabled += bool(answer)
            if before is not None:
                if answer_b is None:
                    differ["before cut off"] += 1
                elif answer and not answer_b:
                    differ["before wait, after enabled"] += 1
                elif answer_b and not answer:
                    differ["before enabled, after wait"] += 1
            # the first decision of a freshly published version: analyzer built, then asked
            t0 = time.perf_counter()
            OrJoinAnalyzer(net).is_enabled(j, marking, busy)
            cold.append((time.perf_counter() - t0) * 1000)
    if not t_after:
        print(f"[{nodes}] no OR-join state to time")
        return
    print(f"[{nodes}] decisions={len(t_after)} enabled_after={enabled} {load()}")
    print(f"[{nodes}] after_ms      {spread(t_after)}")
    print(f"[{nodes}] after_cpu_ms  {spread(cpu_after)}")
    if t_before:
        print(f"[{nodes}] before_ms     {spread(t_before)}")
        print(f"[{nodes}] before_cpu_ms {spread(cpu_before)}")
        for name, b, a in (("wall", t_before, t_after), ("cpu", cpu_before, cpu_after)):
            print(
                f"[{nodes}] ratio before/after ({name}): "
                f"median={statistics.median(b) / max(statistics.median(a), 1e-6):.1f} "
                f"p95={pct(b, 0.95) / max(pct(a, 0.95), 1e-6):.1f} "
                f"p99={pct(b, 0.99) / max(pct(a, 0.99), 1e-6):.1f} max={max(b) / max(max(a), 1e-6):.1f}"
            )
        print(f"[{nodes}] answers that differ: " + " ".join(f"{k!r}={v}" for k, v in differ.items()))
    print(f"[{nodes}] after_cold_ms (build + first decision) {spread(cold)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--nodes", default="200,300,450", help="net sizes, comma-separated")
    parser.add_argument("--samples", type=int, default=20, help="states timed per OR-join")
    parser.add_argument("--baseline", default="main", help="git revision to compare with; '' for none")
    parser.add_argument("--limit", type=float, default=1.0, help="seconds before a decision is cut off")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    baseline = load_baseline(args.baseline) if args.baseline else None
    print(f"baseline={args.baseline or '-'} samples={args.samples} seed={args.seed} cpus={os.cpu_count()} {load()}")
    for nodes in (int(n) for n in args.nodes.split(",")):
        run_size(nodes, args, baseline)


if __name__ == "__main__":
    main()
