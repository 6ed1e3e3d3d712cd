import { describe, expect, it } from "vitest";

import { afterLogin, navItems } from "./nav";

describe("navItems", () => {
  it("shows nothing before login", () => {
    expect(navItems(null)).toEqual([]);
  });
  it("gives operators the inbox only", () => {
    expect(navItems({ is_staff: false }).map((i) => i.label)).toEqual(["Inbox"]);
  });
  it("gives staff the designer and the dashboard too", () => {
    expect(navItems({ is_staff: true }).map((i) => i.to)).toEqual([
      "/inbox/",
      "/designer/",
      "/dashboard/",
    ]);
  });
});

describe("afterLogin", () => {
  it("returns to an app page", () => {
    expect(afterLogin("/designer/invoice")).toBe("/designer/invoice");
  });
  it("refuses other places (no open redirect)", () => {
    expect(afterLogin("https://evil.example/")).toBe("/inbox/");
    expect(afterLogin("//evil.example/inbox/")).toBe("/inbox/");
    expect(afterLogin(null)).toBe("/inbox/");
  });
});
