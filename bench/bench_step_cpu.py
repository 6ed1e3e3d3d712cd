"""CPU per manual step through the services: this tree against another (e.g. main), interleaved.

    python bench/bench_step_cpu.py --baseline /work/main            # PostgreSQL, 5 rounds
    python bench/bench_step_cpu.py --baseline /work/main --db sqlite --rounds 3
    python bench/bench_step_cpu.py --profile /tmp/step.prof         # one cProfile run of this tree

What a step costs in CPU, which a loaded machine disturbs far less than the wall time the
`bench_transition.py` rates are made of. Per round, for each tree (baseline first, then this
one) and pushes off then on, a child process (the tree's code on `sys.path`) runs `--cases`
cases of the 10 manual tasks of `bench_transition.py` as claim + complete through the services,
a user loaded afresh for each step as a request loads it, and reports the process CPU time and
the main thread's CPU time per step (the difference: the push publisher's thread). The query
that finds the next item and the user's load are outside the measurement, as in
`bench_transition.py`. Printed: median and min-max per tree and push setting, and the ratio of
this tree's median to the baseline's.

`--profile FILE`: one run of this tree's claim + complete steps under cProfile (the main
thread's CPU time as its clock), pushes as `--push` says, for `python -m pstats FILE`.

The database is `bench_transition.py`'s (created afresh: `BENCH_POSTGRES_URL`, or a temp SQLite
file); both trees must have the same migrations.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def child(db_url: str, cases: int, push: bool, profile: str) -> None:
    """Inside a child whose BENCH_TREE is the tree measured: run the steps, print the figures."""
    import bench_transition as b

    b.setup_django({**b.base_env(db_url), "CHANNEL_PREFIX": "benchcpu" + str(os.getpid())})
    import cProfile

    from django.conf import settings
    from django.contrib.auth.models import User

    from engine import services
    from engine.models import WorkItem
    from realtime import push as pushes

    pushes.warm_up()
    driver = b.Driver(0, 2)
    driver.product_run(driver.product_cases("bench-unwatched"), "claim_complete")  # warm-up
    driver.cases = cases
    case_ids = driver.product_cases("bench-unwatched")
    settings.WORKFLOW_PUSH = push
    prof = cProfile.Profile(time.thread_time) if profile else None
    cpu = main = 0.0
    steps = 0
    for case_id in case_ids:
        for _ in range(b.STEPS):
            item_id = WorkItem.objects.filter(case_id=case_id, state="initialized").values_list("pk", flat=True).get()
            user = User.objects.get(username="actor0")
            c0, t0 = time.process_time(), time.thread_time()
            if prof:
                prof.enable()
            services.work_item_claim(item_id=item_id, user=user)
            services.work_item_complete(item_id=item_id, user=user, output={})
            if prof:
                prof.disable()
            cpu += time.process_time() - c0
            main += time.thread_time() - t0
            steps += 1
    c0 = time.process_time()
    pushes.flush()  # the publisher's last sends count too
    cpu += time.process_time() - c0
    if prof:
        prof.dump_stats(profile)
    print("RESULT " + json.dumps({"cpu_ms": cpu / steps * 1000, "main_ms": main / steps * 1000}))


def run_child(tree: Path, db_url: str, cases: int, push: bool, profile: str = "") -> dict[str, float]:
    code = f"import bench_step_cpu as c; c.child({db_url!r}, {cases}, {push!r}, {profile!r})"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "bench",
        env={**os.environ, "BENCH_TREE": str(tree), "PYTHONPATH": str(tree)},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT "))[7:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="", help="the other tree (e.g. /work/main); none: this tree alone")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=10, help="cases of 10 steps per child")
    parser.add_argument("--profile", default="", help="write a cProfile of this tree's steps to this file and stop")
    parser.add_argument("--push", action="store_true", help="with --profile: pushes on")
    args = parser.parse_args()
    os.environ.setdefault("BENCH_TREE", str(ROOT))
    import bench_transition as b

    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='wf-bench-cpu-')}/bench.sqlite3"
    else:
        db_url = os.environ.get("BENCH_POSTGRES_URL", b.PG_URL)
    b.prepare(db_url, 0, 1)
    if args.profile:
        figures = run_child(ROOT, db_url, args.cases, args.push, args.profile)
        print(f"profile written to {args.profile}: {figures}")
        return
    trees = [("baseline", Path(args.baseline).resolve())] if args.baseline else []
    trees.append(("this tree", ROOT))
    results: dict[tuple[str, bool], list[dict[str, float]]] = {(t, p): [] for t, _ in trees for p in (False, True)}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {args.db}; {trees}")
    for r in range(args.rounds):
        for push in (False, True):
            for name, tree in trees:
                results[(name, push)].append(run_child(tree, db_url, args.cases, push))
        print(f"round {r + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.2f}", flush=True)
    print(
        "\n| tree | pushes | CPU ms / step, median (min-max) | main thread ms / step | vs baseline (median) |\n"
        "|---|---|---|---|---|"
    )
    for (name, push), runs in results.items():
        cpu = [x["cpu_ms"] for x in runs]
        main_ms = [x["main_ms"] for x in runs]
        base = results.get(("baseline", push))
        vs = f"{statistics.median(cpu) / statistics.median([x['cpu_ms'] for x in base]):.2f}" if base else "-"
        print(
            f"| {name} | {'on' if push else 'off'} | {statistics.median(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f}) "
            f"| {statistics.median(main_ms):.2f} | {vs} |"
        )


if __name__ == "__main__":
    main()
