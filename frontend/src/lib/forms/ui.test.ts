import { describe, expect, it } from "vitest";

import { initialFormData, uiSchemaFor } from "./ui";

const form = {
  type: "object",
  properties: {
    amount: { type: "number", minimum: 0 },
    reason: { type: "string", "x-widget": "textarea", minLength: 3 },
    when: { type: "string", format: "date", default: "2026-01-01" },
  },
};

describe("forms", () => {
  it("shows long text as a text area", () => {
    expect(uiSchemaFor(form)).toEqual({ reason: { "ui:widget": "textarea" } });
  });
  it("starts from the output, then the item's input, then case data, then defaults", () => {
    expect(
      initialFormData(form, { input: { amount: 5 }, data: { amount: 9, reason: "x" } }),
    ).toEqual({ amount: 5, reason: "x", when: "2026-01-01" });
    expect(initialFormData(form, { output: { amount: 1 }, input: { amount: 5 } }).amount).toBe(1);
  });
});
