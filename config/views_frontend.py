"""The browser app: `frontend/dist/index.html` (built by scripts/setup_frontend.sh) for every
client route. Its hashed assets are static files under /static/app/ (STATICFILES_DIRS), served
by WhiteNoise with DEBUG on or off."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

_cache: dict[Path, bytes] = {}


def _index_html() -> bytes | None:
    path = Path(settings.FRONTEND_DIST) / "index.html"
    if not settings.DEBUG and path in _cache:
        return _cache[path]
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return None
    _cache[path] = body
    return body


@ensure_csrf_cookie  # the app sends the cookie's value back as X-CSRFToken
def frontend_app(request: HttpRequest, **_: object) -> HttpResponse:
    body = _index_html()
    if body is None:
        return HttpResponse(
            "The front end is not built: run scripts/setup_frontend.sh (or scripts/run.sh).",
            status=503,
            content_type="text/plain",
        )
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the assets it names are hashed and cached for good
    return response
