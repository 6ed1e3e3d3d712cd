"""The browser app is served by Django: index.html for each client route, its hashed assets as
static files (WhiteNoise, DEBUG on or off); session login and logout for it, with CSRF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from config import views_frontend


@pytest.fixture
def built_index(tmp_path: Path, settings: Any) -> Path:
    (tmp_path / "index.html").write_text('<!doctype html><div id="root"></div><script src="/static/app/assets/x.js">')
    settings.FRONTEND_DIST = tmp_path
    views_frontend._cache.clear()
    return tmp_path


@pytest.mark.parametrize("path", ["/login/", "/inbox/", "/designer/", "/designer/invoice/v/3", "/dashboard/cases/7"])
def test_client_routes_serve_the_app(client: Any, built_index: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert b'<div id="root">' in response.content
    assert "csrftoken" in response.cookies  # for the app's unsafe requests


def test_root_goes_to_the_inbox(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"


def test_unbuilt_front_end_says_how_to_build_it(client: Any, tmp_path: Path, settings: Any) -> None:
    settings.FRONTEND_DIST = tmp_path / "missing"
    views_frontend._cache.clear()
    response = client.get("/inbox/")
    assert response.status_code == 503
    assert b"setup_frontend.sh" in response.content


def fake_build(dist: Path) -> dict[str, bytes]:
    """A front-end build as Vite lays it out (index.html naming content-hashed assets under
    /static/app/assets/), without running Vite: the test needs no prior `npm run build`."""
    assets = {
        "assets/index-B7xk2LqZ.js": b'console.log("app");\n',
        "assets/index-Cq8ZpR2w.css": b"#root{display:block}\n",
    }
    for name, body in assets.items():
        (dist / name).parent.mkdir(parents=True, exist_ok=True)
        (dist / name).write_bytes(body)
    (dist / "index.html").write_text(
        '<!doctype html><html><head><script type="module" crossorigin src="/static/app/assets/index-B7xk2LqZ.js">'
        '</script><link rel="stylesheet" crossorigin href="/static/app/assets/index-Cq8ZpR2w.css"></head>'
        '<body><div id="root"></div></body></html>'
    )
    return assets


def test_a_build_and_its_assets_are_served_with_debug_off(settings: Any, tmp_path: Path) -> None:
    """index.html, then every asset it names, as production serves them: DEBUG off, WhiteNoise
    finding the build through STATICFILES_DIRS (as config/settings.py sets it for FRONTEND_DIST)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    assets = fake_build(dist)
    settings.DEBUG = False
    settings.WHITENOISE_AUTOREFRESH = False  # as in production: WhiteNoise indexes the files once
    settings.FRONTEND_DIST = dist
    settings.STATICFILES_DIRS = [("app", dist)]
    settings.STATIC_ROOT = tmp_path / "static"  # no collectstatic: empty, but there
    settings.STATIC_ROOT.mkdir()
    views_frontend._cache.clear()
    client = Client()  # a new client: its middleware (WhiteNoise) starts with these settings
    page = client.get("/inbox/")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="(/static/app/assets/[^"]+)"', page.content.decode())
    assert sorted(urls) == sorted(f"/static/app/{name}" for name in assets)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response["Cache-Control"], url  # content-hashed names: cached for good
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body == assets[url.removeprefix("/static/app/")]


def _csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    return client, client.cookies["csrftoken"].value


def test_session_login_then_api_then_logout(operator_a: Any, built_index: Path) -> None:
    client, token = _csrf_client()
    response = client.post(
        "/api/auth/login/",
        {"username": "operator_a", "password": "operator_a"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert response.json() == {"id": operator_a.pk, "username": "operator_a", "groups": ["clerks"], "is_staff": False}
    assert client.get("/api/me/").json()["username"] == "operator_a"

    token = client.cookies["csrftoken"].value  # rotated at login
    assert client.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get("/api/me/").status_code in (401, 403)


def test_login_without_csrf_token_is_refused(operator_a: Any, built_index: Path) -> None:
    client, _ = _csrf_client()
    response = client.post(
        "/api/auth/login/", {"username": "operator_a", "password": "operator_a"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get("/api/me/").status_code in (401, 403)


def test_login_with_a_wrong_password_is_a_400(operator_a: Any, built_index: Path) -> None:
    client, token = _csrf_client()
    response = client.post(
        "/api/auth/login/",
        {"username": "operator_a", "password": "nope"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert client.get("/api/me/").status_code in (401, 403)
