import { createContext, useContext } from "react";

/**
 * What an editing page adds to the canvas: the problems per element (condition/task id, or
 * `from->to` for a flow), the ids in the selected task's cancellation set, and what a click on
 * a flow label does. The read-only `NetCanvas` provides none of them.
 */
export interface CanvasState {
  problemIndex: Record<string, string[] | undefined>;
  cancelSet: readonly string[];
  selectEdge: ((id: string) => void) | null;
}

/** The read-only canvas: no problems, no cancellation set, flows not selectable. */
export const READ_ONLY: CanvasState = { problemIndex: {}, cancelSet: [], selectEdge: null };

export const CanvasStateContext = createContext<CanvasState>(READ_ONLY);

export function useCanvasState(): CanvasState {
  return useContext(CanvasStateContext);
}

/** Per-node state: its problems and its cancellation-set highlight. */
export function useNodeState(id: string): { problems: string[] | undefined; inCancelSet: boolean } {
  const { problemIndex, cancelSet } = useCanvasState();
  return { problems: problemIndex[id], inCancelSet: cancelSet.includes(id) };
}
