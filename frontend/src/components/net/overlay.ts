import { createContext, useContext } from "react";

/**
 * A run-state overlay for the read-only canvas (the dashboard shows a case on its net):
 * tokens per condition and a state per task.
 */
export interface NetOverlay {
  marking?: Record<string, number>;
  /** state: drawn as a colour and a label; note: a line under it (generation, item counts,
   * timings); heat: 0..1, a background from pale yellow to red (the definition heatmap) */
  tasks?: Record<string, { state: string; note?: string; heat?: number }>;
  /** a line under a condition (e.g. how many cases have a token there) */
  conditionNotes?: Record<string, string>;
}

/** A heat value 0..1 as a background colour, pale yellow to red. */
export function heatColour(v: number): string {
  const x = Math.max(0, Math.min(1, v));
  return `hsl(${Math.round(50 - 50 * x)}, 90%, ${Math.round(88 - 20 * x)}%)`;
}

export const OverlayContext = createContext<NetOverlay | null>(null);

export function useOverlay(): NetOverlay | null {
  return useContext(OverlayContext);
}
