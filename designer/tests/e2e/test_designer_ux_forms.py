"""Issue 15, the designer's form builder in a real browser at 1280x800: full type names and
field names that are not cut, validation rules (min/max, length, pattern, date, long text), a
default from case data (the task's `input` mapping) and a live preview that validates as the
inbox will; screenshots at both sizes, axe-core without serious or critical violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .drawing import connect, drop_from_palette, select_node
from .ux import api, assert_no_serious_axe, clipped, resize, shots

pytestmark = pytest.mark.django_db(transaction=True)


def test_form_builder_rules_defaults_and_preview(staff_page: Any, artifacts: Path) -> None:
    page = staff_page
    out = artifacts / "designer-ux"
    resize(page, "1280x800")
    page.goto("/designer/new")
    page.get_by_test_id("net-name").fill("ux-forms")
    review = drop_from_palette(page, "manual", 250, 250)
    connect(page, "start", review)
    connect(page, review, "end")
    select_node(page, review)
    form = page.get_by_test_id("prop-form")
    for _ in range(3):
        form.get_by_role("button", name="+ field").click()
    fields = [form.get_by_test_id(f"fb-field-{i}") for i in range(3)]

    # amount: a number from 0 to 10000, required, its default from the case data
    amount = fields[0]
    amount.get_by_label("field name").fill("approved_amount")
    amount.get_by_label("field type").select_option("number")
    amount.get_by_label("required").check()
    amount.locator("summary").click()
    amount.get_by_label("minimum of approved_amount").fill("0")
    amount.get_by_label("maximum of approved_amount").fill("10000")
    amount.get_by_label("default from case data of approved_amount").fill("data.amount")
    # reason: long text of at least 5 characters
    reason = fields[1]
    reason.get_by_label("field name").fill("reason_for_the_decision")
    reason.locator("summary").click()
    reason.get_by_label("text input").select_option("long")
    reason.get_by_label("min length of reason_for_the_decision").fill("5")
    # pay_on: a date
    pay_on = fields[2]
    pay_on.get_by_label("field name").fill("pay_on")
    pay_on.locator("summary").click()
    pay_on.get_by_label("text input").select_option("date")

    # (9) at 1280 the type select shows whole names and field names are not cut
    assert amount.get_by_label("field type").evaluate("e => e.options[e.selectedIndex].text") == "number"
    widths = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=prop-form] select[aria-label="field type"]')]
            .map(e => { const c = document.createElement('canvas').getContext('2d');
                        c.font = getComputedStyle(e).font;
                        return e.clientWidth - c.measureText('whole number').width; })"""
    )
    assert all(w > 10 for w in widths), widths  # room for the longest type name and the arrow
    assert clipped(page, '[data-testid=prop-form] input[aria-label="field name"]') == []

    # the saved net: JSON Schema rules in the form, the default as an input mapping
    form.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("prop-form-preview")
    expect(preview.locator("textarea")).to_have_count(1)  # long text
    expect(preview.locator("input[type=date]")).to_have_count(1)
    preview.locator("input[type=number]").fill("-5")
    expect(preview).to_contain_text("must be >= 0")
    preview.locator("textarea").fill("ok")
    expect(preview).to_contain_text("must NOT have fewer than 5 characters")
    preview.locator("input[type=number]").fill("250")
    preview.locator("textarea").fill("within the budget")
    expect(preview).not_to_contain_text("must be >= 0")
    expect(preview).not_to_contain_text("fewer than 5")
    shots(page, out, "form-builder")
    assert_no_serious_axe(page)

    page.get_by_test_id("save").click()
    page.wait_for_url("**/designer/ux-forms/")
    expect(page.get_by_test_id("save-state")).to_have_text("saved")
    task = {t["id"]: t for t in api(page, "GET", "/api/definitions/ux-forms/")["draft"]["tasks"]}[review]
    assert task["form"] == {
        "type": "object",
        "properties": {
            "approved_amount": {"type": "number", "minimum": 0, "maximum": 10000},
            "reason_for_the_decision": {"type": "string", "x-widget": "textarea", "minLength": 5},
            "pay_on": {"type": "string", "format": "date"},
        },
        "required": ["approved_amount"],
    }
    assert task["input"] == {"approved_amount": "data.amount"}
    # the server checks the same rules when an item is completed (a case of the published net)
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-confirm").click()
    expect(page.get_by_test_id("message")).to_contain_text("published version 1")
    case = api(page, "POST", "/api/cases/", {"definition": "ux-forms", "data": {"amount": 120}})
    (item,) = api(page, "GET", f"/api/work-items/?case={case['id']}")["results"]
    assert item["input"] == {"approved_amount": 120}
    api(page, "POST", f"/api/work-items/{item['id']}/claim/")
    refused = api(
        page,
        "POST",
        f"/api/work-items/{item['id']}/complete/",
        {"output": {"approved_amount": -5, "reason_for_the_decision": "no"}},
        ok=False,
    )
    assert refused["code"] == "invalid", refused
    assert {e["field"] for e in refused["errors"]} == {"approved_amount", "reason_for_the_decision"}
