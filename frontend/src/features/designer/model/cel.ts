/**
 * What a CEL field of the designer offers and explains (ADR 0086): the names an expression may
 * read where it stands (the scope), the case-data fields the net declares or writes, the CEL
 * functions our engine accepts (each with one line of description), the completions at the
 * caret, and a plain-word note on a data field the net does not know ("did you mean").
 *
 * Pure functions: the component (panel/CelField.tsx) renders them; the server's
 * `POST /api/designer/check-expression/` remains the authority on whether an expression parses.
 */
import type { JsonObject, NetDoc } from "../../../lib/net/net";

/** The variables the engine binds for one kind of field (docs/net-format.md, "CEL variables"). */
export type CelScope = "data" | "input" | "output" | "when" | "signal" | "workflow";

const SCOPE_VARIABLES: Record<CelScope, string[]> = {
  data: ["data", "case"],
  input: ["data", "case", "item"],
  output: ["data", "case", "result", "results"],
  when: ["data", "case", "result"],
  signal: ["signal", "data"],
  workflow: ["data", "case", "item"],
};

const VARIABLE_INFO: Record<string, string> = {
  data: "the case data",
  case: "the case: case.id, case.definition, case.version",
  result: "the output of the task's completed work item",
  results: "the outputs of the task's completed work items (a list)",
  item: "the element of the list this work item is for",
  signal: "the signal's payload",
};

export interface Completion {
  /** The text inserted for it (a function brings its opening parenthesis). */
  insert: string;
  /** What the list shows. */
  label: string;
  kind: "field" | "variable" | "function" | "macro" | "method";
  detail: string;
}

/** Global functions our engine's CEL accepts (checked against the engine: engine/core/expr.py
 * registers no functions of its own besides its internal step meter). */
export const CEL_FUNCTIONS: Array<[string, string]> = [
  ["size", "how many elements a list or map has, or characters a text: size(data.items)"],
  ["has", "whether a field is present: has(data.customer.email)"],
  ["timestamp", "a point in time from ISO text: timestamp('2026-01-31T12:00:00Z')"],
  ["duration", "a length of time: duration('48h'), duration('30m')"],
  ["int", "a whole number from a number or text: int('42')"],
  ["uint", "a whole number that is never negative"],
  ["double", "a number with decimals from a number or text"],
  ["string", "the value as text: string(data.amount)"],
  ["bytes", "the text as bytes"],
  ["type", "the type of a value: type(data.amount) == int"],
  ["dyn", "treat a value as of any type (mixing types in a list)"],
];

/** Methods and macros written after a value and a dot. */
export const CEL_METHODS: Array<[string, Completion["kind"], string]> = [
  ["exists", "macro", "whether some element matches: data.items.exists(i, i.price > 100)"],
  ["all", "macro", "whether every element matches: data.items.all(i, i.qty > 0)"],
  ["exists_one", "macro", "whether exactly one element matches"],
  ["map", "macro", "each element transformed: data.items.map(i, i.price)"],
  ["filter", "macro", "the elements that match: data.items.filter(i, i.urgent)"],
  ["size", "method", "how many elements or characters it has"],
  ["startsWith", "method", "whether a text begins with another: data.code.startsWith('INV')"],
  ["endsWith", "method", "whether a text ends with another"],
  ["contains", "method", "whether a text contains another"],
  ["matches", "method", "whether a text matches a regular expression: data.email.matches('@')"],
  ["getFullYear", "method", "the year of a timestamp"],
  ["getMonth", "method", "the month of a timestamp, 0 for January"],
  ["getDayOfMonth", "method", "the day of the month of a timestamp, 0 for the first"],
  ["getDayOfWeek", "method", "the weekday of a timestamp, 0 for Sunday"],
  ["getHours", "method", "the hours of a timestamp or duration"],
  ["getMinutes", "method", "the minutes of a timestamp or duration"],
];

const KEYWORDS = ["true", "false", "null", "in"];

/** Every dotted field path a JSON Schema declares ("customer", "customer.name"). */
export function schemaFields(schema: unknown, prefix = "", depth = 0): string[] {
  if (!schema || typeof schema !== "object" || depth > 8) return [];
  const props = (schema as { properties?: unknown }).properties;
  if (!props || typeof props !== "object") return [];
  const out: string[] = [];
  for (const [name, sub] of Object.entries(props as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(path, ...schemaFields(sub, path, depth + 1));
  }
  return out;
}

export interface CelFields {
  /** Case-data field paths (without "data."), with where each comes from. */
  data: Map<string, string>;
}

/**
 * The case-data fields of a net: those its `data_schema` declares, those an `output` mapping
 * writes, and a manual task's form fields (merged into the data when it has no output mapping).
 */
export function netFields(net: Partial<NetDoc> | null | undefined): CelFields {
  const data = new Map<string, string>();
  for (const path of schemaFields(net?.data_schema)) data.set(path, "case data schema");
  const tasks = (net?.tasks ?? []) as Array<Record<string, unknown>>;
  for (const task of tasks) {
    const id = typeof task.id === "string" ? task.id : "";
    const output = task.output as JsonObject | undefined;
    if (output && typeof output === "object") {
      for (const key of Object.keys(output))
        if (!data.has(key)) data.set(key, `written by task ${id}`);
    } else if (task.form && (task.kind ?? "manual") === "manual") {
      for (const path of schemaFields(task.form))
        if (!data.has(path)) data.set(path, `form of task ${id}`);
    }
  }
  for (const signal of (net?.signals ?? []) as Array<Record<string, unknown>>) {
    const output = signal.output as JsonObject | undefined;
    if (output && typeof output === "object")
      for (const key of Object.keys(output))
        if (!data.has(key)) data.set(key, `written by signal ${String(signal.name)}`);
  }
  return { data };
}

/** The dotted name being typed right before the caret: "data.cust" → {path: "data", word: "cust"}. */
export function wordAt(text: string, caret: number): { from: number; path: string; word: string } {
  let i = caret;
  while (i > 0 && /[\w.]/.test(text[i - 1])) i -= 1;
  // inside a string literal nothing completes: count the quotes before the name
  const before = text.slice(0, i);
  const quotes = (before.match(/(?<!\\)['"]/g) ?? []).length;
  if (quotes % 2 === 1) return { from: caret, path: "\u0000", word: "" };
  const typed = text.slice(i, caret);
  const dot = typed.lastIndexOf(".");
  const path = dot >= 0 ? typed.slice(0, dot) : "";
  const word = dot >= 0 ? typed.slice(dot + 1) : typed;
  // a call or index before the dot ("size(x).", "a[0].") is a value: complete its methods
  const afterValue = dot >= 0 && path === "" ? "\u0001" : path;
  return { from: caret - word.length, path: afterValue, word };
}

/** The completions at `caret` of `text`, best first. */
export function completionsAt(
  text: string,
  caret: number,
  scope: CelScope,
  fields: CelFields,
  extraVariables: string[] = [],
): { from: number; to: number; items: Completion[] } {
  const { from, path, word } = wordAt(text, caret);
  const to = caret + (text.slice(caret).match(/^\w*/)?.[0].length ?? 0);
  const lower = word.toLowerCase();
  const matches = (name: string) => name.toLowerCase().startsWith(lower);
  const items: Completion[] = [];
  if (path === "\u0000") return { from, to, items };
  if (path === "") {
    for (const v of [...SCOPE_VARIABLES[scope], ...extraVariables])
      if (matches(v))
        items.push({
          insert: v,
          label: v,
          kind: "variable",
          detail: VARIABLE_INFO[v] ?? "the list element",
        });
    for (const [name, detail] of CEL_FUNCTIONS)
      if (matches(name))
        items.push({ insert: `${name}(`, label: `${name}()`, kind: "function", detail });
    for (const k of KEYWORDS)
      if (word && matches(k) && k !== word)
        items.push({ insert: k, label: k, kind: "variable", detail: "a CEL keyword" });
    return { from, to, items: offered(items, word) };
  }
  if (path === "data" || path.startsWith("data.")) {
    const parent = path === "data" ? "" : path.slice(5);
    for (const [full, source] of fields.data) {
      const rel = parent
        ? full.startsWith(`${parent}.`)
          ? full.slice(parent.length + 1)
          : null
        : full;
      if (rel === null || rel.includes(".") || !matches(rel)) continue;
      items.push({ insert: rel, label: rel, kind: "field", detail: source });
    }
  }
  if (path === "case")
    for (const f of ["id", "definition", "version"])
      if (matches(f)) items.push({ insert: f, label: f, kind: "field", detail: `the case's ${f}` });
  if (path !== "case")
    for (const [name, kind, detail] of CEL_METHODS)
      if (matches(name) && path !== "data")
        items.push({ insert: `${name}(`, label: `${name}()`, kind, detail });
  return { from, to, items: offered(items, word) };
}

/** A name typed in full offers nothing more (the list would only hide what is below the field). */
const offered = (items: Completion[], word: string) =>
  items.every((i) => i.insert === word) ? [] : items;

/** The edit distance of two short names (for "did you mean"). */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length];
}

/** The `data.x.y` paths an expression reads (outside strings), with their position. */
export function dataReferences(text: string): Array<{ path: string; at: number }> {
  const out: Array<{ path: string; at: number }> = [];
  const stripped = text.replace(/(["'])(?:\\.|(?!\1).)*\1/g, (s) => " ".repeat(s.length));
  const re = /(?<![\w.])data((?:\.[A-Za-z_]\w*)+)(\s*\()?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(stripped))) {
    let parts = m[1].slice(1).split(".");
    if (m[2]) parts = parts.slice(0, -1); // data.name.startsWith( : the last part is a method
    if (parts.length) out.push({ path: parts.join("."), at: m.index });
  }
  return out;
}

/**
 * A plain sentence about the first data field the net does not know, or null. Only said when
 * the net declares fields at all (a net without a schema or outputs may read anything).
 * A reference below a known field without declared children ("data.customer.x" where
 * `customer` has no properties) is not flagged: the schema says nothing about it.
 */
export function unknownFieldProblem(text: string, fields: CelFields): string | null {
  if (fields.data.size === 0) return null;
  for (const { path } of dataReferences(text)) {
    const parts = path.split(".");
    for (let n = 1; n <= parts.length; n += 1) {
      const head = parts.slice(0, n).join(".");
      if (fields.data.has(head)) continue;
      const parent = parts.slice(0, n - 1).join(".");
      const siblings = [...fields.data.keys()].filter((k) =>
        parent
          ? k.startsWith(`${parent}.`) && !k.slice(parent.length + 1).includes(".")
          : !k.includes("."),
      );
      if (parent && siblings.length === 0) break; // an undeclared inside: nothing to say
      const name = parts[n - 1];
      const best = siblings
        .map((s) => ({
          s,
          d: distance(name.toLowerCase(), s.slice(parent ? parent.length + 1 : 0).toLowerCase()),
        }))
        .sort((x, y) => x.d - y.d)[0];
      const guess =
        best && best.d <= Math.max(2, Math.floor(name.length / 3))
          ? ` Did you mean \`data.${best.s}\`?`
          : "";
      return `Unknown field \`data.${head}\`: the case data has no such field.${guess}`;
    }
  }
  return null;
}

/** What the client can tell before asking the server: an unclosed bracket or quote. */
export function bracketProblem(text: string): string | null {
  const stack: Array<{ c: string; at: number }> = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const names: Record<string, string> = { "(": "parenthesis", "[": "bracket", "{": "brace" };
  const closers: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0)
        return `A text in quotes is not closed: add the closing ${c} after \`${text.slice(i).trim()}\`.`;
      i = end;
    } else if (c === "(" || c === "[" || c === "{") stack.push({ c, at: i });
    else if (pairs[c]) {
      const open = stack.pop();
      if (!open || open.c !== pairs[c])
        return `There is a “${c}” at character ${i + 1} that closes nothing: remove it or add its opening “${pairs[c]}”.`;
    }
  }
  const open = stack.pop();
  if (open) {
    const after = text.slice(0, text.length).trim();
    return `Missing closing ${names[open.c]} “${closers[open.c]}” after \`${after}\`.`;
  }
  return null;
}
