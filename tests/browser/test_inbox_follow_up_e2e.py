"""Follow-up dates in a real browser (ADR 0084): a clerk sets one with the keyboard only, the row
leaves the default view for "later" (in a second window of the same clerk too: pushed live),
and comes back when the date is cleared; a candidate sees no editor and the API refuses them.
Screenshots at 1280×800 and 1920×1080; axe finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, login_page, watched_page
from tests.browser.test_pages_ux_e2e import LIVE, check_axe, publish_claim_net, shots, start_claim, tab_to


def test_follow_up_by_keyboard_moves_the_row_to_later_and_back(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    publish_claim_net(server)
    case_id = start_claim(server, 75.0)
    with watched_page(browser, server, "alice", "84-follow-up-last") as page:
        other_window = login_page(browser, server, "alice")  # the same clerk, another window
        bob = login_page(browser, server, "bob")  # a colleague in the same group
        row = page.locator(f"[data-testid=work-item][data-case='{case_id}']")
        expect(row).to_be_visible(timeout=LIVE)

        # keyboard only: open the item, claim it
        tab_to(page, row.locator("button"))
        page.keyboard.press("Enter")
        detail = page.get_by_test_id("item-detail")
        tab_to(page, detail.get_by_role("button", name="Claim"))
        page.keyboard.press("Enter")
        expect(detail).to_contain_text("claimed by alice", timeout=LIVE)
        page.get_by_test_id("tab-mine").click()
        mine = page.locator(f"[data-testid=work-item][data-case='{case_id}']")
        expect(mine).to_be_visible()
        other_window.get_by_test_id("tab-mine").click()
        other_row = other_window.locator(f"[data-testid=work-item][data-case='{case_id}']")
        expect(other_row).to_be_visible(timeout=LIVE)

        # type a date two days ahead and a time (the browser's en-US locale: month, day, year;
        # hour, minute, AM/PM) and set it with Enter on the button
        when = (dt.datetime.now() + dt.timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
        field = detail.get_by_label("Follow up on")
        tab_to(page, field)
        page.keyboard.type(when.strftime("%m%d%Y"))
        expect(field).to_have_value(when.strftime("%Y-%m-%d"))
        tab_to(page, detail.get_by_label("at", exact=True))
        page.keyboard.type("0930AM")
        expect(detail.get_by_label("at", exact=True)).to_have_value("09:30")
        tab_to(page, detail.get_by_role("button", name="Set follow-up"))
        page.keyboard.press("Enter")

        # filed under later: gone from the default view, in both windows, with a way to show it
        expect(mine).to_have_count(0, timeout=LIVE)
        expect(page.get_by_test_id("later-hint")).to_contain_text("1 item is filed under later")
        expect(other_row).to_have_count(0, timeout=LIVE)
        expect(detail.get_by_test_id("follow-up-status")).to_contain_text("Filed under later until")
        item_id = server.api("GET", f"/api/cases/{case_id}/")[1]["work_items"][0]["id"]
        status, item = server.api("GET", f"/api/work-items/{item_id}/", user="alice")
        assert status == 200
        assert dt.datetime.fromisoformat(item["follow_up"]) == when.astimezone()
        tab_to(page, page.get_by_role("button", name="Show later"))
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("follow-up-view")).to_have_value("later")
        expect(mine).to_be_visible()
        expect(mine.get_by_test_id("follow-up")).to_contain_text("follow up in 2 days")
        shots(page, "84-inbox-later")
        check_axe(page, "inbox with a follow-up date")

        # a colleague may not change it (the item is alice's): the API says why, nothing changes
        status, body = server.api("POST", f"/api/work-items/{item_id}/follow-up/", {"follow_up": None}, user="bob")
        assert status == 409 and "only they can set its follow-up date" in body["detail"]
        status, body = server.api(
            "POST", f"/api/work-items/{item_id}/follow-up/", {"follow_up": "not a date"}, user="alice"
        )
        assert status == 400 and body["errors"][0]["field"] == "follow_up"
        assert server.api("GET", f"/api/work-items/{item_id}/", user="alice")[1]["follow_up"] == item["follow_up"]

        # clear it with the keyboard: back in the default view, in both windows
        tab_to(page, detail.get_by_role("button", name="Clear follow-up"))
        page.keyboard.press("Enter")
        expect(mine).to_have_count(0, timeout=LIVE)  # it left the "later" view
        expect(other_row).to_be_visible(timeout=LIVE)
        page.get_by_test_id("follow-up-view").select_option("due")
        expect(mine).to_be_visible()
        expect(mine.get_by_test_id("follow-up")).to_have_count(0)
        expect(detail.get_by_test_id("follow-up-status")).to_contain_text("No follow-up date")
        shots(page, "84-inbox-follow-up-cleared")

        # the editor is for the assignee: bob, a candidate of an unclaimed item, sees none
        other_case = start_claim(server, 5.0)
        bob_row = bob.locator(f"[data-testid=work-item][data-case='{other_case}']")
        expect(bob_row).to_be_visible(timeout=LIVE)
        bob_row.locator("button").click()
        expect(bob.get_by_test_id("item-detail")).to_be_visible()
        expect(bob.get_by_label("Follow up on")).to_have_count(0)
        other_window.context.close()
        bob.context.close()


def test_inbox_rows_fit_and_pass_axe_at_both_sizes(daphne_server: LiveServer, browser: Any) -> None:
    """Issue 15 audit, inbox side: rows with a priority, a due date and a follow-up date (the row
    selected) pass axe at 1280×800 and 1920×1080 for two clerks at once; nothing runs off the
    page sideways and the search field shows its whole placeholder; times are relative to the
    nearest unit (due in 48 h is "in 2 days", not "tomorrow"); a start form's fields are labelled
    in words."""
    server = daphne_server
    publish_claim_net(server)
    status, invoice = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": {"vendor": "ACME", "amount": 4200}}
    )
    assert status == 201
    claim = start_claim(server, 12.0)
    with watched_page(browser, server, "alice", "84-audit-last") as page:
        bob = login_page(browser, server, "bob")
        for p in (page, bob):
            row = p.locator(f"[data-testid=work-item][data-case='{invoice['id']}']")
            expect(row).to_contain_text("P2", timeout=LIVE)
            row.locator("button").click()
            expect(p.get_by_test_id("item-detail")).to_be_visible()
        claim_row = page.locator(f"[data-testid=work-item][data-case='{claim}']")
        expect(claim_row.get_by_test_id("due")).to_contain_text("due in 2 days")
        for width, height in ((1280, 800), (1920, 1080)):
            for p in (page, bob):
                p.set_viewport_size({"width": width, "height": height})
                check_axe(p, f"inbox {width}x{height}")
                wide = p.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter((e) => !e.closest('.react-flow'))
                        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                        .map((e) => e.tagName + '.' + e.className)"""
                )
                assert wide == [], wide
                search = p.get_by_test_id("inbox-search")
                fits = search.evaluate(
                    """(el) => {
                        const ctx = document.createElement('canvas').getContext('2d');
                        ctx.font = getComputedStyle(el).font;
                        const pad = parseFloat(getComputedStyle(el).paddingLeft) +
                            parseFloat(getComputedStyle(el).paddingRight);
                        return ctx.measureText(el.placeholder).width + pad <= el.clientWidth;
                    }"""
                )
                assert fits, f"the search placeholder is cut at {width}x{height}"
        shots(page, "84-inbox-audit")

        # a start form labels its fields in words, never with their ids ("documents-1")
        page.get_by_role("button", name="Start a case").click()
        start = page.get_by_test_id("start-case")
        start.get_by_label("Workflow").select_option(label="Batch review")
        expect(start).to_contain_text("Documents")
        expect(start.get_by_label("Document", exact=False).first).to_be_visible()
        assert "documents-1" not in start.inner_text()
        check_axe(page, "start a case")
        bob.context.close()
