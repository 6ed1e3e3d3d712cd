import { describe, expect, it } from "vitest";

import { failure } from "./api";

describe("server errors as the pages show them", () => {
  it("gives the detail, the code and the field errors", () => {
    const r = failure(409, { code: "not_allowed", detail: "a completed work item cannot be retried", errors: [] });
    expect(r).toEqual({ ok: false, status: 409, message: "a completed work item cannot be retried (not_allowed)", fields: [] });
    const v = failure(400, { code: "invalid", detail: "Invalid input.", errors: [{ field: "data.amount", message: "must be a number" }] });
    expect(v.ok === false && v.message).toBe("Invalid input.");
    expect(v.ok === false && v.fields).toEqual(["data.amount: must be a number"]);
  });

  it("reads the data filter's own error shape", () => {
    const r = failure(400, { field: "where", message: "cannot read `~~` at 12" });
    expect(r.ok === false && r.message).toBe("cannot read `~~` at 12");
  });

  it("says when there was no answer", () => {
    expect(failure(0, undefined)).toMatchObject({ message: "the server did not answer" });
    expect(failure(502, null)).toMatchObject({ message: "the server answered 502" });
  });
});
