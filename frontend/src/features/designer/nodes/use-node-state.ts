import { createContext, useContext } from "react";

import { useDesigner } from "../store";

/** True inside the read-only `NetCanvas` of other pages: the designer store's state is not theirs. */
export const StandaloneContext = createContext(false);

/** Per-node canvas state from the store: its problems and its cancellation-set highlight. */
export function useNodeState(id: string) {
  const standalone = useContext(StandaloneContext);
  const problems = useDesigner((s) => s.problemIndex[id]);
  const inCancelSet = useDesigner((s) => s.cancelSet.includes(id));
  return standalone ? { problems: undefined, inCancelSet: false } : { problems, inCancelSet };
}
