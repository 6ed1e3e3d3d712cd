import { describe, expect, it } from "vitest";

import { bucketLabel, formatSeconds, parseJsonObject } from "./format";
import { describeEvent, isTrouble, scrubber, timeline } from "./history";
import type { HistoryEvent } from "./types";

const ev = (id: number, type: string, task = "", payload = {}, actor = ""): HistoryEvent => ({
  id,
  type,
  task,
  work_item: null,
  payload,
  actor,
  created_at: "2026-01-01T00:00:00Z",
});

describe("the scrubber", () => {
  const history = [
    ev(10, "case.started"),
    ev(11, "task.enabled", "charge"),
    ev(14, "work_item.failed", "charge"),
    ev(20, "work_item.retried", "charge"),
  ];

  it("maps positions to event ids, the last one being now", () => {
    const s = scrubber(history);
    expect(s.max).toBe(3);
    expect(s.eventAt(0)).toBe(10);
    expect(s.eventAt(2)).toBe(14);
    expect(s.eventAt(3)).toBeNull();
    expect(s.eventAt(99)).toBeNull();
  });

  it("finds an event's position, and falls back to now", () => {
    const s = scrubber(history);
    expect(s.positionOf(11)).toBe(1);
    expect(s.positionOf(999)).toBe(3);
    expect(s.positionOf(null)).toBe(3);
  });

  it("copes with an empty history", () => {
    const s = scrubber([]);
    expect(s.max).toBe(0);
    expect(s.eventAt(0)).toBeNull();
  });

  it("lists the timeline newest first", () => {
    expect(timeline(history, 2).map((e) => e.id)).toEqual([20, 14]);
  });
});

describe("event lines", () => {
  it("says what happened, to which task, by whom", () => {
    expect(describeEvent(ev(1, "work_item.retried", "charge", { attempt: 2 }, "admin"))).toBe(
      "work_item.retried · charge · attempt 2 (by admin)",
    );
    expect(describeEvent(ev(2, "case.canceled", "", { reason: "duplicate" }))).toBe(
      "case.canceled · “duplicate”",
    );
    // the engine's steps in alice's transaction are not hers; her own acts on a manual task are
    const manual = (t: string) => t === "review";
    expect(describeEvent(ev(5, "task.started", "pay", {}, "alice"), manual)).toBe(
      "task.started · pay",
    );
    expect(describeEvent(ev(6, "work_item.completed", "pay", {}, "alice"), manual)).toBe(
      "work_item.completed · pay",
    );
    expect(describeEvent(ev(7, "work_item.completed", "review", {}, "alice"), manual)).toBe(
      "work_item.completed · review (by alice)",
    );
    expect(describeEvent(ev(8, "case.started", "", {}, "system"), manual)).toBe("case.started");
    // an operator's data edit is theirs; a task's output mapping into the data is the engine's
    expect(describeEvent(ev(9, "data.updated", "", { changes: {} }, "admin"), manual)).toBe(
      "data.updated (by admin)",
    );
    expect(describeEvent(ev(10, "data.updated", "review", { changes: {} }, "alice"), manual)).toBe(
      "data.updated · review",
    );
    expect(isTrouble(ev(3, "work_item.failed"))).toBe(true);
    expect(isTrouble(ev(4, "work_item.completed"))).toBe(false);
  });
});

describe("formatting", () => {
  it("formats durations", () => {
    expect(formatSeconds(null)).toBe("–");
    expect(formatSeconds(0.25)).toBe("250 ms");
    expect(formatSeconds(12.34)).toBe("12.3 s");
    expect(formatSeconds(75)).toBe("1m 15s");
    expect(formatSeconds(7260)).toBe("2h 1m");
    expect(formatSeconds(200_000)).toBe("2d 7h");
    expect(bucketLabel(60, 1)).toBe("≤ 1m 0s");
    expect(bucketLabel(null, 3600)).toBe("> 1h 0m");
  });

  it("reads JSON objects and says what is wrong otherwise", () => {
    expect(parseJsonObject('{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseJsonObject("")).toEqual({ value: {} });
    expect(parseJsonObject("[1]")).toEqual({ error: "must be a JSON object ({…})" });
    expect("error" in parseJsonObject("{a:")).toBe(true);
  });
});
