import { createContext, useContext } from "react";

/**
 * A run-state overlay for the read-only canvas (the dashboard shows a case on its net):
 * tokens per condition and a state per task.
 */
export interface NetOverlay {
  marking?: Record<string, number>;
  tasks?: Record<string, { state: string }>;
}

export const OverlayContext = createContext<NetOverlay | null>(null);

export function useOverlay(): NetOverlay | null {
  return useContext(OverlayContext);
}
