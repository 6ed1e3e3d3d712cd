"""The scale-out test (issue 16): the production topology of scripts/cluster.py — HAProxy, 2
Daphne processes, 3 Celery workers, beat — on PostgreSQL and Redis, as processes on loopback.

300 cases of automatic -> manual -> automatic are started through the proxy; each manual item
is offered to one of 50 users, each holding a websocket to /ws/inbox/ through the proxy (so
spread over both web processes), who completes it through the proxy when its push (or a
snapshot after a reconnect) arrives. Mid-run one worker and one web process are killed with
SIGKILL. Then: every case completed; every work item exists once and completed once; every
client saw every one of its items and saw each go (after reconnecting to the other web
process); no message was lost (queue empty, nothing left waiting).

A killed worker's reserved messages come back when Redis's visibility timeout expires (an hour
in production, 10 s here) or through the sweep (WORKFLOW_REDISPATCH_AFTER, lowered here too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.scaleout.harness import cluster, http, mixed_net

# the figures; SCALEOUT_CASES lowers them for a quick try on a loaded machine
CASES = int(os.environ.get("SCALEOUT_CASES", "300"))
CLIENTS = 50
DEFINITION = "scaleout"


class InboxClient:
    """One user's inbox socket (reconnecting through the proxy) and the completions it makes."""

    def __init__(self, user: str, token: str, ws_base: str, http_base: str) -> None:
        self.user, self.token, self.ws_base, self.http_base = user, token, ws_base, http_base
        self.seen: set[str] = set()  # items offered to it: by a push or in a snapshot
        self.open: set[str] = set()  # items it currently shows
        self.gone: set[str] = set()  # items it saw leave (a `removed` push, or absent from a later snapshot)
        self.done: set[str] = set()
        self.servers: list[str] = []  # the web process of each connection
        self.todo: asyncio.Queue[str] = asyncio.Queue()
        self.connected = asyncio.Event()
        self.ws: Any = None  # the open socket, if any
        self.unanswered: set[str] = set()  # items whose complete got no answer (its web process died)

    async def listen(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                async with connect(f"{self.ws_base}/ws/inbox/?token={self.token}", open_timeout=40) as ws:
                    self.servers.append(ws.response.headers.get("X-Served-By", "?") if ws.response else "?")
                    self.connected.set()
                    self.ws = ws
                    failures = 0
                    async for raw in ws:
                        data = json.loads(raw)  # a JSON array: messages that waited, in order (ADR 0093)
                        for msg in data if isinstance(data, list) else [data]:
                            self.on_message(msg)
            except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError):
                failures += 1
            self.ws = None
            if not stop.is_set():
                # as the browser app does (frontend/src/lib/socket.ts): back off, so that the
                # clients of a dead web process do not all hit the survivor at once (with jitter)
                await asyncio.sleep(min(5.0, 0.25 * 2**failures) * random.uniform(0.5, 1.5))

    def on_message(self, msg: dict[str, Any]) -> None:
        if msg["type"] == "snapshot":
            ids = {i["id"] for i in msg["work_items"]}
            self.gone |= self.open - ids
            self.open = ids
            self.seen |= ids
            for i in ids:
                self.todo.put_nowait(i)
        elif msg["type"] == "work_item":
            item_id = msg["work_item"]["id"]
            if msg["event"] == "offered":
                self.seen.add(item_id)
                self.open.add(item_id)
                self.todo.put_nowait(item_id)
            elif msg["event"] == "removed":
                self.open.discard(item_id)
                self.gone.add(item_id)

    async def work(self) -> None:
        while True:
            item_id = await self.todo.get()
            if item_id in self.done:
                continue
            try:
                status, _ = await asyncio.to_thread(
                    http, "POST", f"{self.http_base}/api/work-items/{item_id}/complete/", self.token, {"output": {}}
                )
            except (urllib.error.URLError, OSError, TimeoutError):
                status = 0
            if status == 200 or (400 <= status < 500 and status != 429):
                # 4xx: already completed (an earlier answer was lost with its web process); the
                # final checks count completions in the database
                self.done.add(item_id)
                if status != 200 and item_id in self.unanswered:
                    await self.resync()
            else:
                self.unanswered.add(item_id)
                await asyncio.sleep(0.2)
                self.todo.put_nowait(item_id)

    async def resync(self) -> None:
        """A complete whose answer was lost had committed (the retry says so): the web process
        that ran it may have died before publishing its push (a push is sent after the commit,
        and a process killed in between loses it; ADR 0062). Not knowing, the client asks for a
        fresh snapshot, as the protocol allows; a socket being reconnected gets one anyway."""
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed):  # closing: the reconnect's snapshot comes
                await ws.send(json.dumps({"type": "snapshot"}))


def metric_values(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(body)
        for s in f.samples
    }


async def drive(c: Any, tokens: dict[str, str]) -> dict[str, Any]:
    users = [f"u{n:02d}" for n in range(CLIENTS)]
    clients = {u: InboxClient(u, tokens[u], c.ws_base, c.base) for u in users}
    stop = asyncio.Event()
    listeners = [asyncio.create_task(cl.listen(stop)) for cl in clients.values()]
    workers = [asyncio.create_task(cl.work()) for cl in clients.values()]
    await asyncio.wait_for(asyncio.gather(*(cl.connected.wait() for cl in clients.values())), 60)
    first_servers = {cl.servers[0] for cl in clients.values()}

    started: list[int] = []
    killed: dict[str, Any] = {}
    sem = asyncio.Semaphore(6)

    async def start(n: int) -> None:
        async with sem:
            while True:
                try:
                    status, body = await asyncio.to_thread(
                        http,
                        "POST",
                        f"{c.base}/api/cases/",
                        tokens["boss"],
                        {"definition": DEFINITION, "data": {"who": users[n % CLIENTS], "n": n}},
                        120.0,  # long: a start given up on while it still runs could be doubled
                    )
                except (urllib.error.URLError, OSError, TimeoutError):
                    status, body = 0, None
                if status == 201:
                    started.append(body["id"])
                    break
                assert status in (0, 502, 503, 504), (status, body)
                # the answer was lost (its web process killed, or a timeout): started already?
                found = await asyncio.to_thread(
                    c.sql,
                    "SELECT id FROM engine_case WHERE definition_name = %s AND (data->>'n')::int = %s",
                    DEFINITION,
                    n,
                )
                if found:
                    started.append(found[0][0])
                    break
                await asyncio.sleep(0.2)
            if len(started) == CASES // 3 and not killed:
                killed["worker"] = c.kill("workers", 0)["name"]
                killed["web"] = c.kill("web", 0)["name"]
                killed["at"] = time.monotonic()

    began = time.monotonic()
    await asyncio.gather(*(start(n) for n in range(CASES)))
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        done = c.sql("SELECT count(*) FROM engine_case WHERE definition_name = %s AND state = 'completed'", DEFINITION)
        if done[0][0] >= CASES:
            break
        await asyncio.sleep(0.5)
    elapsed = time.monotonic() - began
    # the last `removed` pushes reach every socket
    settle = time.monotonic() + 20
    while any(cl.open for cl in clients.values()) and time.monotonic() < settle:
        await asyncio.sleep(0.2)
    stop.set()
    for t in listeners + workers:
        t.cancel()
    await asyncio.gather(*listeners, *workers, return_exceptions=True)
    return {"clients": clients, "first_servers": first_servers, "killed": killed, "elapsed": elapsed}


def test_two_web_three_workers_survive_a_killed_worker_and_web_process(tmp_path: Path) -> None:
    with cluster(
        tmp_path,
        web=2,
        workers=3,
        # the killed worker's reserved messages: Redis hands them to another worker after the
        # visibility timeout (production: an hour, above the longest task timeout)
        extra_env={
            "WORKFLOW_REDISPATCH_AFTER": "5",
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "CELERY_UNACKED_RESTORE_INTERVAL": "2",
        },
    ) as c:
        tokens = c.setup([mixed_net(DEFINITION)], CLIENTS)
        out = asyncio.run(drive(c, tokens))
        clients: dict[str, InboxClient] = out["clients"]

        # every case started once (its number n in its data) and completed
        numbers = c.sql(
            "SELECT (data->>'n')::int, count(*) FROM engine_case WHERE definition_name = %s GROUP BY 1 ORDER BY 1",
            DEFINITION,
        )
        assert numbers == [(n, 1) for n in range(CASES)], [x for x in numbers if x[1] != 1][:5]
        states = dict(
            c.sql("SELECT state, count(*) FROM engine_case WHERE definition_name = %s GROUP BY state", DEFINITION)
        )
        assert states == {"completed": CASES}, states
        # every work item exactly once, completed exactly once
        per_task = c.sql(
            "SELECT w.task, w.state, count(*) FROM engine_workitem w JOIN engine_case k ON k.id = w.case_id "
            "WHERE k.definition_name = %s GROUP BY w.task, w.state ORDER BY w.task",
            DEFINITION,
        )
        assert per_task == [
            ("archive", "completed", CASES),
            ("prepare", "completed", CASES),
            ("review", "completed", CASES),
        ]
        twice = c.sql(
            "SELECT work_item, count(*) FROM engine_event WHERE type = 'work_item.completed' "
            "GROUP BY work_item HAVING count(*) <> 1"
        )
        assert twice == []
        assert c.sql("SELECT count(*) FROM engine_event WHERE type = 'work_item.completed'")[0][0] == 3 * CASES

        # the sockets were spread over both web processes, and those of the killed one reconnected
        assert out["first_servers"] == {"web1", "web2"}, out["first_servers"]
        assert out["killed"]["web"] == "web1"
        moved = [cl for cl in clients.values() if cl.servers[0] == "web1"]
        assert moved and all(len(cl.servers) >= 2 and cl.servers[-1] == "web2" for cl in moved)

        # every client saw every one of its items arrive and leave
        rows = c.sql(
            "SELECT k.data->>'who', w.id::text FROM engine_workitem w JOIN engine_case k ON k.id = w.case_id "
            "WHERE k.definition_name = %s AND w.task = 'review'",
            DEFINITION,
        )
        mine: dict[str, set[str]] = {}
        for who, item_id in rows:
            mine.setdefault(who, set()).add(item_id)
        for user, cl in clients.items():
            assert mine[user] <= cl.seen, (user, len(mine[user] - cl.seen))
            assert mine[user] <= cl.gone, (user, len(mine[user] - cl.gone))
            assert not cl.open, user

        # no message lost: nothing waits in the queue, nothing is left initialized
        survivor = c.state["web"][1]["port"]
        status, _ = http("GET", f"http://127.0.0.1:{survivor}/readyz", "none")
        assert status == 200
        req = urllib.request.Request(f"http://127.0.0.1:{survivor}/metrics", headers={"Authorization": "Bearer scrape"})
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310
            values = metric_values(r.read().decode())
        queue = c.env["WORKFLOW_QUEUE"]
        assert values[("workflow_queue_depth", (("queue", queue),))] == 0
        assert not any(k[0] == "workflow_work_items" and v for k, v in values.items())
        # metrics summed over every process (the killed ones' files included)
        ended = values.get(("workflow_cases_ended_total", (("definition", DEFINITION), ("state", "completed"))), 0)
        assert CASES - 10 <= ended <= CASES  # a process killed between commit and count loses its last few
        print(f"scale-out: {CASES} cases in {out['elapsed']:.1f} s, killed {out['killed']}")
