/**
 * Problems and expressions in plain words: which element a validation problem is about (never a
 * JSON pointer such as "/flows/1"), and what a CEL parser error means (never the parser's dump).
 */

export interface ProblemLike {
  element: string | null;
  message: string;
  path: string;
}

/** What the designer knows of an element to name it: its label, if any. */
export type LabelOf = (id: string) => string | undefined;

const TOP_FIELDS: Record<string, string> = {
  name: "the workflow's name",
  title: "the workflow's title",
  description: "the workflow's description",
  data_schema: "the case data schema",
  signals: "the signals",
  queries: "the queries",
  layout: "the layout",
  start_roles: "who may start it",
  startable: "“can be started from the inbox”",
  schema_version: "the format version",
};

const FIELD_WORDS: Record<string, string> = {
  when: "condition (when)",
  assign: "assignment",
  for_each: "for each",
  not_same_as: "not the same person as",
  max_attempts: "max attempts",
  initial_interval: "initial interval",
  max_interval: "max interval",
  non_retryable: "non-retryable errors",
  max_iterations: "max iterations",
  on_failure: "on failure",
  data_schema: "case data schema",
};

function named(id: string, labelOf: LabelOf): string {
  const label = labelOf(id);
  return label && label !== id ? `“${label}” (${id})` : id;
}

/** The element a problem is about, in words: "task “Review” (review)", "flow review → pay". */
export function elementWords(p: ProblemLike, labelOf: LabelOf = () => undefined): string {
  const parts = p.path.split("/").filter(Boolean);
  if (p.element) {
    const arrow = p.element.indexOf("->");
    if (arrow >= 0) {
      const from = p.element.slice(0, arrow);
      const to = p.element.slice(arrow + 2);
      return `flow ${named(from, labelOf)} → ${to === "?" ? "(nowhere)" : named(to, labelOf)}`;
    }
    const what = parts[0] === "conditions" ? "condition" : parts[0] === "tasks" ? "task" : "";
    return `${what ? what + " " : ""}${named(p.element, labelOf)}`.trim();
  }
  const [top, index] = parts;
  if (top === "flows" && index !== undefined) return `flow number ${Number(index) + 1}`;
  if (top === "signals" && index !== undefined) return `signal number ${Number(index) + 1}`;
  if (top === "queries" && index !== undefined) return `query number ${Number(index) + 1}`;
  if (top && TOP_FIELDS[top]) return TOP_FIELDS[top];
  return "the workflow";
}

/** A JSON pointer (/properties/amount/minimum, /flows/1) read out in words. */
export function pointerWords(pointer: string): string {
  const parts = pointer.split("/").filter(Boolean);
  const words: string[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i].replace(/~1/g, "/").replace(/~0/g, "~");
    const next = parts[i + 1];
    if ((part === "properties" || part === "$defs") && next !== undefined) {
      words.push(`field “${next}”`);
      i += 1;
    } else if (["flows", "tasks", "conditions", "signals", "queries"].includes(part) && next) {
      words.push(`${part.replace(/s$/, "").replace(/ie$/, "y")} number ${Number(next) + 1}`);
      i += 1;
    } else if (/^\d+$/.test(part)) words.push(`item ${Number(part) + 1}`);
    else words.push(FIELD_WORDS[part] ?? part.replace(/_/g, " "));
  }
  return words.join(", ");
}

/** A problem's message, with its JSON pointers and CEL parser output put into words. */
export function messageWords(message: string): string {
  const cel = message.match(/^(.*?)invalid CEL expression: (.*)$/s);
  if (cel) {
    const what = cel[1].replace(/:\s*$/, "").trim();
    const field = what ? `${FIELD_WORDS[what] ?? what.replace(/_/g, " ")}: ` : "";
    return `${field}${celErrorWords(cel[2])}`;
  }
  // " at /properties/amount" and a leading "/flows/1: " are pointers: say them in words
  return message
    .replace(/ at (\/[\w$~./-]*)/g, (_m, ptr: string) => ` at ${pointerWords(ptr)}`)
    .replace(
      /(^|\s)(\/(?:flows|tasks|conditions|signals|queries)\/\d+[\w/]*)/g,
      (_m, pre, ptr) => `${pre}${pointerWords(ptr as string)}`,
    )
    .replace(/\b(flow|task|condition|signal|query) \1 number/g, "$1 number") // "the flow /flows/2"
    .replace(/\b([\w.-]+)->([\w.-]+)/g, "$1 → $2"); // a flow's element id, "review->pay"
}

const CLOSERS: Record<string, string> = { ")": "parenthesis", "]": "bracket", "}": "brace" };

const TOKEN_NAMES: Record<string, string> = {
  "<EOF>": "the end of the expression",
};

/**
 * A CEL compile error in plain words. The parser says e.g.
 * "Failed to parse expression 'data.amount >': ERROR: <input>:1:14: Syntax error: mismatched
 * input '<EOF>' expecting {'[', ...}"; this says "The expression stops too early, after
 * “data.amount >”: a value or a name is missing at the end."
 */
export function celErrorWords(raw: string, column: number | null = null): string {
  const source = raw.match(/Failed to parse expression '(.*?)':\s*ERROR/s)?.[1];
  // the parser's column ("<input>:1:14:") counts from 1
  const at = raw.match(/<input>:(\d+):(\d+):/);
  const col = column ?? (at ? Number(at[2]) : null);
  const place = col !== null ? ` at character ${col}` : "";
  const near =
    source !== undefined && col !== null ? source.slice(Math.max(0, col - 13), col).trim() : "";
  const nearText = near ? ` (near “${near}”)` : "";
  let m: RegExpMatchArray | null;
  if ((m = raw.match(/mismatched input '(.*?)' expecting/s))) {
    if (m[1] === "<EOF>")
      return `The expression stops too early${source ? `, after “${source.trim()}”` : ""}: a value or a name is missing at the end.`;
    return `“${m[1]}” is not expected here${place}${nearText}: check the operators and brackets before it.`;
  }
  if ((m = raw.match(/token recognition error at: '(.*?)'/s))) {
    const tok = m[1];
    if (tok.startsWith('"') || tok.startsWith("'"))
      return `A text in quotes is not closed${place}: add the closing ${tok[0]} quote.`;
    return `“${tok}” is not something CEL understands${place}${nearText}.`;
  }
  if ((m = raw.match(/extraneous input '(.*?)'/s))) {
    if (m[1] === "<EOF>") return "The expression has something extra at the end.";
    return `There is an extra “${m[1]}”${place}${nearText}: remove it or add what belongs before it.`;
  }
  if ((m = raw.match(/missing '(.*?)' at '<EOF>'/s)) && CLOSERS[m[1]])
    return `Missing closing ${CLOSERS[m[1]]} “${m[1]}”${source ? ` after \`${source.trim()}\`` : " at the end"}.`;
  if ((m = raw.match(/missing '(.*?)' at '(.*?)'/s)))
    return `A “${m[1]}” is missing before “${TOKEN_NAMES[m[2]] ?? m[2]}”${place}.`;
  if (/no viable alternative at input/.test(raw))
    return `The expression cannot be read${place}${nearText}: an operator, a bracket or a quote is probably missing or extra.`;
  if ((m = raw.match(/undeclared reference to '(.*?)'/s)))
    return `“${m[1]}” is not a known name: use data, case, result or a function such as size().`;
  if ((m = raw.match(/found no matching overload for '(.*?)'/s)))
    return `“${m[1]}” cannot be used with these kinds of values.`;
  const plain = raw.replace(/^.*?Syntax error:\s*/s, "").replace(/\s*expecting \{.*$/s, "");
  return `The expression is not valid CEL${place}: ${plain}`;
}
