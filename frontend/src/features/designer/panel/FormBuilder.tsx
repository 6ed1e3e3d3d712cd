import {
  FIELD_TYPES,
  type FieldType,
  type FormField,
  fieldsFromSchema,
  parseEnum,
  schemaFromFields,
} from "../model/formSchema";
import type { JsonObject } from "../../../lib/net/net";

/** Builds a JSON Schema object from rows: name, type, title, required, allowed values. */
export function FormBuilder(props: {
  label: string;
  schema: JsonObject | null | undefined;
  onChange: (schema: JsonObject | undefined) => void;
  readOnly?: boolean;
  testId?: string;
}) {
  const fields = fieldsFromSchema(props.schema);
  const write = (next: FormField[]) =>
    props.onChange(next.length || props.schema ? schemaFromFields(next, props.schema) : undefined);
  const patch = (i: number, change: Partial<FormField>) =>
    write(fields.map((f, j) => (j === i ? { ...f, ...change } : f)));
  return (
    <fieldset className="form-builder" data-testid={props.testId}>
      <legend>{props.label}</legend>
      {fields.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>field</th>
              <th>type</th>
              <th>title</th>
              <th title="required">req.</th>
              <th>allowed values</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {fields.map((f, i) => (
              <tr key={i}>
                <td>
                  <input
                    aria-label="field name"
                    value={f.name}
                    readOnly={props.readOnly}
                    onChange={(e) => patch(i, { name: e.target.value })}
                  />
                </td>
                <td>
                  <select
                    aria-label="field type"
                    value={f.type}
                    disabled={props.readOnly}
                    onChange={(e) => patch(i, { type: e.target.value as FieldType, enum: [] })}
                  >
                    {FIELD_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    aria-label="field title"
                    value={f.title}
                    readOnly={props.readOnly}
                    onChange={(e) => patch(i, { title: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label="required"
                    type="checkbox"
                    checked={f.required}
                    disabled={props.readOnly}
                    onChange={(e) => patch(i, { required: e.target.checked })}
                  />
                </td>
                <td>
                  <input
                    aria-label="allowed values"
                    placeholder="e.g. a, b, c"
                    defaultValue={f.enum.join(", ")}
                    readOnly={props.readOnly || f.type === "boolean"}
                    onBlur={(e) => patch(i, { enum: parseEnum(e.target.value, f.type) })}
                  />
                </td>
                <td>
                  {!props.readOnly && (
                    <button
                      type="button"
                      title="remove field"
                      onClick={() => write(fields.filter((_, j) => j !== i))}
                    >
                      ×
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!props.readOnly && (
        <button
          type="button"
          onClick={() => {
            const taken = new Set(fields.map((f) => f.name));
            let n = fields.length + 1;
            while (taken.has(`field${n}`)) n += 1;
            write([
              ...fields,
              {
                name: `field${n}`,
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
    </fieldset>
  );
}
