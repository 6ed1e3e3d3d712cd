import { describe, expect, it } from "vitest";

import { humanize, initialFormData, uiSchemaFor, withFieldTitles } from "./ui";

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

describe("withFieldTitles", () => {
  it("names fields and list items in words, keeping given titles and the schema", () => {
    const schema = {
      type: "object",
      properties: {
        documents: { type: "array", items: { type: "string" } },
        vendor_name: { type: "string" },
        dueDate: { type: "string", format: "date" },
        amount: { type: "number", title: "Amount (EUR)" },
        status: { type: "array", items: { type: "string", title: "A status" } },
      },
    };
    const copy = JSON.parse(JSON.stringify(schema)) as typeof schema;
    const titled = withFieldTitles(schema) as unknown as {
      properties: Record<string, { title: string; items?: { title: string } }>;
    };
    expect(titled.properties.documents.title).toBe("Documents");
    expect(titled.properties.documents.items?.title).toBe("Document");
    expect(titled.properties.vendor_name.title).toBe("Vendor name");
    expect(titled.properties.dueDate.title).toBe("Due date");
    expect(titled.properties.amount.title).toBe("Amount (EUR)");
    expect(titled.properties.status.items?.title).toBe("A status");
    expect(schema).toEqual(copy);
    expect(humanize("address")).toBe("Address");
  });
});
