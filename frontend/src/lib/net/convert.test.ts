import { describe, expect, it } from "vitest";

import { canvasToNet, emptyNet, netToCanvas } from "./convert";
import type { NetDoc } from "./net";

const demoNets = import.meta.glob<NetDoc>("../../../../definitions/demo_nets/*.json", {
  eager: true,
  import: "default",
});

describe("net JSON <-> canvas state", () => {
  it("finds the demo workflows", () => {
    expect(Object.keys(demoNets).length).toBeGreaterThanOrEqual(5);
  });

  it.each(Object.entries(demoNets))("round-trips %s unchanged", (_path, doc) => {
    const copy = structuredClone(doc);
    const back = canvasToNet(netToCanvas(copy));
    expect(back).toEqual(doc);
    // same key order too: the saved file diffs cleanly
    expect(JSON.stringify(back)).toBe(JSON.stringify(doc));
  });

  it("round-trips an empty net", () => {
    const doc = emptyNet("x");
    expect(canvasToNet(netToCanvas(doc))).toEqual(doc);
  });

  it("maps conditions to circles and tasks to their kind, flows to edges in order", () => {
    const doc = Object.values(demoNets).find((d) => d.name === "invoice-approval")!;
    const state = netToCanvas(doc);
    expect(state.nodes.filter((n) => n.type === "condition").map((n) => n.id)).toEqual([
      "start",
      "end",
    ]);
    expect(state.nodes.find((n) => n.id === "pay")!.type).toBe("automatic");
    expect(state.nodes.find((n) => n.id === "review")!.position).toEqual({ x: 140, y: 100 });
    expect(state.edges.map((e) => `${e.source}->${e.target}`)).toEqual(
      doc.flows!.map((f) => `${f.from}->${f.to}`),
    );
  });

  it("keeps unplaced nodes out of layout until they move, then writes their position", () => {
    const doc: NetDoc = {
      schema_version: 1,
      name: "n",
      conditions: [
        { id: "start", kind: "start" },
        { id: "end", kind: "end" },
      ],
      tasks: [{ id: "t", kind: "dummy" }],
      flows: [
        { from: "start", to: "t" },
        { from: "t", to: "end" },
      ],
    };
    const state = netToCanvas(doc);
    expect(state.nodes.every((n) => !n.data.placed)).toBe(true);
    expect(canvasToNet(state)).toEqual(doc);
    const moved = {
      ...state,
      nodes: state.nodes.map((n) =>
        n.id === "t"
          ? { ...n, position: { x: 10.4, y: 20.6 }, data: { ...n.data, placed: true } }
          : n,
      ),
    };
    expect(canvasToNet(moved).layout).toEqual({ t: { x: 10, y: 21 } });
  });

  it("writes an edge's moved endpoints and edited flow fields", () => {
    const doc = emptyNet("x");
    doc.tasks = [{ id: "a", kind: "dummy" }];
    doc.flows = [
      { from: "start", to: "a" },
      { from: "a", to: "end" },
    ];
    const state = netToCanvas(doc);
    state.edges[1] = {
      ...state.edges[1],
      data: { flow: { from: "a", to: "end", when: "data.x", default: true } },
    };
    expect(canvasToNet(state).flows).toEqual([
      { from: "start", to: "a" },
      { from: "a", to: "end", when: "data.x", default: true },
    ]);
  });

  it("adds top-level fields set after loading and drops removed ones", () => {
    const state = netToCanvas(emptyNet("x"));
    state.meta = {
      keys: [...state.meta.keys, "signals"],
      fields: { ...state.meta.fields, title: undefined, signals: [{ name: "go" }] },
    };
    const out = canvasToNet(state);
    expect(out.signals).toEqual([{ name: "go" }]);
    expect("title" in out).toBe(false);
  });
});
