import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { NetDoc } from "../../../lib/net/net";
import { useDesigner } from "../store";
import { CelField } from "./CelField";

const net: NetDoc = {
  schema_version: 1,
  name: "c",
  data_schema: {
    type: "object",
    properties: {
      amount: { type: "number" },
      customer: { type: "object", properties: { name: {} } },
    },
  },
  conditions: [
    { id: "start", kind: "start" },
    { id: "end", kind: "end" },
  ],
  tasks: [{ id: "t", kind: "manual" }],
  flows: [
    { from: "start", to: "t" },
    { from: "t", to: "end" },
  ],
};

function Harness({ initial = "" }: { initial?: string }) {
  const [value, setValue] = useState<string | undefined>(initial);
  return <CelField label="when" scope="when" testId="cel" value={value} onChange={setValue} />;
}

const field = () => screen.getByTestId<HTMLInputElement>("cel");
const type = (text: string) =>
  fireEvent.change(field(), { target: { value: text, selectionStart: text.length } });
const options = () =>
  screen.queryAllByRole("option").map((o) => o.querySelector(".cel-label")!.textContent);

beforeEach(() => {
  useDesigner.getState().load(net);
  // jsdom lays nothing out and has no scrollIntoView; the browser test sees the real one
  if (!("scrollIntoView" in Element.prototype))
    Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined });
});
afterEach(cleanup);

describe("CelField", () => {
  it("is a combobox whose list Ctrl+Space opens and Escape closes", () => {
    render(<Harness />);
    expect(field().getAttribute("role")).toBe("combobox");
    expect(field().getAttribute("aria-expanded")).toBe("false");
    fireEvent.keyDown(field(), { key: " ", ctrlKey: true });
    expect(field().getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByRole("listbox").id).toBe(field().getAttribute("aria-controls"));
    expect(options().slice(0, 3)).toEqual(["data", "case", "result"]);
    fireEvent.keyDown(field(), { key: "Escape" });
    expect(field().getAttribute("aria-expanded")).toBe("false");
  });

  it("moves with the arrows and accepts with Enter, then completes the schema's fields", () => {
    render(<Harness />);
    type("d");
    const first = field().getAttribute("aria-activedescendant");
    fireEvent.keyDown(field(), { key: "ArrowDown" });
    expect(field().getAttribute("aria-activedescendant")).not.toBe(first);
    fireEvent.keyDown(field(), { key: "ArrowUp" });
    expect(field().getAttribute("aria-activedescendant")).toBe(first);
    fireEvent.keyDown(field(), { key: "Enter" });
    expect(field().value).toBe("data");
    type("data.");
    expect(options()).toEqual(["amount", "customer"]);
    type("data.cu");
    fireEvent.keyDown(field(), { key: "Tab" });
    expect(field().value).toBe("data.customer");
  });

  it("says an unclosed bracket and an unknown field in words", () => {
    render(<Harness initial="size(data.amount" />);
    expect(screen.getByTestId("cel-problem").textContent).toBe(
      "Missing closing parenthesis “)” after `size(data.amount`.",
    );
    type("data.amuont > 5");
    expect(screen.getByTestId("cel-problem").textContent).toContain("Did you mean `data.amount`?");
    expect(field().getAttribute("aria-invalid")).toBe("true");
  });
});
