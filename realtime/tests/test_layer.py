"""The push bus (realtime/layer.py) on the real Redis: one PUBLISH per bus message, groups kept
in the process, each local channel served once per entry, in order, and nothing for a channel
that left its groups. The publisher side is another event loop in another thread (as in a
web or worker process: realtime/push.py), so each message crosses Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from realtime import push
from realtime.layer import PushBusChannelLayer, plain_autobahn_log_arguments

TIMEOUT = 3


def publish(entries: list[tuple[list[str], dict[str, Any]]]) -> None:
    """As a commit publishes: through the process's publisher thread, then wait until sent."""
    push._enqueue(entries)
    push.flush()


async def received(queue: asyncio.Queue[Any], n: int) -> list[Any]:
    return [await asyncio.wait_for(queue.get(), TIMEOUT) for _ in range(n)]


async def marker(queue: asyncio.Queue[Any], group: str) -> None:
    """Everything published before this has been routed: a last message, awaited."""
    await asyncio.to_thread(publish, [([group], {"type": "marker"})])
    assert (await received(queue, 1))[0]["type"] == "marker"


@pytest.mark.asyncio
async def test_a_channel_in_several_groups_gets_each_entry_once_and_in_order() -> None:
    layer = get_channel_layer()
    assert isinstance(layer, PushBusChannelLayer)
    mine: asyncio.Queue[Any] = asyncio.Queue()
    other: asyncio.Queue[Any] = asyncio.Queue()
    me, them = layer.local_channel(mine), layer.local_channel(other)
    for group in ("bus.role", "bus.user"):
        await layer.group_add(group, me)
    await layer.group_add("bus.else", them)

    entries = [
        (["bus.role", "bus.user", "inbox.staff"], {"type": "first", "n": 1}),
        (["bus.nobody"], {"type": "lost", "n": 2}),
        (["bus.user"], {"type": "second", "n": 3}),
        (["bus.else", "bus.role"], {"type": "third", "n": 4}),
    ]
    await asyncio.to_thread(publish, entries)
    got = await received(mine, 3)
    assert [m["type"] for m in got] == ["first", "second", "third"]
    assert [m["type"] for m in await received(other, 1)] == ["third"]
    await marker(mine, "bus.user")
    assert mine.empty() and other.empty()  # one copy each, nothing of the groups they are not in

    # the same decoded message for every local channel (decoded once per process)
    await asyncio.to_thread(publish, [(["bus.role", "bus.else"], {"type": "shared"})])
    [a], [b] = await received(mine, 1), await received(other, 1)
    assert a == b == {"type": "shared"} and a is b
    layer.drop_channel(me)
    layer.drop_channel(them)


@pytest.mark.asyncio
async def test_a_channel_that_left_a_group_or_ended_gets_nothing_more() -> None:
    layer = get_channel_layer()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    watcher: asyncio.Queue[Any] = asyncio.Queue()
    channel, watching = layer.local_channel(queue), layer.local_channel(watcher)
    await layer.group_add("bus.a", channel)
    await layer.group_add("bus.b", channel)
    await layer.group_add("bus.a", watching)

    await layer.group_discard("bus.a", channel)
    await layer.group_send("bus.a", {"type": "after-discard"})  # group_send is a bus message too
    assert (await received(watcher, 1))[0]["type"] == "after-discard"
    await layer.group_send("bus.b", {"type": "still-in-b"})
    assert [m["type"] for m in await received(queue, 1)] == ["still-in-b"]

    layer.drop_channel(channel)  # the consumer ended: its queue and memberships go
    await layer.group_send("bus.b", {"type": "after-drop"})
    await layer.group_send("bus.a", {"type": "watcher-sees-this"})
    assert (await received(watcher, 1))[0]["type"] == "watcher-sees-this"
    assert queue.empty()
    assert channel not in layer._get_layer().channels
    assert all(channel not in members for members in layer._get_layer().groups.values())
    layer.drop_channel(watching)


@pytest.mark.asyncio
async def test_a_join_is_in_place_when_it_returns() -> None:
    """What is published after group_add returns reaches the channel: the consumer reads its
    snapshot after joining, and relies on every later change arriving as an event."""
    layer = get_channel_layer()
    queues: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in range(5)]
    channels = [layer.local_channel(q) for q in queues]
    # several sockets join at once, the first join of the process subscribing to the bus
    await asyncio.gather(*(layer.group_add("bus.joined", c) for c in channels))
    await asyncio.to_thread(publish, [(["bus.joined"], {"type": "right-after"})])
    for q in queues:
        assert (await received(q, 1))[0]["type"] == "right-after"
    for c in channels:
        layer.drop_channel(c)


@pytest.mark.asyncio
async def test_a_bad_bus_message_is_logged_and_the_next_ones_still_routed(caplog: pytest.LogCaptureFixture) -> None:
    layer = get_channel_layer()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    channel = layer.local_channel(queue)
    await layer.group_add("bus.robust", channel)
    bus = layer.bus_channel()
    await layer._get_layer()._get_shard(bus).publish(bus, layer.serialize({"no": "entries"}))
    await layer.group_send("bus.robust", {"type": "after"})
    assert (await received(queue, 1))[0]["type"] == "after"
    assert "push bus message not routed" in caplog.text
    layer.drop_channel(channel)


def test_autobahn_gets_plain_log_arguments() -> None:
    from autobahn.websocket import protocol

    plain_autobahn_log_arguments()
    name = protocol.hltype(protocol.WebSocketProtocol.sendData)
    assert name == "WebSocketProtocol.sendData"
    assert protocol.hlval(1234) == "1234"
    assert "\x1b[" not in name  # no terminal colours


@pytest.mark.asyncio
async def test_each_bus_message_observes_its_latency_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import hooks

    seen: list[tuple[str, float]] = []
    monkeypatch.setattr(hooks, "observe", lambda name, value, labels=None: seen.append((name, value)))
    layer = get_channel_layer()
    queues: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in range(3)]
    channels = [layer.local_channel(q) for q in queues]
    for c in channels:
        await layer.group_add("bus.timed", c)
    await asyncio.to_thread(publish, [(["bus.timed"], {"type": "one"}), (["bus.timed"], {"type": "two"})])
    for q in queues:
        assert [m["type"] for m in await received(q, 2)] == ["one", "two"]
    assert [name for name, _ in seen] == ["push_latency_seconds"]  # one bus message, three sockets
    assert 0.0 <= seen[0][1] < TIMEOUT
    for c in channels:
        layer.drop_channel(c)


@pytest.mark.asyncio
async def test_a_failed_subscription_is_tried_again_at_the_next_join(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = get_channel_layer()
    shard = layer._get_layer()._get_shard(layer.bus_channel())
    subscribe = shard.subscribe
    calls: list[str] = []

    async def unreachable(channel: str) -> None:
        calls.append(channel)
        raise ConnectionError("Redis unreachable")

    monkeypatch.setattr(shard, "subscribe", unreachable)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    channel = layer.local_channel(queue)
    with pytest.raises(ConnectionError):
        await layer.group_add("bus.retry", channel)
    monkeypatch.setattr(shard, "subscribe", subscribe)
    await layer.group_add("bus.retry", channel)  # Redis is back: this join subscribes
    await asyncio.to_thread(publish, [(["bus.retry"], {"type": "after-retry"})])
    assert [m["type"] for m in await received(queue, 1)] == ["after-retry"]
    assert len(calls) == 1
    layer.drop_channel(channel)


@pytest.mark.asyncio
async def test_a_dropped_publishing_connection_is_replaced_and_the_message_still_sent() -> None:
    """ADR 0093: the publisher's own Redis connection, dropped by Redis (a restart, a proxy's
    idle timeout), is replaced on the next PUBLISH, and that message arrives, once."""
    import redis

    layer = get_channel_layer()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    channel = layer.local_channel(queue)
    await layer.group_add("bus.dropped", channel)
    await asyncio.to_thread(publish, [(["bus.dropped"], {"type": "before"})])
    assert [m["type"] for m in await received(queue, 1)] == ["before"]

    connection = layer._bus_connection()  # the publisher is idle: nothing else uses it now
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    host = layer._kwargs["hosts"][0]
    admin = redis.Redis.from_url(host if isinstance(host, str) else host["address"])
    assert admin.client_kill_filter(_id=client_id) == 1

    await asyncio.to_thread(publish, [(["bus.dropped"], {"type": "after"})])
    assert [m["type"] for m in await received(queue, 1)] == ["after"]
    await marker(queue, "bus.dropped")
    assert queue.empty()  # once
    assert connection.send_command("CLIENT", "ID") is None and connection.read_response() != client_id
    admin.close()
    layer.drop_channel(channel)
