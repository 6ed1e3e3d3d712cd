/**
 * The context pad (as in Camunda Modeler / bpmn-js): beside the one selected node, buttons that
 * append the next element, connected from it, or connect it to the end condition.
 */
import { NodeToolbar, Position } from "@xyflow/react";

import type { ConditionEl } from "../../lib/net/net";
import { type NewElementKind, useDesigner } from "./store";

const TASKS: Array<{ kind: NewElementKind; icon: string; label: string }> = [
  { kind: "manual", icon: "☺", label: "manual task" },
  { kind: "automatic", icon: "⚙", label: "automatic task" },
  { kind: "composite", icon: "▣", label: "composite task" },
  { kind: "timer", icon: "◷", label: "timer" },
  { kind: "signal", icon: "✉", label: "signal wait" },
  { kind: "dummy", icon: "◌", label: "routing step (dummy)" },
];

function article(words: string) {
  return /^[aeiou]/i.test(words) ? "an" : "a";
}

export function ContextPad({ id }: { id: string }) {
  const node = useDesigner((s) => s.nodes.find((n) => n.id === id));
  if (!node) return null;
  const condition = node.type === "condition";
  const kind = condition ? ((node.data.el as ConditionEl).kind ?? "normal") : null;
  if (kind === "end") return null; // nothing leaves the end condition
  const items: Array<{ kind: NewElementKind | "end"; icon: string; label: string }> = [
    ...TASKS,
    // a condition follows a task only; the end likewise (condition → condition is refused)
    ...(condition
      ? []
      : [
          { kind: "condition" as const, icon: "○", label: "condition" },
          { kind: "end" as const, icon: "■", label: "end" },
        ]),
  ];
  const append = (what: NewElementKind | "end") => {
    useDesigner.getState().appendNode(id, what);
  };
  return (
    <NodeToolbar nodeId={id} isVisible position={Position.Right} offset={14}>
      <div
        className="context-pad"
        role="toolbar"
        aria-label={`Append after ${id}`}
        data-testid="context-pad"
      >
        {items.map((item) => {
          const text =
            item.kind === "end"
              ? `Connect ${id} to the end`
              : `Append ${article(item.label)} ${item.label} after ${id}`;
          return (
            <button
              key={item.kind}
              type="button"
              title={text}
              aria-label={text}
              data-testid={`pad-${item.kind}`}
              onClick={() => append(item.kind)}
            >
              {item.icon}
            </button>
          );
        })}
      </div>
    </NodeToolbar>
  );
}
