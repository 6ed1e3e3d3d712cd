"""Live inbox figures: websocket push latency with 100 clients on one Daphne process, and the
inbox list API with 10,000 open work items.

    python bench/bench_inbox_ws.py                 # SQLite (a temp file)
    python bench/bench_inbox_ws.py --db postgres   # PostgreSQL at BENCH_POSTGRES_URL (dropped, created)

What it does:
  1. makes a fresh database: migrate, 100 users in group "clerks", a manual one-task net, and
     a multi-instance net (used in step 4 to create 10,000 open work items: 100 cases x 100);
  2. starts one Daphne process (DEBUG off) and connects 100 websocket clients to /ws/inbox/,
     each as its own user (token auth), and waits for their snapshots;
  3. a second process then acts like a worker: it starts cases through `engine.services` (one
     per `--interval` seconds); each start commits one work item offered to "clerks", which every
     client receives as `offered`. Latency per arrival = arrival time - the item's `updated_at`
     (stamped by the service just before its transaction commits, so it slightly overstates
     commit->arrival). Prints p50 / p95 / max over all arrivals;
  4. creates the 10,000 open work items, then times `GET /api/work-items/?available=true&page=N`
     over HTTP as a clerk and as staff, first page and a deep page, with 10,000 open items:
     p50 / p95 per page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench")
CLIENTS = 100
OPEN_ITEMS_CASES, OPEN_ITEMS_PER_CASE = 100, 100


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        import environ
        import psycopg

        cfg = environ.Env.db_url_config(url)
        with psycopg.connect(
            host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed() -> tuple[list[str], str, str]:
    """100 clerks (tokens), a staff token, a clerk token; the nets."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from definitions.services import definition_publish, definition_save_draft
    from engine.access import SYSTEM

    User = get_user_model()
    clerks = Group.objects.get_or_create(name="clerks")[0]
    tokens = []
    for i in range(CLIENTS):
        user = User.objects.create_user(username=f"clerk{i:03d}", password="x")
        user.groups.add(clerks)
        tokens.append(Token.objects.create(user=user).key)
    staff = User.objects.create_user(username="staff", password="x", is_staff=True)
    staff_token = Token.objects.create(user=staff).key

    def net(name: str, task: dict) -> dict:
        return {
            "schema_version": 1,
            "name": name,
            "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
            "tasks": [task],
            "flows": [{"from": "start", "to": task["id"]}, {"from": task["id"], "to": "end"}],
        }

    for doc in (
        net("bench-one", {"id": "review", "kind": "manual", "assign": {"role": "clerks"}, "priority": "data.p"}),
        net(
            "bench-many",
            {
                "id": "each",
                "kind": "manual",
                "assign": {"role": "clerks"},
                "instances": {"for_each": "data.items", "as": "item", "max": 1000},
                "input": {"n": "item"},
            },
        ),
    ):
        definition_save_draft(doc=doc, user=SYSTEM)
        definition_publish(name=doc["name"], user=SYSTEM)
    return tokens, staff_token, tokens[0]


def open_many_items() -> None:
    from engine import services
    from engine.access import SYSTEM

    t0 = time.perf_counter()
    for _ in range(OPEN_ITEMS_CASES):
        services.case_start(definition="bench-many", data={"items": list(range(OPEN_ITEMS_PER_CASE))}, user=SYSTEM)
    print(
        f"  created {OPEN_ITEMS_CASES * OPEN_ITEMS_PER_CASE} more open work items in {time.perf_counter() - t0:.1f} s"
    )


def start_daphne(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(tempfile.gettempdir()) / "bench-daphne.log", "w"),  # noqa: SIM115 - kept open for the process
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


async def measure_push(port: int, tokens: list[str], starts: int, interval: float) -> list[float]:
    import websockets

    latencies: list[float] = []
    per_item: dict[str, list[float]] = {}
    expected = starts * len(tokens)
    done = asyncio.Event()

    async def client(token: str, ready: asyncio.Event) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/inbox/?token={token}", max_size=2**24) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "snapshot"
            ready.set()
            async for raw in ws:
                now = time.time()
                data = json.loads(raw)  # a JSON array: messages that waited, in order (ADR 0093)
                for message in data if isinstance(data, list) else [data]:
                    if message.get("event") == "offered" and message["work_item"]["task"] == "review":
                        stamped = dt.datetime.fromisoformat(message["work_item"]["updated_at"].replace("Z", "+00:00"))
                        latencies.append((now - stamped.timestamp()) * 1000)
                        per_item.setdefault(message["work_item"]["id"], []).append(latencies[-1])
                        if len(latencies) >= expected:
                            done.set()

    readies = [asyncio.Event() for _ in tokens]
    tasks = [asyncio.create_task(client(t, r)) for t, r in zip(tokens, readies, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    print(f"  {len(tokens)} clients connected, snapshots received")
    # The changes come from another process, as from a worker.
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--drive",
        str(starts),
        "--interval",
        str(interval),
        env=dict(os.environ),
    )
    await driver.wait()
    try:
        await asyncio.wait_for(done.wait(), 30)
    except TimeoutError:
        print(f"  only {len(latencies)} of {expected} arrivals within 30 s")
    firsts = [min(v) for v in per_item.values()]
    spreads = [max(v) - min(v) for v in per_item.values()]
    print(
        f"  per item: first arrival p50 {statistics.median(firsts):.1f} ms; first-to-last spread p50 "
        f"{statistics.median(spreads):.1f} ms, max {max(spreads):.1f} ms"
    )
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies


def measure_list(port: int, token: str, page: int, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/work-items/?available=true&page={page}",
            headers={"Authorization": f"Token {token}"},
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        times.append((time.perf_counter() - t0) * 1000)
    assert body["count"] >= OPEN_ITEMS_CASES * OPEN_ITEMS_PER_CASE, body["count"]
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--skip-list", action="store_true", help="only the push figure")
    parser.add_argument("--starts", type=int, default=100, help="cases started while the clients listen")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two starts")
    parser.add_argument("--drive", type=int, default=0, help=argparse.SUPPRESS)  # the worker-like process
    args = parser.parse_args()
    if args.drive:
        setup_django()
        from engine import services
        from engine.access import SYSTEM
        from realtime import push

        push.warm_up()  # a long-running worker's connection is open already
        for i in range(args.drive):
            services.case_start(definition="bench-one", data={"p": i % 3}, user=SYSTEM)
            time.sleep(args.interval)
        return

    tmp = tempfile.mkdtemp(prefix="bench-inbox-")
    url = f"sqlite:///{tmp}/bench.sqlite3" if args.db == "sqlite" else PG_URL
    port = free_port()
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "WORKFLOW_RUNNER": "inline",
            "CHANNEL_PREFIX": "bench" + uuid.uuid4().hex[:10],
            "ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    print(f"database: {args.db}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    prepare_database(url)
    setup_django()
    tokens, staff_token, clerk_token = seed()
    daphne = start_daphne(dict(os.environ), port)
    try:
        latencies = asyncio.run(measure_push(port, tokens[: args.clients], args.starts, args.interval))
        print(
            f"push commit->arrival, {args.clients} clients x {args.starts} items = {len(latencies)} arrivals: "
            f"p50 {statistics.median(latencies):.1f} ms, p95 {pct(latencies, 95):.1f} ms, max {max(latencies):.1f} ms"
        )
        print(f"  load average now {os.getloadavg()[0]:.1f}")
        if args.skip_list:
            return
        open_many_items()
        for who, token in (("clerk", clerk_token), ("staff", staff_token)):
            for page in (1, 100):
                times = measure_list(port, token, page, 30)
                print(
                    f"list API, {who}, page {page} (50 of >=10,000 open items): "
                    f"p50 {statistics.median(times):.1f} ms, p95 {pct(times, 95):.1f} ms"
                )
    finally:
        daphne.terminate()
        daphne.wait(10)


if __name__ == "__main__":
    main()
