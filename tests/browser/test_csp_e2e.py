"""The Content-Security-Policy header is sent, and the pages satisfy it: every page of the
browser app loads in Chromium, under the strict policy, with no violation reported (issue 13
item 10, config/csp.py)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, login_page, screenshot

# Every violation the page sees, as the browser reports it to the page.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_every_page_loads_under_the_policy_without_violations(browser: Any, daphne_server: LiveServer) -> None:
    status, case = daphne_server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 50.0}}
    )
    assert status == 201, case

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(f"{daphne_server.url}/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval';" in policy and "unsafe-inline" not in policy
    context.close()

    page = login_page(browser, daphne_server, "admin")
    page.context.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    checks = [
        ("/inbox/", "text=Review invoice"),
        ("/designer/", "text=invoice-approval"),
        ("/designer/invoice-approval/", ".react-flow__node"),
        ("/dashboard/", "text=invoice-approval"),
        (f"/dashboard/cases/{case['id']}/", ".react-flow__node"),
    ]
    for path, ready in checks:
        response = page.goto(f"{daphne_server.url}{path}")
        assert response is not None and response.headers.get("content-security-policy") == policy, path
        page.locator(f"{ready} >> visible=true").first.wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
        screenshot(page, "csp-" + path.strip("/").replace("/", "-"))
    assert console == []
    assert errors == []
    # the websocket of the inbox connected under `connect-src 'self'`
    page.goto(f"{daphne_server.url}/inbox/")
    page.locator("text=Review invoice >> visible=true").first.wait_for(timeout=15_000)
    assert page.evaluate("window.__cspViolations") == []
