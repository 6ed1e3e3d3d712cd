import { Handle, type NodeProps, Position } from "@xyflow/react";

import type { ConditionNode } from "../../../lib/net/convert";
import { useOverlay } from "../overlay";
import { useNodeState } from "../canvas-state";

/** A condition (place): a circle; the start one shows a triangle, the end one a square. */
export function ConditionNodeView({ id, data, selected }: NodeProps<ConditionNode>) {
  const { problems, inCancelSet } = useNodeState(id);
  const overlay = useOverlay();
  const kind = data.el.kind ?? "normal";
  const tokens = overlay?.marking?.[id] ?? 0;
  const cls = [
    "net-node",
    "condition",
    `condition-${kind}`,
    selected && "selected",
    problems && "has-problem",
    inCancelSet && "in-cancel-set",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <div
      className={cls}
      data-testid={`node-${id}`}
      title={problems?.join("\n") ?? data.el.label ?? id}
    >
      <Handle type="target" position={Position.Left} />
      <div className="condition-circle">
        {kind === "start" && <span className="glyph">▶</span>}
        {kind === "end" && <span className="glyph">■</span>}
        {tokens > 0 && (
          <span className="tokens" data-testid={`tokens-${id}`}>
            {tokens}
          </span>
        )}
      </div>
      <div className="condition-label">{data.el.label || id}</div>
      {overlay?.conditionNotes?.[id] && (
        <div className="condition-note" data-testid={`cnote-${id}`}>
          {overlay.conditionNotes[id]}
        </div>
      )}
      {problems && <span className="problem-badge">!</span>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}
