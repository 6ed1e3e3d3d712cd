"""The inbox's frames on a real Daphne (ADR 0090, ADR 0092): each item's frame text is made once
per process and sent to every socket as is. What the clients receive must be the same JSON the
API gives, and the same bytes for every socket that gets it; a claim removes the item from the
other clerk and updates it for the claimer. Each socket here gets one message per commit and
reads it before the next commit, so none is batched with another (ADR 0093)."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import connect

from tests.browser.conftest import LiveServer

TIMEOUT = 10


def socket(server: LiveServer, user: str) -> Any:
    server.api("GET", "/api/me/", user=user)  # makes the user's token
    ws = connect(f"ws://127.0.0.1:{server.port}/ws/inbox/?token={server.tokens[user]}", open_timeout=TIMEOUT)
    assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "snapshot"
    return ws


def next_event(ws: Any) -> tuple[str, dict[str, Any]]:
    while True:
        raw = ws.recv(timeout=TIMEOUT)
        message = json.loads(raw)
        if message["type"] == "work_item":
            return raw, message


def test_frames_are_the_api_items_and_the_same_for_every_socket(daphne_server: LiveServer) -> None:
    server = daphne_server
    alice, bob, carol = (socket(server, u) for u in ("alice", "bob", "carol"))
    try:
        status, case = server.api(
            "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 5000.0}}
        )
        assert status == 201, case
        (raw_a, offered_a), (raw_b, _) = next_event(alice), next_event(bob)
        assert raw_a == raw_b  # one frame for both clerks
        assert offered_a["event"] == "offered"
        item_id = offered_a["work_item"]["id"]
        status, api_item = server.api("GET", f"/api/work-items/{item_id}/", user="alice")
        assert status == 200
        assert offered_a["work_item"] == api_item

        status, claimed = server.api("POST", f"/api/work-items/{item_id}/claim/", {}, user="alice")
        assert status == 200, claimed
        (_, updated), (_, removed) = next_event(alice), next_event(bob)
        assert (updated["event"], updated["work_item"]["assignee"]) == ("updated", "alice")
        assert updated["work_item"] == server.api("GET", f"/api/work-items/{item_id}/", user="alice")[1]
        assert (removed["event"], removed["work_item"]["id"]) == ("removed", item_id)

        # completed: the next task goes to the managers; carol heard of nothing before it
        status, done = server.api(
            "POST",
            f"/api/work-items/{item_id}/complete/",
            {"output": {"approved": True, "comment": "Checked"}},
            user="alice",
        )
        assert status == 200, done
        _, message_c = next_event(carol)
        assert message_c["event"] == "offered" and message_c["work_item"]["case"] == case["id"]
        assert message_c["work_item"]["id"] != item_id
        assert message_c["work_item"]["role"] == "managers"
    finally:
        for ws in (alice, bob, carol):
            ws.close()
