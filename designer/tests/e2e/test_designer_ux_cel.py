"""Issue 15, CEL fields that complete and explain (ADR 0086), in a real browser: a flow's
predicate typed with the keyboard only (Ctrl+Space, arrows, Enter, Tab, Escape) from completions
of the net's case-data fields and CEL's functions; a bad expression and a misspelt field said in
plain words; the server's check used for a field the validation does not report on; one date
format in the designer (issue 15 item 2 of this session); axe-core clean with the list open;
screenshots at 1280x800 and 1920x1080."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import demo_net

from .drawing import select_flow, select_node
from .ux import api, assert_no_serious_axe, resize, shots, toolbar_rows

pytestmark = pytest.mark.django_db(transaction=True)


def _net() -> dict[str, Any]:
    doc = demo_net("invoice-approval")
    doc["name"] = "cel-fields"
    doc["data_schema"]["properties"]["customer"] = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
    }
    doc["data_schema"]["properties"]["items"] = {"type": "array"}
    return doc


def _options(page: Any, field: Any) -> list[str]:
    listbox = page.locator(f"[id='{field.get_attribute('aria-controls')}']")
    return listbox.locator("[role=option] .cel-label").all_inner_texts()


def test_cel_field_completes_and_explains_with_the_keyboard(staff_page: Any, artifacts: Path) -> None:
    page = staff_page
    out = artifacts / "designer-ux"
    resize(page, "1280x800")
    api(page, "POST", "/api/definitions/", _net())
    api(page, "POST", "/api/definitions/cel-fields/publish/", {"comment": "first"})
    page.goto("/designer/cel-fields/")
    expect(page.get_by_test_id("problems-ok")).to_be_visible()
    rows = toolbar_rows(page)
    assert len(rows["centres"]) == 1 and not rows["overflow"], rows

    # the versions list and the definitions list say when in the one format (lib/time.ts)
    version = page.get_by_test_id("version-1").locator("time")
    expect(version).to_have_text("just now")
    assert version.get_attribute("title")  # the absolute date on hover
    assert version.get_attribute("datetime")

    select_flow(page, "review", "pay")
    when = page.get_by_test_id("prop-when")
    expect(when).to_have_value("data.approved")
    assert when.get_attribute("role") == "combobox"
    when.focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    expect(when).to_have_attribute("aria-expanded", "false")

    # Ctrl+Space opens the list: the flow's variables and CEL functions, each explained
    page.keyboard.press("Control+Space")
    expect(when).to_have_attribute("aria-expanded", "true")
    suggestions = page.get_by_test_id("prop-when-suggestions")
    expect(suggestions).to_be_visible()
    labels = _options(page, when)
    assert labels[:3] == ["data", "case", "result"], labels
    assert {"size()", "has()", "timestamp()", "duration()"} <= set(labels), labels
    expect(suggestions.get_by_role("option", name="size()")).to_contain_text("how many elements")
    # the arrows move the active option (aria-activedescendant follows)
    first = when.get_attribute("aria-activedescendant")
    page.keyboard.press("ArrowDown")
    second = when.get_attribute("aria-activedescendant")
    assert first and second and first != second
    expect(page.locator(f"[id='{second}']")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    assert when.get_attribute("aria-activedescendant") == first
    assert_no_serious_axe(page)  # combobox and listbox roles, with the list open
    shots(page, out, "cel-completion")
    # Escape closes it without leaving the field
    page.keyboard.press("Escape")
    expect(when).to_have_attribute("aria-expanded", "false")
    expect(when).to_be_focused()

    # type with completion: data . cu<Tab> . na<Enter> . sta<Enter> 'A')
    page.keyboard.type("da")
    expect(when).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(when).to_have_value("data")
    page.keyboard.type(".")
    # the case data's fields (in the stored schema's key order: PostgreSQL's jsonb keeps its own)
    assert {"vendor", "amount", "customer"} <= set(_options(page, when)), _options(page, when)
    page.keyboard.type("cu")
    assert _options(page, when) == ["customer"]
    page.keyboard.press("Tab")
    expect(when).to_have_value("data.customer")
    expect(when).to_be_focused()  # Tab accepted, it did not move on
    page.keyboard.type(".na")
    expect(suggestions.get_by_role("option", name="name")).to_contain_text("case data schema")
    page.keyboard.press("Enter")
    page.keyboard.type(".sta")
    page.keyboard.press("Enter")
    expect(when).to_have_value("data.customer.name.startsWith(")
    page.keyboard.type("'A')")
    expect(when).to_have_value("data.customer.name.startsWith('A')")
    expect(page.get_by_test_id("flow-label-review-pay")).to_contain_text("startsWith('A')")
    expect(page.get_by_test_id("problems-ok")).to_be_visible()
    expect(page.get_by_test_id("prop-when-problem")).to_be_hidden()

    # a bad expression: a sentence, never the parser's dump
    when.fill("size(data.items")
    props = page.get_by_test_id("properties")
    expect(props).to_contain_text("Missing closing parenthesis “)” after `size(data.items`")
    expect(props).not_to_contain_text("Syntax error")
    expect(page.get_by_test_id("problems")).not_to_contain_text("<EOF>")
    expect(when).to_have_attribute("aria-invalid", "true")
    shots(page, out, "cel-error")
    # a misspelt field: valid CEL, but the net has no such field
    when.fill("data.amout > 1000")
    problem = page.get_by_test_id("prop-when-problem")
    expect(problem).to_have_text(
        "Unknown field `data.amout`: the case data has no such field. Did you mean `data.amount`?"
    )
    when.fill("data.amount > 1000")
    expect(problem).to_be_hidden()

    # a mapping row has no validation message of its own: the server's check words its error
    select_node(page, "pay")
    row = page.get_by_test_id("prop-output-expr-1")
    expect(row).to_have_value("result.paid")
    with page.expect_response(
        lambda r: r.url.endswith("/api/designer/check-expression/") and "paid >" in (r.request.post_data or "")
    ) as answer:
        row.fill("result.paid >")
    assert answer.value.json()["valid"] is False
    expect(page.get_by_test_id("prop-output-expr-1-problem")).to_have_text(
        "The expression stops too early, after “result.paid >”: a value or a name is missing at the end."
    )
    assert_no_serious_axe(page)
    row.fill("result.paid")
    expect(page.get_by_test_id("prop-output-expr-1-problem")).to_be_hidden()

    # the definitions list: the same format, relative with the date on hover
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("saved")
    page.goto("/designer/")
    changed = page.get_by_role("row", name="cel-fields").locator("time")
    expect(changed).to_have_text("just now")
    assert changed.get_attribute("title")
