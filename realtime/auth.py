"""Websocket authentication and origin checks (config/asgi.py).

A socket authenticates like the HTTP API: with the browser session (cookie), or with a DRF token
for other clients: `?token=<key>` in the URL or an `Authorization: Token <key>` header. The
consumer refuses an anonymous scope (close code 4401)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


def _token_of(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, key = value.decode("latin1").partition(" ")
            if kind.lower() == "token" and key.strip():
                return key.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    keys = query.get("token")
    return keys[0] if keys else None


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class SessionOrTokenAuthMiddleware:
    """scope["user"] from a token when one is given (a wrong token: anonymous, no fallback to
    the session), else from the session."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_stack = AuthMiddlewareStack(inner)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = _token_of(scope)
        if key is None:
            return await self.session_stack(scope, receive, send)
        scope = dict(scope, user=await _user_for_token(key))
        return await self.inner(scope, receive, send)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _trusted(origin: str) -> bool:
    """CSRF_TRUSTED_ORIGINS, read as Django's CSRF check reads it: exact origins, and
    `scheme://*.domain` for its subdomains."""
    parsed = urlsplit(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        if "*" in trusted:
            t = urlsplit(trusted)
            if t.scheme == parsed.scheme and is_same_domain(parsed.netloc, t.netloc.lstrip("*")):
                return True
    return False


def origin_allowed(scope: dict[str, Any], origin: str) -> bool:
    """Whether a socket's `Origin` is the app's own, as Django's CSRF check decides for HTTP: the
    same scheme (https for wss, http for ws), host and port as the request (its Host header,
    which must match ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS."""
    host = _header(scope, b"host")
    if host:
        domain, _ = split_domain_port(host)
        scheme = "https" if scope.get("scheme") == "wss" else "http"
        if domain and validate_host(domain, settings.ALLOWED_HOSTS) and origin == f"{scheme}://{host}":
            return True
    return _trusted(origin)


class BrowserOriginValidator:
    """A browser always sends Origin: a page of another site (another scheme, host or port)
    must not open a socket with the user's session cookie, so an Origin must be the app's own
    (`origin_allowed`). Clients that send no Origin (scripts, with a token) are not browsers and
    pass."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            if origin is not None and not origin_allowed(scope, origin):
                return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
