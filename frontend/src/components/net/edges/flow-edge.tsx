import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from "@xyflow/react";

import type { FlowEdge } from "../../../lib/net/convert";
import { flowElementId } from "../../../lib/net/net";
import { useCanvasState } from "../canvas-state";

/** A flow: an arrow with its predicate (`when`) or its default marker as the label. */
export function FlowEdgeView(props: EdgeProps<FlowEdge>) {
  const {
    id,
    source,
    target,
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    data,
    selected,
    markerEnd,
  } = props;
  const { problemIndex, selectEdge } = useCanvasState();
  const problems = problemIndex[flowElementId(source, target)];
  const [path, labelX, labelY] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
  });
  const flow = data?.flow;
  const label = flow?.default
    ? "default"
    : flow?.when
      ? String(flow.when)
      : flow?.label
        ? String(flow.label)
        : null;
  const cls = [
    "flow-edge",
    selected && "selected",
    problems && "has-problem",
    flow?.default && "is-default",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={cls} />
      {(label || problems) && (
        <EdgeLabelRenderer>
          <div
            className={`flow-label ${cls}`}
            data-testid={`flow-label-${source}-${target}`}
            title={problems?.join("\n")}
            onClick={() => selectEdge?.(id)}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {flow?.default && <span className="default-mark">◆ </span>}
            {label}
            {problems && <span className="problem-badge inline">!</span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const edgeTypes = { flow: FlowEdgeView };
