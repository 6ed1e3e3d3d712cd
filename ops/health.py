"""What /readyz checks: each check answers (ok, detail) and never raises or waits long."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from kombu import Connection

from ops import heartbeat
from ops.redis_client import client

Check = Callable[[], tuple[bool, str]]


def _timed(fn: Check) -> dict[str, object]:
    began = time.perf_counter()
    try:
        ok, detail = fn()
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - began) * 1000, 1)}


def database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def channel_layer() -> tuple[bool, str]:
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    client(host if isinstance(host, str) else settings.REDIS_URL).ping()
    return True, "redis answers"


def broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    with Connection(url, connect_timeout=2, transport_options=dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True, conn.as_uri()  # the password masked


def workers() -> tuple[bool, str]:
    seen = heartbeat.workers_seen(settings.READYZ_WORKER_MAX_AGE)
    if seen:
        return True, f"{len(seen)} seen in the last {settings.READYZ_WORKER_MAX_AGE:g} s"
    if settings.WORKFLOW_RUNNER != "celery":
        return True, f"not needed (WORKFLOW_RUNNER={settings.WORKFLOW_RUNNER})"
    return False, f"no worker seen in the last {settings.READYZ_WORKER_MAX_AGE:g} s"


CHECKS: dict[str, Check] = {
    "database": database,
    "channel_layer": channel_layer,
    "broker": broker,
    "workers": workers,
}


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    # looked up by name at call time, so a test can replace one check
    results = {name: _timed(CHECKS[name]) for name in list(CHECKS)}
    return all(r["ok"] for r in results.values()), results
