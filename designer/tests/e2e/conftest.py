"""Real-browser tests of the designer: Playwright for Python driving Debian's chromium.

The browser must be there: a missing /usr/bin/chromium (or Playwright) is a failure, never a
skip (scripts/test.sh installs chromium with apt-get). Playwright's own browser download is not
used. The page is served by pytest-django's `live_server` (a free port, the test database;
automatic tasks run inline, WORKFLOW_RUNNER's default), against the built front end
(frontend/dist, built by scripts/test.sh).

Screenshots go to var/test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from .perf import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls that fixtures make here
# are still plain synchronous calls (the live server answers from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, and the asyncio tests (websocket consumers) that the same xdist worker runs
# after this module cannot start theirs until it is closed.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - requirements.txt pins it
        pytest.fail(f"the browser tests need Playwright for Python (pip install -r requirements.txt): {exc}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def frontend_built() -> None:
    index = Path(settings.BASE_DIR) / "frontend" / "dist" / "index.html"
    if not index.exists():
        pytest.fail("the front end is not built: cd frontend && npm run build (scripts/test.sh does it)")


@pytest.fixture
def staff_page(chromium: Any, live_server: Any, staff_user: Any, frontend_built: None) -> Iterator[Any]:
    """A page logged in as the staff user (password "staff"), 1500x950."""
    context = chromium.new_context(viewport={"width": 1500, "height": 950}, base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/inbox/**")
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
