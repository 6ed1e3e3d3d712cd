import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { jsonText } from "../../../lib/net/net";
import { TaskBox } from "./task-node";

/** A automatic task. */
export function AutomaticNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return (
    <TaskBox
      {...props}
      icon="⚙"
      kind="automatic"
      summary={data.el.activity ? jsonText(data.el.activity) : undefined}
    />
  );
}
