"""The project's set-up: token auth, /api/me/, the error format, the schema, the demo seed."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_obtain_with_good_password(operator_a: Any) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "operator_a", "password": "operator_a"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=operator_a).key}


def test_token_obtain_with_bad_password_is_400_in_the_error_format(operator_a: Any) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "operator_a", "password": "wrong"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert body["errors"] and all(set(e) == {"field", "message"} for e in body["errors"])


def test_token_obtain_missing_fields_lists_each_field() -> None:
    response = APIClient().post("/api/auth/token/", {}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"username", "password"}


def test_me_with_token(operator_a: Any) -> None:
    token = (
        APIClient()
        .post("/api/auth/token/", {"username": "operator_a", "password": "operator_a"}, format="json")
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "operator_a"
    assert body["groups"] == ["clerks"]
    assert body["is_staff"] is False


def test_me_for_staff(api_client: Any, staff_user: Any) -> None:
    body = api_client(staff_user).get("/api/me/").json()
    assert body["username"] == "staff"
    assert body["is_staff"] is True


def test_me_without_auth_is_401_in_the_error_format() -> None:
    response = APIClient().get("/api/me/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": [],
    }
    assert response.headers["WWW-Authenticate"] == "Token"


def test_bad_token_is_401() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_method_not_allowed_is_405_in_the_error_format(api_client: Any, operator_a: Any) -> None:
    response = api_client(operator_a).delete("/api/me/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_schema_is_served() -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Workflow engine API"
    assert "/api/auth/token/" in schema["paths"]
    assert "/api/me/" in schema["paths"]


def test_seed_demo_is_idempotent() -> None:
    first = StringIO()
    call_command("seed_demo", stdout=first, stderr=StringIO())
    second = StringIO()
    call_command("seed_demo", stdout=second, stderr=StringIO())

    User = get_user_model()
    for username in ("admin", "alice", "bob", "carol"):
        assert User.objects.filter(username=username).count() == 1
        user = User.objects.get(username=username)
        assert user.check_password(username)
        assert Token.objects.filter(user=user).count() == 1
    assert Group.objects.filter(name="clerks").count() == 1
    assert Group.objects.filter(name="managers").count() == 1
    assert User.objects.get(username="admin").is_superuser
    assert set(User.objects.get(username="alice").groups.values_list("name", flat=True)) == {"clerks"}
    assert set(User.objects.get(username="bob").groups.values_list("name", flat=True)) == {"clerks"}
    assert set(User.objects.get(username="carol").groups.values_list("name", flat=True)) == {"managers"}
    assert not User.objects.get(username="carol").is_staff

    assert "created" in first.getvalue()
    # Nothing new the second time: no user created, no workflow version published.
    assert "created" not in second.getvalue()
    assert "published" not in second.getvalue()


def test_seed_demo_publishes_a_changed_demo_net_as_a_new_version(tmp_path: Any, monkeypatch: Any) -> None:
    from engine.management.commands import seed_demo

    source = sorted(seed_demo.DEMO_NETS_DIR.glob("*.json"))[0]
    doc = json.loads(source.read_text())
    (tmp_path / source.name).write_text(json.dumps(doc))
    monkeypatch.setattr(seed_demo, "DEMO_NETS_DIR", tmp_path)

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    doc["title"] = "Changed for the test"
    (tmp_path / source.name).write_text(json.dumps(doc))
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    assert f"workflow {doc['name']}: published version 2" in out.getvalue()
