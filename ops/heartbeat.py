"""Workers tell that they are alive: each Celery worker's main process writes its name and the
time into a sorted set in Redis every WORKFLOW_HEARTBEAT_SECONDS (and removes it on a warm
shutdown); /readyz asks whether one was seen within READYZ_WORKER_MAX_AGE seconds. A sorted set
answers "seen since t" in one indexed read, however many workers there are."""

from __future__ import annotations

import logging
import threading
import time

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

from ops.redis_client import client

log = logging.getLogger(__name__)

FORGET_AFTER = 86400.0  # entries older than this are removed on each beat


def key() -> str:
    return settings.WORKFLOW_HEARTBEAT_KEY


def beat(name: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    r = client()
    pipe = r.pipeline(transaction=False)
    pipe.zadd(key(), {name: now})
    pipe.zremrangebyscore(key(), "-inf", now - FORGET_AFTER)
    pipe.execute()


def forget(name: str) -> None:
    client().zrem(key(), name)


def workers_seen(max_age: float) -> list[str]:
    """Names of the workers that beat within the last `max_age` seconds."""
    names = client().zrangebyscore(key(), time.time() - max_age, "+inf")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


class _Beater(threading.Thread):
    def __init__(self, name: str, every: float) -> None:
        super().__init__(name="workflow-heartbeat", daemon=True)
        self.worker_name = name
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                beat(self.worker_name)
            except Exception:  # Redis away for a moment: /readyz will say so; keep trying
                log.warning("heartbeat not written", exc_info=True)
            self.stopped.wait(self.every)


_beater: _Beater | None = None


def _on_ready(sender: object = None, **_: object) -> None:
    global _beater
    name = str(getattr(sender, "hostname", None) or "worker")
    _beater = _Beater(name, settings.WORKFLOW_HEARTBEAT_SECONDS)
    _beater.start()


def _on_shutdown(**_: object) -> None:
    if _beater is not None:
        _beater.stopped.set()
        try:
            forget(_beater.worker_name)
        except Exception:  # pragma: no cover - Redis away while stopping
            log.warning("heartbeat not removed", exc_info=True)


def connect() -> None:
    worker_ready.connect(_on_ready, weak=False, dispatch_uid="ops-heartbeat-ready")
    worker_shutdown.connect(_on_shutdown, weak=False, dispatch_uid="ops-heartbeat-shutdown")
