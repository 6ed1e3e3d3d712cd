"""The Content-Security-Policy header on every response (config/csp.py); the browser test
tests/browser/test_csp_e2e.py checks that the pages satisfy it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_and_the_api_get_the_strict_policy(staff_user: Any, settings: Any) -> None:
    client = Client()
    client.force_login(staff_user)
    for path in ("/login/", "/inbox/", "/api/me/", "/api/no-such-thing/"):
        policy = client.get(path)["Content-Security-Policy"]
        assert policy == settings.CSP_POLICY
        # eval for the form validator (ajv compiles a form's schema); never inline scripts
        assert "script-src 'self' 'unsafe-eval';" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_swagger_redoc_and_admin_get_their_own_policy(staff_user: Any) -> None:
    client = Client()
    client.force_login(staff_user)
    for path in ("/api/docs/", "/api/redoc/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
