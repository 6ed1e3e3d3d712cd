/**
 * How the inbox renders and checks a task's form (a JSON Schema, docs/net-format.md "Forms and
 * validation"): the browser checks the same rules as the server before sending
 * (react-jsonschema-form with lib/forms/validator.ts: ajv's messages, without eval), says them
 * in plain words under each field, and draws long text as a text area.
 */
import type {
  CustomValidator,
  ErrorTransformer,
  FormValidation,
  RJSFSchema,
  UiSchema,
} from "@rjsf/utils";

import { asObject, blankRequired } from "./model";

/** Plain words for the validator's messages (ajv's are terse: "must be >= 0"). */
export function plainMessage(name: string, params: Record<string, unknown>, fallback: string) {
  switch (name) {
    case "required":
      return "is required";
    case "minimum":
      return `must be at least ${String(params.limit)}`;
    case "exclusiveMinimum":
      return `must be more than ${String(params.limit)}`;
    case "maximum":
      return `must be at most ${String(params.limit)}`;
    case "exclusiveMaximum":
      return `must be less than ${String(params.limit)}`;
    case "minLength":
      return params.limit === 1
        ? "must not be empty"
        : `must be at least ${String(params.limit)} characters`;
    case "maxLength":
      return `must be at most ${String(params.limit)} characters`;
    case "pattern":
      return "is not in the expected form";
    case "format":
      return params.format === "date"
        ? "must be a date"
        : params.format === "date-time"
          ? "must be a date and time"
          : params.format === "email"
            ? "must be an e-mail address"
            : `must be a ${String(params.format)}`;
    case "type":
      return `must be a ${String(params.type)}`;
    default:
      return fallback;
  }
}

export function formValidation(schema: RJSFSchema): {
  uiSchema: UiSchema;
  customValidate: CustomValidator;
  transformErrors: ErrorTransformer;
} {
  const uiSchema: UiSchema = {};
  for (const [name, spec] of Object.entries(asObject(schema.properties))) {
    const field = asObject(spec);
    if (field["x-widget"] === "textarea") uiSchema[name] = { "ui:widget": "textarea" };
  }
  const customValidate: CustomValidator = (formData, errors: FormValidation) => {
    for (const e of blankRequired(schema, formData)) {
      const at = (errors as unknown as Record<string, FormValidation | undefined>)[e.field ?? ""];
      at?.addError(e.message);
    }
    return errors;
  };
  const transformErrors: ErrorTransformer = (errors) =>
    errors
      // an if/then rule reports its failing branch once more, without a field: leave it out
      .filter((e) => e.name !== "if")
      .map((e) => ({
        ...e,
        message: plainMessage(
          e.name ?? "",
          (e.params ?? {}) as Record<string, unknown>,
          e.message ?? "",
        ),
      }));
  return { uiSchema, customValidate, transformErrors };
}
