"""/healthz, /readyz and /metrics: plain Django views, outside the API (no session, no CSRF)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from ops import health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and serves requests: nothing else is asked (a proxy's check)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Database, channel layer and broker reachable, and a worker seen recently: 200, else 503
    with what failed."""
    ok, checks = health.readiness()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    if header.startswith("Token "):  # an API token of a staff user
        try:
            found = TokenAuthentication().authenticate(Request(request))
        except AuthenticationFailed:
            return False
        return bool(found and found[0].is_staff)
    return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format. Scraped with `Authorization: Bearer $METRICS_TOKEN`, or by a
    staff user (session or API token); anyone else gets 403 (docs/operations.md)."""
    if not _may_scrape(request):
        return JsonResponse({"code": "forbidden", "detail": "metrics need the metrics token", "errors": []}, status=403)
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
