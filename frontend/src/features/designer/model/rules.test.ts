import { describe, expect, it } from "vitest";

import { connectionProblem, type RuleNode } from "./rules";

const cond = (id: string, kind?: string): RuleNode => ({
  id,
  type: "condition",
  data: { el: { kind } },
});
const task = (id: string, kind = "manual"): RuleNode => ({
  id,
  type: kind,
  data: { el: { kind } },
});

const start = cond("start", "start");
const end = cond("end", "end");
const c = cond("c");
const c2 = cond("c2");
const a = task("a");
const b = task("b", "automatic");

describe("connection rules", () => {
  it.each([
    ["start -> task", start, a],
    ["task -> end", a, end],
    ["condition -> task", c, a],
    ["task -> condition", a, c],
    ["task -> task (implicit condition)", a, b],
  ])("allows %s", (_name, from, to) => {
    expect(connectionProblem(from, to, [])).toBeNull();
  });

  it.each([
    ["condition -> condition", c, c2, /condition cannot connect to a condition/],
    ["start -> end", start, end, /condition cannot connect to a condition/],
    ["task -> start", a, start, /into the start/],
    ["end -> task", end, a, /out of the end/],
    ["a node to itself", a, a, /itself/],
    ["a missing node", a, undefined, /connect two elements/],
  ])("refuses %s", (_name, from, to, message) => {
    expect(connectionProblem(from, to, [])).toMatch(message);
  });

  it("refuses a second flow between the same two nodes, not the reverse one", () => {
    const edges = [{ source: "a", target: "b" }];
    expect(connectionProblem(a, b, edges)).toMatch(/already connected/);
    expect(connectionProblem(b, a, edges)).toBeNull();
  });
});
