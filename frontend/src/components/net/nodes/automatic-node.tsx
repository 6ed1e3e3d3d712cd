import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { TaskBox } from "./task-node";

/** A automatic task. */
export function AutomaticNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return <TaskBox {...props} icon="⚙" kind="automatic" summary={data.el.activity ? String(data.el.activity) : undefined} />;
}
