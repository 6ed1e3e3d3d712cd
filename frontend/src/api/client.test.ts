import { describe, expect, it } from "vitest";

import { ApiRequestError, unwrap } from "./client";

const answer = (status: number, error?: unknown, data?: unknown) =>
  Promise.resolve({ data, error, response: new Response(null, { status }) });

describe("server errors as the pages show them", () => {
  it("gives the detail, the code and the field errors", () => {
    const e = new ApiRequestError(409, {
      code: "not_allowed",
      detail: "a completed work item cannot be retried",
      errors: [],
    });
    expect(e.message).toBe("a completed work item cannot be retried");
    expect(e.summary).toBe("a completed work item cannot be retried (not_allowed)");
    expect(e.fields).toEqual([]);
    const v = new ApiRequestError(400, {
      code: "invalid",
      detail: "Invalid input.",
      errors: [{ field: "data.amount", message: "must be a number" }],
    });
    expect(v.summary).toBe("Invalid input.");
    expect(v.fields).toEqual(["data.amount: must be a number"]);
  });

  it("reads the data filter's own error shape", () => {
    const e = new ApiRequestError(400, { field: "where", message: "cannot read `~~` at 12" });
    expect(e.summary).toBe("cannot read `~~` at 12");
  });

  it("says when there was no answer", () => {
    expect(new ApiRequestError(0, undefined).message).toBe("the server did not answer");
    expect(new ApiRequestError(502, null).message).toBe("the server answered 502");
  });
});

describe("unwrap", () => {
  it("gives the data of a success", async () => {
    await expect(unwrap(answer(200, undefined, { id: 1 }))).resolves.toEqual({ id: 1 });
  });

  it("throws the server's refusal as an ApiRequestError", async () => {
    const refused = unwrap(answer(403, { code: "forbidden", detail: "no", errors: [] }));
    await expect(refused).rejects.toBeInstanceOf(ApiRequestError);
    await expect(refused).rejects.toMatchObject({ status: 403, message: "no" });
  });

  it("throws a network failure as status 0", async () => {
    const failed = unwrap(Promise.reject(new TypeError("Failed to fetch")));
    await expect(failed).rejects.toMatchObject({
      status: 0,
      message: "the server did not answer (Failed to fetch)",
    });
  });
});
