"""Failed logins are throttled per username and per client address (issue 13 item 10): 429 in the
API's error format with Retry-After, for the session login, the token endpoint and the admin, with
the counts in Redis (the "throttle" cache) shared by every web process."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def throttle(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_USER = LIMIT
    settings.LOGIN_FAILURES_PER_IP = 3 * LIMIT
    settings.LOGIN_FAILURE_WINDOW = 60
    # counts of this test's own (Redis keeps them after the test)
    settings.CACHES = {**settings.CACHES, "throttle": {**settings.CACHES["throttle"], "KEY_PREFIX": uuid.uuid4().hex}}


def login(client: Client, username: str, password: str, *, path: str = "/api/auth/login/", ip: str = "10.0.0.1") -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post(path, data=body, content_type="application/json", REMOTE_ADDR=ip)


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/token/"])
def test_wrong_passwords_then_429_even_for_the_right_one(staff_user: Any, path: str) -> None:
    client = Client()
    for _ in range(LIMIT):
        response = login(client, "staff", "wrong", path=path)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    response = login(client, "staff", "staff", path=path)  # the right password, too late
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) == 60
    assert "sessionid" not in response.cookies
    # another user from the same address is not locked out by staff's count
    other = Client()
    assert login(other, "nobody", "x", path=path).status_code == 400


def test_the_limit_counts_per_address_across_usernames(staff_user: Any) -> None:
    client = Client()
    for n in range(3 * LIMIT):
        assert login(client, f"guess{n}", "x", ip="10.9.9.9").status_code == 400
    assert login(client, "staff", "staff", ip="10.9.9.9").status_code == 429
    assert login(client, "staff", "staff", ip="10.9.9.10").status_code == 200  # another address


def test_a_success_clears_the_users_count(staff_user: Any) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert login(client, "staff", "wrong").status_code == 400
    assert login(client, "staff", "staff").status_code == 200
    for _ in range(LIMIT - 1):
        assert login(Client(), "staff", "wrong").status_code == 400
    assert login(Client(), "staff", "staff").status_code == 200


def test_the_admin_login_is_throttled_too(staff_user: Any) -> None:
    client = Client()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "staff", "password": "wrong"}, REMOTE_ADDR="10.0.0.2")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "staff", "password": "staff"}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 200  # the form again: not logged in
    assert "_auth_user_id" not in client.session


def test_counts_are_shared_by_processes_through_redis(staff_user: Any, settings: Any) -> None:
    """The count lives in Redis: what one process recorded, another process sees."""
    import redis

    for _ in range(LIMIT):
        assert login(Client(), "staff", "wrong", ip="10.0.0.3").status_code == 400
    prefix = settings.CACHES["throttle"]["KEY_PREFIX"]
    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"{prefix}:*login-fail:user:*")
    assert len(keys) == 1
