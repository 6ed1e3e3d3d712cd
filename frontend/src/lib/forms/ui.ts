/**
 * How a form (a JSON Schema, a manual task's `form`) is shown: the rjsf uiSchema derived from
 * the schema's own annotations, and the initial values. Shared by the designer's preview and the
 * inbox's form (docs/net-format.md, "Forms").
 *
 * - `"x-widget": "textarea"` on a string property: long text (a multi-line field).
 * - `"format": "date"`: a date field (rjsf's date widget; checked by the server too).
 * - initial values: the item's saved output, else the work item's `input` of the same name
 *   (a manual task's `input` mapping computes defaults from case data), else the case data's
 *   field of the same name, else the schema's `default`.
 */
export type JsonSchema = Record<string, unknown>;

export function uiSchemaFor(schema: JsonSchema | null | undefined): Record<string, unknown> {
  const ui: Record<string, unknown> = {};
  const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, prop] of Object.entries(props)) {
    if (prop && prop["x-widget"] === "textarea") ui[name] = { "ui:widget": "textarea" };
  }
  return ui;
}

/** The form's first values: output, then input, then case data (same names), then defaults. */
export function initialFormData(
  schema: JsonSchema | null | undefined,
  sources: { output?: unknown; input?: unknown; data?: unknown },
): Record<string, unknown> {
  const obj = (v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    for (const source of [obj(sources.output), obj(sources.input), obj(sources.data)]) {
      if (name in source && source[name] !== null && source[name] !== undefined) {
        out[name] = source[name];
        break;
      }
    }
    if (!(name in out) && prop && "default" in prop) out[name] = prop.default;
  }
  return out;
}

/** A field name in words: "vendor_name" → "Vendor name", "dueDate" → "Due date". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

/** The schema with a title in words on each top-level field without one, and on the items of
 * a list field ("documents": "Documents", each item "Document"), so a form never labels a
 * field with its id ("documents-1", "vendor_name"; issue 15). A copy: the schema is kept. */
export function withFieldTitles<T extends JsonSchema>(schema: T): T {
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (!props || typeof props !== "object") return schema;
  const titled: Record<string, JsonSchema> = {};
  for (const [name, prop] of Object.entries(props)) {
    if (!prop || typeof prop !== "object") {
      titled[name] = prop;
      continue;
    }
    const title = typeof prop.title === "string" && prop.title ? prop.title : humanize(name);
    let items = prop.items as JsonSchema | undefined;
    if (prop.type === "array" && items && typeof items === "object" && !items.title) {
      // the item of "documents" is "Document"; a name not ending in a plain "s" keeps it
      const one = /[^s]s$/.test(name) ? name.slice(0, -1) : name;
      items = { ...items, title: humanize(one) };
    }
    titled[name] = items === prop.items ? { ...prop, title } : { ...prop, title, items };
  }
  return { ...schema, properties: titled };
}
