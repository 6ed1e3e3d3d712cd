"""Graceful restarts (issue 16) on the production topology of scripts/cluster.py:

- a web process stopped with SIGTERM closes its websockets with 1012 (service restart); the
  clients reconnect through the proxy to the other web process and receive the next pushes;
- a worker stopped with SIGTERM (Celery's warm shutdown) in the middle of a run finishes or
  returns what it holds: every case still completes, each step once, with the lost-message
  sweep left at its production delay (so nothing relies on it).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from tests.scaleout.harness import auto_net, cluster, http, manual_net

USERS = 6
CHAIN = 4
CASES = 40


def served_by(ws: Any) -> str | None:
    """Which web process answered the handshake (the proxy's X-Served-By header)."""
    return ws.response.headers.get("X-Served-By") if ws.response is not None else None


def _messages(data: Any) -> list[dict[str, Any]]:
    return data if isinstance(data, list) else [data]


async def stop_web_with_sockets_open(c: Any, tokens: dict[str, str]) -> dict[str, Any]:
    users = [f"u{n:02d}" for n in range(USERS)]
    sockets = {}
    for u in users:
        ws = await connect(f"{c.ws_base}/ws/inbox/?token={tokens[u]}", open_timeout=20)
        assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "snapshot"
        sockets[u] = ws
    on = {u: served_by(ws) for u, ws in sockets.items()}
    assert set(on.values()) == {"web1", "web2"}, on  # leastconn spreads them
    web1 = c.state["web"][0]
    os.kill(web1["pid"], signal.SIGTERM)
    began = time.monotonic()
    codes = {}
    for u, ws in sockets.items():
        if on[u] == "web1":
            await asyncio.wait_for(ws.wait_closed(), 15)
            codes[u] = ws.close_code
    closed_after = time.monotonic() - began
    # reconnect through the proxy: the other web process answers
    again = {}
    for u in codes:
        ws = await connect(f"{c.ws_base}/ws/inbox/?token={tokens[u]}", open_timeout=20)  # no retry needed
        assert served_by(ws) == "web2"
        assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "snapshot"
        again[u] = ws
    # every socket, moved or not, hears the next push for its user
    for u in users:
        status, body = await asyncio.to_thread(
            http, "POST", f"{c.base}/api/cases/", tokens["boss"], {"definition": "manual", "data": {"who": u}}
        )
        assert status == 201, body
    for u in users:
        ws = again.get(u, sockets[u])
        offered = False
        while not offered:
            data = json.loads(await asyncio.wait_for(ws.recv(), 20))  # an array: batched (ADR 0093)
            offered = any(m["type"] == "work_item" and m["event"] == "offered" for m in _messages(data))
    for ws in [*again.values(), *sockets.values()]:
        await ws.close()
    return {"codes": codes, "closed_after": closed_after}


def test_sigterm_closes_websockets_and_a_worker_warm_shutdown_loses_nothing(tmp_path: Path) -> None:
    with cluster(tmp_path, web=2, workers=2) as c:
        tokens = c.setup([manual_net("manual"), auto_net("chain", CHAIN)], USERS)

        out = asyncio.run(stop_web_with_sockets_open(c, tokens))
        assert out["codes"] and set(out["codes"].values()) == {1012}, out
        assert out["closed_after"] < 10

        # a worker's warm shutdown in the middle of a run
        worker = c.state["workers"][0]
        for _ in range(CASES):
            status, body = http("POST", f"{c.base}/api/cases/", tokens["boss"], {"definition": "chain"})
            assert status == 201, body
        deadline = time.monotonic() + 120
        while c.sql("SELECT count(*) FROM engine_workitem WHERE state = 'completed'")[0][0] < CASES // 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(worker["pid"], signal.SIGTERM)
        while (
            c.sql("SELECT count(*) FROM engine_case WHERE definition_name = 'chain' AND state = 'completed'")[0][0]
            < CASES
        ):
            assert time.monotonic() < deadline, c.sql(
                "SELECT task, state, count(*) FROM engine_workitem GROUP BY task, state ORDER BY task"
            )
            time.sleep(0.2)
        # the stopped worker exits on its own (warm shutdown), before the cluster's stop
        gone_by = time.monotonic() + 30
        while _alive(worker["pid"]):
            assert time.monotonic() < gone_by, "the worker did not finish its warm shutdown"
            time.sleep(0.1)
        log = Path(worker["log"]).read_text(errors="replace")
        assert "Warm shutdown" in log
        rows = c.sql(
            "SELECT w.task, w.state, count(*) FROM engine_workitem w JOIN engine_case k ON k.id = w.case_id "
            "WHERE k.definition_name = 'chain' GROUP BY w.task, w.state ORDER BY w.task"
        )
        assert rows == [(f"a{n}", "completed", CASES) for n in range(CHAIN)]
        twice = c.sql(
            "SELECT work_item FROM engine_event WHERE type = 'work_item.completed' "
            "GROUP BY work_item HAVING count(*) > 1"
        )
        assert twice == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by cluster.py) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
