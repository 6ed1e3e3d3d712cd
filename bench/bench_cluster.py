"""Scale-out figures on the production topology (issue 16; docs/performance.md):

  1. automatic steps/s with 1, 2 and 3 worker processes (one cluster with 3 workers; the ones
     not in a round stop consuming the queue: Celery's cancel_consumer / add_consumer);
  2. manual steps/s (a work item completed over HTTP) through 1 and 2 web processes (each
     round's requests go straight to web1, or alternate between web1 and web2);
  3. the time for the proxy to route around a web process killed with SIGKILL: requests sent
     through the proxy every 20 ms, how many failed, and when HAProxy marked it down.

Rounds are interleaved (1 2 3 1 2 3 ... workers; 1 2 1 2 ... web) and the medians and spread
are printed. On PostgreSQL (TEST_POSTGRES_URL's server, a database of its own) and the Redis at
REDIS_URL.

    python bench/bench_cluster.py [--rounds 3] [--auto-cases 40] [--steps 5] [--manual 150]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from celery import Celery  # noqa: E402

from tests.scaleout.harness import auto_net, cluster, http, manual_net  # noqa: E402


def wait_done(c, definition: str, n: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = c.sql("SELECT count(*) FROM engine_case WHERE definition_name = %s AND state = 'completed'", definition)
        if done[0][0] >= n:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{definition}: not done")


def start_cases(c, token: str, definition: str, n: int, data=None, base: str | None = None) -> None:
    def one(k: int) -> None:
        status, body = http(
            "POST", f"{base or c.base}/api/cases/", token, {"definition": definition, "data": data or {}}
        )
        assert status == 201, (status, body)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(n)))


def control(c) -> Celery:
    """A Celery client for remote control of the cluster's workers (same broker and prefix)."""
    return Celery(
        broker=c.env.get("CELERY_BROKER_URL") or c.env["REDIS_URL"],
        broker_transport_options={"global_keyprefix": c.env["REDIS_KEY_PREFIX"]},
    )


def auto_round(c, ctl: Celery, token: str, workers: int, cases: int, steps: int, tag: str) -> float:
    """The workers not in the round stop consuming the queue (Celery's cancel_consumer; a
    SIGSTOPped worker would still be handed messages by its pending BRPOP and sit on them)."""
    queue = c.env["WORKFLOW_QUEUE"]
    host = socket.gethostname()
    paused = [f"{w['name']}@{host}" for w in c.state["workers"][workers:]]
    if paused:
        answers = ctl.control.cancel_consumer(queue, destination=paused, reply=True, timeout=10)
        assert len(answers) == len(paused), answers
    try:
        name = f"auto{tag}"
        began = time.monotonic()
        start_cases(c, token, name, cases)
        wait_done(c, name, cases)
        return cases * steps / (time.monotonic() - began)
    finally:
        if paused:
            ctl.control.add_consumer(queue, destination=paused, reply=True, timeout=10)


def manual_round(c, tokens: dict[str, str], webs: int, items: list[tuple[str, str]]) -> float:
    ports = [w["port"] for w in c.state["web"][:webs]]

    def one(k: int) -> None:
        user, item_id = items[k]
        base = f"http://127.0.0.1:{ports[k % len(ports)]}"
        status, body = http("POST", f"{base}/api/work-items/{item_id}/complete/", tokens[user], {"output": {}})
        assert status == 200, (status, body)

    began = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(len(items))))
    return len(items) / (time.monotonic() - began)


def route_around(c) -> dict[str, float]:
    failures, stop = [], threading.Event()
    sent = [0]

    def probe() -> None:
        while not stop.is_set():
            sent[0] += 1
            try:
                with urllib.request.urlopen(f"{c.base}/healthz", timeout=5) as r:  # noqa: S310
                    if r.status != 200:
                        failures.append(time.monotonic())
            except OSError:
                failures.append(time.monotonic())
            time.sleep(0.02)

    t = threading.Thread(target=probe)
    t.start()
    time.sleep(1.0)
    killed = time.monotonic()
    c.kill("web", 0)
    log = c.run_dir / "proxy.log"
    marked = None
    while time.monotonic() - killed < 30:
        if "web1 is DOWN" in log.read_text(errors="replace"):
            marked = time.monotonic() - killed
            break
        time.sleep(0.01)
    time.sleep(1.0)
    stop.set()
    t.join()
    last_failure = max(failures) - killed if failures else 0.0
    return {"failed": len(failures), "sent": sent[0], "last_failure_s": last_failure, "marked_down_s": marked or -1}


def spread(values: list[float]) -> str:
    med = statistics.median(values)
    return f"median {med:.1f} (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--auto-cases", type=int, default=40)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--manual", type=int, default=150)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, cluster(Path(tmp), web=2, workers=3) as c:
        names = [f"auto{w}r{r}" for r in range(a.rounds) for w in (1, 2, 3)]
        docs = [auto_net(n, a.steps) for n in names]
        docs.append(manual_net("manual"))
        tokens = c.setup(docs, 8)
        users = [f"u{n:02d}" for n in range(8)]
        # warm-up: every worker and web process has loaded the definitions
        start_cases(c, tokens["boss"], names[0], 10)
        wait_done(c, names[0], 10)
        ctl = control(c)
        auto: dict[int, list[float]] = {1: [], 2: [], 3: []}
        for r in range(a.rounds):
            for w in (1, 2, 3):
                name = f"{w}r{r}"
                auto[w].append(auto_round(c, ctl, tokens["boss"], w, a.auto_cases, a.steps, name))
                print(f"auto {w} worker(s) round {r}: {auto[w][-1]:.1f} steps/s", flush=True)
        # manual items: opened beforehand (not timed), offered to 8 users
        manual: dict[int, list[float]] = {1: [], 2: []}
        for r in range(a.rounds):
            for webs in (1, 2):
                for k, u in enumerate(users):
                    start_cases(
                        c, tokens["boss"], "manual", a.manual // len(users) + (k < a.manual % len(users)), {"who": u}
                    )
                rows = c.sql(
                    "SELECT k.data->>'who', w.id::text FROM engine_workitem w JOIN engine_case k ON k.id = w.case_id "
                    "WHERE k.definition_name = 'manual' AND w.state = 'initialized'"
                )
                manual[webs].append(manual_round(c, tokens, webs, rows))
                print(f"manual via {webs} web round {r}: {manual[webs][-1]:.1f} steps/s", flush=True)
        ra = route_around(c)
    print()
    for w, v in auto.items():
        ratio = statistics.median(v) / statistics.median(auto[1])
        print(f"automatic steps/s, {w} worker(s): {spread(v)}; ratio to 1: {ratio:.2f}")
    for w, v in manual.items():
        ratio = statistics.median(v) / statistics.median(manual[1])
        print(f"manual steps/s via {w} web: {spread(v)}; ratio to 1: {ratio:.2f}")
    print(
        f"route around a killed web process: {ra['failed']} of {ra['sent']} probes failed "
        f"(last {ra['last_failure_s']:.2f} s after the kill); HAProxy marked it down after {ra['marked_down_s']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
