"""Database connections of the web process (Daphne) on PostgreSQL: a connection pool against
closing the connection after each request, with the old persistent connections as a baseline
(issue 13 item 6, docs/adr/0069).

    python bench/bench_db_connections.py [--rounds 5] [--seconds 4] [--clients 16]

Three Daphne processes of the app run side by side on one throw-away database
(`workflow_bench_conn`, dropped and created anew, migrated, `seed_demo` loaded):

  pool        DATABASE_POOL=true (psycopg_pool; what config/asgi.py turns on)
  close       DATABASE_POOL=false CONN_MAX_AGE=0 (a new connection per request)
  persistent  DATABASE_POOL=false CONN_MAX_AGE=60 (the old setting: one kept per thread), only
              with --persistent: it takes connections up to PostgreSQL's limit

Rounds are interleaved (pool, close[, persistent]; the order rotates each round). In a round,
`--clients` threads call the API as fast as they can for `--seconds` seconds (token auth,
keep-alive, the requests an inbox and a case list make: `GET /api/me/`,
`GET /api/work-items/?available=true`, `GET /api/cases/?page_size=20`), while a sampler counts
the server's connections in pg_stat_activity (each server has its own application_name). Printed
per configuration: requests/s and the median latency (median and range over the rounds), and
the most connections seen; then the ratios against `close`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench_engine import reset_postgres  # bench/ is the script's directory, on sys.path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.conftest import LiveServer, server_env  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_CONN_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench_conn")
PATHS = ["/api/me/", "/api/work-items/?available=true", "/api/cases/?page_size=20"]
CONFIGS = {
    "pool": {"DATABASE_POOL": "true"},
    "close": {"DATABASE_POOL": "false", "CONN_MAX_AGE": "0"},
}
# Only with --persistent: it hoards connections (the defect measured), up to PostgreSQL's limit
# on a shared server.
PERSISTENT = {"DATABASE_POOL": "false", "CONN_MAX_AGE": "60"}


def connections(app_name: str) -> int:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app_name]).fetchone()
        return int(row[0]) if row else 0


def load(server: LiveServer, token: str, seconds: float, clients: int, app_name: str) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    peak = 0

    def client(n: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        i = n
        while time.monotonic() < stop:
            request = urllib.request.Request(
                server.url + PATHS[i % len(PATHS)], headers={"Authorization": f"Token {token}"}
            )
            i += 1
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            mine.append(time.perf_counter() - t0)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    def sampler() -> None:
        nonlocal peak
        while time.monotonic() < stop:
            peak = max(peak, connections(app_name))
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=sampler))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    peak = max(peak, connections(app_name))
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "errors": errors,
        "peak": peak,
        "after": connections(app_name),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--persistent", action="store_true", help="also the old persistent connections")
    args = parser.parse_args()
    configs = {**CONFIGS, **({"persistent": PERSISTENT} if args.persistent else {})}
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {args.clients} clients")

    reset_postgres(PG_URL)
    base = server_env(Path("/nonexistent"), prefix="bench-conn")
    base["DATABASE_URL"] = PG_URL
    (ROOT / "var" / "test-artifacts").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=base,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=base, check=True, stdout=subprocess.DEVNULL
    )

    servers: dict[str, LiveServer] = {}
    apps: dict[str, str] = {}
    try:
        for name, extra in configs.items():
            apps[name] = f"bench-{name}-{uuid.uuid4().hex[:8]}"
            servers[name] = LiveServer(env={**base, **extra, "PGAPPNAME": apps[name]})
            servers[name].start()
        token = servers["pool"].api("POST", "/api/auth/token/", {"username": "admin", "password": "admin"}, user="")[1][
            "token"
        ]
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
        names = list(configs)
        for name in names:  # warm-up
            load(servers[name], token, 1.0, args.clients, apps[name])
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                res = load(servers[name], token, args.seconds, args.clients, apps[name])
                results[name].append(res)
                print(f"round {r + 1} {name:<10} {json.dumps({k: round(v, 1) for k, v in res.items()})}", flush=True)
        print()
        print(
            f"{'config':<11} {'req/s median (range)':<26} {'p50 ms median (range)':<26} {'connections max':<16} errors"
        )
        med: dict[str, float] = {}
        for name in names:
            rps = [x["rps"] for x in results[name]]
            p50 = [x["p50_ms"] for x in results[name]]
            med[name] = statistics.median(rps)
            peak = max(x["peak"] for x in results[name])
            errors = sum(x["errors"] for x in results[name])
            print(
                f"{name:<11} {statistics.median(rps):7.1f} ({min(rps):.1f}-{max(rps):.1f}){'':<6}"
                f"{statistics.median(p50):7.1f} ({min(p50):.1f}-{max(p50):.1f}){'':<6} {peak:<16} {errors}"
            )
        print()
        for name in names[:1] + names[2:]:
            paired = [a["rps"] / b["rps"] for a, b in zip(results[name], results["close"], strict=True)]
            print(
                f"{name} / close throughput: {med[name] / med['close']:.2f}x of the medians; per round "
                f"{statistics.median(paired):.2f}x median ({min(paired):.2f}-{max(paired):.2f})"
            )
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
