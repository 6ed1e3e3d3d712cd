"""The operations dashboard in a real browser: a case whose automatic task fails shows as an
incident on the overview; its page shows the traceback; a retry with fixed input completes the
task and the net redraws live (also for a change made elsewhere, through the websocket); the
scrubber shows the earlier marking; a bad data filter shows the server's error."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, screenshot, watched_page

LIVE = 2000  # ms: how soon a change must reach an open page

# An automatic task whose CEL fails on data without a numeric `amount`: the item fails (one
# attempt), the case waits with an incident. A manual review follows the explicit `ready`.
DOUBLING_NET = {
    "schema_version": 1,
    "name": "doubling",
    "title": "Doubling",
    "conditions": [{"id": "start", "kind": "start"}, {"id": "ready", "label": "Ready"}, {"id": "end", "kind": "end"}],
    "tasks": [
        {
            "id": "compute",
            "kind": "automatic",
            "label": "Compute",
            "activity": "cel.transform",
            "input": {"expressions": "{'total': 'input.amount * 2'}", "amount": "data.amount"},
            "output": {"total": "result.total"},
            "retry": {"max_attempts": 1},
        },
        {"id": "review", "kind": "manual", "label": "Review"},
    ],
    "flows": [
        {"from": "start", "to": "compute"},
        {"from": "compute", "to": "ready"},
        {"from": "ready", "to": "review"},
        {"from": "review", "to": "end"},
    ],
    "layout": {
        "start": {"x": 0, "y": 60},
        "compute": {"x": 120, "y": 40},
        "ready": {"x": 340, "y": 60},
        "review": {"x": 460, "y": 40},
        "end": {"x": 680, "y": 60},
    },
}


def publish_and_start(server: LiveServer) -> int:
    status, body = server.api("POST", "/api/definitions/", DOUBLING_NET)
    assert status == 201, body
    status, body = server.api("POST", "/api/definitions/doubling/publish/")
    assert status == 201, body
    status, case = server.api("POST", "/api/cases/", {"definition": "doubling", "data": {"amount": "lots"}})
    assert status == 201, case
    return case["id"]


def test_dashboard_incident_retry_live_and_scrubber(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    case_id = publish_and_start(server)
    with watched_page(browser, server, "admin", "dashboard-99-last") as page:
        _dashboard(server, page, case_id)


def _dashboard(server: LiveServer, page: Any, case_id: int) -> None:
    # The overview lists the failed automatic item as an open incident, with charts.
    page.goto(f"{server.url}/dashboard/")
    incident = page.locator(f"[data-testid=incident][data-case='{case_id}']")
    expect(incident).to_be_visible()
    expect(incident).to_contain_text("compute")
    expect(incident).to_contain_text("ActivityInputError")
    expect(page.get_by_test_id("throughput-chart").locator("svg").first).to_be_visible()
    expect(page.get_by_test_id("durations-chart").locator("svg").first).to_be_visible()
    screenshot(page, "dashboard-01-overview-incident")

    # Its case page: the traceback, the net with the task failed and no token past it.
    incident.get_by_role("link", name=f"#{case_id}").click()
    page.wait_for_url(f"**/dashboard/cases/{case_id}/")
    expect(page.get_by_test_id("case-socket")).to_have_text("● live")
    row = page.locator("[data-testid=work-item-row][data-task=compute]")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.get_by_test_id("traceback")).to_contain_text("Traceback (most recent call last)")
    expect(row.get_by_test_id("traceback")).to_contain_text("ActivityInputError")
    expect(page.get_by_test_id("tokens-ready")).to_have_count(0)
    # the incident on its node: the failed item's error (type and message)
    note = page.get_by_test_id("note-compute")
    expect(note).to_contain_text("ActivityInputError: cel.transform: Unsupported operation: string * int")
    screenshot(page, "dashboard-02-case-traceback")

    # Retry with edited input: first bad JSON (the form says so, nothing is sent), then good.
    row.get_by_role("button", name="Retry").click()
    dialog = row.get_by_test_id("confirm")
    expect(dialog).to_contain_text("Retry compute (attempt 2)?")
    dialog.locator("textarea[name=input]").fill("{not json")
    dialog.get_by_role("button", name="Confirm retry").click()
    expect(dialog.get_by_test_id("action-error")).to_contain_text("Input: not JSON")
    fixed = {"expressions": {"total": "input.amount * 2"}, "amount": 21}
    dialog.locator("textarea[name=input]").fill(json.dumps(fixed))
    dialog.get_by_role("button", name="Confirm retry").click()
    expect(page.get_by_test_id("tokens-ready")).to_have_text("1", timeout=LIVE)
    expect(page.get_by_test_id("run-compute")).to_have_text("completed")
    expect(row).to_have_attribute("data-state", "completed", timeout=LIVE)
    expect(page.get_by_test_id("case-data")).to_contain_text('"total": 42')
    expect(page.get_by_test_id("history")).to_contain_text("work_item.retried · compute · attempt 2 (by admin)")
    screenshot(page, "dashboard-03-after-retry")

    # A change made elsewhere (the API, not this page) reaches the open page through the socket.
    _, detail = server.api("GET", f"/api/dashboard/cases/{case_id}/")
    review = next(w for w in detail["work_items"] if w["task"] == "review")
    status, body = server.api("POST", f"/api/work-items/{review['id']}/skip/", {"output": {}})
    assert status == 200, body
    expect(page.get_by_test_id("tokens-end")).to_have_text("1", timeout=LIVE)
    expect(page.get_by_test_id("tokens-ready")).to_have_count(0)
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("completed")
    screenshot(page, "dashboard-04-completed-live")

    # The scrubber at the first event that puts the token on `start`: nothing done yet.
    _, detail = server.api("GET", f"/api/dashboard/cases/{case_id}/")
    first = next(
        i
        for i, e in enumerate(detail["history"])
        if server.api("GET", f"/api/dashboard/cases/{case_id}/state/?at={e['id']}")[1]["marking"] == {"start": 1}
    )
    scrub = page.get_by_test_id("scrubber")
    scrub.fill(str(first))
    expect(page.get_by_test_id("scrub-label")).to_contain_text(f"As it was after event {first + 1} of")
    expect(page.get_by_test_id("tokens-start")).to_have_text("1")
    expect(page.get_by_test_id("tokens-end")).to_have_count(0)
    expect(page.get_by_test_id("run-compute")).not_to_have_text("completed")
    screenshot(page, "dashboard-05-scrubber-start")
    # ... at the failure: compute failed, `ready` still empty; then back to now.
    page.get_by_test_id("history").locator("li", has_text="work_item.failed").get_by_role("button").click()
    expect(page.get_by_test_id("scrub-label")).to_contain_text("work_item.failed")
    expect(page.get_by_test_id("note-compute")).to_have_text("failed item")
    expect(page.get_by_test_id("tokens-ready")).to_have_count(0)
    expect(page.get_by_test_id("tokens-end")).to_have_count(0)
    screenshot(page, "dashboard-06-scrubber-failure")
    page.get_by_role("button", name="Back to now").click()
    expect(page.get_by_test_id("tokens-end")).to_have_text("1")

    # The case list: the case under its definition; a data filter the server cannot read is
    # shown as its error.
    page.goto(f"{server.url}/dashboard/cases/?definition=doubling")
    expect(page.locator(f"[data-testid=case-row][data-case='{case_id}']")).to_contain_text("completed")
    page.locator("input[name=where]").fill("data.amount ~~ 3")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("list-error")).to_be_visible()
    screenshot(page, "dashboard-07-list-error")


def test_dashboard_actions_batch_and_heatmap(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    failing = [publish_and_start(server)]
    for _ in range(2):
        status, case = server.api("POST", "/api/cases/", {"definition": "doubling", "data": {"amount": "x"}})
        assert status == 201, case
        failing.append(case["id"])
    status, invoice = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 50.0}}
    )
    assert status == 201, invoice
    with watched_page(browser, server, "admin", "dashboard-98-last") as page:
        _actions(server, page, invoice["id"])
        _batch(server, page, failing)
        _heatmap(server, page)


def _actions(server: LiveServer, page: Any, case_id: int) -> None:
    page.goto(f"{server.url}/dashboard/cases/{case_id}/")
    expect(page.get_by_test_id("case-socket")).to_have_text("● live")
    actions = page.get_by_test_id("case-actions")

    # Data the definition's schema refuses: the server's field error is shown, nothing changes.
    actions.get_by_role("button", name="Edit data").click()
    actions.locator("textarea[name=data]").fill('{"amount": "lots"}')
    actions.get_by_role("button", name="Confirm edit data").click()
    expect(actions.get_by_test_id("action-error")).to_contain_text("amount")
    expect(page.get_by_test_id("case-data")).to_contain_text('"amount": 50')
    actions.locator("textarea[name=data]").fill('{"amount": 75}')
    actions.get_by_role("button", name="Confirm edit data").click()
    expect(page.get_by_test_id("case-data")).to_contain_text('"amount": 75')
    expect(page.get_by_test_id("history")).to_contain_text("data.updated (by admin)")

    # Suspend, confirmed; the state rule then offers Resume; both are in the history.
    actions.get_by_role("button", name="Suspend").click()
    expect(actions.get_by_test_id("confirm")).to_contain_text(f"Suspend case #{case_id}?")
    actions.get_by_role("button", name="Confirm suspend").click()
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("suspended")
    expect(page.get_by_test_id("history")).to_contain_text("case.suspended (by admin)")
    screenshot(page, "dashboard-10-suspended")
    actions.get_by_role("button", name="Resume").click()
    actions.get_by_role("button", name="Confirm resume").click()
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("running")
    expect(page.get_by_test_id("history")).to_contain_text("case.resumed (by admin)")

    # Suspended elsewhere meanwhile: the page follows, and a refused action shows the 409.
    status, body = server.api("POST", f"/api/cases/{case_id}/suspend/")
    assert status == 200, body
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("suspended", timeout=LIVE)
    status, body = server.api("POST", f"/api/cases/{case_id}/resume/")
    assert status == 200, body
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("running", timeout=LIVE)


def _batch(server: LiveServer, page: Any, failing: list[int]) -> None:
    # The filtered list: the three doubling cases with an incident; batch cancel over all of them.
    page.goto(f"{server.url}/dashboard/cases/?definition=doubling&incident=true")
    expect(page.locator("[data-testid=case-row]")).to_have_count(3)
    expect(page.get_by_test_id("case-count")).to_contain_text("3 cases")
    batch = page.get_by_test_id("batch")
    batch.get_by_role("button", name="Cancel all matching…").click()
    # the filter it will run over, in words
    expect(batch.get_by_test_id("batch-confirm")).to_contain_text("Matching: definition doubling, with an incident")
    batch.get_by_label("Reason").fill("bad input")
    batch.get_by_role("button", name="Confirm cancel").click()
    expect(batch.get_by_test_id("batch-summary")).to_have_text("Done: 3 cases canceled.")
    expect(page.locator("[data-testid=case-row]")).to_have_count(0)
    screenshot(page, "dashboard-11-batch-done")
    for case_id in failing:
        _, case = server.api("GET", f"/api/cases/{case_id}/")
        assert case["state"] == "canceled"


def _heatmap(server: LiveServer, page: Any) -> None:
    page.goto(f"{server.url}/dashboard/definitions/invoice-approval/")
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    expect(page.get_by_test_id("cnote-start").or_(page.get_by_test_id("note-review")).first).to_be_visible()
    expect(page.get_by_test_id("note-review")).to_contain_text("1 case here")
    page.get_by_label("where cases are now").check()
    expect(page.get_by_test_id("node-review")).to_have_attribute(
        "style", "background: rgb(247, 100, 100);"
    )  # the hottest: hsl(0, 90%, 68%)
    screenshot(page, "dashboard-12-heatmap")


def test_overview_and_case_list_follow_changes_made_elsewhere_without_polling(
    daphne_server: LiveServer, browser: Any
) -> None:
    """The pages reload when /ws/dashboard/ says cases changed (their own polling is a 60 s
    safety net): a case started through the API shows up within LIVE ms."""
    server = daphne_server
    case_id = publish_and_start(server)
    with watched_page(browser, server, "admin", "dashboard-live-99-last") as page:
        page.goto(f"{server.url}/dashboard/")
        expect(page.get_by_test_id("cases-total")).to_have_text("1")
        expect(page.get_by_test_id("dashboard-socket")).to_have_text("● live")
        status, body = server.api("POST", "/api/cases/", {"definition": "doubling", "data": {"amount": 2}})
        assert status == 201, body
        expect(page.get_by_test_id("cases-total")).to_have_text("2", timeout=LIVE)

        page.goto(f"{server.url}/dashboard/cases/?definition=doubling")
        expect(page.get_by_test_id("case-row")).to_have_count(2)
        expect(page.get_by_test_id("dashboard-socket")).to_have_text("● live")
        status, third = server.api("POST", "/api/cases/", {"definition": "doubling", "data": {"amount": 3}})
        assert status == 201, third
        expect(page.get_by_test_id("case-row")).to_have_count(3, timeout=LIVE)
        expect(page.locator(f'[data-testid="case-row"][data-case="{third["id"]}"]')).to_be_visible()
        status, _ = server.api("POST", f"/api/cases/{case_id}/cancel/", {"reason": "elsewhere"})
        assert status == 200
        expect(page.locator(f'[data-testid="case-row"][data-case="{case_id}"]')).to_contain_text(
            "canceled", timeout=LIVE
        )
        screenshot(page, "dashboard-live-list")
