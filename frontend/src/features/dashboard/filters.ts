/** The case list's filters: kept in the URL (shareable, back button), sent to the API as is. */

import type { components } from "../../api/schema";

type CaseState = components["schemas"]["CaseStateEnum"];

/** Every case state, in the order the filter offers them. The names are the engine's
 * (engine/core/state.py, through the generated `CaseStateEnum`): tsc refuses a name that is not
 * one, and `_EVERY_STATE` refuses a list that misses one. */
export const CASE_STATES = [
  "running",
  "suspended",
  "completed",
  "canceled",
  "failed",
  "deadlocked",
] as const satisfies readonly CaseState[];
const _EVERY_STATE: Exclude<CaseState, (typeof CASE_STATES)[number]> extends never ? true : never =
  true;
void _EVERY_STATE;
export const SORTS = [
  "-id",
  "id",
  "-created_at",
  "created_at",
  "-updated_at",
  "updated_at",
  "-ended_at",
  "ended_at",
  "state",
  "-state",
  "definition",
  "-definition",
] as const;
export const PAGE_SIZES = [25, 50, 100] as const;

export interface CaseFilters {
  /** a case id or a business key, exactly (the search box) */
  find: string;
  definition: string;
  version: string;
  states: string[];
  created_after: string;
  created_before: string;
  ended_after: string;
  ended_before: string;
  where: string;
  incident: "" | "true" | "false";
  sort: string;
  page: number;
  page_size: number;
}

export const EMPTY_FILTERS: CaseFilters = {
  find: "",
  definition: "",
  version: "",
  states: [],
  created_after: "",
  created_before: "",
  ended_after: "",
  ended_before: "",
  where: "",
  incident: "",
  sort: "-id",
  page: 1,
  page_size: 25,
};

function positiveInt(value: string | null, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The filters a URL's query string holds; anything unknown or malformed falls back to the default. */
export function filtersFromSearch(search: URLSearchParams | string): CaseFilters {
  const q = typeof search === "string" ? new URLSearchParams(search) : search;
  const incident = q.get("incident");
  const sort = q.get("sort") ?? "";
  const size = positiveInt(q.get("page_size"), EMPTY_FILTERS.page_size);
  return {
    find: q.get("find") ?? "",
    definition: q.get("definition") ?? "",
    version:
      q.get("definition") && /^\d+$/.test(q.get("version") ?? "")
        ? (q.get("version") as string)
        : "",
    states: (q.get("state") ?? "")
      .split(",")
      .filter((s) => (CASE_STATES as readonly string[]).includes(s)),
    created_after: q.get("created_after") ?? "",
    created_before: q.get("created_before") ?? "",
    ended_after: q.get("ended_after") ?? "",
    ended_before: q.get("ended_before") ?? "",
    where: q.get("where") ?? "",
    incident: incident === "true" || incident === "false" ? incident : "",
    sort: (SORTS as readonly string[]).includes(sort) ? sort : EMPTY_FILTERS.sort,
    page: positiveInt(q.get("page"), 1),
    page_size: Math.min(size, 100),
  };
}

/** The filters of the list itself (what batch actions apply to): no sort and no page. */
export function listFilters(f: CaseFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.find.trim()) out.find = f.find.trim();
  if (f.definition) out.definition = f.definition;
  if (f.definition && f.version) out.version = f.version;
  if (f.states.length) out.state = f.states.join(",");
  if (f.created_after) out.created_after = toIso(f.created_after);
  if (f.created_before) out.created_before = toIso(f.created_before);
  if (f.ended_after) out.ended_after = toIso(f.ended_after);
  if (f.ended_before) out.ended_before = toIso(f.ended_before);
  if (f.where.trim()) out.where = f.where.trim();
  if (f.incident) out.incident = f.incident;
  return out;
}

/** The query string for the URL and the API (defaults left out, so URLs stay short). */
export function filtersToSearch(f: CaseFilters): URLSearchParams {
  const q = new URLSearchParams(listFilters(f));
  // the URL keeps the datetime-local text as typed; the API gets ISO (see apiQuery)
  if (f.created_after) q.set("created_after", f.created_after);
  if (f.created_before) q.set("created_before", f.created_before);
  if (f.ended_after) q.set("ended_after", f.ended_after);
  if (f.ended_before) q.set("ended_before", f.ended_before);
  if (f.sort !== EMPTY_FILTERS.sort) q.set("sort", f.sort);
  if (f.page !== 1) q.set("page", String(f.page));
  if (f.page_size !== EMPTY_FILTERS.page_size) q.set("page_size", String(f.page_size));
  return q;
}

/** The API's query for one page of the list. */
export function apiQuery(f: CaseFilters): URLSearchParams {
  const q = new URLSearchParams(listFilters(f));
  q.set("sort", f.sort);
  q.set("page", String(f.page));
  q.set("page_size", String(f.page_size));
  return q;
}

/** A change of any filter but the page goes back to page 1. */
export function withFilter(f: CaseFilters, change: Partial<CaseFilters>): CaseFilters {
  const next = { ...f, ...change };
  if (!("page" in change)) next.page = 1;
  if ("definition" in change && change.definition !== f.definition) next.version = "";
  return next;
}

/** A `datetime-local` value (local time, no zone) as ISO 8601 UTC; other text is passed on as is
 * (the server answers 400 for what it cannot read). */
export function toIso(local: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return local;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

export function pageCount(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}
