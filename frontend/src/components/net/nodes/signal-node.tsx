import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { jsonText } from "../../../lib/net/net";
import { TaskBox } from "./task-node";

/** A signal task. */
export function SignalNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return (
    <TaskBox
      {...props}
      icon="✉"
      kind="signal"
      summary={data.el.signal ? `signal: ${jsonText(data.el.signal)}` : undefined}
    />
  );
}
