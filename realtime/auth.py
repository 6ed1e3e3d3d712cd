"""Websocket authentication and origin checks (config/asgi.py).

A socket authenticates like the HTTP API: with the browser session (cookie), or with a DRF token
for other clients: `?token=<key>` in the URL or an `Authorization: Token <key>` header. The
consumer refuses an anonymous scope (close code 4401)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


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


class BrowserOriginValidator(OriginValidator):
    """A browser always sends Origin: a page of another site must not open a socket with the
    user's session cookie, so an Origin must match ALLOWED_HOSTS. Clients that send no Origin
    (scripts, with a token) are not browsers and pass."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)
