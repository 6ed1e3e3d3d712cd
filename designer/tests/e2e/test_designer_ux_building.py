"""Issue 15, designer gaps in a real browser: append the next element from a node's context pad,
roles picked from the existing groups, the net's "startable" flag and start roles, a comment
when publishing (listed with the version) and a diff between two versions; screenshots at
1280x800 and 1920x1080, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from .drawing import flow, node, select_node
from .ux import api, assert_no_serious_axe, overlaps, resize, shots, toolbar_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_context_pad_roles_start_options_publish_comment_and_diff(staff_page: Any, artifacts: Path) -> None:
    for name in ("managers", "clerks", "auditors"):
        Group.objects.create(name=name)
    page = staff_page
    out = artifacts / "designer-ux"
    resize(page, "1280x800")
    page.goto("/designer/new")
    page.get_by_test_id("net-name").fill("ux-building")

    # the context pad: start → manual → automatic → end, without the palette or handles
    select_node(page, "start")
    pad = page.get_by_test_id("context-pad")
    expect(pad).to_be_visible()
    expect(pad.get_by_test_id("pad-condition")).to_have_count(0)  # no condition after a condition
    expect(pad.get_by_test_id("pad-end")).to_have_count(0)
    pad.get_by_test_id("pad-manual").click()
    expect(node(page, "manual_1")).to_be_visible()
    expect(flow(page, "start", "manual_1")).to_have_count(1)
    expect(node(page, "manual_1")).to_have_class(re.compile("selected"))
    assert pad.get_by_test_id("pad-automatic").get_attribute("aria-label") == (
        "Append an automatic task after manual_1"
    )
    page.get_by_test_id("context-pad").get_by_test_id("pad-automatic").click()
    expect(flow(page, "manual_1", "automatic_1")).to_have_count(1)
    page.get_by_test_id("context-pad").get_by_test_id("pad-end").click()
    expect(flow(page, "automatic_1", "end")).to_have_count(1)
    expect(page.get_by_test_id("problems-ok")).to_be_visible()
    # the pad does not cover the node it belongs to
    assert overlaps(page, "[data-testid=context-pad]", "[data-testid=node-automatic_1]") == []
    shots(page, out, "context-pad")

    # the role is picked from the existing groups
    select_node(page, "manual_1")
    role = page.get_by_test_id("prop-assign-role")
    options = role.locator("option").all_inner_texts()
    assert options == ["— staff only —", "auditors", "clerks", "managers"]
    role.select_option("managers")

    # the net: child-only, started by managers and auditors only
    page.get_by_test_id("canvas").click(position={"x": 30, "y": 30})
    startable = page.get_by_test_id("net-startable")
    expect(startable).to_be_checked()
    startable.uncheck()
    expect(page.get_by_test_id("child-only-hint")).to_be_visible()
    roles = page.get_by_test_id("net-start-roles")
    roles.get_by_label("managers").check()
    roles.get_by_label("auditors").check()
    page.get_by_test_id("save").click()
    page.wait_for_url("**/designer/ux-building/")
    expect(page.get_by_test_id("save-state")).to_have_text("saved")
    draft = api(page, "GET", "/api/definitions/ux-building/")["draft"]
    assert draft["startable"] is False
    assert draft["start_roles"] == ["managers", "auditors"]
    assert {t["id"]: t.get("assign") for t in draft["tasks"]}["manual_1"] == {"role": "managers"}

    # publish with a comment; it is listed with the version
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-comment").fill("first cut: managers review")
    page.get_by_test_id("publish-confirm").click()
    expect(page.get_by_test_id("message")).to_contain_text("published version 1")
    expect(page.get_by_test_id("publish-form")).to_have_count(0)
    versions = api(page, "GET", "/api/definitions/ux-building/")["versions"]
    assert [(v["version"], v["comment"]) for v in versions] == [(1, "first cut: managers review")]
    page.get_by_test_id("canvas").click(position={"x": 30, "y": 30})
    expect(page.get_by_test_id("version-1")).to_contain_text("first cut: managers review")

    # change the draft, publish v2, then compare v1 with v2
    select_node(page, "manual_1")
    page.get_by_test_id("prop-label").fill("Review")
    page.get_by_test_id("context-pad").get_by_test_id("pad-timer").click()
    expect(node(page, "timer_1")).to_be_visible()
    page.get_by_test_id("context-pad").get_by_test_id("pad-end").click()
    expect(page.get_by_test_id("problems-ok")).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_text("saved", timeout=10_000)  # auto-save
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-comment").fill("a reminder timer")
    page.get_by_test_id("publish-confirm").click()
    expect(page.get_by_test_id("message")).to_contain_text("published version 2")
    page.get_by_test_id("canvas").click(position={"x": 30, "y": 30})
    page.get_by_test_id("diff-from").select_option("1")
    page.get_by_test_id("diff-to").select_option("2")
    page.get_by_test_id("diff-run").click()
    diff = page.get_by_test_id("diff")
    expect(diff).to_contain_text("v1 → v2")
    changes = diff.get_by_test_id("diff-change").all_inner_texts()
    assert any("task manual_1 changed" in c and "label: (empty) → “Review”" in c for c in changes), changes
    assert any("task timer_1 added" in c for c in changes), changes
    assert any("flow manual_1 → timer_1 added" in c for c in changes), changes
    assert any("flow timer_1 → end added" in c for c in changes), changes
    expect(page.get_by_test_id("version-2")).to_contain_text("a reminder timer")
    rows = toolbar_rows(page)
    assert len(rows["centres"]) == 1 and not rows["overflow"], rows
    shots(page, out, "versions-diff")
    assert_no_serious_axe(page)
    # the draft against itself: nothing
    page.get_by_test_id("diff-from").select_option("draft")
    page.get_by_test_id("diff-to").select_option("draft")
    page.get_by_test_id("diff-run").click()
    expect(page.get_by_test_id("diff-none")).to_be_visible()
