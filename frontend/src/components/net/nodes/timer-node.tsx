import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { TaskBox } from "./task-node";

/** A timer task. */
export function TimerNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return <TaskBox {...props} icon="◷" kind="timer" summary={data.el.duration ? String(data.el.duration) : data.el.at ? `at ${String(data.el.at)}` : undefined} />;
}
