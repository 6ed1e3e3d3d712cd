import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { TaskBox } from "./task-node";

/** A composite task. */
export function CompositeNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return <TaskBox {...props} icon="▣" kind="composite" summary={data.el.workflow ? `child: ${String(data.el.workflow)}` : undefined} />;
}
