/** Small controlled inputs of the properties panel. Empty values mean "absent" (undefined). */
import { useState } from "react";

import type { Json, JsonObject } from "../../../lib/net/net";
import type { CelScope } from "../model/cel";
import { CelField } from "./CelField";

/** A field's value as the input shows it ("" for absent). */
const fieldText = (value: unknown): string =>
  value === undefined || value === null
    ? ""
    : typeof value === "string"
      ? value
      : JSON.stringify(value);

let fieldSeq = 0;
function useFieldId(label: string) {
  const [id] = useState(() => `f${++fieldSeq}-${label.replace(/\W+/g, "-").toLowerCase()}`);
  return id;
}

export function TextField(props: {
  label: string;
  value: unknown;
  onChange: (value: string | undefined) => void;
  /** An example value, shown as "e.g. …" in the empty field (styled apart from a real value). */
  example?: string;
  readOnly?: boolean;
  mono?: boolean;
  testId?: string;
  problems?: string[];
  hint?: string;
}) {
  const id = useFieldId(props.label);
  return (
    <div className={`field ${props.problems?.length ? "has-problem" : ""}`}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className={props.mono ? "mono" : undefined}
        data-testid={props.testId}
        value={fieldText(props.value)}
        placeholder={props.example ? `e.g. ${props.example}` : undefined}
        readOnly={props.readOnly}
        onChange={(e) => props.onChange(e.target.value === "" ? undefined : e.target.value)}
      />
      {props.hint && <small className="hint">{props.hint}</small>}
      {props.problems?.map((p) => (
        <small key={p} className="field-problem" role="alert">
          {p}
        </small>
      ))}
    </div>
  );
}

export function NumberField(props: {
  label: string;
  value: unknown;
  onChange: (value: number | undefined) => void;
  integer?: boolean;
  readOnly?: boolean;
  testId?: string;
  min?: number;
}) {
  const id = useFieldId(props.label);
  const [text, setText] = useState(fieldText(props.value));
  // A new value from outside replaces the text, unless the text already reads as it ("1." while
  // typing "1.5" stays): adjusted while rendering, as React's docs advise, not in an effect.
  const [shown, setShown] = useState(props.value);
  if (props.value !== shown) {
    setShown(props.value);
    const current = text === "" ? undefined : Number(text);
    if (current !== props.value) setText(fieldText(props.value));
  }
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        step={props.integer ? 1 : "any"}
        min={props.min}
        data-testid={props.testId}
        value={text}
        readOnly={props.readOnly}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value === "") props.onChange(undefined);
          else {
            const n = Number(e.target.value);
            if (!Number.isNaN(n)) props.onChange(props.integer ? Math.trunc(n) : n);
          }
        }}
      />
    </div>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  value: T | null | undefined;
  options: Array<{ value: T | ""; label: string }>;
  onChange: (value: T | undefined) => void;
  disabled?: boolean;
  testId?: string;
}) {
  const id = useFieldId(props.label);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testId}
        value={props.value ?? ""}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value === "" ? undefined : (e.target.value as T))}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckField(props: {
  label: string;
  value: boolean;
  onChange: (value: boolean) => void;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <label className="check">
      <input
        type="checkbox"
        data-testid={props.testId}
        checked={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      {props.label}
    </label>
  );
}

/** A JSON value edited as text; applied when it parses (on blur). */
export function JsonField(props: {
  label: string;
  value: Json | undefined;
  onChange: (value: Json | undefined) => void;
  readOnly?: boolean;
  testId?: string;
  rows?: number;
}) {
  const id = useFieldId(props.label);
  const shown = props.value === undefined ? "" : JSON.stringify(props.value, null, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  // the value changed from outside: show it, without the old error (adjusted while rendering)
  const [textFor, setTextFor] = useState(shown);
  if (textFor !== shown) {
    setTextFor(shown);
    setText(shown);
    setError(null);
  }
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        className="mono"
        rows={props.rows ?? 4}
        data-testid={props.testId}
        value={text}
        readOnly={props.readOnly}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === "") {
            setError(null);
            props.onChange(undefined);
            return;
          }
          try {
            const v = JSON.parse(text) as Json;
            setError(null);
            if (JSON.stringify(v) !== JSON.stringify(props.value)) props.onChange(v);
          } catch (err) {
            setError(`not JSON: ${(err as Error).message}`);
          }
        }}
      />
      {error && (
        <small className="field-problem" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** Key → CEL expression rows (a task's `input`/`output`, a signal's `output`). */
export function MappingField(props: {
  label: string;
  value: JsonObject | null | undefined;
  onChange: (value: JsonObject | undefined) => void;
  readOnly?: boolean;
  testId?: string;
  keyHint?: string[];
  /** The variables the expressions read (docs/net-format.md): what the fields complete. */
  scope: CelScope;
  variables?: string[];
}) {
  const rows = Object.entries(props.value ?? {});
  const write = (next: Array<[string, Json]>) => {
    const obj: JsonObject = {};
    for (const [k, v] of next) obj[k] = v;
    props.onChange(next.length ? obj : undefined);
  };
  return (
    <fieldset className="mapping" data-testid={props.testId}>
      <legend>{props.label}</legend>
      {rows.map(([k, v], i) => (
        <div className="mapping-row" key={i}>
          <input
            aria-label={`${props.label} key ${i + 1}`}
            value={k}
            readOnly={props.readOnly}
            list={props.keyHint ? `${props.testId}-keys` : undefined}
            onChange={(e) => write(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
          />
          <span>=</span>
          <CelField
            bare
            label={`${props.label} expression ${i + 1}`}
            scope={props.scope}
            variables={props.variables}
            testId={props.testId ? `${props.testId}-expr-${i + 1}` : undefined}
            value={typeof v === "string" ? v : JSON.stringify(v)}
            readOnly={props.readOnly}
            onChange={(next) => write(rows.map((r, j) => (j === i ? [r[0], next ?? ""] : r)))}
          />
          {!props.readOnly && (
            <button
              type="button"
              title="remove"
              onClick={() => write(rows.filter((_, j) => j !== i))}
            >
              ×
            </button>
          )}
        </div>
      ))}
      {props.keyHint && (
        <datalist id={`${props.testId}-keys`}>
          {props.keyHint.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      )}
      {!props.readOnly && (
        <button
          type="button"
          onClick={() =>
            write([
              ...rows,
              [
                freshKey(
                  rows.map((r) => r[0]),
                  props.keyHint,
                ),
                "",
              ],
            ])
          }
        >
          + mapping
        </button>
      )}
    </fieldset>
  );
}

function freshKey(taken: string[], hints?: string[]): string {
  const hint = hints?.find((h) => !taken.includes(h));
  if (hint) return hint;
  for (let i = 1; ; i += 1) if (!taken.includes(`key${i}`)) return `key${i}`;
}

/** One role picked from the existing groups (a name that is no group stays, marked). */
export function RoleSelect(props: {
  label: string;
  value: unknown;
  groups: string[];
  onChange: (value: string | undefined) => void;
  empty: string;
  disabled?: boolean;
  testId?: string;
  problems?: string[];
}) {
  const id = useFieldId(props.label);
  const value = typeof props.value === "string" ? props.value : "";
  const unknown = value && !props.groups.includes(value);
  return (
    <div className={`field ${props.problems?.length || unknown ? "has-problem" : ""}`}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testId}
        value={value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">{props.empty}</option>
        {props.groups.map((g) => (
          <option key={g} value={g}>
            {g}
          </option>
        ))}
        {unknown && <option value={value}>{value} (no such group)</option>}
      </select>
      {unknown && (
        <small className="field-problem" role="alert">
          no group is named “{value}”: nobody would be offered this work
        </small>
      )}
      {props.problems?.map((p) => (
        <small key={p} className="field-problem" role="alert">
          {p}
        </small>
      ))}
    </div>
  );
}

/** Several roles picked from the existing groups (checkboxes); names that are no group stay. */
export function RoleChecks(props: {
  legend: string;
  value: unknown;
  groups: string[];
  onChange: (value: string[] | undefined) => void;
  disabled?: boolean;
  testId?: string;
  hint?: string;
}) {
  const chosen = Array.isArray(props.value)
    ? (props.value as unknown[]).filter((v): v is string => typeof v === "string")
    : [];
  const names = [...props.groups, ...chosen.filter((c) => !props.groups.includes(c))];
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...chosen, name] : chosen.filter((c) => c !== name);
    props.onChange(next.length ? next : undefined);
  };
  return (
    <fieldset className="role-checks" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      {props.hint && <p className="hint">{props.hint}</p>}
      {names.length === 0 && <p className="hint">No groups exist yet (create them in Admin).</p>}
      {names.map((g) => (
        <label key={g} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(g)}
            disabled={props.disabled}
            onChange={(e) => toggle(g, e.target.checked)}
          />
          {g}
          {!props.groups.includes(g) && <span className="field-problem"> (no such group)</span>}
        </label>
      ))}
    </fieldset>
  );
}
