/** The inbox's pure logic: applying socket messages, tabs, filters, sorting, form errors. */
import type { WorkItem } from "../../api/client";
import type { ErrorSchema } from "@rjsf/utils";

export type Items = ReadonlyMap<string, WorkItem>;

export type SocketMessage =
  | { type: "snapshot"; work_items: WorkItem[]; total?: number }
  | { type: "work_item"; event: "offered" | "updated" | "removed"; work_item: WorkItem };

export interface Applied {
  items: Items;
  /** ids that arrived with this message (to animate them in) */
  arrived: string[];
  /** the item that left, if any, as it now is (e.g. claimed by someone else, completed) */
  removed: WorkItem | null;
  /** after a snapshot: how many items the server left out of it (it sends the most urgent) */
  omitted?: number;
}

/** The live items after a socket message. A snapshot replaces everything (a reconnect). */
export function applyMessage(items: Items, message: SocketMessage): Applied {
  if (message.type === "snapshot") {
    const next = new Map(message.work_items.map((i) => [i.id, i] as const));
    const omitted = Math.max(
      0,
      (message.total ?? message.work_items.length) - message.work_items.length,
    );
    return {
      items: next,
      arrived: message.work_items.filter((i) => !items.has(i.id)).map((i) => i.id),
      removed: null,
      omitted,
    };
  }
  const item = message.work_item;
  const next = new Map(items);
  if (message.event === "removed") {
    next.delete(item.id);
    return { items: next, arrived: [], removed: item };
  }
  next.set(item.id, item);
  return { items: next, arrived: message.event === "offered" ? [item.id] : [], removed: null };
}

export type Tab = "mine" | "available" | "done";

export function inTab(item: WorkItem, tab: Exclude<Tab, "done">, username: string): boolean {
  return tab === "mine" ? item.assignee === username : !item.assignee;
}

export function tabCounts(items: Items, username: string): { mine: number; available: number } {
  let mine = 0;
  let available = 0;
  for (const item of items.values()) {
    if (inTab(item, "mine", username)) mine += 1;
    else if (inTab(item, "available", username)) available += 1;
  }
  return { mine, available };
}

export interface Filters {
  workflow: string; // "" = any
  task: string; // task label, "" = any
  minPriority: number | null;
  due: "any" | "overdue" | "today" | "none";
  olderThanHours: number | null;
}

export const noFilters: Filters = {
  workflow: "",
  task: "",
  minPriority: null,
  due: "any",
  olderThanHours: null,
};

export type SortKey = "priority" | "due" | "oldest" | "newest";

const HOUR = 3600_000;

export function matches(item: WorkItem, f: Filters, now: number): boolean {
  if (f.workflow && item.definition !== f.workflow) return false;
  if (f.task && item.task_label !== f.task) return false;
  if (f.minPriority !== null && item.priority < f.minPriority) return false;
  const due = item.due_at ? Date.parse(item.due_at) : null;
  if (f.due === "overdue" && !(due !== null && due < now)) return false;
  if (f.due === "today" && !(due !== null && due < now + 24 * HOUR)) return false;
  if (f.due === "none" && due !== null) return false;
  if (f.olderThanHours !== null && now - Date.parse(item.created_at) < f.olderThanHours * HOUR)
    return false;
  return true;
}

function compare(a: WorkItem, b: WorkItem, key: SortKey): number {
  const created = Date.parse(a.created_at) - Date.parse(b.created_at);
  switch (key) {
    case "priority":
      return b.priority - a.priority || created;
    case "due": {
      const da = a.due_at ? Date.parse(a.due_at) : Infinity;
      const db = b.due_at ? Date.parse(b.due_at) : Infinity;
      return da === db ? b.priority - a.priority || created : da < db ? -1 : 1;
    }
    case "oldest":
      return created;
    case "newest":
      return -created;
  }
}

export function visibleItems(
  items: Iterable<WorkItem>,
  f: Filters,
  sort: SortKey,
  now: number,
): WorkItem[] {
  return [...items]
    .filter((i) => matches(i, f, now))
    .sort((a, b) => compare(a, b, sort) || a.id.localeCompare(b.id));
}

/** The choices for the workflow and task filters. */
export function filterOptions(items: Iterable<WorkItem>): { workflows: string[]; tasks: string[] } {
  const workflows = new Set<string>();
  const tasks = new Set<string>();
  for (const i of items) {
    workflows.add(i.definition);
    tasks.add(i.task_label);
  }
  return { workflows: [...workflows].sort(), tasks: [...tasks].sort() };
}

/** "3 min", "5 h", "2 d": how long ago (or, negative, how long until). */
export function ageLabel(iso: string, now: number): string {
  const ms = Math.abs(now - Date.parse(iso));
  if (ms < 60_000) return "now";
  if (ms < HOUR) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 24 * HOUR) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / (24 * HOUR))} d`;
}

export interface FieldError {
  field?: string | null;
  message: string;
}

/** react-jsonschema-form's error tree: `__errors` at each level, a subtree per field. */
export type ErrorTree = ErrorSchema<Record<string, unknown>>;

/** The server's field errors ({"field": "a.b", "message"}) as react-jsonschema-form's
 * `extraErrors`, so each shows under its field; errors without a field go to the form's root. */
export function toErrorTree(errors: FieldError[]): ErrorTree {
  const tree: ErrorTree = {};
  for (const e of errors) {
    let node = tree;
    for (const part of e.field ? e.field.split(".") : []) {
      node = node[part] ??= {};
    }
    (node.__errors ??= []).push(e.message);
  }
  return tree;
}

/** A form's data as the JSON object the API takes (anything else: an empty object). */
export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
