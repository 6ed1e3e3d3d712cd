"""Websocket consumers: the live inbox (`/ws/inbox/`), a case's changes (`/ws/cases/{id}/`) and
the dashboard's "something changed" (`/ws/dashboard/`).

Messages are published on commit by `realtime.push`. The inbox consumer joins the groups of its
user (user, each of their roles, staff), sends a snapshot, then turns each pushed work item
into `offered` / `updated` / `removed` for its user with the same rule as the API
(`engine.access.item_offered_to`, four-eyes included), remembering which items the client has.
The item's JSON comes prepared by the publisher: a frame is that text with the event around
it, no serialization per socket (ADR 0090).
Group memberships are read at connect, and again when `inbox.audience` says they changed
(realtime/signals.py): the socket then joins and leaves role groups and sends a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from engine import access
from engine.core.errors import NotFound
from engine.selectors import case_get, work_item_list
from engine.serializers import CaseOutputSerializer, WorkItemOutputSerializer
from realtime import push

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
FORWARD_FAILED = "consumer.forward_failed"  # not a message anyone sends: the client's side broke
FRAMES_MAX = 100  # pushed messages sent as one websocket frame at most (ADR 0093)


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _frame(event: str, item_json: str) -> str:
    return f'{{"type": "work_item", "event": "{event}", "work_item": {item_json}}}'


def _kept(item: dict[str, Any], key: str, make: Any, *args: Any) -> Any:
    """What every socket derives from a pushed item the same way (`make(*args)`), made by the
    first and kept on the item: the process's sockets share one message (realtime/layer.py)."""
    value = item.get(key)
    if value is None:
        value = item[key] = make(*args)
    return value


class PushConsumer(AsyncJsonWebsocketConsumer):
    """A websocket consumer made for fan-out to many sockets (ADR 0090, ADR 0092).

    - One queue and one loop per socket: with the push bus (realtime/layer.py) the process's
      router puts each message for this socket into the socket's queue, and a task forwards
      what the client sends into the same queue; the consumer handles them one at a time in
      the order they came. Channels' own loop (`await_many_dispatch`) instead makes a task per
      message and waits on two each time; with another channel layer it is still used.
    - Channels runs `close_old_connections` in a worker thread before every handler, a thread
      hop per message and socket. The handlers named in `no_database` read no database (the
      others reach it only through `database_sync_to_async`, which closes old connections
      itself), so they skip it.
    - A socket that is behind (more messages waiting in its queue when it takes one) sends the
      frames of the waiting pushes (`send_pushed`, handlers in `no_database`) as one websocket
      frame, a JSON array of the messages in their order (ADR 0093): under load each socket
      costs the server and the client one frame per batch instead of one per message; a socket
      that keeps up sends each message as it comes, as before."""

    no_database: frozenset[str] = frozenset()
    outbox: list[str] | None = None  # the frames of the batch being made, if any

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        layer = get_channel_layer(self.channel_layer_alias)
        if not hasattr(layer, "local_channel"):
            await super().__call__(scope, receive, send)
            return
        self.scope, self.channel_layer, self.base_send = scope, layer, send
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.channel_name = layer.local_channel(queue)
        forward = asyncio.ensure_future(self._forward(receive, queue))
        later: dict[str, Any] | None = None
        try:
            while True:
                message = later if later is not None else await queue.get()
                later = None
                if message["type"] == FORWARD_FAILED:
                    raise message["error"]
                if message["type"] not in self.no_database:
                    await self.dispatch(message)
                    continue
                # A push: its frames, and those of the pushes waiting behind it (the socket is
                # behind), go out as one frame, up to FRAMES_MAX messages, until another kind of
                # message comes (ADR 0093).
                self.outbox = []
                await self.dispatch(message)
                while not queue.empty() and len(self.outbox) < FRAMES_MAX:
                    message = queue.get_nowait()
                    if message["type"] not in self.no_database:
                        later = message  # handled after the frames made before it
                        break
                    await self.dispatch(message)
                frames, self.outbox = self.outbox, None
                await self._send_frames(frames)
        except StopConsumer:
            pass
        finally:
            forward.cancel()
            layer.drop_channel(self.channel_name)

    async def send_pushed(self, frame: str) -> None:
        """Send a pushed message (JSON text): at once, or with the others of a batch."""
        if self.outbox is not None:
            self.outbox.append(frame)
        else:
            await self.send(text_data=frame)

    async def _send_frames(self, frames: list[str]) -> None:
        if len(frames) == 1:
            await self.send(text_data=frames[0])
        elif frames:
            await self.send(text_data="[" + ",".join(frames) + "]")

    @staticmethod
    async def _forward(receive: Any, queue: asyncio.Queue[dict[str, Any]]) -> None:
        try:
            while True:
                queue.put_nowait(await receive())
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # the consumer's loop raises it
            queue.put_nowait({"type": FORWARD_FAILED, "error": error})

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] in self.no_database:
            await getattr(self, message["type"].replace(".", "_"))(message)
        else:
            await super().dispatch(message)


class InboxConsumer(PushConsumer):
    no_database = frozenset({"inbox.items"})

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.audience = await database_sync_to_async(self._audience)()
        for group in self.audience:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        # After joining the groups: a change committed meanwhile arrives as an event too, and
        # `updated_at` tells which of the two is newer.
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "audience", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The stream is one-way; a client may ask for a fresh snapshot.
        if isinstance(content, dict) and content.get("type") == "snapshot":
            await self._send_snapshot()

    async def _send_snapshot(self) -> None:
        items, total = await database_sync_to_async(self._snapshot)()
        self.known: dict[str, dt.datetime] = {i["id"]: _time(i["updated_at"]) for i in items}
        await self.send_json({"type": "snapshot", "work_items": items, "total": total})

    async def inbox_audience(self, message: dict[str, Any]) -> None:
        """The user's groups, staff or active flag changed: read them again."""
        user = await database_sync_to_async(self._fresh_user)()
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        audience = await database_sync_to_async(self._audience)()
        for group in sorted(set(self.audience) - set(audience)):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in sorted(set(audience) - set(self.audience)):
            await self.channel_layer.group_add(group, self.channel_name)
        self.audience = audience
        await self._send_snapshot()

    def _fresh_user(self) -> Any:
        user = type(self.user)._default_manager.filter(pk=self.user.pk, is_active=True).first()
        return user

    def _audience(self) -> list[str]:
        groups = [push.user_group(self.user.username)]
        groups += [push.role_group(role) for role in sorted(access.user_groups(self.user))]  # also caches them
        if self.user.is_staff:
            groups.append(push.STAFF_GROUP)
        return groups

    def _snapshot(self) -> tuple[list[dict[str, Any]], int]:
        """The first WORKFLOW_INBOX_SNAPSHOT_LIMIT items (highest priority first), and how many
        there are in all."""
        qs = work_item_list(user=self.user, states=list(push.ACTIVE_STATES)).filter(kind="manual")
        limit = settings.WORKFLOW_INBOX_SNAPSHOT_LIMIT
        rows = list(qs[: limit + 1])
        total = len(rows) if len(rows) <= limit else qs.count()
        return push.as_json(WorkItemOutputSerializer(rows[:limit], many=True, context={}).data), total

    def visible(self, item: dict[str, Any]) -> bool:
        return (
            item["kind"] == "manual"
            and item["state"] in push.ACTIVE_STATES
            and access.item_offered_to(
                self.user,
                role=item["role"],
                offered_user=item["offered_user"],
                assignee=item["assignee"],
                excluded=item["excluded"],
            )
        )

    async def inbox_items(self, message: dict[str, Any]) -> None:
        """One transaction's items (realtime.push.item_entry), in the order they were made, once
        per socket (realtime/layer.py). An item the client already has as new is skipped (the
        snapshot and a push can carry the same change)."""
        for item in message["items"]:
            updated = _kept(item, "_updated", _time, item["updated_at"])
            item_id = item["id"]
            seen = self.known.get(item_id)
            if seen is not None and updated <= seen:
                continue  # already sent (the snapshot or an earlier event was as new)
            if self.visible(item):
                event = "updated" if item_id in self.known else "offered"
                self.known[item_id] = updated
            elif item_id in self.known:
                event = "removed"
                del self.known[item_id]
            else:
                continue
            await self.send_pushed(_kept(item, f"_frame.{event}", _frame, event, item["json"]))


async def _staff_or_close(consumer: AsyncJsonWebsocketConsumer) -> Any:
    """The connecting user if staff; otherwise the handshake is refused (4401 or 4403) and None."""
    user = consumer.scope.get("user")
    if user is None or not user.is_authenticated:
        await consumer.close(code=CLOSE_UNAUTHENTICATED)
        return None
    if not user.is_staff:
        await consumer.close(code=CLOSE_FORBIDDEN)
        return None
    return user


class CaseConsumer(PushConsumer):
    """Staff only: the case now, then again after each committed change."""

    async def connect(self) -> None:
        user = await _staff_or_close(self)
        if user is None:
            return
        self.user = user
        self.case_id = int(self.scope["url_route"]["kwargs"]["case_id"])
        case = await database_sync_to_async(self._case)()
        if case is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = push.case_group(self.case_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "case", "case": case})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def _case(self) -> dict[str, Any] | None:
        try:
            case = case_get(case_id=self.case_id, user=self.user)
        except NotFound:
            return None
        return push.as_json(CaseOutputSerializer(case, context={}).data)

    async def case_changed(self, message: dict[str, Any]) -> None:
        case = await database_sync_to_async(self._case)()
        if case is not None:
            await self.send_json({"type": "case", "case": case})


class DashboardConsumer(PushConsumer):
    """Staff only: `{"type": "changed"}` when cases changed, so the overview and the case list
    reload instead of polling. The first change after a quiet spell is sent at once; the
    changes that follow within WORKFLOW_DASHBOARD_PUSH_INTERVAL seconds (1) are sent as one, at
    the end of it: a busy system costs each page one reload a second, not one per change."""

    no_database = frozenset({"dashboard.changed"})

    async def connect(self) -> None:
        if await _staff_or_close(self) is None:
            return
        self.interval = float(settings.WORKFLOW_DASHBOARD_PUSH_INTERVAL)
        self.last_sent = float("-inf")
        self.pending: asyncio.TimerHandle | None = None
        self.joined = True
        await self.channel_layer.group_add(push.DASHBOARD_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        pending = getattr(self, "pending", None)
        if pending is not None:
            pending.cancel()
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(push.DASHBOARD_GROUP, self.channel_name)

    async def dashboard_changed(self, message: dict[str, Any]) -> None:
        if self.pending is not None:
            return  # a send is already due: this change goes with it
        loop = asyncio.get_running_loop()
        wait = max(0.0, self.last_sent + self.interval - loop.time())
        self.pending = loop.call_later(wait, lambda: asyncio.ensure_future(self._send_changed()))

    async def _send_changed(self) -> None:
        self.pending = None
        self.last_sent = asyncio.get_running_loop().time()
        await self.send_json({"type": "changed"})
