"""Issue 14 item 4 and issue 15's dashboard gaps in a real browser: find a case by id or
business key from the search box; the case list's columns chosen per user and kept; WCP-27
"Complete task" from the case page with its confirmation; the net's minimap and controls never
over a node or the history scrubber, at 1280×800 and 1920×1080, on small and big nets, on the
case page (now and scrubbed to the past) and the definition page's heatmap. axe on each page.
Screenshots in var/test-artifacts/ (dashboard-gaps-*)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.axe import axe_violations
from tests.browser.conftest import LiveServer, screenshot, watched_page

LIVE = 5000  # ms
SIZES = ((1280, 800), (1920, 1080))


def check_axe(page: Any, name: str) -> None:
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][:3]}" for v in axe_violations(page)]
    assert bad == [], f"axe on {name}: {bad}"


def start(server: LiveServer, definition: str, data: dict[str, Any], key: str | None = None) -> int:
    body: dict[str, Any] = {"definition": definition, "data": data}
    if key is not None:
        body["business_key"] = key
    status, case = server.api("POST", "/api/cases/", body)
    assert status == 201, case
    return case["id"]


# ---------------------------------------------------------------------- find, columns


def test_find_a_case_by_id_or_business_key_and_choose_columns(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    invoice = {"vendor": "ACME", "amount": 120.0}
    keyed = start(server, "invoice-approval", invoice, key="INV-2026-0042")
    twin_a = start(server, "invoice-approval", invoice, key="PO-77")
    twin_b = start(server, "batch-review", {"documents": ["a"]}, key="PO-77")
    plain = start(server, "invoice-approval", invoice)
    start(server, "document-intake", {"source": "mail"}, key="DOC-1")
    # a second start with the same key: 409, the message says why
    status, body = server.api(
        "POST", "/api/cases/", {"definition": "invoice-approval", "data": invoice, "business_key": "PO-77"}
    )
    assert status == 409 and body["code"] == "business_key_taken", body

    with watched_page(browser, server, "admin", "dashboard-gaps-find-last") as page:
        page.goto(f"{server.url}/dashboard/")
        search = page.get_by_role("search").get_by_label("Find a case by id or business key")
        # one match: straight to the case, its key in the header
        search.fill("INV-2026-0042")
        search.press("Enter")
        page.wait_for_url(f"**/dashboard/cases/{keyed}/")
        expect(page.get_by_test_id("business-key")).to_have_text("INV-2026-0042")
        check_axe(page, "case page with a business key")

        # an id finds its case too
        search.fill(f"#{plain}")
        search.press("Enter")
        page.wait_for_url(f"**/dashboard/cases/{plain}/")
        expect(page.get_by_test_id("business-key")).to_have_count(0)

        # a key two definitions use: the list of both, the filter shown in the form
        search.fill("PO-77")
        search.press("Enter")
        page.wait_for_url("**/dashboard/cases/?find=PO-77")
        rows = page.get_by_test_id("case-row")
        expect(rows).to_have_count(2)
        assert sorted(int(r.get_attribute("data-case")) for r in rows.all()) == sorted([twin_a, twin_b])
        expect(page.locator("input[name=find]")).to_have_value("PO-77")
        expect(page.locator(f"[data-testid=case-row][data-case='{twin_b}'] td[data-column=business_key]")).to_have_text(
            "PO-77"
        )
        # nothing found: the list says so
        search.fill("no-such-key")
        search.press("Enter")
        page.wait_for_url("**/dashboard/cases/?find=no-such-key")
        expect(page.get_by_text("No cases match.")).to_be_visible()

        # columns: the default set, then chosen with the keyboard only, kept after a reload
        page.goto(f"{server.url}/dashboard/cases/")
        expect(page.get_by_test_id("case-row")).to_have_count(5)
        headers = page.locator("[data-testid=cases] thead th")
        default = ["Case", "Business key", "Definition", "State", "Incident", "Open items", "Started", "Updated"]
        expect(headers).to_have_text(default)
        picker = page.get_by_role("button", name="Columns (8)")
        picker.focus()
        page.keyboard.press("Enter")
        expect(picker).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_role("checkbox", name="Case")).to_be_disabled()  # always shown
        for name in ("Started by", "Incident"):
            box = page.get_by_role("checkbox", name=name, exact=True)
            box.focus()
            page.keyboard.press("Space")
        expect(headers).to_have_text(
            ["Case", "Business key", "Definition", "State", "Open items", "Started by", "Started", "Updated"]
        )
        row = page.locator(f"[data-testid=case-row][data-case='{keyed}']")
        expect(row.locator("td[data-column=started_by]")).to_have_text("admin")
        expect(row.locator("td[data-column=open_items]")).to_have_text("1")
        check_axe(page, "case list with the column picker open")
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            screenshot(page, f"dashboard-gaps-columns-{width}x{height}")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.reload()
        expect(headers).to_have_text(
            ["Case", "Business key", "Definition", "State", "Open items", "Started by", "Started", "Updated"]
        )
        kept = page.evaluate("() => localStorage.getItem('dashboard.caseColumns.admin')")
        assert kept is not None and "started_by" in kept and "incident" not in kept
        page.get_by_role("button", name="Columns (8)").click()
        page.get_by_role("button", name="Default columns").click()
        expect(headers).to_have_text(default)

        # the inbox's Start-a-case form takes an optional business key
        page.goto(f"{server.url}/inbox/")
        page.get_by_role("button", name="Start a case").click()
        form = page.get_by_test_id("start-case")
        form.get_by_label("Workflow").select_option("document-intake")
        form.get_by_label("Business key (optional)").fill("DOC-1")
        form.get_by_role("button", name="Start").click()
        expect(form.get_by_role("alert")).to_contain_text("exists already")
        form.get_by_label("Business key (optional)").fill("DOC-2")
        form.get_by_role("button", name="Start").click()
        expect(page.get_by_role("status")).to_contain_text("of Document intake started")
        status, found = server.api("GET", "/api/cases/?business_key=DOC-2")
        assert status == 200 and len(found["results"]) == 1, found


# ---------------------------------------------------------------------- WCP-27


def test_complete_a_multi_instance_task_from_the_case_page(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    case_id = start(server, "batch-review", {"documents": ["a", "b", "c"]})
    status, case = server.api("GET", f"/api/cases/{case_id}/")
    assert status == 200
    first = next(i for i in case["work_items"] if i["input"]["document"] == "a")
    status, body = server.api("POST", f"/api/work-items/{first['id']}/claim/", user="alice")
    assert status == 200, body
    status, body = server.api(
        "POST", f"/api/work-items/{first['id']}/complete/", {"output": {"ok": True}}, user="alice"
    )
    assert status == 200, body

    with watched_page(browser, server, "admin", "dashboard-gaps-complete-task-last") as page:
        page.goto(f"{server.url}/dashboard/cases/{case_id}/")
        items = page.get_by_test_id("work-item-row")
        expect(items).to_have_count(3)
        page.get_by_test_id("case-actions").get_by_role("button", name="Complete task").click()
        dialog = page.get_by_role("dialog", name="Complete task")
        expect(dialog.get_by_test_id("complete-task-effect")).to_have_text(
            "2 open instances are withdrawn; review_document ends completed, its output taken from the "
            "1 completed instance, and the case moves on."
        )
        check_axe(page, "case page with the complete-task confirmation")
        screenshot(page, "dashboard-gaps-complete-task-confirm")
        dialog.get_by_role("button", name="Confirm complete task").click()
        # (the case completed at once, so the action bar gives way to "No actions")
        review = page.locator("[data-testid=work-item-row][data-task=review_document]")
        expect(review.and_(page.locator("[data-state=completed]"))).to_have_count(1, timeout=LIVE)
        expect(review.and_(page.locator("[data-state=canceled]"))).to_have_count(2, timeout=LIVE)
        # the case moved on: `summarize` ran over the one review, the case completed
        expect(page.locator("h1")).to_contain_text("completed", timeout=LIVE)
        expect(page.get_by_role("button", name="Complete task")).to_have_count(0)
        status, case = server.api("GET", f"/api/cases/{case_id}/")
        assert case["tasks"]["review_document"]["state"] == "completed"
        assert case["data"]["reviews"] == [{"ok": True}] and case["data"]["total"] == 1
        screenshot(page, "dashboard-gaps-complete-task-done")


# ---------------------------------------------------------------------- defect 5


def big_net(name: str, width: int = 12) -> dict[str, Any]:
    """Three parallel chains of `width` manual tasks between an AND-split and an AND-join:
    3 × width + 4 nodes (more than NetCanvas's minimap threshold of 30), no layout (elk)."""
    tasks = [{"id": "split", "kind": "dummy"}, {"id": "join", "kind": "dummy"}]
    flows = [{"from": "start", "to": "split"}, {"from": "join", "to": "end"}]
    for lane in "abc":
        previous = "split"
        for i in range(width):
            tid = f"{lane}{i}"
            tasks.append({"id": tid, "kind": "manual", "label": f"Step {lane.upper()}{i}"})
            flows.append({"from": previous, "to": tid})
            previous = tid
        flows.append({"from": previous, "to": "join"})
    return {
        "schema_version": 1,
        "name": name,
        "title": "Big net",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": flows,
    }


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def assert_nothing_covered(page: Any, where: str, *, minimap: bool) -> None:
    """The minimap and the controls cover no node of the net and not the scrubber."""
    canvas = page.get_by_test_id("net-canvas")
    expect(canvas).to_have_attribute("data-ready", "true", timeout=LIVE)
    nodes = canvas.locator(".react-flow__node")
    expect(nodes.first).to_be_visible()
    expect(canvas.locator(".react-flow__minimap")).to_have_count(1 if minimap else 0)
    if minimap:  # it draws every node (it stayed empty while xyflow's sizes were not applied)
        expect(canvas.locator(".react-flow__minimap-node")).to_have_count(nodes.count())
    boxes = [n.bounding_box() for n in nodes.all()]
    assert boxes and all(boxes), where
    pane = canvas.locator(".react-flow").bounding_box()
    overlays = [("controls", canvas.locator(".react-flow__controls").bounding_box())]
    if minimap:
        overlays.append(("minimap", canvas.locator(".react-flow__minimap").bounding_box()))
    scrubber = page.get_by_test_id("scrubber")
    scrub_box = scrubber.bounding_box() if scrubber.count() else None
    for what, box in overlays:
        assert box is not None, f"{where}: no {what}"
        hit = [b for b in boxes if overlaps(box, b)]
        assert hit == [], f"{where}: the {what} at {box} covers nodes {hit[:3]}"
        assert not overlaps(box, pane), f"{where}: the {what} lies over the net's pane"
        if scrub_box:
            assert not overlaps(box, scrub_box), f"{where}: the {what} covers the scrubber"
    # every node, the end condition included, is inside the pane (fitted, not cut off)
    inside = [
        b
        for b in boxes
        if b["x"] >= pane["x"] - 1
        and b["y"] >= pane["y"] - 1
        and b["x"] + b["width"] <= pane["x"] + pane["width"] + 1
        and b["y"] + b["height"] <= pane["y"] + pane["height"] + 1
    ]
    assert len(inside) == len(boxes), f"{where}: {len(boxes) - len(inside)} nodes outside the pane"


def test_the_minimap_never_covers_the_net_or_the_scrubber(daphne_server: LiveServer, browser: Any) -> None:
    server = daphne_server
    status, body = server.api("POST", "/api/definitions/", big_net("big-net"))
    assert status == 201, body
    status, body = server.api("POST", "/api/definitions/big-net/publish/")
    assert status == 201, body
    big = start(server, "big-net", {})
    status, case = server.api("GET", f"/api/cases/{big}/")
    first = case["work_items"][0]["id"]
    server.api("POST", f"/api/work-items/{first}/claim/")  # two events more for the scrubber
    status, body = server.api("POST", f"/api/work-items/{first}/complete/", {"output": {}})
    assert status == 200, body
    intake = start(server, "document-intake", {"source": "mail"})
    invoice = start(server, "invoice-approval", {"vendor": "ACME", "amount": 5.0})

    with watched_page(browser, server, "admin", "dashboard-gaps-minimap-last") as page:
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for name, case_id, minimap in (("big", big, True), ("intake", intake, False), ("invoice", invoice, False)):
                page.goto(f"{server.url}/dashboard/cases/{case_id}/")
                assert_nothing_covered(page, f"case {name} at {width}x{height}", minimap=minimap)
                screenshot(page, f"dashboard-gaps-minimap-case-{name}-{width}x{height}")
            # the big case scrubbed back to its first event: the past net, same rule
            page.goto(f"{server.url}/dashboard/cases/{big}/")
            scrubber = page.get_by_test_id("scrubber")
            expect(scrubber).to_be_enabled()
            scrubber.focus()
            page.keyboard.press("Home")
            expect(page.get_by_test_id("scrub-label")).to_contain_text("As it was after event 1")
            assert_nothing_covered(page, f"big case in the past at {width}x{height}", minimap=True)
            screenshot(page, f"dashboard-gaps-minimap-scrubbed-{width}x{height}")
            for name, minimap in (("big-net", True), ("document-intake", False)):
                page.goto(f"{server.url}/dashboard/definitions/{name}/")
                assert_nothing_covered(page, f"heatmap of {name} at {width}x{height}", minimap=minimap)
                screenshot(page, f"dashboard-gaps-minimap-heatmap-{name}-{width}x{height}")
        check_axe(page, "definition page with a minimap")
