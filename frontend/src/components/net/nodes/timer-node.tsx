import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { jsonText } from "../../../lib/net/net";
import { TaskBox } from "./task-node";

/** A timer task. */
export function TimerNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return (
    <TaskBox
      {...props}
      icon="◷"
      kind="timer"
      summary={
        data.el.duration
          ? jsonText(data.el.duration)
          : data.el.at
            ? `at ${jsonText(data.el.at)}`
            : undefined
      }
    />
  );
}
