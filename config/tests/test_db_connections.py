"""The web process holds a bounded number of PostgreSQL connections, however many requests come
at once (issue 13 item 6, docs/adr/0069): a real Daphne on the test database, its connections
counted in pg_stat_activity by their application_name."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
POOL_MAX = 3

pytestmark = [pytest.mark.postgres_only]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _connections(app_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app_name])
        return int(cursor.fetchone()[0])


@pytest.fixture
def daphne(transactional_db: None, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A Daphne of the app on the test database: (its URL, its connections' application_name)."""
    app_name = f"test-pool-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        "PGAPPNAME": app_name,
        "DATABASE_POOL_MAX_SIZE": str(POOL_MAX),
        "DATABASE_POOL_MIN_SIZE": "1",
        "WORKFLOW_RUNNER": "manual",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_POOL", None)  # config/asgi.py turns the pool on for the web process
    env.pop("TEST_DATABASE_NAME", None)
    log = open(tmp_path / "daphne.log", "wb")  # noqa: SIM115 - kept open for the process
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "daphne.log").read_text()
            try:
                urllib.request.urlopen(f"{url}/api/me/", timeout=1)
            except urllib.error.HTTPError:
                break  # 401: it answers
            except OSError:
                assert time.monotonic() < deadline, "daphne did not answer within 30 s"
                time.sleep(0.1)
        yield url, app_name
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_many_concurrent_requests_stay_within_the_pool(daphne: tuple[str, str], staff_user: Any) -> None:
    from rest_framework.authtoken.models import Token

    url, app_name = daphne
    token = Token.objects.create(user=staff_user).key
    statuses: list[int] = []
    lock = threading.Lock()
    done = threading.Event()
    peak = 0

    def client() -> None:
        for path in ["/api/me/", "/api/cases/", "/api/work-items/?available=true", "/api/definitions/"] * 5:
            request = urllib.request.Request(url + path, headers={"Authorization": f"Token {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                with lock:
                    statuses.append(response.status)

    def sampler() -> None:
        nonlocal peak
        try:
            while not done.is_set():
                peak = max(peak, _connections(app_name))
                time.sleep(0.05)
        finally:
            connection.close()  # this thread's own connection

    watcher = threading.Thread(target=sampler)
    watcher.start()
    clients = [threading.Thread(target=client) for _ in range(20)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    done.set()
    watcher.join()
    peak = max(peak, _connections(app_name))

    assert 1 <= peak <= POOL_MAX
    assert statuses == [200] * 400
