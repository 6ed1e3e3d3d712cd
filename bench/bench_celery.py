"""Automatic work items on a real Celery worker, beside raw Celery, on the same Redis.

    python bench/bench_celery.py                 # PostgreSQL (127.0.0.1:5432), prefork pool
    python bench/bench_celery.py --db sqlite
    python bench/bench_celery.py --pool solo
    BENCH_WORKER_LOG=INFO python bench/bench_celery.py   # the worker logs each task's run time
    BENCH_WORKER_PROFILE=/tmp/w.prof python bench/bench_celery.py --pool solo   # the worker profiled

One worker process (`--pool prefork -c 1`: one pool process running tasks, BENCH_CONCURRENCY
to change it; or `--pool solo`: the worker process itself), consuming a queue of its own on the
Redis at 127.0.0.1:6379 (BENCH_REDIS_URL), with the project's Celery settings (late ack,
prefetch 64, batches of up to 32: docs/adr/0017-batched-completions.md). Prints:

  * raw_celery_tasks_per_s: N `workflow.ping` messages (a task that does nothing, same options
    as the real task) sent in a burst; time from the first send until the queue is empty and
    nothing is left unacknowledged;
  * e2e_work_items_per_s: N cases of a one-task net whose automatic item runs the `noop`
    activity, created beforehand; then their N dispatch messages (what `on_commit` sends) in a
    burst; time from the first send until every case is completed in the database (the worker
    gathers the messages into batches, loads a batch's items, runs their activities, then
    completes the items, tasks and cases of the whole batch in one transaction and commits);
  * with `--steps S` (issue 12: automatic chains) the cases are of an S-task sequence of `noop`
    automatic tasks: only each case's first message is sent; each next step is made ready by
    the commit of the one before (through the broker, or in the same worker: worker/chains.py,
    ADR 0063; WORKFLOW_CHAIN_STEPS=0 turns that off); items/s counts every step;
  * ratio = e2e / raw;
  * latency: one item at a time on an idle worker, from just before its dispatch message is
    sent until this process sees the completion committed (polling every 0.5 ms: an upper
    bound); median, p90, max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench_celery")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = f"wfbench{os.getpid()}"


def sequence(steps: int) -> dict:
    tasks = [{"id": f"work{i}" if i else "work", "kind": "automatic", "activity": "noop"} for i in range(steps)]
    nodes = ["start", *[t["id"] for t in tasks], "end"]
    return {
        "schema_version": 1,
        "name": "bench-auto",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [{"from": a, "to": b} for a, b in zip(nodes, nodes[1:], strict=False)],
    }


NET = sequence(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("-n", type=int, default=2000, help="messages / work items per throughput run")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--steps", type=int, default=1, help="automatic tasks in sequence per case")
    args = parser.parse_args()
    net = sequence(args.steps)

    from bench_engine import reset_postgres

    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='wf-bench-celery-')}/bench.sqlite3"
    else:
        reset_postgres(PG_URL)
        db_url = PG_URL
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": REDIS_URL,
            "WORKFLOW_QUEUE": RUN_ID,
            "REDIS_KEY_PREFIX": f"{RUN_ID}:",
            "WORKFLOW_RUNNER": "manual",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    from definitions.services import definition_publish, definition_save_draft
    from engine import services
    from engine.access import SYSTEM
    from engine.hooks import Dispatch
    from engine.models import Case, WorkItem
    from worker.tasks import ping, send_work_item

    definition_save_draft(doc=net, user=SYSTEM)
    definition_publish(name="bench-auto", user=SYSTEM)
    r = redis.Redis.from_url(REDIS_URL)
    ready = Path(tempfile.mkdtemp(prefix="wf-bench-worker-")) / "ready"
    worker_env = {**os.environ, "WORKFLOW_RUNNER": "celery", "WORKER_READY_FILE": str(ready)}
    # BENCH_WORKER_PROFILE=/path (with --pool solo): the worker runs under cProfile, written on exit
    profile = os.environ.get("BENCH_WORKER_PROFILE")
    cmd = [
        sys.executable,
        *(["-m", "cProfile", "-o", profile] if profile else []),
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        RUN_ID,
        "-P",
        args.pool,
        "-l",
        os.environ.get("BENCH_WORKER_LOG", "WARNING"),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{RUN_ID}@%h",
    ]
    if args.pool == "prefork":
        cmd += ["-c", os.environ.get("BENCH_CONCURRENCY", "1")]
    worker = subprocess.Popen(cmd, cwd=ROOT, env=worker_env, start_new_session=True)
    try:
        deadline = time.monotonic() + 300  # a loaded machine starts a worker slowly
        while not ready.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start")
            time.sleep(0.05)
        print(
            f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; db={args.db}; "
            f"pool={args.pool} (one worker process); redis={REDIS_URL}; steps per case={args.steps}; "
            f"WORKFLOW_CHAIN_STEPS={os.environ.get('WORKFLOW_CHAIN_STEPS', 'default')}"
        )

        def drained() -> bool:
            return r.llen(f"{RUN_ID}:{RUN_ID}") == 0 and r.hlen(f"{RUN_ID}:unacked") == 0

        def raw(n: int) -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                ping.apply_async()
            while not drained():
                time.sleep(0.02)
            return n / (time.perf_counter() - t0)

        def make_items(n: int) -> list[str]:
            ids = []
            for _ in range(n):
                case = services.case_start(definition="bench-auto", user=SYSTEM)
                ids.append(str(WorkItem.objects.filter(case=case).values_list("pk", flat=True).get()))
            return ids

        def e2e(n: int) -> float:
            cases = max(1, n // args.steps)
            ids = make_items(cases)
            before = Case.objects.filter(state="completed").count()
            t0 = time.perf_counter()
            for item_id in ids:
                send_work_item(Dispatch(item_id=item_id, attempt=1))
            while Case.objects.filter(state="completed").count() < before + cases:
                time.sleep(0.05)
            return cases * args.steps / (time.perf_counter() - t0)

        raw(200)  # warm-up: connections, the worker's imports
        e2e(100)
        raws, e2es = [], []
        for _ in range(3):  # interleaved, so both see the same machine state
            raws.append(raw(args.n))
            e2es.append(e2e(args.n))
        raw_rate, e2e_rate = statistics.median(raws), statistics.median(e2es)
        print(f"raw_celery_tasks_per_s={raw_rate:.0f}  (runs: {', '.join(f'{x:.0f}' for x in raws)})")
        print(f"e2e_work_items_per_s={e2e_rate:.0f}  (runs: {', '.join(f'{x:.0f}' for x in e2es)})")
        print(f"ratio_e2e_to_raw={e2e_rate / raw_rate:.2f}")

        if args.steps > 1:
            return  # the latency below is of one-step cases
        ids = make_items(args.latency_samples)
        latencies = []
        for item_id in ids:
            t0 = time.perf_counter()
            send_work_item(Dispatch(item_id=item_id, attempt=1))
            while not WorkItem.objects.filter(pk=item_id, state="completed").exists():
                time.sleep(0.0005)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        p90 = latencies[int(len(latencies) * 0.9) - 1]
        print(
            f"latency_dispatch_to_committed_ms median={statistics.median(latencies):.1f} p90={p90:.1f} "
            f"max={latencies[-1]:.1f}  (n={len(latencies)})"
        )
    finally:
        worker.terminate()  # warm shutdown of the main process; it stops its pool
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
        for key in r.scan_iter(f"{RUN_ID}*"):
            r.delete(key)


if __name__ == "__main__":
    main()
