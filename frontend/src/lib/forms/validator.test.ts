import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";

import { formValidator, validate } from "./validator";

const form: RJSFSchema = {
  type: "object",
  properties: {
    amount: { type: "number", minimum: 0, maximum: 10000 },
    reason: { type: "string", minLength: 5, pattern: "^[a-z ]+$" },
    pay_on: { type: "string", format: "date" },
    kind: { enum: ["a", "b"] },
  },
  required: ["amount", "reason"],
};

describe("the forms' validator (no eval: the page's CSP forbids it)", () => {
  it("says ajv's words at ajv's paths", () => {
    const errors = validate(form, { amount: -5, reason: "OK", pay_on: "2026-02-30", kind: "c" });
    expect(errors.map((e) => [e.instancePath, e.keyword, e.message])).toEqual([
      ["/amount", "minimum", "must be >= 0"],
      ["/reason", "minLength", "must NOT have fewer than 5 characters"],
      ["/reason", "pattern", 'must match pattern "^[a-z ]+$"'],
      ["/pay_on", "format", 'must match format "date"'],
      ["/kind", "enum", "must be equal to one of the allowed values"],
    ]);
    expect(validate(form, {}).map((e) => e.params.missingProperty)).toEqual(["amount", "reason"]);
    expect(validate(form, { amount: "x", reason: "within budget" })[0]?.message).toBe(
      "must be number",
    );
    expect(validate(form, { amount: 250, reason: "within budget", pay_on: "2024-02-29" })).toEqual(
      [],
    );
  });
  it("checks if/then rules and references", () => {
    const rule = {
      type: "object",
      properties: { ok: { type: "boolean" }, why: { $ref: "#/$defs/text" } },
      $defs: { text: { type: "string", minLength: 2 } },
      if: { properties: { ok: { const: false } } },
      then: { required: ["why"] },
    };
    expect(validate(rule, { ok: true })).toEqual([]);
    expect(validate(rule, { ok: false }).map((e) => e.keyword)).toEqual(["required", "if"]);
    expect(validate(rule, { ok: true, why: "x" }).map((e) => e.keyword)).toEqual(["minLength"]);
  });
  it("gives rjsf its errors by field", () => {
    const { errorSchema } = formValidator.validateFormData({ amount: -5, reason: "within" }, form);
    expect(errorSchema).toEqual({ amount: { __errors: ["must be >= 0"] } });
    expect(formValidator.isValid(form, { amount: 1, reason: "fine words" }, form)).toBe(true);
  });
});
