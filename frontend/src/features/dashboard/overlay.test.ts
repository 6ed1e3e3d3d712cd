import { describe, expect, it } from "vitest";

import { caseOverlay, heatOverlay, heatValues, incidentsOf, taskNote } from "./overlay";
import type { Heatmap } from "./types";

const stats = (
  s: Partial<
    Record<"total" | "initialized" | "started" | "completed" | "failed" | "canceled", number>
  >,
) => ({
  total: 0,
  initialized: 0,
  started: 0,
  completed: 0,
  failed: 0,
  canceled: 0,
  ...s,
});

describe("the case overlay", () => {
  it("keeps tokens > 0 and each task's state", () => {
    const o = caseOverlay({
      marking: { start: 0, c1: 2 },
      tasks: { charge: { state: "failed", generation: 1, stats: stats({ total: 1, failed: 1 }) } },
    });
    expect(o.marking).toEqual({ c1: 2 });
    expect(o.tasks?.charge).toEqual({ state: "failed", note: "failed item" });
  });

  it("notes generations and multi-instance counts", () => {
    expect(
      taskNote({ state: "started", generation: 3, stats: stats({ total: 1, started: 1 }) }),
    ).toBe("gen 3");
    expect(
      taskNote({
        state: "started",
        generation: 1,
        stats: stats({ total: 5, completed: 2, started: 1, initialized: 1, failed: 1 }),
      }),
    ).toBe("2/5 done, 2 open, 1 failed");
    expect(taskNote({ state: "completed", generation: 1 })).toBeUndefined();
  });

  it("takes a past state with no marking (before the first event)", () => {
    expect(caseOverlay({ marking: null, tasks: null })).toEqual({ marking: {}, tasks: {} });
  });
});

describe("the definition heatmap", () => {
  const heatmap: Heatmap = {
    tasks: {
      review: {
        enabled: 2,
        started: 1,
        open_items: 3,
        failed_items: 0,
        count: 10,
        avg_seconds: 60,
        p95_seconds: 300,
      },
      approve: {
        enabled: 0,
        started: 0,
        open_items: 0,
        failed_items: 1,
        count: 4,
        avg_seconds: 120,
        p95_seconds: 150,
      },
      idle: {
        enabled: 0,
        started: 0,
        open_items: 0,
        failed_items: 0,
        count: 0,
        avg_seconds: null,
        p95_seconds: null,
      },
    },
    conditions: { start: { tokens: 0, cases: 0 }, wait: { tokens: 4, cases: 3 } },
  };

  it("scales each metric to the largest value", () => {
    expect(heatValues(heatmap, "avg")).toEqual({ review: 0.5, approve: 1 });
    expect(heatValues(heatmap, "p95")).toEqual({ review: 1, approve: 0.5 });
    expect(heatValues(heatmap, "now")).toEqual({ review: 1 });
  });

  it("labels tasks with timings and cases, and conditions with cases", () => {
    const o = heatOverlay(heatmap, "avg");
    expect(o.tasks?.review.note).toBe("avg 1m 0s · p95 5m 0s (10) · 3 cases here");
    expect(o.tasks?.approve.note).toBe("avg 2m 0s · p95 2m 30s (4) · 1 failed");
    expect(o.tasks?.idle).toEqual({ state: "", note: undefined, heat: undefined });
    expect(o.marking).toEqual({ wait: 4 });
    expect(o.conditionNotes).toEqual({ wait: "3 cases" });
  });
});

describe("incidents on the net", () => {
  it("draws a task with a failed item as an incident with its message", () => {
    const incidents = incidentsOf([
      { task: "pay", state: "failed", error: { type: "ValueError", message: "card declined" } },
      { task: "review", state: "completed", error: null },
    ]);
    expect(incidents).toEqual({ pay: "ValueError: card declined" });
    const overlay = caseOverlay(
      {
        tasks: {
          pay: { state: "started", generation: 1 },
          review: { state: "completed", generation: 1 },
        },
      },
      incidents,
    );
    expect(overlay.tasks?.pay).toEqual({ state: "incident", note: "ValueError: card declined" });
    expect(overlay.tasks?.review?.state).toBe("completed");
  });
});
