"""The case page's signal and add-work-item actions in a real browser, as an operator uses them:
a signal with a payload completes the task waiting for it, writes the case data through the
signal's output mapping and moves the token on the drawn net; a payload that breaks the
signal's schema shows the server's field error and changes nothing; a work item added to a
dynamic multi-instance task appears on the page and in the API; one past the task's `max` is
refused on the page and changes nothing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, screenshot, watched_page

LIVE = 5000  # ms: how soon the page must show the answer of an action (a loaded 2-core machine)

# After `fork`, two branches run side by side: `wait_payment` waits for the signal `paid`
# (its payload needs a numeric `amount`, which the output mapping writes to `data.paid`), and
# `review_document` is a dynamic multi-instance manual task (one item at start, at most two).
# `join` waits for both.
ACTIONS_NET = {
    "schema_version": 1,
    "name": "pay-and-review",
    "title": "Pay and review",
    "data_schema": {"type": "object", "properties": {"paid": {"type": "number", "maximum": 1000}}},
    "conditions": [
        {"id": "start", "kind": "start"},
        {"id": "awaiting", "label": "Awaiting payment"},
        {"id": "paid", "label": "Paid"},
        {"id": "to_review", "label": "To review"},
        {"id": "reviewed", "label": "Reviewed"},
        {"id": "end", "kind": "end"},
    ],
    "tasks": [
        {"id": "fork", "kind": "dummy", "label": "Fork"},
        {"id": "wait_payment", "kind": "signal", "label": "Wait for payment", "signal": "paid"},
        {
            "id": "review_document",
            "kind": "manual",
            "label": "Review document",
            "instances": {"min": 1, "max": 2, "creation": "dynamic"},
        },
        {"id": "join", "kind": "dummy", "label": "Join", "join": "and"},
    ],
    "flows": [
        {"from": "start", "to": "fork"},
        {"from": "fork", "to": "awaiting"},
        {"from": "awaiting", "to": "wait_payment"},
        {"from": "wait_payment", "to": "paid"},
        {"from": "paid", "to": "join"},
        {"from": "fork", "to": "to_review"},
        {"from": "to_review", "to": "review_document"},
        {"from": "review_document", "to": "reviewed"},
        {"from": "reviewed", "to": "join"},
        {"from": "join", "to": "end"},
    ],
    "signals": [
        {
            "name": "paid",
            "schema": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
            "output": {"paid": "signal.amount"},
        }
    ],
    "layout": {
        "start": {"x": 0, "y": 120},
        "fork": {"x": 100, "y": 100},
        "awaiting": {"x": 300, "y": 20},
        "wait_payment": {"x": 400, "y": 0},
        "paid": {"x": 620, "y": 20},
        "to_review": {"x": 300, "y": 220},
        "review_document": {"x": 400, "y": 200},
        "reviewed": {"x": 620, "y": 220},
        "join": {"x": 720, "y": 100},
        "end": {"x": 920, "y": 120},
    },
}


def publish_and_start(server: LiveServer) -> int:
    status, body = server.api("POST", "/api/definitions/", ACTIONS_NET)
    assert status == 201, body
    status, body = server.api("POST", "/api/definitions/pay-and-review/publish/")
    assert status == 201, body
    status, case = server.api("POST", "/api/cases/", {"definition": "pay-and-review", "data": {}})
    assert status == 201, case
    return case["id"]


def case_state(server: LiveServer, case_id: int) -> dict[str, Any]:
    """What the API says about the case: the parts an action may change."""
    status, case = server.api("GET", f"/api/dashboard/cases/{case_id}/")
    assert status == 200, case
    return {
        "state": case["state"],
        "data": case["data"],
        "marking": {k: v for k, v in case["marking"].items() if v},
        "tasks": {t: run["state"] for t, run in case["tasks"].items()},
        "items": sorted((w["task"], w["state"], repr(w["input"])) for w in case["work_items"]),
        "events": [e["id"] for e in case["history"]],
    }


def test_dashboard_signal_and_add_work_item(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    case_id = publish_and_start(server)
    with watched_page(browser, server, "admin", "dashboard-actions-99-last") as page:
        page.goto(f"{server.url}/dashboard/cases/{case_id}/")
        expect(page.get_by_test_id("case-socket")).to_have_text("● live")
        _signal(server, page, case_id)
        _add_work_item(server, page, case_id)


def _signal(server: LiveServer, page: Any, case_id: int) -> None:
    actions = page.get_by_test_id("case-actions")
    # Before: the signal task waits, the token sits in front of it, no data.
    expect(page.get_by_test_id("tokens-awaiting")).to_have_text("1")
    expect(page.get_by_test_id("tokens-paid")).to_have_count(0)
    expect(page.get_by_test_id("run-wait_payment")).to_have_text("enabled")
    expect(page.get_by_test_id("case-data")).to_have_text("{}")

    # A payload that breaks the signal's schema: the server's field error, nothing changed.
    before = case_state(server, case_id)
    actions.get_by_role("button", name="Send signal").click()
    dialog = actions.get_by_role("dialog", name="Send signal")
    expect(dialog).to_contain_text(f"Send a signal to case #{case_id}:")
    expect(dialog.get_by_label("Signal", exact=True)).to_have_value("paid")  # the net's only signal
    dialog.get_by_label("Payload (JSON)").fill('{"amount": "a lot"}')
    dialog.get_by_role("button", name="Confirm send signal").click()
    error = dialog.get_by_test_id("action-error")
    expect(error).to_contain_text("the payload does not match the schema of signal 'paid'", timeout=LIVE)
    expect(error.get_by_role("listitem")).to_contain_text(["amount"])
    expect(error).to_contain_text("'a lot' is not of type 'number'")
    screenshot(page, "dashboard-actions-01-signal-refused")
    assert case_state(server, case_id) == before
    expect(page.get_by_test_id("case-data")).to_have_text("{}")
    expect(page.get_by_test_id("run-wait_payment")).to_have_text("enabled")
    expect(page.get_by_test_id("tokens-awaiting")).to_have_text("1")

    # The fixed payload: the output mapping writes data.paid, the signal task completes, the
    # token moves to `paid` on the net, the history names the operator.
    dialog.get_by_label("Payload (JSON)").fill('{"amount": 120}')
    dialog.get_by_role("button", name="Confirm send signal").click()
    expect(actions.get_by_test_id("action-notice")).to_have_text("Send signal: done", timeout=LIVE)
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("case-data")).to_contain_text('"paid": 120', timeout=LIVE)
    expect(page.get_by_test_id("run-wait_payment")).to_have_text("completed")
    expect(page.get_by_test_id("tokens-paid")).to_have_text("1")
    expect(page.get_by_test_id("tokens-awaiting")).to_have_count(0)
    expect(page.locator("[data-testid=work-item-row][data-task=wait_payment]")).to_have_attribute(
        "data-state", "completed"
    )
    expect(page.get_by_test_id("history")).to_contain_text("signal.received")
    expect(page.locator(".case-page h1 .state-badge")).to_have_text("running")
    screenshot(page, "dashboard-actions-02-signal-delivered")

    after = case_state(server, case_id)
    assert after["data"] == {"paid": 120}
    assert after["tasks"]["wait_payment"] == "completed"
    assert after["marking"] == {"paid": 1, "to_review": 1}
    assert ("wait_payment", "completed", "{}") in after["items"]
    _, detail = server.api("GET", f"/api/dashboard/cases/{case_id}/")
    received = [e for e in detail["history"] if e["type"] == "signal.received"]
    assert len(received) == 1, received
    assert received[0]["payload"]["payload"] == {"amount": 120}
    assert received[0]["payload"]["outcome"] == "delivered"
    item = next(w for w in detail["work_items"] if w["task"] == "wait_payment")
    assert item["output"] == {"amount": 120}


def _add_work_item(server: LiveServer, page: Any, case_id: int) -> None:
    actions = page.get_by_test_id("case-actions")
    rows = page.locator("[data-testid=work-item-row][data-task=review_document]")
    expect(rows).to_have_count(1)  # min 1: one item made at start
    expect(page.get_by_test_id("note-review_document")).to_have_count(0)

    # Add one (2 of max 2) with an input: a new row, the net's note counts two items.
    actions.get_by_role("button", name="Add work item").click()
    dialog = actions.get_by_role("dialog", name="Add work item")
    expect(dialog).to_contain_text("Add a work item to a dynamic multi-instance task:")
    expect(dialog.get_by_label("Task")).to_have_value("review_document")
    dialog.get_by_label("Input (JSON)").fill('{"document": "contract.pdf"}')
    dialog.get_by_role("button", name="Confirm add work item").click()
    expect(actions.get_by_test_id("action-notice")).to_have_text("Add work item: done", timeout=LIVE)
    expect(rows).to_have_count(2, timeout=LIVE)
    added = rows.filter(has_text="contract.pdf")
    expect(added).to_have_count(1)
    expect(added).to_have_attribute("data-state", "initialized")
    expect(page.get_by_test_id("note-review_document")).to_have_text("0/2 done, 2 open")
    expect(page.get_by_test_id("history")).to_contain_text("work_item.created · review_document")
    screenshot(page, "dashboard-actions-03-item-added")

    state = case_state(server, case_id)
    review = [i for i in state["items"] if i[0] == "review_document"]
    assert review == sorted(
        [
            ("review_document", "initialized", "{}"),
            ("review_document", "initialized", repr({"document": "contract.pdf"})),
        ]
    )

    # One more would pass the task's max of 2: the page no longer offers it (the engine's rule,
    # engine/core/rules.py, through the page's `actions`), and the API refuses it, nothing changed.
    before = case_state(server, case_id)
    expect(actions.get_by_role("button", name="Add work item")).to_have_count(0)
    status, body = server.api(
        "POST",
        f"/api/cases/{case_id}/tasks/review_document/work-items/",
        {"input": {"document": "one-too-many.pdf"}},
    )
    assert (status, body["detail"]) == (409, "task 'review_document' already has its maximum of 2 work items")
    screenshot(page, "dashboard-actions-04-item-refused")
    assert case_state(server, case_id) == before
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("note-review_document")).to_have_text("0/2 done, 2 open")
    expect(page.get_by_test_id("work-items")).not_to_contain_text("one-too-many.pdf")
