"""A Redis client for REDIS_URL (the channel layer's Redis): the heartbeat and the checks."""

from __future__ import annotations

import redis
from django.conf import settings


def redis_url(url: str) -> str:
    """Celery's redis+socket://PATH is redis-py's unix://PATH."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url


_clients: dict[str, redis.Redis] = {}


def client(url: str | None = None) -> redis.Redis:
    url = redis_url(url or settings.REDIS_URL)
    c = _clients.get(url)
    if c is None:
        c = _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return c
