/** The case history as a timeline and as the scrubber's positions. */
import type { HistoryEvent } from "./types";

export { describeEvent, eventActor } from "../../lib/events";

/** Events that need an operator's eye. */
export function isTrouble(e: HistoryEvent): boolean {
  return /failed|deadlock|canceled/.test(e.type);
}

/**
 * The scrubber runs over the history's indexes: position i is "right after history[i]". The last
 * position is the case now, so it shows the live page instead of a past state.
 */
export interface Scrubber {
  max: number;
  /** the event id to ask the server for (GET …/state/?at=), or null for "now" */
  eventAt(position: number): number | null;
  /** the position of an event id (for a link from the timeline), or the last one */
  positionOf(eventId: number | null): number;
}

export function scrubber(history: HistoryEvent[]): Scrubber {
  const max = Math.max(0, history.length - 1);
  return {
    max,
    eventAt(position) {
      if (!history.length || position >= max) return null;
      return history[Math.max(0, Math.floor(position))].id;
    },
    positionOf(eventId) {
      if (eventId == null) return max;
      const i = history.findIndex((e) => e.id === eventId);
      return i < 0 ? max : i;
    },
  };
}

/** The history with the newest first, at most `limit` events (the timeline list). */
export function timeline(history: HistoryEvent[], limit = 500): HistoryEvent[] {
  return history.slice(-limit).reverse();
}
