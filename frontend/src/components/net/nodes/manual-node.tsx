import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { TaskBox } from "./task-node";

/** A manual task: shows who it is offered to. */
export function ManualNode(props: NodeProps<TaskNode>) {
  const assign = (props.data.el.assign ?? {}) as { role?: string | null; user?: string | null };
  const summary = assign.role
    ? `role: ${assign.role}`
    : assign.user
      ? `user: ${assign.user}`
      : undefined;
  return <TaskBox {...props} icon="☺" kind="manual" summary={summary} />;
}
