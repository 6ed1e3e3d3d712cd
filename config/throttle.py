"""Failed logins are throttled (issue 13 item 10, ADR 0069).

Every password check goes through `ThrottledModelBackend` (AUTHENTICATION_BACKENDS): the session
login and token endpoints of the API, and Django's admin. A failure counts against the username
and against the client's address, in fixed windows of LOGIN_FAILURE_WINDOW seconds, in the
"throttle" cache (Redis: shared by every web process). Once a username has LOGIN_FAILURES_PER_USER
failures, or an address LOGIN_FAILURES_PER_IP, no password is checked for it until the window
ends: the API answers 429 `throttled` with `Retry-After` (`check_login_allowed`), the admin's
form a plain refusal. A successful login clears its username's count.

The address is REMOTE_ADDR: behind a proxy, that is the proxy's (run Daphne with
--proxy-headers to see the client's).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from rest_framework.exceptions import Throttled

CACHE = "throttle"


def _cache() -> Any:
    return caches[CACHE]


def _keys(request: Any, username: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) for the username and for the client's address."""
    keys: list[tuple[str, int]] = []
    if username:
        digest = hashlib.sha256(username.casefold().encode("utf-8", "surrogatepass")).hexdigest()[:32]
        keys.append((f"login-fail:user:{digest}", settings.LOGIN_FAILURES_PER_USER))
    address = (getattr(request, "META", None) or {}).get("REMOTE_ADDR")
    if address:
        keys.append((f"login-fail:ip:{address}", settings.LOGIN_FAILURES_PER_IP))
    return keys


def login_blocked(request: Any, username: str | None) -> bool:
    keys = _keys(request, username)
    if not keys:
        return False
    counts = _cache().get_many([key for key, _ in keys])
    return any(int(counts.get(key) or 0) >= limit for key, limit in keys)


def record_failure(request: Any, username: str | None) -> None:
    cache = _cache()
    for key, _ in _keys(request, username):
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def record_success(username: str | None) -> None:
    keys = [key for key, _ in _keys(None, username)]
    if keys:
        _cache().delete_many(keys)


def check_login_allowed(request: Any, username: Any) -> None:
    """For the API's login views, before any password is checked: 429 when throttled."""
    if login_blocked(request, username if isinstance(username, str) else None):
        raise Throttled(wait=settings.LOGIN_FAILURE_WINDOW, detail="Too many failed logins; try again later.")


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, counting failures and refusing while throttled."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if login_blocked(request, username):
            raise PermissionDenied("too many failed logins")  # authenticate() stops here: no password check
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        else:
            record_success(username)
        return user
