import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import type { NetDoc } from "../../lib/net/net";
import { CanvasStateContext } from "./canvas-state";
import { NetCanvas } from "./NetCanvas";

const demoNets = import.meta.glob<NetDoc>("../../../../definitions/demo_nets/*.json", {
  eager: true,
  import: "default",
});
const invoice = Object.values(demoNets).find((d) => d.name === "invoice-approval")!;

beforeAll(() => {
  // jsdom has no ResizeObserver (React Flow measures its viewport and nodes with it)
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(cleanup);

describe("NetCanvas (the read-only view other pages reuse)", () => {
  it("draws every element with its kind, decorators and the run overlay", async () => {
    render(
      <NetCanvas
        net={invoice}
        overlay={{
          marking: { end: 1 },
          tasks: { review: { state: "completed" }, pay: { state: "started" } },
        }}
      />,
    );
    expect(await screen.findByTestId("node-review")).toBeTruthy();
    for (const id of ["start", "end", "review", "manager_approval", "pay", "notify_rejection"])
      expect(screen.getByTestId(`node-${id}`)).toBeTruthy();
    expect(screen.getByTestId("node-review").textContent).toContain("manual");
    expect(screen.getByTestId("node-pay").textContent).toContain("cel.transform");
    expect(screen.getByTestId("node-review").querySelector("[data-testid=split-xor]")).toBeTruthy();
    expect(screen.getByTestId("node-pay").querySelector("[data-testid=join-xor]")).toBeTruthy();
    expect(screen.getByTestId("run-review").textContent).toBe("completed");
    expect(screen.getByTestId("run-pay").textContent).toBe("started");
    expect(screen.getByTestId("tokens-end").textContent).toBe("1");
  });

  it("ignores an editor's problems around it (they belong to the editor)", async () => {
    const editing = { problemIndex: { review: ["boom"] }, cancelSet: ["pay"], selectEdge: null };
    render(
      <CanvasStateContext.Provider value={editing}>
        <NetCanvas net={invoice} />
      </CanvasStateContext.Provider>,
    );
    const node = await screen.findByTestId("node-review");
    expect(node.className).not.toContain("has-problem");
    expect(screen.getByTestId("node-pay").className).not.toContain("in-cancel-set");
  });
});
