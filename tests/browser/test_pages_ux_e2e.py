"""Issue 15, the inbox, case page, dashboard and login as people use them, in a real browser:
a keyboard-only pass through the inbox (claim, fill, complete) with the form's rules checked
under each field, the form pre-filled from case data and a half-filled form kept as a draft; a
suspended case's item marked and not claimable; child-only workflows not offered; the incident
drawn red with its message, retried from the overview; the history crediting people only for
their own acts; a net without a layout drawn at 1920×1080; batch and filter messages in words;
no favicon 404. Screenshots at 1280×800 and 1920×1080 (var/test-artifacts/)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.axe import axe_violations
from tests.browser.conftest import ROOT, LiveServer, screenshot, watched_page

LIVE = 5000  # ms
SIZES = ((1280, 800), (1920, 1080))

# A clerk fills in a claim (the amount is pre-filled from the case data), then an automatic
# step that always fails: an incident.
CLAIM_NET = {
    "schema_version": 1,
    "name": "expense-claim",
    "title": "Expense claim",
    "description": "A clerk checks an expense claim; then it is paid.",
    "data_schema": {"type": "object", "properties": {"amount": {"type": "number"}}},
    "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
    "tasks": [
        {
            "id": "check_claim",
            "kind": "manual",
            "label": "Check the claim",
            "description": "Compare the claim with its receipts and confirm the amount.",
            "assign": {"role": "clerks"},
            "due": "duration('48h')",
            "form": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number", "title": "Amount", "minimum": 0},
                    "reason": {"type": "string", "title": "Reason", "x-widget": "textarea"},
                },
                "required": ["amount", "reason"],
            },
        },
        {
            "id": "pay_out",
            "kind": "automatic",
            "label": "Pay out",
            "activity": "fail",
            "input": {"message": "'bank refused the transfer'"},
            "retry": {"max_attempts": 1},
        },
    ],
    "flows": [
        {"from": "start", "to": "check_claim"},
        {"from": "check_claim", "to": "pay_out"},
        {"from": "pay_out", "to": "end"},
    ],
}


def shots(page: Any, name: str) -> None:
    """The page at both sizes (the test then goes on at 1280×800)."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"15-{name}-{width}x{height}")
    page.set_viewport_size({"width": 1280, "height": 800})


def tab_to(page: Any, target: Any, limit: int = 80) -> None:
    """Press Tab until `target` has the focus (keyboard only: no clicks)."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never got the focus by Tab")


def publish_claim_net(server: LiveServer) -> None:
    status, body = server.api("POST", "/api/definitions/", CLAIM_NET)
    assert status == 201, body
    status, body = server.api("POST", "/api/definitions/expense-claim/publish/")
    assert status == 201, body


def start_claim(server: LiveServer, amount: float) -> int:
    status, case = server.api("POST", "/api/cases/", {"definition": "expense-claim", "data": {"amount": amount}})
    assert status == 201, case
    return case["id"]


def check_axe(page: Any, name: str) -> None:
    """No serious or critical accessibility violation on the page (axe-core, tests/axe.py)."""
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][:3]}" for v in axe_violations(page)]
    assert bad == [], f"{name}: {bad}"


def test_inbox_by_keyboard_with_form_rules_and_drafts(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    publish_claim_net(server)
    with watched_page(browser, server, "alice", "15-inbox-last") as page:
        # child-only workflows are not offered; descriptions are plain words
        page.get_by_role("button", name="Start a case").click()
        workflow = page.get_by_test_id("start-case").get_by_label("Workflow")
        expect(workflow).to_contain_text("Document intake")
        options = workflow.locator("option").all_inner_texts()
        assert "Document intake" in options and "Document check" not in options
        page.get_by_role("button", name="Close").click()

        case_id = start_claim(server, 120.0)
        row = page.locator(f"[data-testid=work-item][data-case='{case_id}']")
        expect(row).to_be_visible(timeout=LIVE)
        expect(row.get_by_test_id("due")).to_contain_text("due")

        # keyboard only: open the item, claim it
        tab_to(page, row.locator("button"))
        page.keyboard.press("Enter")
        detail = page.get_by_test_id("item-detail")
        expect(detail.get_by_test_id("task-description")).to_contain_text("Compare the claim")
        tab_to(page, detail.get_by_role("button", name="Claim"))
        page.keyboard.press("Enter")
        expect(detail).to_contain_text("claimed by alice", timeout=LIVE)

        # pre-filled from the case data (same field name), then refused under each field
        amount = page.locator("#root_amount")
        expect(amount).to_have_value("120")
        tab_to(page, amount)
        page.keyboard.press("Control+A")
        page.keyboard.type("-5")
        tab_to(page, page.locator("#root_reason"))
        page.keyboard.type(" ")
        assert page.locator("#root_reason").evaluate("el => el.tagName") == "TEXTAREA"  # long text
        tab_to(page, detail.get_by_role("button", name="Complete"))
        page.keyboard.press("Enter")
        expect(page.locator("#root_amount__error")).to_contain_text("at least 0")
        expect(page.locator("#root_reason__error")).to_contain_text("only spaces")
        expect(page.locator("#root_amount__error")).not_to_contain_text("spaces")
        shots(page, "inbox-form-errors")

        # the server holds the same rules: the same answer through the API is refused
        item_id = server.api("GET", f"/api/cases/{case_id}/")[1]["work_items"][0]["id"]
        status, body = server.api(
            "POST", f"/api/work-items/{item_id}/complete/", {"output": {"amount": -5, "reason": " "}}, user="alice"
        )
        assert status == 400 and {e["field"] for e in body["errors"]} == {"amount", "reason"}

        # a half-filled form survives a reload (kept in the browser)
        tab_to(page, page.locator("#root_reason"))
        page.keyboard.press("Control+A")
        page.keyboard.type("Receipts match")
        page.reload()
        page.get_by_test_id("tab-mine").click()
        page.locator(f"[data-testid=work-item][data-case='{case_id}'] button").click()
        expect(page.locator("#root_reason")).to_have_value("Receipts match")
        expect(page.get_by_test_id("draft-note")).to_be_visible()

        # the case's diagram and history from the item
        page.get_by_test_id("case-view").locator("summary").click()
        expect(page.get_by_test_id("case-view").get_by_test_id("node-check_claim")).to_be_visible(timeout=LIVE)
        expect(page.get_by_test_id("case-history")).to_contain_text("case.started")
        shots(page, "inbox-case-view")

        # search and a saved filter
        search = page.get_by_test_id("inbox-search")
        search.fill("no such thing")
        expect(page.locator("[data-testid=work-item]")).to_have_count(0)
        search.fill(f"#{case_id}")
        expect(page.locator("[data-testid=work-item]")).to_have_count(1)
        page.once("dialog", lambda d: d.accept("this claim"))
        page.get_by_role("button", name="Save filter…").click()
        search.fill("")
        page.get_by_test_id("saved-filters").select_option("this claim")
        expect(search).to_have_value(f"#{case_id}")

        # complete by keyboard: the item leaves, the draft is gone
        amount = page.locator("#root_amount")
        tab_to(page, amount)
        page.keyboard.press("Control+A")
        page.keyboard.type("30")
        tab_to(page, page.get_by_test_id("item-detail").get_by_role("button", name="Complete"))
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("notice")).to_contain_text("completed", timeout=LIVE)
        expect(page.locator(f"[data-testid=work-item][data-case='{case_id}']")).to_have_count(0)
        status, case = server.api("GET", f"/api/cases/{case_id}/")
        assert case["data"]["amount"] == 30
        check_axe(page, "inbox")


def test_suspended_case_marked_and_not_claimable(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    publish_claim_net(server)
    with watched_page(browser, server, "bob", "15-suspended-last") as page:
        case_id = start_claim(server, 10.0)
        row = page.locator(f"[data-testid=work-item][data-case='{case_id}']")
        expect(row).to_be_visible(timeout=LIVE)
        status, _ = server.api("POST", f"/api/cases/{case_id}/suspend/")
        assert status == 200
        expect(row).to_have_attribute("data-on-hold", "true", timeout=LIVE)  # pushed live
        expect(row).to_contain_text("on hold")
        row.locator("button").click()
        expect(page.get_by_test_id("on-hold")).to_contain_text("suspended")
        detail = page.get_by_test_id("item-detail")
        expect(detail.get_by_role("button", name="Claim")).to_be_disabled()
        expect(detail.get_by_role("button", name="Complete")).to_be_disabled()
        shots(page, "inbox-on-hold")
        item_id = row.get_attribute("data-item-id")
        status, body = server.api("POST", f"/api/work-items/{item_id}/claim/", user="bob")
        assert status == 409 and "suspended" in body["detail"]
        server.api("POST", f"/api/cases/{case_id}/resume/")
        expect(row).not_to_have_attribute("data-on-hold", "true", timeout=LIVE)
        expect(detail.get_by_role("button", name="Claim")).to_be_enabled()


def test_dashboard_incident_history_and_lists(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    publish_claim_net(server)
    case_id = start_claim(server, 50.0)
    status, case = server.api("GET", f"/api/cases/{case_id}/")
    item_id = case["work_items"][0]["id"]
    status, body = server.api(
        "POST", f"/api/work-items/{item_id}/complete/", {"output": {"amount": 50, "reason": "ok"}}, user="alice"
    )
    assert status == 200, body
    status, intake = server.api("POST", "/api/cases/", {"definition": "document-intake", "data": {"source": "mail"}})
    assert status == 201, intake

    # no /favicon.ico 404
    with urllib.request.urlopen(f"{server.url}/favicon.ico", timeout=5) as response:
        assert response.status == 200 and b"<svg" in response.read()

    with watched_page(browser, server, "admin", "15-dashboard-last") as page:
        # the incident on its node: red, with its message
        page.goto(f"{server.url}/dashboard/cases/{case_id}/")
        node = page.get_by_test_id("node-pay_out")
        expect(node).to_have_class(re.compile(r"\brun-incident\b"), timeout=LIVE)
        expect(page.get_by_test_id("note-pay_out")).to_contain_text("bank refused the transfer")
        # engine steps are not credited to alice; her completion is
        history = page.get_by_test_id("history")
        expect(history).to_contain_text("task.started · pay_out")
        assert "pay_out (by alice)" not in history.inner_text()
        expect(history).to_contain_text("work_item.completed · check_claim (by alice)")
        # a compact list whose payloads open on demand
        event = history.locator("details.event-payload").first
        event.locator("summary").click()
        expect(event.locator("pre")).to_be_visible()
        shots(page, "case-incident")
        check_axe(page, "case page")

        # a net without a layout is drawn (not blank) at 1920×1080, no minimap over it
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(f"{server.url}/dashboard/cases/{intake['id']}/")
        canvas = page.get_by_test_id("net-canvas")
        expect(canvas).to_have_attribute("data-ready", "true", timeout=LIVE)
        box = canvas.bounding_box()
        for node_id in ("register", "check_document", "end"):
            node_box = page.get_by_test_id(f"node-{node_id}").bounding_box()
            assert node_box is not None
            assert box["x"] <= node_box["x"] and node_box["x"] + node_box["width"] <= box["x"] + box["width"]
            assert box["y"] <= node_box["y"] and node_box["y"] + node_box["height"] <= box["y"] + box["height"]
        expect(canvas.locator(".react-flow__minimap")).to_have_count(0)
        shots(page, "case-intake")

        # retry from the overview
        page.goto(f"{server.url}/dashboard/")
        incident = page.locator(f"[data-testid=incident][data-case='{case_id}']")
        expect(incident).to_contain_text("bank refused the transfer", timeout=LIVE)
        shots(page, "overview")
        check_axe(page, "overview")
        page.once("dialog", lambda d: d.accept())
        incident.get_by_role("button", name="Retry").click()
        # it ran again and failed again (the activity always fails): a second attempt
        expect(incident).to_contain_text("attempt 2", timeout=LIVE)

        # a bad data filter: its error once, no stale results under it
        page.goto(f"{server.url}/dashboard/cases/")
        expect(page.get_by_test_id("cases")).to_be_visible(timeout=LIVE)
        check_axe(page, "case list")
        page.locator("input[name=where]").fill("data.amount >")
        page.get_by_role("button", name="Apply").click()
        error = page.get_by_test_id("list-error")
        expect(error).to_be_visible(timeout=LIVE)
        expect(page.get_by_test_id("cases")).to_have_count(0)
        text = error.inner_text()
        first_line = text.splitlines()[0]
        assert text.count(first_line) == 1, text
        shots(page, "case-list-bad-filter")

        # batch cancel over ended cases only: says there was nothing to do, in words
        page.goto(f"{server.url}/dashboard/cases/?state=running&definition=expense-claim")
        expect(page.get_by_test_id("case-row")).to_have_count(1, timeout=LIVE)
        page.get_by_role("button", name="Cancel all matching…").click()
        confirm = page.get_by_test_id("batch-confirm")
        expect(confirm).to_contain_text("Cancel the 1 matching case?")
        expect(confirm.get_by_test_id("batch-filters")).to_contain_text("definition expense-claim, state running")
        assert "{" not in confirm.inner_text()
        confirm.get_by_role("button", name="Confirm cancel").click()
        expect(page.get_by_test_id("batch-summary")).to_contain_text("1 case canceled", timeout=LIVE)

        page.goto(f"{server.url}/dashboard/definitions/expense-claim/")
        expect(page.get_by_test_id("net-canvas")).to_be_visible(timeout=LIVE)
        check_axe(page, "definition page")


def test_login_page_accessible(daphne_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{daphne_server.url}/login/")
    expect(page.locator("input[name=username]")).to_be_visible()
    shots(page, "login")
    check_axe(page, "login")


def test_readme_screenshot(daphne_server: LiveServer, browser: Any) -> None:
    """The README's picture (docs/screenshot.png): the inbox with an invoice's review open, at
    1280×800. Written to var/test-artifacts/ always, and over docs/screenshot.png when
    README_SCREENSHOT=1 (`README_SCREENSHOT=1 python -m pytest tests/browser -k readme`)."""
    import os

    server = daphne_server
    status, case = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 4200}}
    )
    assert status == 201
    with watched_page(browser, server, "alice", "15-readme-last") as page:
        row = page.locator(f"[data-testid=work-item][data-case='{case['id']}']")
        expect(row).to_be_visible(timeout=LIVE)
        row.locator("button").click()
        expect(page.get_by_test_id("task-description")).to_be_visible()
        page.get_by_test_id("case-view").locator("summary").click()
        expect(page.get_by_test_id("case-view").get_by_test_id("node-review")).to_be_visible(timeout=LIVE)
        path = ROOT / "var" / "test-artifacts" / "15-readme.png"
        page.screenshot(path=str(path), animations="disabled")
        if os.environ.get("README_SCREENSHOT") == "1":
            Path(ROOT / "docs" / "screenshot.png").write_bytes(path.read_bytes())
