"""The Content-Security-Policy header (issue 13 item 10, ADR 0069).

The browser app is built by Vite into files served from /static/ (no inline script or style in
its index.html), so the pages get a strict policy: scripts, styles, fonts, images and
connections (fetch, websockets) from the app's own origin only, no framing, no plugins.
tests/browser/test_csp_e2e.py loads every page in Chromium and fails on any violation.

Django 5.2 has no CSP support of its own (6.0 adds it): this small middleware sets the header.
Pages of third parties that need inline code get a policy of their own (CSP_PATH_POLICIES:
Swagger UI and ReDoc, from drf-spectacular-sidecar, start with inline scripts; the admin uses
inline styles).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy_for(path: str) -> str:
    for prefix, policy in settings.CSP_PATH_POLICIES.items():
        if path.startswith(prefix):
            return str(policy)
    return str(settings.CSP_POLICY)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = policy_for(request.path_info)
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
