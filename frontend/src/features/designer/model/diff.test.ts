import { describe, expect, it } from "vitest";

import type { NetDoc } from "../../../lib/net/net";
import { diffNets } from "./diff";

const base: NetDoc = {
  schema_version: 1,
  name: "claim",
  title: "Claim",
  conditions: [
    { id: "start", kind: "start" },
    { id: "end", kind: "end" },
  ],
  tasks: [
    { id: "review", kind: "manual", label: "Review" },
    { id: "pay", kind: "automatic", activity: "noop" },
  ],
  flows: [
    { from: "start", to: "review" },
    { from: "review", to: "pay" },
    { from: "pay", to: "end" },
  ],
  layout: { review: { x: 0, y: 0 }, pay: { x: 200, y: 0 } },
};

describe("diffNets", () => {
  it("finds nothing between a net and its copy", () => {
    expect(diffNets(base, structuredClone(base))).toEqual({ changes: [], moved: 0 });
  });

  it("lists added, removed and changed elements with their changed fields", () => {
    const next = structuredClone(base);
    next.title = "Expense claim";
    next.tasks = [
      { id: "review", kind: "manual", label: "Check", assign: { role: "managers" } },
      { id: "notify", kind: "automatic", activity: "echo" },
    ];
    next.flows = [
      { from: "start", to: "review" },
      { from: "review", to: "notify", when: "data.ok" },
      { from: "notify", to: "end" },
    ];
    next.layout = { review: { x: 50, y: 0 }, notify: { x: 200, y: 0 } };
    const { changes, moved } = diffNets(base, next);
    expect(changes).toEqual([
      { kind: "changed", what: "workflow", id: "title", details: ["“Claim” → “Expense claim”"] },
      {
        kind: "changed",
        what: "task",
        id: "review",
        details: ["label: “Review” → “Check”", 'assign: (none) → {"role":"managers"}'],
      },
      { kind: "removed", what: "task", id: "pay", details: [] },
      { kind: "added", what: "task", id: "notify", details: [] },
      { kind: "removed", what: "flow", id: "review → pay", details: [] },
      { kind: "removed", what: "flow", id: "pay → end", details: [] },
      { kind: "added", what: "flow", id: "review → notify", details: [] },
      { kind: "added", what: "flow", id: "notify → end", details: [] },
    ]);
    expect(moved).toBe(1);
  });
});
