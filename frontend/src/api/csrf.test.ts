import { describe, expect, it } from "vitest";

import { needsCsrf, readCookie } from "./csrf";

describe("readCookie", () => {
  it("finds a cookie among others", () => {
    expect(readCookie("csrftoken", "sessionid=x; csrftoken=abc%3D1; other=2")).toBe("abc=1");
  });
  it("returns an empty string when absent", () => {
    expect(readCookie("csrftoken", "sessionid=x")).toBe("");
  });
});

describe("needsCsrf", () => {
  it("is true for unsafe methods only", () => {
    expect(needsCsrf("post")).toBe(true);
    expect(needsCsrf("DELETE")).toBe(true);
    expect(needsCsrf("GET")).toBe(false);
  });
});
