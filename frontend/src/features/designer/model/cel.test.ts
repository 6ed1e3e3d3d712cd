import { describe, expect, it } from "vitest";

import type { NetDoc } from "../../../lib/net/net";
import {
  bracketProblem,
  completionsAt,
  dataReferences,
  netFields,
  schemaFields,
  unknownFieldProblem,
  wordAt,
} from "./cel";
import { celErrorWords } from "./words";

const NET = {
  name: "claims",
  data_schema: {
    type: "object",
    properties: {
      amount: { type: "number" },
      customer: {
        type: "object",
        properties: { name: { type: "string" }, email: { type: "string" } },
      },
      items: { type: "array" },
    },
  },
  tasks: [
    { id: "review", kind: "manual", form: { properties: { approved: { type: "boolean" } } } },
    { id: "score", kind: "automatic", activity: "noop", output: { risk: "result.score" } },
  ],
  signals: [{ name: "paid", output: { receipt: "signal.url" } }],
} as unknown as NetDoc;

const fields = netFields(NET);
const labels = (text: string, caret = text.length, scope = "when" as const) =>
  completionsAt(text, caret, scope, fields).items.map((i) => i.label);

describe("the fields a net makes available", () => {
  it("reads nested schema fields", () => {
    expect(schemaFields(NET.data_schema)).toEqual([
      "amount",
      "customer",
      "customer.name",
      "customer.email",
      "items",
    ]);
  });
  it("adds output mapping keys, form fields and signal outputs, saying where they come from", () => {
    expect(fields.data.get("risk")).toBe("written by task score");
    expect(fields.data.get("approved")).toBe("form of task review");
    expect(fields.data.get("receipt")).toBe("written by signal paid");
    expect(fields.data.get("amount")).toBe("case data schema");
  });
});

describe("completions", () => {
  it("offers the scope's variables and the functions at the start", () => {
    const all = labels("");
    expect(all).toEqual(expect.arrayContaining(["data", "case", "result", "size()", "has()"]));
    expect(all).not.toContain("signal"); // not bound in a flow predicate
    expect(labels("", 0, "signal" as never)).toContain("signal");
  });
  it("filters by the typed prefix and replaces just the word", () => {
    expect(labels("da")).toEqual(["data"]);
    expect(labels("d")).toEqual(["data", "duration()", "double()", "dyn()"]);
    const c = completionsAt("size(da", 7, "when", fields);
    expect(c.from).toBe(5);
    expect(c.items[0].label).toBe("data");
  });
  it("completes top-level then nested case-data fields", () => {
    expect(labels("data.")).toEqual(["amount", "customer", "items", "approved", "risk", "receipt"]);
    expect(labels("data.cu")).toEqual(["customer"]);
    expect(labels("data.customer.")).toEqual(
      expect.arrayContaining(["name", "email", "startsWith()", "exists()"]),
    );
    expect(labels("data.amount > 1 && data.customer.na")).toEqual(["name"]);
  });
  it("offers methods and macros after a value, each with a description", () => {
    const c = completionsAt("data.items.ex", 13, "when", fields);
    expect(c.items.map((i) => i.label)).toEqual(["exists()", "exists_one()"]);
    expect(c.items[0].detail).toMatch(/whether some element matches/);
    expect(labels("size(data.items).")).toContain("map()");
  });
  it("offers nothing for a name typed in full", () => {
    expect(labels("data.amount")).toEqual([]);
    expect(labels("data")).toEqual([]);
  });
  it("offers nothing inside a text in quotes", () => {
    expect(labels("data.code == 'da")).toEqual([]);
  });
  it("knows the case's fields", () => {
    expect(labels("case.")).toEqual(["id", "definition", "version"]);
  });
  it("finds the word at the caret in the middle of the text", () => {
    expect(wordAt("data.amo > 5", 8)).toEqual({ from: 5, path: "data", word: "amo" });
  });
});

describe("plain-word problems", () => {
  it("suggests the nearest known field for a misspelt one", () => {
    expect(unknownFieldProblem("data.amout > 1000", fields)).toBe(
      "Unknown field `data.amout`: the case data has no such field. Did you mean `data.amount`?",
    );
    expect(unknownFieldProblem("data.customer.nmae == 'x'", fields)).toContain(
      "Did you mean `data.customer.name`?",
    );
  });
  it("says nothing of known fields, methods, strings or nets without declared fields", () => {
    expect(unknownFieldProblem("data.customer.name.startsWith('A')", fields)).toBeNull();
    expect(unknownFieldProblem("data.amount > 1 && 'data.nope' != ''", fields)).toBeNull();
    expect(unknownFieldProblem("data.items.exists(i, i.x > 1)", fields)).toBeNull();
    expect(unknownFieldProblem("data.anything", netFields({}))).toBeNull();
  });
  it("gives no guess when nothing is near", () => {
    expect(unknownFieldProblem("data.zzzzzz", fields)).toBe(
      "Unknown field `data.zzzzzz`: the case data has no such field.",
    );
  });
  it("finds the data references outside strings", () => {
    expect(dataReferences("data.a.b + size(data.c) + 'data.d'").map((r) => r.path)).toEqual([
      "a.b",
      "c",
    ]);
  });
  it("names a missing closing parenthesis, bracket or quote", () => {
    expect(bracketProblem("size(items")).toBe(
      "Missing closing parenthesis “)” after `size(items`.",
    );
    expect(bracketProblem("[1, 2")).toBe("Missing closing bracket “]” after `[1, 2`.");
    expect(bracketProblem("data.a == 'x")).toMatch(/A text in quotes is not closed/);
    expect(bracketProblem("data.a)")).toMatch(/closes nothing/);
    expect(bracketProblem("size(data.items) > 0")).toBeNull();
  });
  it("words the engine's own parser errors (recorded from the engine's CEL compiler)", () => {
    expect(
      celErrorWords(
        "Failed to parse expression 'size(items': ERROR: <input>:1:11: Syntax error: missing ')' at '<EOF>'",
        11,
      ),
    ).toBe("Missing closing parenthesis “)” after `size(items`.");
    const extra = celErrorWords(
      "Failed to parse expression 'x ++ y': ERROR: <input>:1:4: Syntax error: extraneous input '+' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
      4,
    );
    expect(extra).toBe(
      "There is an extra “+” at character 4 (near “x ++”): remove it or add what belongs before it.",
    );
    expect(extra).not.toMatch(/NUM_FLOAT|<input>|Syntax error/);
  });
});
