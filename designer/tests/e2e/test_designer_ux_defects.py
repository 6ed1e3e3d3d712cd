"""Issue 15, the designer's defects (7, 9, 10) in a real browser, at 1280x800 and 1920x1080:
a taken name refused early and in full, the header naming the new workflow, a toolbar on one
row, ids with their underscores, "an automatic task", examples that do not pass for values,
problems and CEL errors in words, flow labels clear of the nodes after auto-layout; axe-core
finds no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .drawing import connect, drop_from_palette, node, select_flow, select_node
from .ux import api, assert_no_serious_axe, clipped, overlaps, resize, shots, toolbar_rows

pytestmark = pytest.mark.django_db(transaction=True)

OVERLAPS_NONE = """() => {
    const nodes = [...document.querySelectorAll('.react-flow__node')].map(e => e.getBoundingClientRect());
    return [...document.querySelectorAll('.flow-label')].every(l => {
        const a = l.getBoundingClientRect();
        return nodes.every(b => !(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
    });
}"""


def test_designer_defects_at_1280(staff_page: Any, artifacts: Path) -> None:
    page = staff_page
    out = artifacts / "designer-ux"
    resize(page, "1280x800")
    # a workflow that already has the name the new one is given
    taken = {"schema_version": 1, "name": "taken-name", "conditions": [], "tasks": [], "flows": []}
    api(page, "POST", "/api/definitions/", taken)

    page.goto("/designer/new")
    expect(node(page, "start")).to_be_visible()
    expect(page.get_by_test_id("def-name")).to_have_text("new workflow")
    rows = toolbar_rows(page)
    assert len(rows["centres"]) == 1 and not rows["overflow"], rows

    # (7) the taken name is refused as it is typed, and again (in full) at save
    page.get_by_test_id("net-name").fill("taken-name")
    expect(page.get_by_test_id("properties")).to_contain_text("a workflow named “taken-name” already exists")
    page.get_by_test_id("save").click()
    message = page.get_by_test_id("message")
    expect(message).to_contain_text("Not saved: a workflow named “taken-name” already exists")
    assert clipped(page, "[data-testid=message]") == []
    expect(page.get_by_test_id("save-state")).to_have_text("not saved")
    assert page.url.endswith("/designer/new")
    # the header shows the name once set
    page.get_by_test_id("net-name").fill("ux-defects")
    expect(page.get_by_test_id("def-name")).to_have_text("ux-defects")
    expect(page.get_by_test_id("properties")).not_to_contain_text("already exists")

    # (10) "an automatic task"; ids keep their underscore, nothing cut below the baseline
    assert (
        page.get_by_test_id("palette-automatic")
        .get_attribute("title")
        .startswith("Drag an automatic task onto the canvas")
    )
    assert page.get_by_test_id("palette-manual").get_attribute("title").startswith("Drag a manual task")
    review = drop_from_palette(page, "manual", 200, 250)
    pay = drop_from_palette(page, "automatic", 420, 250)
    assert (review, pay) == ("manual_1", "automatic_1")
    expect(node(page, review).locator(".task-label")).to_have_text("manual_1")
    assert clipped(page, ".task-label") == []
    fits = page.evaluate(
        """() => [...document.querySelectorAll('.task-label')].every(e => {
            const s = getComputedStyle(e);
            return parseFloat(s.lineHeight) >= 1.3 * parseFloat(s.fontSize);
        })"""
    )
    assert fits, "a task label's line is too tight for an underscore"
    select_node(page, review)
    assert page.get_by_test_id("prop-id").input_value() == "manual_1"
    tight = page.evaluate(
        """() => [...document.querySelectorAll('.properties input:not([type=checkbox])')]
            .filter(e => { const s = getComputedStyle(e);
                           return s.lineHeight === 'normal'
                               || parseFloat(s.lineHeight) < 1.4 * parseFloat(s.fontSize); })
            .map(e => e.dataset.testid || e.id)"""
    )
    assert tight == [], f"fields whose line is too tight for an underscore: {tight}"
    page.get_by_test_id("prop-id").screenshot(path=str(out / "id-field-underscore.png"))

    # examples in empty fields read as examples, not values
    select_node(page, review)
    user = page.get_by_label("user (CEL)")
    assert user.input_value() == ""
    assert user.get_attribute("placeholder").startswith("e.g. ")
    assert user.evaluate("e => getComputedStyle(e, '::placeholder').fontStyle") == "italic"

    # (10) problems in words: a warning names the flow, never a JSON pointer
    connect(page, "start", review)
    connect(page, review, pay)
    connect(page, pay, "end")
    page.get_by_test_id("canvas").click(position={"x": 30, "y": 30})  # no context pad over the flow
    select_flow(page, review, pay)
    page.get_by_test_id("prop-when").fill("data.amount > 100")  # on an AND split: ignored
    warning = page.get_by_test_id("warning").first
    expect(warning).to_contain_text("flow manual_1 → automatic_1")
    expect(page.get_by_test_id("problems")).not_to_contain_text("/flows/")
    # a CEL parser error in plain words, not the parser's dump
    page.get_by_test_id("prop-when").fill("data.amount >")
    props = page.get_by_test_id("properties")
    expect(props).to_contain_text("The expression stops too early, after “data.amount >”")
    expect(props).not_to_contain_text("NUM_FLOAT")
    expect(page.get_by_test_id("problems")).not_to_contain_text("mismatched input")
    page.get_by_test_id("prop-when").fill('data.kind == "express')
    expect(props).to_contain_text("A text in quotes is not closed")
    page.get_by_test_id("prop-when").fill("data.amount > 1000.0 && data.currency == 'EUR'")
    select_node(page, review)
    page.get_by_test_id("prop-split").select_option("xor")
    # a second branch with a long predicate and a default flow, then auto-layout
    other = drop_from_palette(page, "dummy", 420, 420)
    connect(page, review, other)
    connect(page, other, "end")
    page.get_by_test_id("canvas").click(position={"x": 30, "y": 30})
    select_flow(page, review, other)
    page.get_by_test_id("prop-default").check()
    before = node(page, pay).bounding_box()
    page.get_by_test_id("layout").click()
    expect(page.get_by_test_id("problems-ok")).to_be_visible()
    page.wait_for_function(
        "([id, x]) => document.querySelector(`[data-testid=node-${id}]`).getBoundingClientRect().x !== x",
        arg=[pay, before["x"]],
    )
    # (9) after auto-layout no flow label lies over a node (awaited: the view glides to fit)
    page.wait_for_function(OVERLAPS_NONE, timeout=5000)
    assert overlaps(page, ".flow-label", ".react-flow__node") == []

    # save: the draft's toolbar (versions, test run, More) is still one row at 1280
    page.get_by_test_id("save").click()
    page.wait_for_url("**/designer/ux-defects/")
    expect(page.get_by_test_id("save-state")).to_have_text("saved")
    rows = toolbar_rows(page)
    assert len(rows["centres"]) == 1 and not rows["overflow"], rows
    expect(page.get_by_test_id("def-name")).to_have_text("ux-defects")
    shots(page, out, "defects-draft")
    resize(page, "1920x1080")
    assert len(toolbar_rows(page)["centres"]) == 1
    resize(page, "1280x800")
    assert_no_serious_axe(page)
