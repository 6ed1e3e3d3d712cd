/**
 * Connection rules checked while the user drags a flow (refused on the spot) and when a flow is
 * added by any other means. Mirrors the server's validator (engine/core/validation.py):
 * no condition→condition, nothing into the start condition, nothing out of the end condition.
 * The designer also refuses a second flow between the same two nodes and a node connected to
 * itself (the validator names a flow "<from>-><to>", so a duplicate could not be told apart).
 */
import type { Edge } from "@xyflow/react";

import type { ConditionEl } from "../../../lib/net/net";

export interface RuleNode {
  id: string;
  type?: string;
  data: { el: { kind?: unknown } };
}

function conditionKind(node: RuleNode): string | null {
  if (node.type !== "condition") return null;
  return ((node.data.el as ConditionEl).kind as string | null | undefined) ?? "normal";
}

/** Why a flow from `source` to `target` is not allowed, or null when it is. */
export function connectionProblem(
  source: RuleNode | undefined,
  target: RuleNode | undefined,
  edges: Pick<Edge, "source" | "target">[],
): string | null {
  if (!source || !target) return "connect two elements of the net";
  if (source.id === target.id) return "an element cannot be connected to itself";
  const from = conditionKind(source);
  const to = conditionKind(target);
  if (from !== null && to !== null)
    return "a condition cannot connect to a condition (put a task between them)";
  if (to === "start") return "nothing may flow into the start condition";
  if (from === "end") return "nothing may flow out of the end condition";
  if (edges.some((e) => e.source === source.id && e.target === target.id))
    return "these two elements are already connected";
  return null;
}
