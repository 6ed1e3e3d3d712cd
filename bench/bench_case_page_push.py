"""How soon a change of a case reaches an open case page: commit → arrival of the
`{"type": "case"}` push on a `/ws/cases/{id}/` websocket (what the dashboard's case page reads).

    python bench/bench_case_page_push.py               # 200 changes, port 8731
    python bench/bench_case_page_push.py --changes 500 --port 8732

It starts the app under Daphne (as the browser tests do: a fresh SQLite file, `seed_demo`, the
real Redis channel layer, DEBUG off), opens the websocket as a staff user (token auth), and
makes N changes one after another with `POST /api/cases/{id}/data/` (each its own committed
transaction; the push is sent on commit). For each change it measures from the moment the
request is sent until the push carrying that change arrives: an upper bound of commit →
arrival, since it includes the request's own handling before the commit. It also prints the
time from the HTTP answer to the push (negative when the push comes first).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import ARTIFACTS, LiveServer, server_env  # noqa: E402


class Socket:
    """A minimal websocket client (RFC 6455, text frames) on asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, path: str) -> Socket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
            ).encode()
        )
        status = await reader.readline()
        if b" 101 " not in status:
            raise RuntimeError(f"handshake refused: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        return cls(reader, writer)

    async def receive(self) -> dict:
        while True:
            head = await self.reader.readexactly(2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = await self.reader.readexactly(length)
            if opcode == 8:
                raise RuntimeError(f"socket closed: {payload!r}")
            if opcode == 1:
                return json.loads(payload)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(server: LiveServer, changes: int) -> tuple[list[float], list[float]]:
    status, case = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 100.0}}
    )
    assert status == 201, case
    token = server.tokens["admin"]
    socket = await Socket.connect(server.port, f"/ws/cases/{case['id']}/?token={token}")
    first = await socket.receive()
    assert first["type"] == "case" and first["case"]["id"] == case["id"], first
    from_request: list[float] = []
    from_answer: list[float] = []
    for n in range(changes):
        sent = time.perf_counter()

        def change(n: int = n) -> tuple[int, object, float]:
            status, body = server.api("POST", f"/api/cases/{case['id']}/data/", {"data": {"vendor": f"V{n}"}})
            return status, body, time.perf_counter()

        call = asyncio.create_task(asyncio.to_thread(change))
        while True:
            message = await asyncio.wait_for(socket.receive(), timeout=10)
            if message.get("case", {}).get("data", {}).get("vendor") == f"V{n}":
                arrived = time.perf_counter()
                break
        status, body, answered = await call
        assert status == 200, body
        from_request.append((arrived - sent) * 1000)
        from_answer.append((arrived - answered) * 1000)
    socket.writer.close()
    return from_request, from_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--port", type=int, default=8731, help="for Daphne (8700-8799 on shared machines)")
    args = parser.parse_args()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(env=server_env(Path(tmp) / "bench.sqlite3", "bench"), port=args.port)
        server.manage("migrate", "--no-input")
        server.manage("seed_demo")
        server.start()
        try:
            server.api("GET", "/api/me/")  # signs in (token) before the clock runs
            from_request, from_answer = asyncio.run(measure(server, args.changes))
        finally:
            server.stop()
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"case page pushes over {args.changes} changes (Daphne, SQLite, Redis channel layer; "
        f"{cores} cores, load average {load:.1f})"
    )
    print(
        f"  request sent → push arrived: p50 {statistics.median(from_request):.1f} ms, "
        f"p95 {percentile(from_request, 95):.1f} ms, max {max(from_request):.1f} ms"
    )
    print(
        f"  HTTP answer → push arrived:  p50 {statistics.median(from_answer):.1f} ms, "
        f"p95 {percentile(from_answer, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()
