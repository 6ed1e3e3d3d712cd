import { Handle, type NodeProps, Position } from "@xyflow/react";
import type { ReactNode } from "react";

import type { TaskNode } from "../../../lib/net/convert";
import type { JoinSplit } from "../../../lib/net/net";
import { heatColour, useOverlay } from "../overlay";
import { useNodeState } from "../canvas-state";

const SYMBOL: Record<JoinSplit, string> = { and: "∧", xor: "×", or: "∨" };

/** YAWL-style decorator: a strip on the left (join) or right (split) with the gate's symbol. */
function Decorator({ side, gate }: { side: "join" | "split"; gate?: JoinSplit | null }) {
  if (!gate) return null;
  return (
    <span
      className={`decorator decorator-${side} gate-${gate}`}
      data-testid={`${side}-${gate}`}
      title={`${gate.toUpperCase()} ${side}`}
    >
      {SYMBOL[gate]}
    </span>
  );
}

/** The box every task kind shares; the kind files add their icon and one summary line. */
export function TaskBox({
  id,
  data,
  selected,
  icon,
  kind,
  summary,
}: NodeProps<TaskNode> & { icon: string; kind: string; summary?: ReactNode }) {
  const { problems, inCancelSet } = useNodeState(id);
  const overlay = useOverlay();
  const run = overlay?.tasks?.[id]?.state;
  const note = overlay?.tasks?.[id]?.note;
  const heat = overlay?.tasks?.[id]?.heat;
  const el = data.el;
  const cls = [
    "net-node",
    "task",
    `task-${kind}`,
    selected && "selected",
    problems && "has-problem",
    inCancelSet && "in-cancel-set",
    run && `run-${run}`,
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <div
      className={cls}
      data-testid={`node-${id}`}
      title={problems?.join("\n")}
      style={heat != null ? { background: heatColour(heat) } : undefined}
    >
      <Handle type="target" position={Position.Left} />
      <Decorator side="join" gate={el.join} />
      <div className="task-body">
        <div className="task-kind">
          <span className="icon">{icon}</span> {kind}
          {el.instances ? (
            <span className="mi" title="multiple instances">
              ⫴
            </span>
          ) : null}
          {el.cancels?.length ? (
            <span className="cancel-mark" title="has a cancellation set">
              ⊗
            </span>
          ) : null}
        </div>
        <div className="task-label">{el.label || id}</div>
        {summary && <div className="task-summary">{summary}</div>}
        {run && (
          <div className="task-run" data-testid={`run-${id}`}>
            {run}
          </div>
        )}
        {note && (
          <div className="task-note" data-testid={`note-${id}`}>
            {note}
          </div>
        )}
      </div>
      <Decorator side="split" gate={el.split} />
      {problems && <span className="problem-badge">!</span>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}
