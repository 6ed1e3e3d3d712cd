/**
 * The case list's columns: which exist, which show by default, and the user's choice kept in
 * localStorage under a key of their own (one browser, several users: each keeps theirs).
 */

export const CASE_COLUMNS = [
  { id: "id", label: "Case", always: true },
  { id: "business_key", label: "Business key" },
  { id: "definition", label: "Definition" },
  { id: "version", label: "Version" },
  { id: "state", label: "State" },
  { id: "incident", label: "Incident" },
  { id: "open_items", label: "Open items" },
  { id: "started_by", label: "Started by" },
  { id: "created_at", label: "Started" },
  { id: "updated_at", label: "Updated" },
  { id: "ended_at", label: "Ended" },
  { id: "data", label: "Data" },
] as const;

export type ColumnId = (typeof CASE_COLUMNS)[number]["id"];

export const DEFAULT_COLUMNS: readonly ColumnId[] = [
  "id",
  "business_key",
  "definition",
  "state",
  "incident",
  "open_items",
  "created_at",
  "updated_at",
];

const KNOWN = new Set<string>(CASE_COLUMNS.map((c) => c.id));

export function storageKey(username: string): string {
  return `dashboard.caseColumns.${username}`;
}

/** The columns in the list's order, the ones always shown included, unknown ids dropped. */
export function normalize(ids: readonly string[]): ColumnId[] {
  const chosen = new Set(ids.filter((id) => KNOWN.has(id)));
  return CASE_COLUMNS.filter((c) => ("always" in c && c.always) || chosen.has(c.id)).map(
    (c) => c.id,
  );
}

/** The user's columns; the default when none are kept or what is kept cannot be read. */
export function loadColumns(username: string, storage: Storage = localStorage): ColumnId[] {
  let raw: string | null;
  try {
    raw = storage.getItem(storageKey(username));
  } catch {
    return [...DEFAULT_COLUMNS];
  }
  if (raw == null) return [...DEFAULT_COLUMNS];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string"))
      return normalize(parsed);
  } catch {
    // kept by an older page or edited by hand: the default
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumns(
  username: string,
  ids: readonly ColumnId[],
  storage: Storage = localStorage,
): void {
  try {
    storage.setItem(storageKey(username), JSON.stringify(normalize(ids)));
  } catch {
    // storage full or denied (private mode): the choice lasts for this page only
  }
}

/** `ids` with `id` shown or hidden (a column always shown stays). */
export function toggle(ids: readonly ColumnId[], id: ColumnId, shown: boolean): ColumnId[] {
  return normalize(shown ? [...ids, id] : ids.filter((x) => x !== id));
}
