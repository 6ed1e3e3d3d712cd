"""The channel layer with a stopwatch: each group message carries the time it was published,
and the consumer side observes how long it took to arrive (`workflow_push_latency_seconds`).
Configured as CHANNEL_LAYERS' backend (config/settings.py, the production block)."""

from __future__ import annotations

import time
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

from engine import hooks

STAMP = "_published_at"


class TimedRedisPubSubChannelLayer(RedisPubSubChannelLayer):
    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self._get_layer().group_send(group, {**message, STAMP: time.time()})

    async def receive(self, channel: str) -> dict[str, Any]:
        message = await self._get_layer().receive(channel)
        published = message.pop(STAMP, None) if isinstance(message, dict) else None
        if isinstance(published, int | float):
            hooks.observe("push_latency_seconds", max(time.time() - published, 0.0))
        return message
