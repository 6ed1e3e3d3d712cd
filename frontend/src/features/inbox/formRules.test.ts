import type { RJSFSchema } from "@rjsf/utils";
import validator from "../../lib/forms/validator";
import { describe, expect, it } from "vitest";

import { formValidation } from "./formRules";

// "x-widget" is the net format's own keyword (not JSON Schema's): the literal is cast
const form = {
  type: "object",
  properties: {
    amount: { type: "number", minimum: 0 },
    reason: { type: "string", "x-widget": "textarea" },
    code: { type: "string", pattern: "^[A-Z]{3}$" },
  },
  required: ["amount", "reason"],
} as RJSFSchema;

function errorsOf(data: unknown) {
  const rules = formValidation(form);
  const result = validator.validateFormData(
    data,
    form,
    rules.customValidate,
    rules.transformErrors,
  );
  return result.errorSchema as Record<string, { __errors?: string[] }>;
}

describe("the inbox form's rules", () => {
  it("says each problem in plain words under its own field", () => {
    const errors = errorsOf({});
    expect(errors.amount.__errors).toEqual(["is required"]);
    expect(errors.reason.__errors).toEqual(["is required"]);
    expect(errorsOf({ amount: -5, reason: "x" }).amount.__errors).toEqual(["must be at least 0"]);
    expect(errorsOf({ amount: 1, reason: "x", code: "abc" }).code.__errors).toEqual([
      "is not in the expected form",
    ]);
  });

  it("refuses a required text of only spaces, as the server does", () => {
    expect(errorsOf({ amount: 1, reason: "   " }).reason.__errors).toEqual([
      "must not be only spaces",
    ]);
    const fine = errorsOf({ amount: 1, reason: "late" });
    expect([fine.amount, fine.reason, fine.code].flatMap((f) => f?.__errors ?? [])).toEqual([]);
  });

  it("draws long text as a text area", () => {
    expect(formValidation(form).uiSchema).toEqual({ reason: { "ui:widget": "textarea" } });
  });
});
