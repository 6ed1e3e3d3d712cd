import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { NetDoc, TaskEl } from "../../../lib/net/net";
import { useDesigner } from "../store";
import { PropertiesPanel } from "./PropertiesPanel";

const net = (): NetDoc => ({
  schema_version: 1,
  name: "p",
  conditions: [
    { id: "start", kind: "start" },
    { id: "end", kind: "end" },
  ],
  tasks: [
    { id: "review", kind: "manual", split: "xor", assign: { role: "clerks" } },
    { id: "pay", kind: "automatic", activity: "noop" },
  ],
  flows: [
    { from: "start", to: "review" },
    { from: "review", to: "pay", when: "data.x >" },
    { from: "review", to: "end", default: true },
    { from: "pay", to: "end" },
  ],
});

const activities = [
  {
    name: "noop",
    description: "does nothing",
    input_schema: { type: "object" },
    output_schema: {},
  },
  {
    name: "http.request",
    description: "calls a URL",
    input_schema: { type: "object", properties: { url: { type: "string" } } },
    output_schema: {},
  },
];

const s = () => useDesigner.getState();
const task = (id: string) =>
  s()
    .toNet()
    .tasks!.find((t) => t.id === id) as TaskEl;
const show = () =>
  render(
    <MemoryRouter>
      <PropertiesPanel activities={activities} definitionName="p" />
    </MemoryRouter>,
  );

beforeEach(() => s().load(net()));
afterEach(cleanup);

describe("properties panel", () => {
  it("shows a CEL error under the flow's predicate", () => {
    s().setProblems(
      [
        {
          element: "review->pay",
          message: "flow `when`: invalid CEL expression: unexpected end",
          path: "/flows/1/when",
        },
      ],
      [],
    );
    s().select(s().edges[1].id, "edge");
    show();
    const when = screen.getByTestId<HTMLInputElement>("prop-when");
    expect(when.value).toBe("data.x >");
    expect(when.closest(".field")!.textContent).toContain("The expression is not valid CEL");
    fireEvent.change(when, { target: { value: "data.x > 1" } });
    expect(s().toNet().flows![1].when).toBe("data.x > 1");
  });

  it("edits a manual task's assignment and form", () => {
    s().select("review");
    show();
    fireEvent.change(screen.getByTestId("prop-assign-user"), { target: { value: "data.owner" } });
    expect(task("review").assign).toEqual({ role: "clerks", user: "data.owner" });
    fireEvent.change(screen.getByTestId("prop-assign-role"), { target: { value: "" } });
    expect(task("review").assign).toEqual({ user: "data.owner" });
    fireEvent.click(screen.getByText("+ field"));
    fireEvent.click(screen.getByLabelText("required"));
    expect(task("review").form).toEqual({
      type: "object",
      properties: { field1: { type: "string" } },
      required: ["field1"],
    });
  });

  it("picks an activity from the registry and offers its input fields", () => {
    s().select("pay");
    show();
    fireEvent.change(screen.getByTestId("prop-activity"), { target: { value: "http.request" } });
    expect(task("pay").activity).toBe("http.request");
    expect(screen.getByText("calls a URL")).toBeTruthy();
    fireEvent.click(screen.getByText("+ mapping", { selector: "[data-testid=prop-input] button" }));
    expect(task("pay").input).toEqual({ url: "" });
  });

  it("changes a task's kind, join and split", () => {
    s().select("pay");
    show();
    fireEvent.change(screen.getByTestId("prop-join"), { target: { value: "or" } });
    fireEvent.change(screen.getByTestId("prop-kind"), { target: { value: "timer" } });
    expect(task("pay")).toMatchObject({ kind: "timer", join: "or" });
    expect(s().nodes.find((n) => n.id === "pay")!.type).toBe("timer");
  });

  it("shows the net's properties when nothing is selected", () => {
    show();
    expect(screen.getByTestId<HTMLInputElement>("net-name").readOnly).toBe(true);
    fireEvent.change(screen.getByTestId("net-title"), { target: { value: "Payments" } });
    fireEvent.click(screen.getByText("+ signal"));
    expect(s().toNet()).toMatchObject({ title: "Payments", signals: [{ name: "signal_1" }] });
  });
});
