import { describe, expect, it } from "vitest";

import { formatDateTime, formatRelative, fromLocalInput, morningIn, toLocalInput } from "./time";

const NOW = Date.parse("2026-12-06T12:00:00Z");

describe("time", () => {
  it("formats in the locale, with a dash for nothing and the raw text for garbage", () => {
    const iso = "2026-12-06T10:05:00Z";
    expect(formatDateTime(iso)).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
        new Date(iso),
      ),
    );
    expect(formatDateTime(null)).toBe("–");
    expect(formatDateTime("soon")).toBe("soon");
  });

  it("says how long ago or until, in whole units", () => {
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    expect(formatRelative("2026-12-06T11:59:30Z", NOW)).toBe("just now");
    expect(formatRelative("2026-12-06T11:55:00Z", NOW)).toBe(rtf.format(-5, "minute"));
    expect(formatRelative("2026-12-06T09:00:00Z", NOW)).toBe(rtf.format(-3, "hour"));
    expect(formatRelative("2026-12-08T12:00:00Z", NOW)).toBe(rtf.format(2, "day"));
    expect(formatRelative(null, NOW)).toBe("–");
    // to the nearest unit: a moment 2 days less a minute ahead is not "tomorrow"
    expect(formatRelative("2026-12-08T11:59:00Z", NOW)).toBe(rtf.format(2, "day"));
    expect(formatRelative("2026-12-07T16:00:00Z", NOW)).toBe(rtf.format(1, "day"));
    expect(formatRelative("2026-12-06T09:31:00Z", NOW)).toBe(rtf.format(-2, "hour"));
  });
});

describe("datetime-local values", () => {
  it("round-trips a moment through the input's local form", () => {
    const iso = new Date(2026, 11, 9, 14, 5).toISOString();
    expect(toLocalInput(iso)).toBe("2026-12-09T14:05");
    expect(fromLocalInput("2026-12-09T14:05")).toBe(iso);
    expect(fromLocalInput("2026-12-09T14:05:30")).toBe(
      new Date(2026, 11, 9, 14, 5, 30).toISOString(),
    );
    expect(toLocalInput(null)).toBe("");
  });

  it("refuses what is not a whole date and time", () => {
    for (const bad of [
      "",
      "2026-12-09",
      "2026-02-31T10:00",
      "2026-12-09T25:00",
      "soon",
      "2026-1-9T1:5",
    ])
      expect(fromLocalInput(bad)).toBeNull();
  });

  it("gives 8:00 of a later day, local time", () => {
    const now = new Date(2026, 11, 31, 17, 30).getTime();
    expect(morningIn(1, now)).toBe(new Date(2027, 0, 1, 8, 0).toISOString());
    expect(morningIn(7, now)).toBe(new Date(2027, 0, 7, 8, 0).toISOString());
  });
});
