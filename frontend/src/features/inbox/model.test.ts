import { describe, expect, it } from "vitest";

import type { WorkItem } from "../../api/client";
import {
  ageLabel,
  applyMessage,
  blankRequired,
  clearDraft,
  deleteFilter,
  loadDraft,
  loadSavedFilters,
  onHold,
  prefill,
  saveDraft,
  saveFilter,
  filterOptions,
  isLater,
  laterCount,
  matches,
  noFilters,
  tabCounts,
  toErrorTree,
  visibleItems,
  type Items,
} from "./model";

const NOW = Date.parse("2026-12-01T12:00:00Z");

function item(id: string, extra: Partial<WorkItem> = {}): WorkItem {
  return {
    id,
    case: 1,
    task: "review",
    generation: 1,
    kind: "manual",
    state: "initialized",
    input: {},
    output: null,
    assignee: null,
    role: "clerks",
    attempt: 1,
    error: null,
    created_at: "2026-12-01T11:00:00Z",
    updated_at: "2026-12-01T11:00:00Z",
    offered_user: null,
    priority: 1,
    due_at: null,
    follow_up: null,
    definition: "invoice-approval",
    task_label: "Review invoice",
    task_description: "",
    case_state: "running",
    form: null,
    ...extra,
  } as WorkItem;
}

const empty: Items = new Map();

/** A Map-backed stand-in for localStorage. */
function memoryStore(map: Map<string, string>) {
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

describe("applyMessage", () => {
  it("a snapshot replaces the items and reports the new ones", () => {
    const before = new Map([
      ["a", item("a")],
      ["old", item("old")],
    ]);
    const { items, arrived } = applyMessage(before, {
      type: "snapshot",
      work_items: [item("a"), item("b")],
    });
    expect([...items.keys()]).toEqual(["a", "b"]);
    expect(arrived).toEqual(["b"]);
  });
  it("a capped snapshot says how many it left out", () => {
    const r = applyMessage(empty, { type: "snapshot", work_items: [item("a")], total: 501 });
    expect(r.omitted).toBe(500);
    expect(applyMessage(empty, { type: "snapshot", work_items: [item("a")] }).omitted).toBe(0);
  });
  it("offered adds, updated replaces, removed deletes and returns the item", () => {
    let r = applyMessage(empty, { type: "work_item", event: "offered", work_item: item("a") });
    expect(r.arrived).toEqual(["a"]);
    r = applyMessage(r.items, {
      type: "work_item",
      event: "updated",
      work_item: item("a", { assignee: "alice" }),
    });
    expect(r.items.get("a")?.assignee).toBe("alice");
    expect(r.arrived).toEqual([]);
    r = applyMessage(r.items, {
      type: "work_item",
      event: "removed",
      work_item: item("a", { assignee: "bob" }),
    });
    expect(r.items.size).toBe(0);
    expect(r.removed?.assignee).toBe("bob");
  });
});

describe("tabs", () => {
  it("counts mine and available", () => {
    const items = new Map([
      ["a", item("a")],
      ["b", item("b", { assignee: "alice" })],
      ["c", item("c", { assignee: "bob" })], // staff see others' claims: in neither tab
    ]);
    expect(tabCounts(items, "alice")).toEqual({ mine: 1, available: 1 });
  });
});

describe("filters and sorting", () => {
  const a = item("a", {
    priority: 2,
    created_at: "2026-12-01T06:00:00Z",
    due_at: "2026-12-01T11:30:00Z",
  });
  const b = item("b", {
    priority: 1,
    created_at: "2026-12-01T11:50:00Z",
    due_at: "2026-12-01T20:00:00Z",
    definition: "order-fulfilment",
    task_label: "Pack",
  });
  const c = item("c", { priority: 1, created_at: "2026-11-28T11:00:00Z" });

  it("filters by workflow, task, priority, due date and age", () => {
    expect(matches(b, { ...noFilters, workflow: "order-fulfilment" }, NOW)).toBe(true);
    expect(matches(a, { ...noFilters, workflow: "order-fulfilment" }, NOW)).toBe(false);
    expect(matches(b, { ...noFilters, task: "Pack" }, NOW)).toBe(true);
    expect(matches(b, { ...noFilters, minPriority: 2 }, NOW)).toBe(false);
    expect(
      visibleItems([a, b, c], { ...noFilters, due: "overdue" }, "priority", NOW).map((i) => i.id),
    ).toEqual(["a"]);
    expect(
      visibleItems([a, b, c], { ...noFilters, due: "today" }, "priority", NOW).map((i) => i.id),
    ).toEqual(["a", "b"]);
    expect(
      visibleItems([a, b, c], { ...noFilters, due: "none" }, "priority", NOW).map((i) => i.id),
    ).toEqual(["c"]);
    expect(
      visibleItems([a, b, c], { ...noFilters, olderThanHours: 24 }, "priority", NOW).map(
        (i) => i.id,
      ),
    ).toEqual(["c"]);
  });
  it("sorts by priority, due date, age", () => {
    expect(visibleItems([c, b, a], noFilters, "priority", NOW).map((i) => i.id)).toEqual([
      "a",
      "c",
      "b",
    ]);
    expect(visibleItems([c, b, a], noFilters, "due", NOW).map((i) => i.id)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(visibleItems([a, b, c], noFilters, "oldest", NOW).map((i) => i.id)).toEqual([
      "c",
      "a",
      "b",
    ]);
    expect(visibleItems([a, b, c], noFilters, "newest", NOW).map((i) => i.id)).toEqual([
      "b",
      "a",
      "c",
    ]);
  });
  it("offers the workflows and tasks present", () => {
    expect(filterOptions([a, b, c])).toEqual({
      workflows: ["invoice-approval", "order-fulfilment"],
      tasks: ["Pack", "Review invoice"],
    });
  });
});

describe("ageLabel", () => {
  it("says minutes, hours, days", () => {
    expect(ageLabel("2026-12-01T11:59:30Z", NOW)).toBe("now");
    expect(ageLabel("2026-12-01T11:45:00Z", NOW)).toBe("15 min");
    expect(ageLabel("2026-12-01T07:00:00Z", NOW)).toBe("5 h");
    expect(ageLabel("2026-11-28T12:00:00Z", NOW)).toBe("3 d");
  });
});

describe("toErrorTree", () => {
  it("puts each server error under its field", () => {
    expect(
      toErrorTree([
        { field: "approved", message: "'approved' is a required property" },
        { field: "address.zip", message: "too short" },
        { field: null, message: "not an object" },
      ]),
    ).toEqual({
      approved: { __errors: ["'approved' is a required property"] },
      address: { zip: { __errors: ["too short"] } },
      __errors: ["not an object"],
    });
  });
});

describe("search, saved filters, drafts and the form's first values", () => {
  it("finds items by every word, in task, workflow, case number and input", () => {
    const a = item("a", { case: 42, input: { vendor: "ACME" } });
    const b = item("b", { case: 7, definition: "order-fulfilment", task_label: "Pick items" });
    expect(visibleItems([a, b], { ...noFilters, text: "acme #42" }, "priority", NOW)).toEqual([a]);
    expect(visibleItems([a, b], { ...noFilters, text: "PICK" }, "priority", NOW)).toEqual([b]);
    expect(visibleItems([a, b], { ...noFilters, text: "nothing" }, "priority", NOW)).toEqual([]);
    expect(onHold(item("c", { case_state: "suspended" }))).toBe(true);
  });

  it("keeps filters and drafts per user", () => {
    const map = new Map<string, string>();
    const store = memoryStore(map);
    saveFilter(store, "alice", {
      name: "urgent",
      filters: { ...noFilters, minPriority: 2 },
      sort: "due",
    });
    saveFilter(store, "alice", {
      name: "acme",
      filters: { ...noFilters, text: "acme" },
      sort: "priority",
    });
    expect(loadSavedFilters(store, "alice").map((f) => f.name)).toEqual(["acme", "urgent"]);
    expect(loadSavedFilters(store, "bob")).toEqual([]);
    expect(deleteFilter(store, "alice", "acme").map((f) => f.name)).toEqual(["urgent"]);
    map.set("inbox:carol:filters", "not json");
    expect(loadSavedFilters(store, "carol")).toEqual([]);

    expect(loadDraft(store, "alice", "i1")).toBeUndefined();
    saveDraft(store, "alice", "i1", { comment: "half" });
    expect(loadDraft(store, "alice", "i1")).toEqual({ comment: "half" });
    clearDraft(store, "alice", "i1");
    expect(loadDraft(store, "alice", "i1")).toBeUndefined();
  });

  it("pre-fills fields named like case data, when the types agree", () => {
    const form = {
      type: "object",
      properties: {
        amount: { type: "number" },
        vendor: { type: "string" },
        ok: { type: "boolean" },
      },
      required: ["vendor"],
    };
    expect(prefill(form, { amount: 5, vendor: 3, other: "x" })).toEqual({ amount: 5 });
    expect(blankRequired(form, { vendor: "  " })).toEqual([
      { field: "vendor", message: "must not be only spaces" },
    ]);
    expect(blankRequired(form, { vendor: "ACME" })).toEqual([]);
  });
});

describe("follow-up dates (ADR 0084)", () => {
  const HOUR = 3600_000;
  const at = (ms: number) => new Date(ms).toISOString();
  const later = item("later", { follow_up: at(NOW + 2 * HOUR), priority: 3 });
  const reached = item("reached", { follow_up: at(NOW - HOUR) });
  const none = item("none", { priority: 2 });
  const soon = item("soon", { follow_up: at(NOW + HOUR) });
  const all = [later, reached, none, soon];

  it("files items whose follow-up is ahead under later, hidden from the default view", () => {
    expect(isLater(later, NOW)).toBe(true);
    expect(isLater(reached, NOW)).toBe(false);
    expect(isLater(none, NOW)).toBe(false);
    expect(noFilters.followUp).toBe("due");
    const ids = (followUp: "due" | "later" | "all") =>
      visibleItems(all, { ...noFilters, followUp }, "priority", NOW).map((i) => i.id);
    expect(ids("due")).toEqual(["none", "reached"]);
    expect(ids("later")).toEqual(["later", "soon"]);
    expect(ids("all")).toEqual(["later", "none", "reached", "soon"]);
    expect(laterCount(all, NOW)).toBe(2);
    expect(matches(later, { ...noFilters, followUp: "later", text: "nothing" }, NOW)).toBe(false);
  });

  it("brings an item back to the default view once its follow-up time has come", () => {
    const due = (now: number) => visibleItems(all, noFilters, "priority", now).map((i) => i.id);
    expect(due(NOW + HOUR + 1)).toEqual(["none", "reached", "soon"]);
    expect(due(NOW + 3 * HOUR)).toEqual(["later", "none", "reached", "soon"]);
  });

  it("sorts by follow-up date, earliest first, items without one last", () => {
    const ids = (sort: "followUp" | "due") =>
      visibleItems(all, { ...noFilters, followUp: "all" }, sort, NOW).map((i) => i.id);
    expect(ids("followUp")).toEqual(["reached", "soon", "later", "none"]);
    // the same moment: priority, then age
    const twin = item("twin", { follow_up: reached.follow_up, priority: 5 });
    expect(
      visibleItems([reached, twin], { ...noFilters, followUp: "all" }, "followUp", NOW).map(
        (i) => i.id,
      ),
    ).toEqual(["twin", "reached"]);
    // by due date, items without one last, as before
    const d1 = item("d1", { due_at: at(NOW + 5 * HOUR) });
    const d2 = item("d2", { due_at: at(NOW + HOUR) });
    expect(visibleItems([none, d1, d2], noFilters, "due", NOW).map((i) => i.id)).toEqual([
      "d2",
      "d1",
      "none",
    ]);
  });

  it("keeps the follow-up view in saved filters; older saved filters get the default", () => {
    const map = new Map<string, string>();
    const store = memoryStore(map);
    saveFilter(store, "alice", {
      name: "later",
      filters: { ...noFilters, followUp: "later" },
      sort: "followUp",
    });
    expect(loadSavedFilters(store, "alice")[0]).toMatchObject({
      filters: { followUp: "later" },
      sort: "followUp",
    });
    map.set("inbox:bob:filters", JSON.stringify([{ name: "old", filters: { text: "x" } }]));
    expect(loadSavedFilters(store, "bob")[0].filters.followUp).toBe("due");
  });
});
