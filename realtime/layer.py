"""The channel layer: Redis pub/sub with one bus channel per prefix, groups kept in each process
(ADR 0092).

`channels_redis`'s pub/sub layer gives every group a Redis channel of its own: a push that goes
to five groups is five PUBLISHes, each serialized on its own, and a process with sockets in
those groups decodes each copy once per socket. Here:

- `bus_send(entries)` publishes ONE message on `<prefix>__bus__`: a list of
  `(groups, message)` entries, serialized once (`group_send` is a bus message of one entry);
- every process that has a socket in some group subscribes to the bus once (at its first
  `group_add`), decodes each bus message once, and puts each entry's message into the queue of
  every local channel in any of its groups: once per channel even when the channel is in several
  of them, the same dict for all (consumers change none of its keys; they may keep what they
  derive from it under keys that start with "_"), entries in the order they were sent;
- group membership is local (`group_add` / `group_discard` touch no Redis);
- `local_channel(queue)` names a channel whose messages go into a queue the caller reads (the
  consumers' own loop, realtime/consumers.py), without a Redis subscription of its own.

A message's order is kept: one publisher per process sends its bus messages one after the other,
Redis delivers one connection's PUBLISHes in order to each subscriber, and each process routes
them in the order received. A consumer that joins its groups before it reads its snapshot gets
every change committed after the join: the join is in place before the next bus message is
routed, and the bus is subscribed before the first join returns.

Each bus message carries the time it was published; the routing process observes how long it
took to arrive (`workflow_push_latency_seconds`, ops/metrics.py), once per process and message.
`send` / `receive` / `new_channel` for channels named by `new_channel` stay `channels_redis`'s.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Iterable
from typing import Any

import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from engine import hooks

logger = logging.getLogger(__name__)

STAMP = "_published_at"
BUS = "__bus__"
SYNC_TIMEOUT = 5.0  # seconds for the publisher thread's Redis client to connect or answer


class PushBusChannelLayer(RedisPubSubChannelLayer):
    def deserialize(self, message: Any) -> Any:
        # A routed bus entry is already a dict (decoded once for every local channel).
        return message if isinstance(message, dict) else super().deserialize(message)

    async def bus_send(self, entries: Iterable[tuple[Iterable[str], dict[str, Any]]]) -> None:
        """Publish `(groups, message)` entries as one bus message, in this order."""
        channel, data = self.bus_message(entries)
        await self._get_layer()._get_shard(channel).publish(channel, data)

    def bus_channel(self) -> str:
        return self._kwargs.get("prefix", "asgi") + BUS  # the loop layers' prefix (the same default)

    def bus_message(self, entries: Iterable[tuple[Iterable[str], dict[str, Any]]]) -> tuple[str, bytes]:
        """The bus channel and the serialized message for `entries`."""
        body = [[sorted(set(groups)), message] for groups, message in entries]
        return self.bus_channel(), self.serialize({"entries": body, STAMP: time.time()})

    def bus_publish(self, entries: Iterable[tuple[Iterable[str], dict[str, Any]]]) -> None:
        """`bus_send` for synchronous code (the push publisher's thread, realtime/push.py): one
        PUBLISH on this process's own Redis connection, no event loop and no client pool (a
        fifth of the CPU of `redis.Redis.publish`, ADR 0093). A broken connection is replaced
        and the message sent once more, as redis-py's client retries."""
        channel, data = self.bus_message(entries)
        connection = self._bus_connection()
        for attempt in (1, 2):
            try:
                connection.send_packed_command(connection.pack_command("PUBLISH", channel, data), check_health=False)
                connection.read_response()
                return
            except (redis.ConnectionError, redis.TimeoutError):
                connection.disconnect()
                if attempt == 2:
                    raise

    def _bus_connection(self) -> Any:
        connection = self.__dict__.get("_bus_connection_of_pid")
        if connection is None or connection[0] != os.getpid():  # a forked process opens its own
            host = self._kwargs["hosts"][0]
            url = host if isinstance(host, str) else host["address"]
            pool = redis.ConnectionPool.from_url(url, socket_timeout=SYNC_TIMEOUT, socket_connect_timeout=SYNC_TIMEOUT)
            connection = (os.getpid(), pool.make_connection())  # connected on its first send
            self.__dict__["_bus_connection_of_pid"] = connection
        return connection[1]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self.bus_send([([group], message)])

    async def group_add(self, group: str, channel: str) -> None:
        layer = self._get_layer()
        if channel not in layer.channels:
            raise RuntimeError("group_add() takes a channel of this process (new_channel or local_channel)")
        await self._subscribed(layer)
        layer.groups.setdefault(layer._get_group_channel_name(group), set()).add(channel)

    async def group_discard(self, group: str, channel: str) -> None:
        layer = self._get_layer()
        name = layer._get_group_channel_name(group)
        members = layer.groups.get(name)
        if members is not None:
            members.discard(channel)
            if not members:
                del layer.groups[name]

    async def flush(self) -> None:
        layer = self._get_layer()
        router = getattr(layer, "bus_router", None)
        if router is not None:
            router.cancel()
        layer.bus_subscription = layer.bus_router = None
        await layer.flush()

    def local_channel(self, queue: asyncio.Queue[Any]) -> str:
        """A channel of this process whose messages (the bus's, routed here) go into `queue`."""
        layer = self._get_layer()
        name = f"{layer.prefix}local.{uuid.uuid4().hex}"
        layer.channels[name] = queue
        return name

    def drop_channel(self, name: str) -> None:
        """Forget a `local_channel` and its group memberships (the consumer has ended)."""
        layer = self._get_layer()
        layer.channels.pop(name, None)
        for group in [g for g, members in layer.groups.items() if name in members]:
            layer.groups[group].discard(name)
            if not layer.groups[group]:
                del layer.groups[group]

    async def _subscribed(self, layer: Any) -> None:
        """Subscribe this loop's layer to the bus and start its router, once; every caller waits
        until the subscription is in place."""
        subscription = getattr(layer, "bus_subscription", None)
        if subscription is None or (subscription.done() and (subscription.cancelled() or subscription.exception())):
            # the first join of this loop, or the last try failed (Redis was unreachable): try now
            subscription = layer.bus_subscription = asyncio.ensure_future(self._subscribe(layer))
        await asyncio.shield(subscription)

    async def _subscribe(self, layer: Any) -> None:
        channel = self.bus_channel()
        previous = getattr(layer, "bus_router", None)
        if previous is not None:
            previous.cancel()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        layer.channels[channel] = queue
        layer.bus_router = asyncio.ensure_future(self._route(layer, queue))
        await layer._get_shard(channel).subscribe(channel)

    async def _route(self, layer: Any, queue: asyncio.Queue[Any]) -> None:
        while True:
            data = await queue.get()
            try:
                self.route(layer, self.deserialize(data))
            except Exception:  # one bad message must not stop the process's pushes
                logger.exception("push bus message not routed")

    def route(self, layer: Any, envelope: dict[str, Any]) -> None:
        published = envelope.get(STAMP)
        if isinstance(published, int | float):
            hooks.observe("push_latency_seconds", max(time.time() - published, 0.0))
        channels, groups = layer.channels, layer.groups
        for names, message in envelope["entries"]:
            if len(names) == 1:
                targets: Iterable[str] = groups.get(layer._get_group_channel_name(names[0]), ())
            else:
                found: set[str] = set()
                for name in names:
                    found |= groups.get(layer._get_group_channel_name(name), set())
                targets = found
            for target in targets:
                queue = channels.get(target)
                if queue is not None:
                    queue.put_nowait(message)


def _plain_type(obj: Any) -> str:
    return str(getattr(obj, "__qualname__", obj))


def _plain_value(value: Any, color: str = "", bold: bool = True) -> str:
    return str(value)


def plain_autobahn_log_arguments() -> None:
    """autobahn (Daphne's websocket protocol) builds the arguments of a debug log line on every
    frame it sends, coloured by `click` (a qualified name split and styled, the peer and the
    length styled) before the logger drops the line: about a fifth of the web process's CPU for
    each frame of a fan-out. The web process gives it plain stand-ins (ADR 0092); a debug log,
    when on, still names the function, the peer and the length."""
    from autobahn.websocket import protocol

    protocol.hltype = _plain_type
    protocol.hlval = _plain_value
