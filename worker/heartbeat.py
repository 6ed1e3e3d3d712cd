"""Heartbeats for the messages a worker holds, so that a lost worker's messages come back
within a minute while a live worker's long activities are never handed out twice (issue 13
item 7; ADR 0065, docs/engine-semantics.md section 14).

Redis has no acknowledgement deadline per consumer: kombu keeps every unacknowledged message in
a sorted set scored by the time it was delivered, and any live worker puts back those older than
`visibility_timeout`. With a short timeout (30 s) a lost worker's messages come back soon, but
so would a live worker's long activity, its retries waiting for their back-off, and a backlog it
prefetched. So every worker re-scores the messages it holds every `WORKFLOW_UNACKED_HEARTBEAT`
seconds (a thread in the worker's main process, where kombu keeps them): only the messages of a
worker that stopped beating grow old enough to be put back.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)


def on_worker_ready(sender: Any = None, **_: object) -> None:
    """`worker_ready` handler: start beating for the consumer `sender`."""
    interval = float(getattr(settings, "WORKFLOW_UNACKED_HEARTBEAT", 0) or 0)
    if interval <= 0 or sender is None:
        return
    thread = threading.Thread(target=_beat, args=(sender, interval), name="unacked-heartbeat", daemon=True)
    thread.start()


def _beat(consumer: Any, interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            refresh(_qos_of(consumer))
        except Exception:  # a reconnect in progress: the next beat tries again
            log.warning("could not refresh the unacknowledged messages' heartbeat", exc_info=True)


def _qos_of(consumer: Any) -> Any:
    task_consumer = getattr(consumer, "task_consumer", None)
    channel = getattr(task_consumer, "channel", None)
    return getattr(channel, "qos", None)


def refresh(qos: Any) -> int:
    """Re-score the messages this process holds (kombu's Redis QoS) to now. Returns how many.
    `ZADD XX` touches only members still there: a message acknowledged meanwhile stays gone."""
    if qos is None or not hasattr(qos, "unacked_index_key"):
        return 0  # not the Redis transport
    tags: list[Any] = []
    for _ in range(3):  # the event loop may change the dict while we copy it
        try:
            tags = list(qos._delivered)
            break
        except RuntimeError:
            continue
    if not tags:
        return 0
    now = time.time()
    with qos.channel.conn_or_acquire() as client:
        client.zadd(qos.unacked_index_key, dict.fromkeys(tags, now), xx=True)
    return len(tags)
