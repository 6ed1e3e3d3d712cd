import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { TaskBox } from "./task-node";

/** A dummy task: routing only. */
export function DummyNode(props: NodeProps<TaskNode>) {
  return <TaskBox {...props} icon="◌" kind="dummy" />;
}
