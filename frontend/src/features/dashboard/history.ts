/** The case history as a timeline and as the scrubber's positions. */
import type { HistoryEvent } from "./types";

/** Events that are a person's own act (or an operator's). Every other event is a step the
 * engine took in the same transaction (a task started after a completion, tokens moved, an
 * automatic item run): it is not credited to whoever caused the transaction. */
const ACTS = new Set([
  "case.started",
  "case.suspended",
  "case.resumed",
  "case.canceled",
  "work_item.claimed",
  "work_item.released",
  "work_item.delegated",
  "work_item.retried",
  "work_item.skipped",
  "signal.received",
]);
/** Acts of the person working a manual item (automatic items are run by the engine). */
const PERSON_ITEM_ACTS = new Set(["work_item.started", "work_item.completed", "work_item.failed"]);

/** The person an event is credited to, or null for the engine's own steps. `isManual` says
 * whether a task is done by people (from the net). */
export function eventActor(e: HistoryEvent, isManual: (task: string) => boolean): string | null {
  if (!e.actor || e.actor === "system") return null;
  if (ACTS.has(e.type)) return e.actor;
  if (PERSON_ITEM_ACTS.has(e.type) && e.task && isManual(e.task)) return e.actor;
  return null;
}

/** A short line for an event: its type, its task and the acting user (if a person acted). */
export function describeEvent(
  e: HistoryEvent,
  isManual: (task: string) => boolean = () => false,
): string {
  const parts = [e.type];
  if (e.task) parts.push(e.task);
  const p = e.payload ?? {};
  if (typeof p.attempt === "number" && e.type.startsWith("work_item."))
    parts.push(`attempt ${p.attempt}`);
  if (typeof p.signal === "string") parts.push(`signal ${p.signal}`);
  if (typeof p.reason === "string" && p.reason) parts.push(`“${p.reason}”`);
  let line = parts.join(" · ");
  const actor = eventActor(e, isManual);
  if (actor) line += ` (by ${actor})`;
  return line;
}

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
