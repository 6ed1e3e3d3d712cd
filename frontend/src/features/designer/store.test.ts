import { beforeEach, describe, expect, it } from "vitest";

import type { NetDoc, TaskEl } from "../../lib/net/net";
import { useDesigner } from "./store";

const base = (): NetDoc => ({
  schema_version: 1,
  name: "t",
  conditions: [{ id: "start", kind: "start" }, { id: "end", kind: "end" }, { id: "wait" }],
  tasks: [
    { id: "a", kind: "manual", label: "A", split: "xor" },
    { id: "b", kind: "automatic", activity: "noop" },
    { id: "c", kind: "dummy" },
  ],
  flows: [
    { from: "start", to: "a" },
    { from: "a", to: "b", when: "data.x" },
    { from: "a", to: "c", default: true },
    { from: "b", to: "end" },
    { from: "c", to: "end" },
  ],
  layout: {
    start: { x: 0, y: 0 },
    a: { x: 100, y: 0 },
    b: { x: 300, y: 0 },
    c: { x: 300, y: 100 },
    end: { x: 500, y: 0 },
    wait: { x: 200, y: 200 },
  },
});

const s = () => useDesigner.getState();
const edgeId = (from: string, to: string) =>
  s().edges.find((e) => e.source === from && e.target === to)!.id;
const task = (id: string) =>
  s()
    .toNet()
    .tasks!.find((t) => t.id === id) as TaskEl;

/** Each edit kind: run it, check it changed the net, undo restores, redo re-applies. */
const EDITS: Array<[string, () => void, (net: NetDoc) => void]> = [
  [
    "add a task from the palette",
    () => s().addNode("timer", { x: 10, y: 20 }),
    (n) =>
      expect(n.tasks!.at(-1)).toMatchObject({
        id: "timer_1",
        kind: "timer",
        duration: "duration('1h')",
      }),
  ],
  [
    "add a condition",
    () => s().addNode("condition", { x: 10, y: 20 }),
    (n) => expect(n.conditions!.at(-1)).toEqual({ id: "c_1" }),
  ],
  [
    "connect two tasks",
    () => expect(s().connect("b", "c")).toBeNull(),
    (n) => expect(n.flows!.at(-1)).toEqual({ from: "b", to: "c" }),
  ],
  [
    "edit a label",
    () => s().updateNode("a", (el) => ({ ...el, label: "Review" })),
    (n) => expect(n.tasks![0].label).toBe("Review"),
  ],
  [
    "change a task's kind",
    () => s().updateNode("c", (el) => ({ ...el, kind: "timer" })),
    () => expect(s().nodes.find((x) => x.id === "c")!.type).toBe("timer"),
  ],
  [
    "change a join",
    () => s().updateNode("b", (el) => ({ ...el, join: "or" })),
    () => expect(task("b").join).toBe("or"),
  ],
  [
    "rename an element",
    () => expect(s().renameNode("a", "review")).toBeNull(),
    (n) => {
      expect(n.tasks![0].id).toBe("review");
      expect(n.flows!.filter((f) => f.from === "review" || f.to === "review")).toHaveLength(3);
      expect(n.layout!.review).toEqual({ x: 100, y: 0 });
    },
  ],
  [
    "edit a predicate",
    () => s().updateFlow(edgeId("a", "b"), (f) => ({ ...f, when: "data.y > 1" })),
    (n) => expect(n.flows![1].when).toBe("data.y > 1"),
  ],
  [
    "flag the default flow",
    () => s().updateFlow(edgeId("a", "b"), ({ default: _d, ...f }) => ({ ...f, default: true })),
    (n) => expect(n.flows![1].default).toBe(true),
  ],
  [
    "reorder a split's flows",
    () => s().moveFlow(edgeId("a", "c"), -1),
    (n) => expect(n.flows!.slice(1, 3).map((f) => f.to)).toEqual(["c", "b"]),
  ],
  ["set a net field", () => s().setMeta("title", "Title"), (n) => expect(n.title).toBe("Title")],
  [
    "add signals",
    () => s().setMeta("signals", [{ name: "go" }]),
    (n) => expect(n.signals).toEqual([{ name: "go" }]),
  ],
  [
    "delete a node with its flows",
    () => {
      s().select("b");
      s().deleteSelection();
    },
    (n) => {
      expect(n.tasks!.map((t) => t.id)).toEqual(["a", "c"]);
      expect(n.flows!.some((f) => f.from === "b" || f.to === "b")).toBe(false);
    },
  ],
  [
    "delete a flow",
    () => {
      s().select(edgeId("c", "end"), "edge");
      s().deleteSelection();
    },
    (n) => expect(n.flows).toHaveLength(4),
  ],
  [
    "copy and paste",
    () => {
      s().select("b");
      s().copySelection();
      s().paste();
    },
    (n) =>
      expect(n.tasks!.at(-1)).toMatchObject({ id: "b_1", kind: "automatic", activity: "noop" }),
  ],
  [
    "drag a node",
    () => {
      s().beginDrag();
      s().onNodesChange([
        { type: "position", id: "wait", position: { x: 250, y: 260 }, dragging: true },
      ]);
      s().onNodesChange([
        { type: "position", id: "wait", position: { x: 260, y: 270 }, dragging: false },
      ]);
    },
    (n) => expect(n.layout!.wait).toEqual({ x: 260, y: 270 }),
  ],
  [
    "auto-layout",
    () => s().applyPositions({ a: { x: 1, y: 2 }, b: { x: 3, y: 4 } }),
    (n) => expect(n.layout!.b).toEqual({ x: 3, y: 4 }),
  ],
  [
    "pick a cancellation set",
    () => {
      s().startPickingCancels("c");
      s().toggleCancel("wait");
      s().toggleCancel("b");
      s().startPickingCancels(null);
    },
    () => expect(task("c").cancels).toEqual(["wait", "b"]),
  ],
];

describe("designer store: undo/redo of every edit kind", () => {
  beforeEach(() => {
    s().load(base());
  });

  it.each(EDITS)("%s", (_name, run, check) => {
    const before = s().toNet();
    run();
    const after = s().toNet();
    expect(after).not.toEqual(before);
    check(after);
    while (s().past.length) s().undo();
    expect(s().toNet()).toEqual(before);
    while (s().future.length) s().redo();
    expect(s().toNet()).toEqual(after);
  });

  it("refuses illegal connections and records nothing", () => {
    expect(s().connect("wait", "end")).toMatch(/condition/);
    expect(s().connect("a", "start")).toMatch(/start/);
    expect(s().connect("end", "a")).toMatch(/end/);
    expect(s().past).toHaveLength(0);
    expect(s().message).toMatch(/end/);
  });

  it("coalesces typing in one field into one undo step", () => {
    for (const label of ["R", "Re", "Rev"])
      s().updateNode("a", (el) => ({ ...el, label }), "label-a");
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(task("a").label).toBe("A");
  });

  it("a new edit clears the redo stack", () => {
    s().setMeta("title", "x");
    s().undo();
    expect(s().future).toHaveLength(1);
    s().setMeta("title", "y");
    expect(s().future).toHaveLength(0);
  });

  it("selection is not an edit", () => {
    const rev = s().revision;
    s().select("a");
    s().selectAll();
    expect(s().past).toHaveLength(0);
    expect(s().revision).toBe(rev);
  });

  it("read-only versions refuse edits", () => {
    s().load(base(), { readOnly: true });
    s().addNode("manual", { x: 0, y: 0 });
    s().setMeta("title", "x");
    expect(s().toNet()).toEqual(base());
  });

  it("deleting a node removes it from cancellation sets", () => {
    s().updateNode("c", (el) => ({ ...el, cancels: ["wait", "b"] }));
    s().select("wait");
    s().deleteSelection();
    expect(task("c").cancels).toEqual(["b"]);
  });

  it("rejects a bad or taken id", () => {
    expect(s().renameNode("a", "b")).toMatch(/taken/);
    expect(s().renameNode("a", "1x")).toMatch(/id/);
  });

  it("highlights the selected task's cancellation set", () => {
    s().updateNode("c", (el) => ({ ...el, cancels: ["wait"] }));
    s().select("c");
    expect(s().cancelSet).toEqual(["wait"]);
    s().select("a");
    expect(s().cancelSet).toEqual([]);
  });
});

describe("the context pad's append", () => {
  beforeEach(() => s().load(base()));

  it("appends a connected, selected task right of the node, in one undoable step", () => {
    const id = s().appendNode("b", "manual");
    expect(id).toBe("manual_1");
    const net = s().toNet();
    expect(net.flows).toContainEqual({ from: "b", to: "manual_1" });
    expect(s().selectedNode).toBe("manual_1");
    const b = s().nodes.find((n) => n.id === "b")!;
    const added = s().nodes.find((n) => n.id === "manual_1")!;
    expect(added.position.x).toBeGreaterThan(b.position.x + 150);
    s().undo();
    expect(s().nodes.some((n) => n.id === "manual_1")).toBe(false);
    expect(s().toNet().flows).toEqual(base().flows);
  });

  it("connects a task to the end, and refuses a condition after a condition", () => {
    s().appendNode("c", "end"); // c -> end exists already: refused
    expect(s().message).toBe("these two elements are already connected");
    expect(s().appendNode("a", "end")).toBe("end");
    expect(s().toNet().flows).toContainEqual({ from: "a", to: "end" });
    expect(s().appendNode("wait", "condition")).toBeNull();
    expect(s().message).toContain("a condition cannot connect to a condition");
  });
});
