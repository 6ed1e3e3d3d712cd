import { describe, expect, it } from "vitest";

import {
  apiQuery,
  EMPTY_FILTERS,
  filtersFromSearch,
  filtersToSearch,
  listFilters,
  pageCount,
  toIso,
  withFilter,
} from "./filters";

describe("case list filters and the URL", () => {
  it("round-trips every filter through the query string", () => {
    const f = {
      ...EMPTY_FILTERS,
      find: "PO-77",
      definition: "invoice-approval",
      version: "2",
      states: ["running", "suspended"],
      created_after: "2026-01-02T03:04",
      ended_before: "2026-02-01T00:00",
      where: 'data.customer == "ACME" && data.amount >= 100',
      incident: "true" as const,
      sort: "created_at",
      page: 3,
      page_size: 50,
    };
    const q = filtersToSearch(f);
    expect(q.get("where")).toBe('data.customer == "ACME" && data.amount >= 100');
    expect(q.get("state")).toBe("running,suspended");
    expect(q.get("find")).toBe("PO-77");
    expect(filtersFromSearch(q.toString())).toEqual(f);
  });

  it("leaves defaults out of the URL", () => {
    expect(filtersToSearch(EMPTY_FILTERS).toString()).toBe("");
    expect(filtersFromSearch("")).toEqual(EMPTY_FILTERS);
  });

  it("drops what it cannot read instead of sending it on", () => {
    const f = filtersFromSearch(
      "state=running,bogus&sort=drop+table&page=-2&page_size=5000&incident=maybe&version=3",
    );
    expect(f.states).toEqual(["running"]);
    expect(f.sort).toBe("-id");
    expect(f.page).toBe(1);
    expect(f.page_size).toBe(100);
    expect(f.incident).toBe("");
    expect(f.version).toBe(""); // a version needs its definition
  });

  it("sends the API sort and page, and ISO times", () => {
    const f = { ...EMPTY_FILTERS, created_before: "2026-03-01T10:00", page: 2 };
    const q = apiQuery(f);
    expect(q.get("sort")).toBe("-id");
    expect(q.get("page")).toBe("2");
    expect(q.get("page_size")).toBe("25");
    expect(q.get("created_before")).toBe(new Date("2026-03-01T10:00").toISOString());
    expect(apiQuery({ ...f, ended_after: "2026-03-02T08:30" }).get("ended_after")).toBe(
      new Date("2026-03-02T08:30").toISOString(),
    );
  });

  it("gives batch actions the list's filters only (no sort, no page)", () => {
    const f = {
      ...EMPTY_FILTERS,
      definition: "failing",
      incident: "true" as const,
      sort: "id",
      page: 4,
    };
    expect(listFilters(f)).toEqual({ definition: "failing", incident: "true" });
  });

  it("goes back to page 1 when a filter changes, and drops the version with the definition", () => {
    const f = { ...EMPTY_FILTERS, definition: "a", version: "2", page: 5 };
    expect(withFilter(f, { where: "has(data.x)" }).page).toBe(1);
    expect(withFilter(f, { page: 6 }).page).toBe(6);
    expect(withFilter(f, { definition: "b" }).version).toBe("");
    expect(withFilter(f, { definition: "a" }).version).toBe("2");
  });

  it("passes text it cannot read as a time on to the server", () => {
    expect(toIso("yesterday")).toBe("yesterday");
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(51, 25)).toBe(3);
  });
});
