"""The websockets, through the real channel layer (Redis at REDIS_URL, a prefix per test
process: conftest.py): who connects, the snapshot, and which pushes reach whom, after commit only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from config.asgi import application
from engine import services
from engine.models import WorkItem
from tests.helpers import make_user, net, publish, publish_demo_nets

pytestmark = [pytest.mark.django_db(transaction=True)]

INVOICE = {"vendor": "ACME", "amount": 500.0}
TIMEOUT = 3


# ---------------------------------------------------------------------- helpers (sync: run via db())


def _setup() -> dict[str, Any]:
    publish_demo_nets()
    User = get_user_model()
    users = {
        "staff": make_user(User, "staff", is_staff=True),
        "clerk1": make_user(User, "clerk1", "clerks"),
        "clerk2": make_user(User, "clerk2", "clerks"),
        "manager": make_user(User, "manager", "managers"),
    }
    return users


def _token(user: Any) -> str:
    return Token.objects.get_or_create(user=user)[0].key


db = sync_to_async  # run a sync (database) function from a test


@pytest.fixture
def users(settings: Any, transactional_db: None) -> dict[str, Any]:
    settings.WORKFLOW_RUNNER = "inline"
    settings.WORKFLOW_PUSH = True
    return _setup()


async def connect(user: Any = None, *, path: str = "/ws/inbox/", headers: list | None = None) -> WebsocketCommunicator:
    query = f"?token={await db(_token)(user)}" if user is not None else ""
    communicator = WebsocketCommunicator(application, path + query, headers=headers or [])
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert connected, f"refused with {code}"
    return communicator


async def received(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """The next message; a frame holding several (a JSON array: a socket that was behind, or
    one transaction's items, ADR 0093) is taken apart, its messages kept for the next calls."""
    waiting: list[dict[str, Any]] = communicator.__dict__.setdefault("batched", [])
    if not waiting:
        data = await communicator.receive_json_from(timeout=TIMEOUT)
        waiting.extend(data if isinstance(data, list) else [data])
    return waiting.pop(0)


async def snapshot(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    message = await received(communicator)
    assert message["type"] == "snapshot"
    assert message["total"] == len(message["work_items"])
    return message["work_items"]


async def event(communicator: WebsocketCommunicator) -> tuple[str, dict[str, Any]]:
    message = await received(communicator)
    assert message["type"] == "work_item", message
    return message["event"], message["work_item"]


async def nothing(*communicators: WebsocketCommunicator) -> None:
    for c in communicators:
        assert not c.__dict__.get("batched"), c.__dict__["batched"]
        assert await c.receive_nothing(timeout=0.3), await c.receive_json_from()


def _start(user: Any, definition: str = "invoice-approval", data: Any = INVOICE) -> str:
    case = services.case_start(definition=definition, data=data, user=user)
    return str(WorkItem.objects.filter(case=case, state="initialized").values_list("pk", flat=True).get())


def _publish(entries: list[Any]) -> None:
    """As the publisher sends a commit's entries (realtime.push), then wait until sent."""
    from realtime import push

    push._enqueue(entries)
    push.flush()


def _start_rolled_back(user: Any) -> None:
    """A case started in a transaction that is then rolled back."""
    with pytest.raises(RuntimeError), transaction.atomic():
        _start(user)
        raise RuntimeError("abort")


async def close(*communicators: WebsocketCommunicator) -> None:
    for c in communicators:
        await c.disconnect()


# ---------------------------------------------------------------------- connecting


@pytest.mark.asyncio
async def test_no_connection_without_auth(users: dict[str, Any]) -> None:
    for path in ("/ws/inbox/", "/ws/inbox/?token=wrong", "/ws/cases/1/"):
        communicator = WebsocketCommunicator(application, path)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert (connected, code) == (False, 4401), path


@pytest.mark.asyncio
async def test_a_page_of_another_site_cannot_use_the_session(users: dict[str, Any]) -> None:
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert not connected


def _session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # another port of the same host: another site (issue 13)
        b"http://127.0.0.1",  # no port: port 80
        b"https://127.0.0.1:8000",  # another scheme
        b"http://localhost:8000",  # another host, though in ALLOWED_HOSTS
        b"null",
    ],
)
async def test_an_origin_other_than_the_apps_own_is_refused_on_every_socket(
    users: dict[str, Any], settings: Any, origin: bytes
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = []
    cookie = await db(_session_cookie)(users["staff"])
    for path in ("/ws/inbox/", "/ws/cases/1/", "/ws/dashboard/"):
        headers = [(b"cookie", cookie), (b"host", b"127.0.0.1:8000"), (b"origin", origin)]
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert not connected, (path, origin)


@pytest.mark.asyncio
async def test_the_apps_own_origin_and_trusted_origins_are_accepted(users: dict[str, Any], settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.corp.example"]
    cookie = await db(_session_cookie)(users["staff"])
    for host, origin, scheme in [
        (b"127.0.0.1:8000", b"http://127.0.0.1:8000", "ws"),
        (b"127.0.0.1:8000", b"https://127.0.0.1:8000", "wss"),
        (b"127.0.0.1:8000", b"https://app.example.com", "ws"),  # behind a proxy: a trusted origin
        (b"127.0.0.1:8000", b"https://eu.corp.example", "ws"),
    ]:
        headers = [(b"cookie", cookie), (b"host", host), (b"origin", origin)]
        communicator = WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)
        communicator.scope["scheme"] = scheme
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert connected, (origin, code)
        await communicator.disconnect()
    # a Host that ALLOWED_HOSTS does not list is refused even when the Origin matches it
    headers = [(b"cookie", cookie), (b"host", b"evil.example:8000"), (b"origin", b"http://evil.example:8000")]
    connected, _ = await WebsocketCommunicator(application, "/ws/dashboard/", headers=headers).connect(timeout=TIMEOUT)
    assert not connected


@pytest.mark.asyncio
async def test_session_cookie_authenticates_and_the_snapshot_lists_what_the_user_may_work(
    users: dict[str, Any],
) -> None:
    item_id = await db(_start)(users["staff"])

    def login(user: Any) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    cookie = f"sessionid={await db(login)(users['clerk1'])}".encode()
    clerk = await connect(
        headers=[(b"cookie", cookie), (b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]
    )
    items = await snapshot(clerk)
    assert [i["id"] for i in items] == [item_id]
    item = items[0]
    assert item["task"] == "review" and item["task_label"] == "Review invoice" and item["state"] == "initialized"
    assert item["role"] == "clerks" and item["assignee"] is None and item["definition"] == "invoice-approval"
    assert item["form"]["required"] == ["approved"]
    assert item["priority"] == 1 and item["due_at"]

    manager = await connect(users["manager"])
    assert await snapshot(manager) == []
    staff = await connect(users["staff"])
    assert [i["id"] for i in await snapshot(staff)] == [item_id]
    await close(clerk, manager, staff)


# ---------------------------------------------------------------------- pushes


@pytest.mark.asyncio
async def test_push_only_after_commit_and_never_for_a_rollback(users: dict[str, Any]) -> None:
    clerk = await connect(users["clerk1"])
    assert await snapshot(clerk) == []

    await db(_start_rolled_back)(users["staff"])
    await nothing(clerk)
    assert await db(WorkItem.objects.count)() == 0

    def committed() -> str:
        with transaction.atomic():
            item_id = _start(users["staff"])
            # still inside the transaction: nothing has been pushed yet
            assert async_to_sync(clerk.receive_nothing)(0.3)
        return item_id

    item_id = await db(committed)()
    name, item = await event(clerk)
    assert (name, item["id"], item["state"]) == ("offered", item_id, "initialized")
    await close(clerk)


@pytest.mark.asyncio
async def test_items_reach_their_role_or_their_user_only(users: dict[str, Any]) -> None:
    await db(publish)(
        net(
            "for-manager",
            [{"id": "sign", "kind": "manual", "assign": {"user": "data.who"}}],
            [("start", "sign"), ("sign", "end")],
        )
    )
    clerk1, clerk2, manager, staff = [await connect(users[n]) for n in ("clerk1", "clerk2", "manager", "staff")]
    for c in (clerk1, clerk2, manager, staff):
        await snapshot(c)

    review = await db(_start)(users["staff"])
    for c in (clerk1, clerk2, staff):
        assert (await event(c))[0:1] == ("offered",) and True
    await nothing(manager)

    sign = await db(_start)(users["staff"], "for-manager", {"who": "manager"})
    name, item = await event(manager)
    assert (name, item["id"], item["offered_user"]) == ("offered", sign, "manager")
    assert (await event(staff))[1]["id"] == sign
    await nothing(clerk1, clerk2)
    assert review != sign
    await close(clerk1, clerk2, manager, staff)


@pytest.mark.asyncio
async def test_claimed_by_another_it_leaves_everyone_elses_inbox(users: dict[str, Any]) -> None:
    item_id = await db(_start)(users["staff"])
    clerk1, clerk2, staff = [await connect(users[n]) for n in ("clerk1", "clerk2", "staff")]
    for c in (clerk1, clerk2, staff):
        assert [i["id"] for i in await snapshot(c)] == [item_id]

    await db(services.work_item_claim)(item_id=item_id, user=users["clerk1"])
    name, item = await event(clerk1)
    assert (name, item["assignee"]) == ("updated", "clerk1")
    name, item = await event(clerk2)
    assert (name, item["id"], item["assignee"]) == ("removed", item_id, "clerk1")
    assert (await event(staff))[0] == "updated"  # staff see every item

    # released: back to the role, so back in clerk2's inbox
    await db(services.work_item_release)(item_id=item_id, user=users["clerk1"])
    assert (await event(clerk1))[0] == "updated"
    name, item = await event(clerk2)
    assert (name, item["assignee"]) == ("offered", None)
    await close(clerk1, clerk2, staff)


@pytest.mark.asyncio
async def test_delegation_moves_the_item_between_inboxes(users: dict[str, Any]) -> None:
    item_id = await db(_start)(users["staff"])
    await db(services.work_item_claim)(item_id=item_id, user=users["clerk1"])
    clerk1, clerk2, manager = [await connect(users[n]) for n in ("clerk1", "clerk2", "manager")]
    assert len(await snapshot(clerk1)) == 1
    assert await snapshot(clerk2) == [] and await snapshot(manager) == []

    # staff may hand an item to anyone (a clerk only to someone it is offered to: inbox tests)
    await db(services.work_item_delegate)(item_id=item_id, user=users["staff"], to_username="manager")
    assert (await event(clerk1))[0] == "removed"
    name, item = await event(manager)
    assert (name, item["assignee"]) == ("offered", "manager")
    await nothing(clerk2)

    # the delegate gives it back: it returns to the role (clerks), and leaves the delegate
    await db(services.work_item_release)(item_id=item_id, user=users["manager"])
    assert (await event(manager))[0] == "removed"
    assert (await event(clerk1))[0] == "offered"
    assert (await event(clerk2))[0] == "offered"
    await close(clerk1, clerk2, manager)


@pytest.mark.asyncio
async def test_completing_removes_it_and_offers_the_next_task_to_its_role(users: dict[str, Any]) -> None:
    item_id = await db(_start)(users["staff"], data={"vendor": "ACME", "amount": 5000.0})
    clerk1, manager = [await connect(users[n]) for n in ("clerk1", "manager")]
    await snapshot(clerk1), await snapshot(manager)

    await db(services.work_item_complete)(item_id=item_id, user=users["clerk1"], output={"approved": True})
    name, item = await event(clerk1)
    assert (name, item["state"]) == ("removed", "completed")
    name, item = await event(manager)
    assert (name, item["task"]) == ("offered", "manager_approval")
    await close(clerk1, manager)


@pytest.mark.asyncio
async def test_four_eyes_keeps_the_second_task_from_the_first_tasks_user(users: dict[str, Any]) -> None:
    await db(publish)(
        net(
            "two-eyes",
            [
                {"id": "prepare", "kind": "manual", "assign": {"role": "clerks"}},
                {"id": "check", "kind": "manual", "assign": {"role": "clerks", "not_same_as": "prepare"}},
            ],
            [("start", "prepare"), ("prepare", "check"), ("check", "end")],
        )
    )
    item_id = await db(_start)(users["staff"], "two-eyes", {})
    clerk1, clerk2 = [await connect(users[n]) for n in ("clerk1", "clerk2")]
    await snapshot(clerk1), await snapshot(clerk2)

    await db(services.work_item_complete)(item_id=item_id, user=users["clerk1"], output={})
    assert (await event(clerk1))[0] == "removed"
    await nothing(clerk1)  # `check` is never offered to who did `prepare`
    assert (await event(clerk2))[0] == "removed"
    name, item = await event(clerk2)
    assert (name, item["task"]) == ("offered", "check")

    # and a reconnect's snapshot agrees
    await close(clerk1)
    clerk1 = await connect(users["clerk1"])
    assert await snapshot(clerk1) == []
    await close(clerk1, clerk2)


@pytest.mark.asyncio
async def test_a_newer_snapshot_is_not_overwritten_by_an_older_push(users: dict[str, Any]) -> None:
    item_id = await db(_start)(users["staff"])
    clerk = await connect(users["clerk1"])
    [item] = await snapshot(clerk)
    # the push for the start (older than the snapshot) is ignored by the consumer
    from channels.layers import get_channel_layer

    from realtime import push

    old = dict(item, updated_at="2000-01-01T00:00:00Z")
    consumer_message = {
        "type": "inbox.items",
        "items": [{**old, "excluded": [], "json": push.item_json(old)}],
    }

    await get_channel_layer().group_send(push.role_group("clerks"), consumer_message)
    await nothing(clerk)
    assert item["id"] == item_id
    await close(clerk)


# ---------------------------------------------------------------------- the case stream


@pytest.mark.asyncio
async def test_what_waits_for_a_socket_goes_as_one_frame_in_order(users: dict[str, Any], monkeypatch: Any) -> None:
    """ADR 0093: a socket that is behind sends the pushes waiting in its queue as one frame, a
    JSON array in their order; one that keeps up sends a message per frame; at most FRAMES_MAX
    messages a frame."""
    from realtime import consumers, push

    enqueue = push._enqueue
    first, second, third = [await db(_start)(users["staff"]) for _ in range(3)]
    clerk1 = await connect(users["clerk1"])
    assert len(await snapshot(clerk1)) == 3

    # two commits whose messages reach the socket together (one bus message: the router puts
    # both in its queue before it runs), as when the process was busy
    held: list[Any] = []
    monkeypatch.setattr(push, "_enqueue", lambda job: held.extend(push.entries_of(job)))
    for item_id in (first, second):
        await db(services.work_item_claim)(item_id=item_id, user=users["clerk2"])
    monkeypatch.undo()
    assert len(held) == 2 * 3  # per commit: the items, the case, the dashboard
    await db(_publish)(held)
    frame = await clerk1.receive_json_from(timeout=TIMEOUT)
    assert [(m["event"], m["work_item"]["id"]) for m in frame] == [("removed", first), ("removed", second)]

    # keeping up: one message, one frame of its own
    await db(services.work_item_claim)(item_id=third, user=users["clerk2"])
    frame = await clerk1.receive_json_from(timeout=TIMEOUT)
    assert (frame["event"], frame["work_item"]["id"]) == ("removed", third)

    # at most FRAMES_MAX a frame
    monkeypatch.setattr(consumers, "FRAMES_MAX", 1)
    held.clear()
    monkeypatch.setattr(push, "_enqueue", lambda job: held.extend(push.entries_of(job)))
    for item_id in (first, second):
        await db(services.work_item_release)(item_id=item_id, user=users["clerk2"])
    monkeypatch.setattr(push, "_enqueue", enqueue)
    await db(_publish)(held)
    frames = [await clerk1.receive_json_from(timeout=TIMEOUT) for _ in range(2)]
    assert [(f["event"], f["work_item"]["id"]) for f in frames] == [("offered", first), ("offered", second)]
    await nothing(clerk1)
    await close(clerk1)


@pytest.mark.asyncio
async def test_case_stream_is_for_staff_and_pushes_each_change(users: dict[str, Any]) -> None:
    item_id = await db(_start)(users["staff"])
    case_id = await db(lambda: WorkItem.objects.get(pk=item_id).case_id)()

    communicator = WebsocketCommunicator(application, f"/ws/cases/{case_id}/?token={await db(_token)(users['clerk1'])}")
    assert await communicator.connect(timeout=TIMEOUT) == (False, 4403)

    staff = await connect(users["staff"], path=f"/ws/cases/{case_id}/")
    first = await staff.receive_json_from(timeout=TIMEOUT)
    assert first["type"] == "case" and first["case"]["id"] == case_id and first["case"]["state"] == "running"

    await db(services.work_item_complete)(
        item_id=item_id, user=users["clerk1"], output={"approved": False, "comment": "wrong vendor"}
    )
    states: list[str] = []
    while not states or states[-1] != "completed":
        message = await staff.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "case"
        states.append(message["case"]["state"])
    assert states[-1] == "completed"

    missing = WebsocketCommunicator(application, f"/ws/cases/999999/?token={await db(_token)(users['staff'])}")
    assert await missing.connect(timeout=TIMEOUT) == (False, 4404)
    await close(staff)
    await asyncio.sleep(0)


def test_tests_use_a_channel_prefix_of_their_own() -> None:
    from django.conf import settings

    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"].startswith("test")


@pytest.mark.asyncio
async def test_the_snapshot_is_capped_and_says_how_many_there_are(users: dict[str, Any], settings: Any) -> None:
    settings.WORKFLOW_INBOX_SNAPSHOT_LIMIT = 2
    for amount in (10.0, 5000.0, 20.0):  # the big one has priority 2
        await db(_start)(users["staff"], data={"vendor": "V", "amount": amount})
    clerk = await connect(users["clerk1"])
    message = await received(clerk)
    assert message["type"] == "snapshot" and message["total"] == 3
    assert [i["priority"] for i in message["work_items"]] == [2, 1]
    # asking again gives the same
    await clerk.send_json_to({"type": "snapshot"})
    again = await received(clerk)
    assert again["total"] == 3 and [i["id"] for i in again["work_items"]] == [i["id"] for i in message["work_items"]]
    await close(clerk)


# ---------------------------------------------------------------------- who the user is changes


def _set_groups(username: str, *groups: str, reverse: bool = False) -> None:
    from django.contrib.auth.models import Group

    user = get_user_model().objects.get(username=username)
    wanted = [Group.objects.get_or_create(name=g)[0] for g in groups]
    if reverse:  # through the group's side: group.user_set
        for group in Group.objects.filter(user=user):
            group.user_set.remove(user)
        for group in wanted:
            group.user_set.add(user)
    else:
        user.groups.set(wanted)


@pytest.mark.asyncio
@pytest.mark.parametrize("reverse", [False, True], ids=["user.groups", "group.user_set"])
async def test_joining_and_leaving_a_group_reaches_an_open_inbox_at_once(users: dict[str, Any], reverse: bool) -> None:
    newcomer = await db(make_user)(get_user_model(), "newcomer")
    inbox = await connect(newcomer)
    assert await snapshot(inbox) == []
    waiting = await db(_start)(users["staff"])  # offered to clerks
    await nothing(inbox)

    await db(_set_groups)("newcomer", "clerks", reverse=reverse)
    assert [i["id"] for i in await snapshot(inbox)] == [waiting]  # a fresh snapshot, with the role's item
    fresh = await db(_start)(users["staff"])
    name, item = await event(inbox)  # and the role's pushes from now on
    assert (name, item["id"]) == ("offered", fresh)

    await db(_set_groups)("newcomer", reverse=reverse)
    assert await snapshot(inbox) == []
    await db(_start)(users["staff"])
    await nothing(inbox)
    await close(inbox)


@pytest.mark.asyncio
async def test_a_deactivated_user_loses_the_socket_and_a_login_changes_nothing(users: dict[str, Any]) -> None:
    inbox = await connect(users["clerk1"])
    await snapshot(inbox)

    def log_in() -> None:
        from django.contrib.auth.models import update_last_login

        user = get_user_model().objects.get(username="clerk1")
        update_last_login(None, user)  # saves last_login only

    await db(log_in)()
    await nothing(inbox)

    def deactivate() -> None:
        user = get_user_model().objects.get(username="clerk1")
        user.is_active = False
        user.save()

    await db(deactivate)()
    output = await inbox.receive_output(timeout=TIMEOUT)
    assert output == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
async def test_a_rolled_back_group_change_tells_nobody(users: dict[str, Any]) -> None:
    inbox = await connect(users["manager"])
    await snapshot(inbox)

    def change_then_roll_back() -> None:
        try:
            with transaction.atomic():
                _set_groups("manager", "managers", "clerks")
                raise RuntimeError("no")
        except RuntimeError:
            pass

    await db(change_then_roll_back)()
    await nothing(inbox)
    await close(inbox)


# ---------------------------------------------------------------------- the dashboard stream


@pytest.mark.asyncio
async def test_dashboard_stream_is_for_staff_and_coalesces_changes(users: dict[str, Any], settings: Any) -> None:
    settings.WORKFLOW_DASHBOARD_PUSH_INTERVAL = 1.0
    refused = WebsocketCommunicator(application, f"/ws/dashboard/?token={await db(_token)(users['clerk1'])}")
    assert await refused.connect(timeout=TIMEOUT) == (False, 4403)
    anonymous = WebsocketCommunicator(application, "/ws/dashboard/")
    assert await anonymous.connect(timeout=TIMEOUT) == (False, 4401)

    staff = await connect(users["staff"], path="/ws/dashboard/")
    await nothing(staff)

    await db(_start_rolled_back)(users["staff"])
    await nothing(staff)

    loop = asyncio.get_running_loop()
    started = loop.time()
    await db(_start)(users["staff"])  # the first change after a quiet spell: sent at once
    assert await staff.receive_json_from(timeout=TIMEOUT) == {"type": "changed"}
    assert loop.time() - started < 0.9
    for _ in range(5):  # five more within the interval: one message, at its end
        await db(_start)(users["staff"])
    assert await staff.receive_json_from(timeout=TIMEOUT) == {"type": "changed"}
    assert loop.time() - started >= 1.0
    await nothing(staff)
    await close(staff)
