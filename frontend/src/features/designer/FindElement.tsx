import { useReactFlow } from "@xyflow/react";
import { useState } from "react";

import { CONDITION_SIZE, TASK_HEIGHT, TASK_WIDTH } from "../../lib/net/layout";
import { useDesigner } from "./store";

/** Find an element by id or label: selects it and centres the view on it at 100 %. */
export function FindElement() {
  const flow = useReactFlow();
  const [text, setText] = useState("");
  const [missing, setMissing] = useState(false);
  const find = () => {
    const s = useDesigner.getState();
    const q = text.trim().toLowerCase();
    if (!q) return;
    const node =
      s.nodes.find((n) => n.id.toLowerCase() === q) ??
      s.nodes.find(
        (n) =>
          n.id.toLowerCase().includes(q) ||
          String(n.data.el.label ?? "")
            .toLowerCase()
            .includes(q),
      );
    setMissing(!node);
    if (!node) return;
    s.select(node.id, "node");
    const w = node.type === "condition" ? CONDITION_SIZE : TASK_WIDTH;
    const h = node.type === "condition" ? CONDITION_SIZE : TASK_HEIGHT;
    void flow.setCenter(node.position.x + w / 2, node.position.y + h / 2, { zoom: 1 });
  };
  return (
    <input
      className={`find ${missing ? "not-found" : ""}`}
      type="search"
      placeholder="Find…"
      aria-label="find element"
      data-testid="find"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => e.key === "Enter" && find()}
    />
  );
}
