"""End-to-end fixtures: one REAL Celery worker process (prefork, 2 children, beat embedded) per
pytest process, on the REAL Redis at 127.0.0.1:6379 (E2E_REDIS_URL), sharing the test database.

Every pytest process gets its own queue and Redis key prefix (its pid), so parallel runs from
other checkouts sharing that Redis never take each other's messages. No Redis is a failure,
not a skip. Tests use `transactional_db`: the worker only sees committed rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from worker.tests.e2e import e2e_activities  # noqa: F401  (registers the test activities here too)

REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = f"wfe2e{os.getpid()}"
ROOT = Path(django_settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _configure_producer() -> None:
    """This process sends to the worker's queue, under the same key prefix."""
    from config.celery import app

    options = {**app.conf.broker_transport_options, "global_keyprefix": f"{RUN_ID}:"}
    # under the settings' own names: the app reads Django's CELERY_* settings, and those win
    # over the short names once it has been configured
    app.conf.update(
        CELERY_BROKER_URL=REDIS_URL, CELERY_TASK_DEFAULT_QUEUE=RUN_ID, CELERY_BROKER_TRANSPORT_OPTIONS=options
    )


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the end-to-end tests need the Redis at {REDIS_URL}: {exc}")
    with django_db_blocker.unblock():
        db_url = _database_url()
    _configure_producer()
    logdir = tmp_path_factory.mktemp("worker")
    log = logdir / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"{RUN_ID}:",
        "WORKFLOW_QUEUE": RUN_ID,
        "WORKFLOW_RUNNER": "celery",
        "WORKFLOW_ACTIVITY_MODULES": "worker.tests.e2e.e2e_activities",
        "WORKFLOW_SWEEP_SECONDS": "0.2",
        "CELERY_PREFETCH": "1",
        "E2E_REDIS_URL": REDIS_URL,
        "E2E_REDIS_PREFIX": RUN_ID,
        "LOG_LEVEL": "WARNING",
        "WORKER_READY_FILE": str(logdir / "ready"),
    }
    env.pop("TEST_DATABASE_NAME", None)
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-B",
        "-Q",
        RUN_ID,
        "-c",
        "2",
        "-P",
        "prefork",
        "-n",
        f"{RUN_ID}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-s",
        str(logdir / "beat-schedule"),
        "-l",
        os.environ.get("E2E_WORKER_LOG", "WARNING"),
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while not (logdir / "ready").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text() if log.exists() else ''}")
        time.sleep(0.1)
    os.environ["E2E_REDIS_PREFIX"] = RUN_ID
    try:
        yield {"proc": proc, "log": log, "queue": RUN_ID, "env": env, "cmd": cmd, "cwd": ROOT}
    finally:
        proc.terminate()  # warm shutdown of the main process; it stops its pool and beat
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        r = redis.Redis.from_url(REDIS_URL)
        for k in r.scan_iter(f"{RUN_ID}*"):
            r.delete(k)


@pytest.fixture
def e2e(celery_worker: dict[str, Any], transactional_db: None, settings: Any) -> dict[str, Any]:
    """A test with the real worker: automatic items go to it through Celery on commit."""
    settings.WORKFLOW_RUNNER = "celery"
    settings.WORKFLOW_ACTIVITY_MODULES = ["worker.tests.e2e.e2e_activities"]
    return celery_worker


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "the condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
