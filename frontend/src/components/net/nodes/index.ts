/** The node registry: one component per node kind (conditions, then each task kind). */
import type { NodeTypes } from "@xyflow/react";

import { AutomaticNode } from "./automatic-node";
import { CompositeNode } from "./composite-node";
import { ConditionNodeView } from "./condition-node";
import { DummyNode } from "./dummy-node";
import { ManualNode } from "./manual-node";
import { SignalNode } from "./signal-node";
import { TimerNode } from "./timer-node";

export const nodeTypes: NodeTypes = {
  condition: ConditionNodeView,
  manual: ManualNode,
  automatic: AutomaticNode,
  composite: CompositeNode,
  dummy: DummyNode,
  timer: TimerNode,
  signal: SignalNode,
};
