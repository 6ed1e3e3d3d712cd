"""The live inbox in a real browser: two clerks and a manager with the inbox open; cases started
through the API appear, a claim takes the item from the other clerk, the form's errors come from
the server, completing offers the next task to the managers, and a dropped connection recovers."""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, login_page, screenshot, watched_page
from tests.helpers import net

LIVE = 1000  # ms: how soon a change must reach an open page


def item(page: Any, case_id: int, task_label: str | None = None) -> Any:
    locator = page.locator(f"[data-testid=work-item][data-case='{case_id}']")
    return locator.filter(has_text=task_label) if task_label else locator


def start_invoice(server: LiveServer, amount: float) -> int:
    status, case = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": amount}}
    )
    assert status == 201, case
    return case["id"]


def test_live_inbox(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    alice, bob, carol = (login_page(browser, server, u) for u in ("alice", "bob", "carol"))
    errors: list[str] = []
    for page in (alice, bob, carol):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _live_inbox(server, alice, bob, carol)
    finally:
        for name, page in (("alice", alice), ("bob", bob), ("carol", carol)):
            screenshot(page, f"99-last-{name}")
    assert errors == []


def _live_inbox(server: LiveServer, alice: Any, bob: Any, carol: Any) -> None:
    for page in (alice, bob, carol):
        expect(page.get_by_test_id("socket-status")).to_have_text("● live")

    # A case started through the API: its review item reaches both clerks within a second.
    case_id = start_invoice(server, 5000.0)
    started = time.monotonic()
    for page in (alice, bob):
        expect(item(page, case_id)).to_be_visible(timeout=LIVE)
    assert time.monotonic() - started < LIVE / 1000 + 0.2
    expect(item(carol, case_id)).to_have_count(0)
    expect(alice.get_by_test_id("inbox-count")).to_have_text("1")
    screenshot(alice, "01-alice-offered")

    # Alice claims it: it leaves Bob's inbox, and moves to Alice's "Mine".
    item(alice, case_id).click()
    expect(alice.get_by_test_id("item-detail")).to_contain_text("Review invoice")
    expect(alice.get_by_test_id("item-detail")).to_contain_text("ACME")  # the case data
    alice.get_by_role("button", name="Claim").click()
    expect(item(bob, case_id)).to_have_count(0, timeout=LIVE)
    expect(bob.get_by_test_id("inbox-count")).to_have_text("0")
    alice.get_by_test_id("tab-mine").click()
    expect(item(alice, case_id)).to_be_visible()
    item(alice, case_id).click()
    screenshot(bob, "02-bob-after-claim")

    # The form: a rejection without the comment the form's schema then requires is refused
    # (checked in the browser by the same rules as the server), the error under that field.
    alice.get_by_role("button", name="Complete").click()
    expect(alice.locator("#root_comment__error")).to_contain_text("is required")
    expect(item(alice, case_id)).to_be_visible()  # nothing changed
    screenshot(alice, "03-alice-form-error")

    # A good answer completes it; the next manual task goes to the managers (Carol) only.
    alice.get_by_label("Approve").check()
    alice.get_by_label("Comment").fill("Checked against the order")
    alice.get_by_role("button", name="Complete").click()
    expect(item(alice, case_id)).to_have_count(0, timeout=LIVE)
    expect(item(carol, case_id, "Manager approval")).to_be_visible(timeout=LIVE)
    expect(item(bob, case_id)).to_have_count(0)
    alice.get_by_test_id("tab-done").click()
    expect(item(alice, case_id, "Review invoice")).to_be_visible()
    screenshot(carol, "04-carol-manager-approval")

    # The server goes away and comes back: the pages reconnect and get a fresh snapshot.
    server.restart()
    for page in (bob, carol):
        expect(page.get_by_test_id("socket-status")).to_have_text("● live", timeout=15_000)
    second = start_invoice(server, 120.0)
    expect(item(bob, second)).to_be_visible(timeout=LIVE)
    expect(item(carol, case_id, "Manager approval")).to_be_visible()

    # Carol starts a case from the page; its review goes to the clerks.
    carol.get_by_role("button", name="Start a case").click()
    start_form = carol.get_by_test_id("start-case")
    start_form.get_by_label("Workflow").select_option(label="Invoice approval")
    start_form.get_by_label("Vendor").fill("Globex")
    start_form.get_by_label("Amount").fill("80")
    start_form.get_by_role("button", name="Start").click()
    expect(carol.get_by_test_id("notice")).to_contain_text("started")
    expect(bob.locator("[data-testid=work-item]")).to_have_count(2, timeout=LIVE)
    bob.locator("[data-testid=work-item]").first.click()
    expect(bob.get_by_test_id("item-detail")).to_be_visible()
    screenshot(bob, "05-bob-inbox")


def test_one_change_for_two_items_reaches_the_page_as_one_frame(daphne_server: LiveServer, browser: Any) -> None:
    """ADR 0093: a completion that removes one item from Bob's inbox and offers him the next one
    reaches his socket as one frame, a JSON array of the two messages; the page applies both."""
    server = daphne_server
    doc = net(
        "two-clerks",
        [
            {"id": "prepare", "kind": "manual", "label": "Prepare", "assign": {"role": "clerks"}},
            {"id": "verify", "kind": "manual", "label": "Verify", "assign": {"role": "clerks"}},
        ],
        [("start", "prepare"), ("prepare", "verify"), ("verify", "end")],
    )
    status, answer = server.api("POST", "/api/definitions/import/", doc)
    assert status in (200, 201), answer
    status, answer = server.api("POST", "/api/definitions/two-clerks/publish/", {})
    assert status == 201, answer

    with watched_page(browser, server, "bob", "99-last-bob-one-frame") as bob:
        frames: list[str] = []
        bob.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
        bob.reload()  # the inbox's socket again, now watched
        expect(bob.get_by_test_id("socket-status")).to_have_text("● live")
        status, case = server.api("POST", "/api/cases/", {"definition": "two-clerks"})
        assert status == 201, case
        expect(item(bob, case["id"], "Prepare")).to_be_visible(timeout=LIVE)

        status, items = server.api("GET", f"/api/work-items/?case={case['id']}", user="alice")
        assert status == 200, items
        [prepare] = items["results"]
        status, done = server.api("POST", f"/api/work-items/{prepare['id']}/complete/", {"output": {}}, user="alice")
        assert status == 200, done
        expect(item(bob, case["id"], "Verify")).to_be_visible(timeout=LIVE)
        expect(item(bob, case["id"], "Prepare")).to_have_count(0)

        batched = [json.loads(f) for f in frames if f.startswith("[")]
        assert [[(m["event"], m["work_item"]["task"]) for m in b] for b in batched] == [
            [("removed", "prepare"), ("offered", "verify")]
        ]
