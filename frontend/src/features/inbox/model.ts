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
  /** words that must all appear in the item (task, its description, workflow, case number,
   * assignee, input), any case */
  text: string;
  workflow: string; // "" = any
  task: string; // task label, "" = any
  minPriority: number | null;
  due: "any" | "overdue" | "today" | "none";
  olderThanHours: number | null;
  /** follow-up dates (ADR 0084): "due" hides the items filed under "later" (a follow-up date
   * still ahead), as Camunda Tasklist does by default; "later" shows only those */
  followUp: FollowUpView;
}

export type FollowUpView = "due" | "later" | "all";

export const noFilters: Filters = {
  text: "",
  workflow: "",
  task: "",
  minPriority: null,
  due: "any",
  olderThanHours: null,
  followUp: "due",
};

export type SortKey = "priority" | "due" | "followUp" | "oldest" | "newest";

const HOUR = 3600_000;

/** The text the search looks in. */
export function searchText(item: WorkItem): string {
  return [
    item.task_label,
    item.task_description ?? "",
    item.definition,
    `#${item.case}`,
    item.assignee ?? "",
    item.case_state === "suspended" ? "suspended on hold" : "",
    JSON.stringify(item.input ?? {}),
  ]
    .join(" ")
    .toLowerCase();
}

/** Is the item filed under "later": a follow-up date still ahead? */
export function isLater(item: WorkItem, now: number): boolean {
  return !!item.follow_up && Date.parse(item.follow_up) > now;
}

/** How many of the items are filed under "later" (the list offers to show them). */
export function laterCount(items: Iterable<WorkItem>, now: number): number {
  let n = 0;
  for (const i of items) if (isLater(i, now)) n += 1;
  return n;
}

export function matches(item: WorkItem, f: Filters, now: number): boolean {
  if (f.followUp !== "all" && isLater(item, now) !== (f.followUp === "later")) return false;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const hay = searchText(item);
    if (!words.every((w) => hay.includes(w))) return false;
  }
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

/** Earliest first, items without the date last; then by priority and age. */
function byMoment(a: string | null | undefined, b: string | null | undefined): number {
  const ma = a ? Date.parse(a) : Infinity;
  const mb = b ? Date.parse(b) : Infinity;
  return ma === mb ? 0 : ma < mb ? -1 : 1;
}

function compare(a: WorkItem, b: WorkItem, key: SortKey): number {
  const created = Date.parse(a.created_at) - Date.parse(b.created_at);
  switch (key) {
    case "priority":
      return b.priority - a.priority || created;
    case "due":
      return byMoment(a.due_at, b.due_at) || b.priority - a.priority || created;
    case "followUp":
      return byMoment(a.follow_up, b.follow_up) || b.priority - a.priority || created;
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

/** Whether people may act on the item now: a suspended case's items wait for an operator. */
export function onHold(item: WorkItem): boolean {
  return item.case_state === "suspended";
}

// ---------------------------------------------------------------- saved filters and drafts
// Kept in the browser (localStorage), per user: a filter set is a personal view of the inbox,
// a draft is a half-filled form (ADR 0076).

/** The part of localStorage the inbox uses (a test passes a Map-backed one). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SavedFilter {
  name: string;
  filters: Filters;
  sort: SortKey;
}

const filtersKey = (username: string) => `inbox:${username}:filters`;

export function loadSavedFilters(store: KeyValueStore, username: string): SavedFilter[] {
  try {
    const raw: unknown = JSON.parse(store.getItem(filtersKey(username)) ?? "[]");
    if (!Array.isArray(raw)) return [];
    return (raw as unknown[])
      .map((x) => asObject(x))
      .filter((x) => typeof x.name === "string")
      .map((x) => ({
        name: x.name as string,
        filters: { ...noFilters, ...asObject(x.filters) },
        sort: (typeof x.sort === "string" ? x.sort : "priority") as SortKey,
      }));
  } catch {
    return [];
  }
}

/** The list with `entry` saved under its name (replacing one of the same name), by name. */
export function saveFilter(
  store: KeyValueStore,
  username: string,
  entry: SavedFilter,
): SavedFilter[] {
  const list = [...loadSavedFilters(store, username).filter((f) => f.name !== entry.name), entry];
  list.sort((a, b) => a.name.localeCompare(b.name));
  store.setItem(filtersKey(username), JSON.stringify(list));
  return list;
}

export function deleteFilter(store: KeyValueStore, username: string, name: string): SavedFilter[] {
  const list = loadSavedFilters(store, username).filter((f) => f.name !== name);
  store.setItem(filtersKey(username), JSON.stringify(list));
  return list;
}

const draftKey = (username: string, itemId: string) => `inbox:${username}:draft:${itemId}`;

export function loadDraft(store: KeyValueStore, username: string, itemId: string): unknown {
  try {
    const raw = store.getItem(draftKey(username, itemId));
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}

export function saveDraft(
  store: KeyValueStore,
  username: string,
  itemId: string,
  data: unknown,
): void {
  store.setItem(draftKey(username, itemId), JSON.stringify(data ?? {}));
}

export function clearDraft(store: KeyValueStore, username: string, itemId: string): void {
  store.removeItem(draftKey(username, itemId));
}

// ---------------------------------------------------------------- the form

/** The form's first values: case data under the same names as the form's fields (so nobody
 * retypes, or contradicts, what the case already knows), only where the types agree. */
export function prefill(form: unknown, data: unknown): Record<string, unknown> {
  const props = asObject(asObject(form).properties);
  const values = asObject(data);
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(props)) {
    if (!(name in values)) continue;
    const v = values[name];
    const type = asObject(spec).type;
    const ok =
      type === undefined ||
      (type === "string" && typeof v === "string") ||
      ((type === "number" || type === "integer") && typeof v === "number") ||
      (type === "boolean" && typeof v === "boolean") ||
      (type === "array" && Array.isArray(v)) ||
      (type === "object" && v !== null && typeof v === "object" && !Array.isArray(v));
    if (ok) out[name] = v;
  }
  return out;
}

/** The server's rule for people's forms (engine: a text of only spaces is not filled in):
 * errors for required top-level fields holding only white space. */
export function blankRequired(form: unknown, value: unknown): FieldError[] {
  const required = asObject(form).required;
  const values = asObject(value);
  if (!Array.isArray(required)) return [];
  return required
    .filter((name): name is string => typeof name === "string")
    .filter((name) => {
      const v = values[name];
      return typeof v === "string" && !v.trim();
    })
    .map((name) => ({ field: name, message: "must not be only spaces" }));
}
