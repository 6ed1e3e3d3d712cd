import { describe, expect, it } from "vitest";

import { formatDateTime, formatRelative } from "./time";

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
  });
});
