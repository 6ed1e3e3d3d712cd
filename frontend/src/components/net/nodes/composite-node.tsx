import type { NodeProps } from "@xyflow/react";

import type { TaskNode } from "../../../lib/net/convert";
import { jsonText } from "../../../lib/net/net";
import { TaskBox } from "./task-node";

/** A composite task. */
export function CompositeNode(props: NodeProps<TaskNode>) {
  const { data } = props;
  return (
    <TaskBox
      {...props}
      icon="▣"
      kind="composite"
      summary={data.el.workflow ? `child: ${jsonText(data.el.workflow)}` : undefined}
    />
  );
}
