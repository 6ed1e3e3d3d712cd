/**
 * The form builder's model: a flat list of fields <-> a JSON Schema object (a manual task's
 * `form`, the net's `data_schema`). Fields the builder does not know are kept in `extra` and
 * written back unchanged, so editing a schema in the builder never loses what it cannot show.
 */
import type { JsonObject } from "../../../lib/net/net";

export const FIELD_TYPES = ["string", "number", "integer", "boolean"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FormField {
  name: string;
  type: FieldType;
  title: string;
  required: boolean;
  /** Allowed values, in order; empty for any value. */
  enum: Array<string | number>;
  /** Other keywords of the property, written back as they were. */
  extra: JsonObject;
}

export function fieldsFromSchema(schema: JsonObject | null | undefined): FormField[] {
  const props = (schema?.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  return Object.entries(props).map(([name, prop]) => {
    const { type, title, enum: values, ...extra } = prop ?? {};
    return {
      name,
      type: (FIELD_TYPES as readonly string[]).includes(type as string)
        ? (type as FieldType)
        : "string",
      title: typeof title === "string" ? title : "",
      required: required.has(name),
      enum: Array.isArray(values) ? (values as Array<string | number>) : [],
      extra: extra,
    };
  });
}

export function schemaFromFields(fields: FormField[], base?: JsonObject | null): JsonObject {
  const properties: JsonObject = {};
  for (const f of fields) {
    if (!f.name) continue;
    const prop: JsonObject = { type: f.type };
    if (f.title) prop.title = f.title;
    if (f.enum.length) prop.enum = f.enum;
    properties[f.name] = { ...prop, ...f.extra };
  }
  const required = fields.filter((f) => f.required && f.name).map((f) => f.name);
  const { properties: _p, required: _r, type: _t, ...rest } = base ?? {};
  const out: JsonObject = { type: "object", properties };
  if (required.length) out.required = required;
  return { ...out, ...rest };
}

/** Parse the comma-separated enum text of the builder; numbers stay numbers for numeric fields. */
export function parseEnum(text: string, type: FieldType): Array<string | number> {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (type === "number" || type === "integer")
    return parts.map(Number).filter((n) => !Number.isNaN(n));
  return parts;
}
