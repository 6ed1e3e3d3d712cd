"""Engine figures through the service layer, on SQLite and on PostgreSQL.

    python bench/bench_engine.py            # both databases (PostgreSQL at 127.0.0.1:5432)
    python bench/bench_engine.py --db sqlite
    python bench/bench_engine.py --db postgres

Prints, per database:
  * manual work items of a 20-task sequence completed per second through
    `services.work_item_complete` (each completion fires two net transitions: the task's
    start and its end; the figure `transitions_per_s` counts those two), single thread;
  * the time to start one case whose task creates 1,000 multi-instance work items;
and once (no database): the OR-join decision time on a 200-node net (bench_orjoin.py).

Each database run uses its own throw-away database (a temp SQLite file, or `workflow_bench`
on PostgreSQL, dropped and created anew).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench")

SEQ_TASKS = 20
SEQ_CASES = 60
MI_ITEMS = 1000


def sequence_net() -> dict:
    tasks = [{"id": f"t{i:02d}", "kind": "manual", "assign": {"role": "clerks"}} for i in range(SEQ_TASKS)]
    nodes = ["start", *[t["id"] for t in tasks], "end"]
    return {
        "schema_version": 1,
        "name": "bench-sequence",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [{"from": a, "to": b} for a, b in pairwise(nodes)],
    }


def mi_net() -> dict:
    return {
        "schema_version": 1,
        "name": "bench-mi",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {
                "id": "each",
                "kind": "manual",
                "assign": {"role": "clerks"},
                "instances": {"for_each": "data.items", "as": "item", "max": MI_ITEMS},  # WORKFLOW_MAX_ITEMS_PER_TASK
                "input": {"item": "item"},
            },
        ],
        "flows": [{"from": "start", "to": "each"}, {"from": "each", "to": "end"}],
    }


def run_one_database(label: str) -> None:
    """Runs inside a child process whose DATABASE_URL is already set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["WORKFLOW_RUNNER"] = "manual"
    os.environ["DEBUG"] = "false"  # production settings: no per-query debug bookkeeping
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from definitions.services import definition_publish, definition_save_draft
    from engine import services
    from engine.access import SYSTEM
    from engine.models import WorkItem

    for doc in (sequence_net(), mi_net()):
        definition_save_draft(doc=doc, user=SYSTEM)
        definition_publish(name=doc["name"], user=SYSTEM)

    # warm-up: caches (parsed net, compiled CEL, validators) and connections
    case = services.case_start(definition="bench-sequence", user=SYSTEM)
    for _ in range(SEQ_TASKS):
        item = WorkItem.objects.filter(case=case, state="initialized").values_list("pk", flat=True).get()
        services.work_item_complete(item_id=item, output={}, user=SYSTEM)

    for threads in (1, 2, 4):
        sequence_run(label, threads)
    for procs in (2, 4):
        sequence_run_processes(label, procs)

    items = [{"n": i} for i in range(MI_ITEMS)]
    services.case_start(definition="bench-mi", data={"items": items[:10]}, user=SYSTEM)  # warm-up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        case = services.case_start(definition="bench-mi", data={"items": items}, user=SYSTEM)
        times.append(time.perf_counter() - t0)
        assert WorkItem.objects.filter(case=case).count() == MI_ITEMS
    print(f"[{label}] start_case_1000_mi_items_s median={statistics.median(times):.3f} max={max(times):.3f}")


def sequence_run(label: str, threads: int) -> None:
    """Complete every manual item of SEQ_CASES cases of the 20-task sequence; with 2 threads
    each thread works its own half of the cases (as two web workers would)."""
    import threading

    from django.db import connections

    from engine import services
    from engine.access import SYSTEM
    from engine.models import WorkItem

    cases = [services.case_start(definition="bench-sequence", user=SYSTEM).pk for _ in range(SEQ_CASES)]
    shares = [cases[i::threads] for i in range(threads)]
    done = [0] * threads
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(SEQ_TASKS):
                for item_id in WorkItem.objects.filter(case__in=shares[n], state="initialized").values_list(
                    "pk", flat=True
                ):
                    services.work_item_complete(item_id=item_id, output={}, user=SYSTEM)
                    done[n] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    completions = sum(done)
    assert completions == SEQ_CASES * SEQ_TASKS, completions
    per_s = completions / elapsed
    print(
        f"[{label}] sequence, {threads} thread(s): {completions} manual work items completed in {elapsed:.2f} s"
        f" (including the query listing each round's open items)"
    )
    print(f"[{label}] threads={threads} work_items_completed_per_s={per_s:.0f}")
    print(f"[{label}] threads={threads} transitions_per_s={2 * per_s:.0f}  (task start + task end per completion)")


def sequence_run_processes(label: str, procs: int) -> None:
    """As `sequence_run`, but the cases are worked by `procs` separate processes (as several
    web server processes would: no shared interpreter lock), started together."""
    from django.db import connections

    from engine import services
    from engine.access import SYSTEM

    cases = [services.case_start(definition="bench-sequence", user=SYSTEM).pk for _ in range(SEQ_CASES)]
    connections.close_all()
    start_at = time.time() + 3.0  # every child is set up by then
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--work", ",".join(map(str, cases[i::procs])), "--start-at", str(start_at)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(procs)
    ]
    ends = []
    done = 0
    for child in children:
        out, _ = child.communicate()
        assert child.returncode == 0, out
        n, end = out.split()
        done += int(n)
        ends.append(float(end))
    elapsed = max(ends) - start_at
    assert done == SEQ_CASES * SEQ_TASKS, done
    per_s = done / elapsed
    print(f"[{label}] processes={procs} work_items_completed_per_s={per_s:.0f}")
    print(f"[{label}] processes={procs} transitions_per_s={2 * per_s:.0f}  (task start + task end per completion)")


def work_cases(case_ids: list[int], start_at: float) -> None:
    """A child of `sequence_run_processes`: completes every manual item of its cases."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["WORKFLOW_RUNNER"] = "manual"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from engine import services
    from engine.access import SYSTEM
    from engine.models import WorkItem

    WorkItem.objects.exists()  # connect before the start
    time.sleep(max(0.0, start_at - time.time()))
    done = 0
    for _ in range(SEQ_TASKS):
        for item_id in WorkItem.objects.filter(case__in=case_ids, state="initialized").values_list("pk", flat=True):
            services.work_item_complete(item_id=item_id, output={}, user=SYSTEM)
            done += 1
    print(done, time.time())


def database_env(db: str, pg_url: str, prefix: str = "wf-bench-") -> tuple[dict[str, str], str | None]:
    """The environment for a bench child process on a throw-away database: a new SQLite file in
    a temporary folder (returned, for the caller to remove), or `pg_url` dropped and created."""
    env = dict(os.environ)
    if db == "sqlite":
        tmp = tempfile.mkdtemp(prefix=prefix)
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        return env, tmp
    reset_postgres(pg_url)
    env["DATABASE_URL"] = pg_url
    return env, None


def reset_postgres(url: str) -> None:
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(url)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--no-orjoin", action="store_true", help="skip the OR-join part (bench_orjoin.py)")
    args = parser.parse_args()
    if args.work:
        work_cases([int(c) for c in args.work.split(",")], args.start_at)
        return
    if args.child:
        run_one_database(args.child)
        return
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    if not args.no_orjoin:
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_orjoin.py")], check=True, cwd=ROOT)
    targets = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in targets:
        env, _ = database_env(db, PG_URL)
        subprocess.run([sys.executable, __file__, "--child", db], check=True, env=env, cwd=ROOT)


if __name__ == "__main__":
    main()
