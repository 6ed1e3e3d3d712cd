import { describe, expect, it } from "vitest";

import { celErrorWords, elementWords, messageWords, pointerWords } from "./words";

const PARSER_EOF =
  "Failed to parse expression 'data.amount >': ERROR: <input>:1:14: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
const PARSER_QUOTE =
  "Failed to parse expression 'data.a == \"x': ERROR: <input>:1:11: Syntax error: token recognition error at: '\"x'";

describe("elementWords", () => {
  const labels: Record<string, string> = { review: "Review the claim" };
  const labelOf = (id: string) => labels[id];
  it("names a flow by its ends, in words", () => {
    expect(elementWords({ element: "review->pay", message: "", path: "/flows/1" }, labelOf)).toBe(
      "flow “Review the claim” (review) → pay",
    );
  });
  it("names a task with its label and id, underscores kept", () => {
    expect(elementWords({ element: "manual_1", message: "", path: "/tasks/0/x" })).toBe(
      "task manual_1",
    );
  });
  it("never answers with a pointer", () => {
    expect(elementWords({ element: null, message: "", path: "/flows/1" })).toBe("flow number 2");
    expect(elementWords({ element: null, message: "", path: "/start_roles" })).toBe(
      "who may start it",
    );
    expect(elementWords({ element: null, message: "", path: "" })).toBe("the workflow");
  });
});

describe("messageWords", () => {
  it("turns a schema pointer into words", () => {
    expect(
      messageWords("form is not a valid JSON Schema at /properties/amount/minimum: not a number"),
    ).toBe("form is not a valid JSON Schema at field “amount”, minimum: not a number");
    expect(pointerWords("/flows/1")).toBe("flow number 2");
  });
  it("explains CEL parser errors instead of dumping them", () => {
    const text = messageWords(`when: invalid CEL expression: ${PARSER_EOF}`);
    expect(text).toBe(
      "condition (when): The expression stops too early, after “data.amount >”: a value or a name is missing at the end.",
    );
    expect(text).not.toContain("NUM_FLOAT");
  });
});

describe("celErrorWords", () => {
  it("says a quote is not closed", () => {
    expect(celErrorWords(PARSER_QUOTE)).toBe(
      'A text in quotes is not closed at character 11: add the closing " quote.',
    );
  });
  it("says an unexpected token in words", () => {
    const raw =
      "Failed to parse expression 'data.a ) 1': ERROR: <input>:1:8: Syntax error: mismatched input ')' expecting <EOF>";
    expect(celErrorWords(raw)).toContain("“)” is not expected here at character 8");
  });
});

describe("messageWords of a split warning", () => {
  it("names the flow once and draws its arrow (the engine's message, issue 15 item 10)", () => {
    const raw =
      "the xor split of task 'review' always takes the flow /flows/2 (it has no `when`); review->notify_rejection can never be taken";
    expect(messageWords(raw)).toBe(
      "the xor split of task 'review' always takes the flow number 3 (it has no `when`); review → notify_rejection can never be taken",
    );
  });
});
