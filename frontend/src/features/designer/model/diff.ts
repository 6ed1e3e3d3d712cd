/**
 * An element-level diff of two net documents (two versions, or a version and the draft): which
 * conditions, tasks and flows were added, removed or changed (and in which fields), which
 * net-level fields changed, and how many elements only moved.
 */
import type { NetDoc } from "../../../lib/net/net";

export type ChangeKind = "added" | "removed" | "changed";
export type ElementKind = "condition" | "task" | "flow" | "workflow";

export interface Change {
  kind: ChangeKind;
  what: ElementKind;
  /** Condition/task id, "<from> → <to>" for a flow, the field's name for the workflow. */
  id: string;
  /** For a change: one line per field ("label: “Review” → “Check”"). */
  details: string[];
}

type Obj = Record<string, unknown>;

const LIST_KEYS = new Set(["conditions", "tasks", "flows", "layout"]);

function short(value: unknown): string {
  if (value === undefined) return "(none)";
  if (value === "") return "(empty)";
  const text = typeof value === "string" ? `“${value}”` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function fieldChanges(a: Obj, b: Obj, skip: string[] = []): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => !skip.includes(k),
  );
  return keys.filter((k) => !same(a[k], b[k])).map((k) => `${k}: ${short(a[k])} → ${short(b[k])}`);
}

function byKey(items: unknown, key: (o: Obj) => string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  if (Array.isArray(items))
    for (const item of items)
      if (item && typeof item === "object") out.set(key(item as Obj), item as Obj);
  return out;
}

function compare(
  what: ElementKind,
  a: Map<string, Obj>,
  b: Map<string, Obj>,
  skip: string[] = [],
): Change[] {
  const out: Change[] = [];
  for (const [id, el] of a) {
    const other = b.get(id);
    if (!other) out.push({ kind: "removed", what, id, details: [] });
    else {
      const details = fieldChanges(el, other, skip);
      if (details.length) out.push({ kind: "changed", what, id, details });
    }
  }
  for (const id of b.keys()) if (!a.has(id)) out.push({ kind: "added", what, id, details: [] });
  return out;
}

/** What changed from `a` (older) to `b` (newer), workflow fields first, then the elements. */
export function diffNets(a: NetDoc, b: NetDoc): { changes: Change[]; moved: number } {
  const A = a as unknown as Obj;
  const B = b as unknown as Obj;
  const changes: Change[] = [];
  const top = [...new Set([...Object.keys(A), ...Object.keys(B)])].filter((k) => !LIST_KEYS.has(k));
  for (const k of top) {
    if (same(A[k], B[k])) continue;
    const kind: ChangeKind = !(k in A) ? "added" : !(k in B) ? "removed" : "changed";
    changes.push({
      kind,
      what: "workflow",
      id: k,
      details: kind === "changed" ? [`${short(A[k])} → ${short(B[k])}`] : [],
    });
  }
  const id = (o: Obj) => String(o.id);
  changes.push(...compare("condition", byKey(A.conditions, id), byKey(B.conditions, id)));
  changes.push(...compare("task", byKey(A.tasks, id), byKey(B.tasks, id)));
  const flowKey = (o: Obj) => `${String(o.from)} → ${String(o.to)}`;
  changes.push(...compare("flow", byKey(A.flows, flowKey), byKey(B.flows, flowKey)));
  const la = (A.layout ?? {}) as Record<string, unknown>;
  const lb = (B.layout ?? {}) as Record<string, unknown>;
  const moved = Object.keys(lb).filter((k) => k in la && !same(la[k], lb[k])).length;
  return { changes, moved };
}
