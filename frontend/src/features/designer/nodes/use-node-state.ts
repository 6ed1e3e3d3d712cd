import { useDesigner } from "../store";

/** Per-node canvas state from the store: its problems, cancellation-set highlight, run overlay. */
export function useNodeState(id: string) {
  const problems = useDesigner((s) => s.problemIndex[id]);
  const inCancelSet = useDesigner((s) => s.cancelSet.includes(id));
  return { problems, inCancelSet };
}
