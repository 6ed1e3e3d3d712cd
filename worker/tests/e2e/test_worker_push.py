"""Pushes from the worker process: a manual item created by a Celery worker (after the automatic
step before it) reaches the inbox socket of the role, through Redis, after the worker commits."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework.authtoken.models import Token

from config.asgi import application
from engine import services
from engine.access import SYSTEM
from engine.models import WorkItem
from tests.helpers import make_user, net, publish

NET = net(
    "prepare-then-approve",
    [
        {"id": "prepare", "kind": "automatic", "activity": "noop"},
        {"id": "approve", "kind": "manual", "assign": {"role": "clerks"}},
    ],
    [("start", "prepare"), ("prepare", "approve"), ("approve", "end")],
)


@pytest.mark.asyncio
async def test_an_item_made_by_the_worker_is_pushed_to_the_inbox(e2e: Any, django_user_model: Any) -> None:
    def setup() -> str:
        publish(NET)
        # no push of the new user's group change (`inbox.audience`, ADR 0021): left to the
        # publisher thread, it could reach the socket at any time after it opened, and its
        # fresh snapshot could already hold the worker's item
        with override_settings(WORKFLOW_PUSH=False):
            clerk = make_user(django_user_model, "clerk_w", "clerks")
        return Token.objects.create(user=clerk).key

    token = await sync_to_async(setup)()
    inbox = WebsocketCommunicator(application, f"/ws/inbox/?token={token}")
    assert (await inbox.connect(timeout=5))[0]
    assert (await inbox.receive_json_from(timeout=5))["work_items"] == []

    case = await sync_to_async(services.case_start)(definition="prepare-then-approve", data={}, user=SYSTEM)
    message = await inbox.receive_json_from(timeout=20)  # the worker runs `prepare`, then commits
    assert (message["event"], message["work_item"]["task"]) == ("offered", "approve")
    prepared_by_worker = await sync_to_async(lambda: WorkItem.objects.get(case=case, task="prepare").state)()
    assert prepared_by_worker == "completed"
    await inbox.disconnect()
