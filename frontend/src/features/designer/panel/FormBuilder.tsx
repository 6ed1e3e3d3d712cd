import Form from "@rjsf/core";
import validator from "../../../lib/forms/validator";
import { useState } from "react";

import {
  FIELD_TYPES,
  type FieldType,
  type FormField,
  fieldsFromSchema,
  parseEnum,
  schemaFromFields,
} from "../model/formSchema";
import type { Json, JsonObject } from "../../../lib/net/net";
import { CelField } from "./CelField";
import { initialFormData, uiSchemaFor } from "../../../lib/forms/ui";

const TYPE_LABELS: Record<FieldType, string> = {
  string: "text",
  number: "number",
  integer: "whole number",
  boolean: "yes / no",
};

/** How a text field is entered: one line, long text (x-widget) or a date (format). */
type TextInput = "line" | "long" | "date";
function textInput(f: FormField): TextInput {
  if (f.extra["x-widget"] === "textarea") return "long";
  if (f.extra.format === "date") return "date";
  return "line";
}

function withExtra(f: FormField, key: string, value: Json | undefined): Partial<FormField> {
  const extra: JsonObject = { ...f.extra };
  if (value === undefined || value === "") delete extra[key];
  else extra[key] = value;
  return { extra };
}

const num = (text: string): number | undefined =>
  text.trim() === "" || Number.isNaN(Number(text)) ? undefined : Number(text);

/**
 * Builds a JSON Schema object from fields: name, type, title, required, and per field its rules
 * (min/max, length, pattern, allowed values, date, long text) and default; `defaults` (a manual
 * task's `input` mapping) gives a field its first value from case data (CEL). A live preview
 * renders the form as the inbox will, with its validation.
 */
export function FormBuilder(props: {
  label: string;
  schema: JsonObject | null | undefined;
  onChange: (schema: JsonObject | undefined) => void;
  readOnly?: boolean;
  testId?: string;
  defaults?: {
    value: JsonObject | null | undefined;
    onChange: (v: JsonObject | undefined) => void;
  };
}) {
  const fields = fieldsFromSchema(props.schema);
  const [preview, setPreview] = useState(false);
  const write = (next: FormField[]) =>
    props.onChange(next.length || props.schema ? schemaFromFields(next, props.schema) : undefined);
  const patch = (i: number, change: Partial<FormField>) =>
    write(fields.map((f, j) => (j === i ? { ...f, ...change } : f)));
  const defaults = props.defaults?.value ?? {};
  const setDefault = (name: string, expr: string) => {
    const next: JsonObject = { ...defaults };
    if (expr.trim()) next[name] = expr;
    else delete next[name];
    props.defaults?.onChange(Object.keys(next).length ? next : undefined);
  };
  return (
    <fieldset className="form-builder" data-testid={props.testId}>
      <legend>{props.label}</legend>
      {fields.map((f, i) => {
        const kind = textInput(f);
        const n = `${props.testId ?? "form"}-${i}`;
        return (
          <div className="fb-field" key={i} data-testid={`fb-field-${i}`}>
            <div className="fb-row">
              <input
                aria-label="field name"
                className="mono fb-name"
                value={f.name}
                readOnly={props.readOnly}
                onChange={(e) => patch(i, { name: e.target.value })}
              />
              <select
                aria-label="field type"
                value={f.type}
                disabled={props.readOnly}
                onChange={(e) => patch(i, { type: e.target.value as FieldType, enum: [] })}
              >
                {FIELD_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
              <label className="check">
                <input
                  type="checkbox"
                  checked={f.required}
                  disabled={props.readOnly}
                  onChange={(e) => patch(i, { required: e.target.checked })}
                />
                required
              </label>
              {!props.readOnly && (
                <button
                  type="button"
                  aria-label={`remove field ${f.name}`}
                  title="remove field"
                  onClick={() => write(fields.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              )}
            </div>
            <input
              aria-label="field title"
              placeholder="title shown to people (e.g. Amount in EUR)"
              value={f.title}
              readOnly={props.readOnly}
              onChange={(e) => patch(i, { title: e.target.value })}
            />
            <details className="fb-rules">
              <summary>Rules and default</summary>
              <div className="fb-grid">
                {f.type === "string" && (
                  <label>
                    input
                    <select
                      aria-label="text input"
                      value={kind}
                      disabled={props.readOnly}
                      onChange={(e) => {
                        const v = e.target.value as TextInput;
                        const extra: JsonObject = { ...f.extra };
                        delete extra["x-widget"];
                        delete extra.format;
                        if (v === "long") extra["x-widget"] = "textarea";
                        if (v === "date") extra.format = "date";
                        patch(i, { extra });
                      }}
                    >
                      <option value="line">one line</option>
                      <option value="long">long text</option>
                      <option value="date">date</option>
                    </select>
                  </label>
                )}
                {(f.type === "number" || f.type === "integer") &&
                  (["minimum", "maximum"] as const).map((k) => (
                    <label key={k}>
                      {k === "minimum" ? "min" : "max"}
                      <input
                        aria-label={`${k} of ${f.name}`}
                        type="number"
                        value={typeof f.extra[k] === "number" ? String(f.extra[k]) : ""}
                        readOnly={props.readOnly}
                        onChange={(e) => patch(i, withExtra(f, k, num(e.target.value)))}
                      />
                    </label>
                  ))}
                {f.type === "string" &&
                  kind !== "date" &&
                  (["minLength", "maxLength"] as const).map((k) => (
                    <label key={k}>
                      {k === "minLength" ? "min length" : "max length"}
                      <input
                        aria-label={`${k === "minLength" ? "min length" : "max length"} of ${f.name}`}
                        type="number"
                        min={0}
                        value={typeof f.extra[k] === "number" ? String(f.extra[k]) : ""}
                        readOnly={props.readOnly}
                        onChange={(e) => patch(i, withExtra(f, k, num(e.target.value)))}
                      />
                    </label>
                  ))}
                {f.type === "string" && kind === "line" && (
                  <label className="fb-wide">
                    pattern (regular expression)
                    <input
                      aria-label={`pattern of ${f.name}`}
                      className="mono"
                      placeholder="e.g. ^[A-Z]{2}[0-9]+$"
                      value={typeof f.extra.pattern === "string" ? f.extra.pattern : ""}
                      readOnly={props.readOnly}
                      onChange={(e) => patch(i, withExtra(f, "pattern", e.target.value))}
                    />
                  </label>
                )}
                {f.type !== "boolean" && kind !== "date" && (
                  <label className="fb-wide">
                    allowed values (comma-separated)
                    <input
                      aria-label={`allowed values of ${f.name}`}
                      placeholder="e.g. low, normal, high"
                      defaultValue={f.enum.join(", ")}
                      readOnly={props.readOnly}
                      onBlur={(e) => patch(i, { enum: parseEnum(e.target.value, f.type) })}
                    />
                  </label>
                )}
                <label className="fb-wide">
                  default value
                  <input
                    aria-label={`default of ${f.name}`}
                    value={
                      f.extra.default === undefined
                        ? ""
                        : typeof f.extra.default === "string"
                          ? f.extra.default
                          : JSON.stringify(f.extra.default)
                    }
                    readOnly={props.readOnly}
                    onChange={(e) => {
                      const t = e.target.value;
                      const v: Json | undefined =
                        t === ""
                          ? undefined
                          : f.type === "boolean"
                            ? t === "true"
                            : f.type === "number" || f.type === "integer"
                              ? num(t)
                              : t;
                      patch(i, withExtra(f, "default", v));
                    }}
                  />
                </label>
                {props.defaults && (
                  <div className="fb-wide">
                    <span aria-hidden="true">default from case data (CEL)</span>
                    <CelField
                      bare
                      label={`default from case data of ${f.name}`}
                      scope="data"
                      testId={`${n}-from-data`}
                      example={`data.${f.name}`}
                      value={typeof defaults[f.name] === "string" ? defaults[f.name] : ""}
                      readOnly={props.readOnly}
                      onChange={(v) => setDefault(f.name, v ?? "")}
                    />
                  </div>
                )}
              </div>
            </details>
          </div>
        );
      })}
      <div className="fb-actions">
        {!props.readOnly && (
          <button
            type="button"
            onClick={() => {
              const taken = new Set(fields.map((f) => f.name));
              let k = fields.length + 1;
              while (taken.has(`field${k}`)) k += 1;
              write([
                ...fields,
                {
                  name: `field${k}`,
                  type: "string",
                  title: "",
                  required: false,
                  enum: [],
                  extra: {},
                },
              ]);
            }}
          >
            + field
          </button>
        )}
        {fields.length > 0 && (
          <button
            type="button"
            aria-expanded={preview}
            data-testid={`${props.testId ?? "form"}-preview-toggle`}
            onClick={() => setPreview((p) => !p)}
          >
            {preview ? "Hide preview" : "Preview"}
          </button>
        )}
      </div>
      {preview && props.schema && (
        <div className="fb-preview" data-testid={`${props.testId ?? "form"}-preview`}>
          <FormPreview schema={props.schema} />
        </div>
      )}
    </fieldset>
  );
}

/** The form as a person will see it, validated live (nothing is sent). */
function FormPreview({ schema }: { schema: JsonObject }) {
  const [data, setData] = useState<unknown>(() => initialFormData(schema, {}));
  return (
    <Form
      schema={schema}
      uiSchema={uiSchemaFor(schema)}
      formData={data}
      validator={validator}
      liveValidate
      showErrorList={false}
      onChange={(e) => setData(e.formData)}
      onSubmit={() => undefined}
    >
      <p className="hint">Preview: what is typed here is checked, not sent.</p>
    </Form>
  );
}
