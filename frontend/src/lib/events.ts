/** A case's history events as lines for people (the dashboard's case page, the inbox's case
 * view). */
import type { Schemas } from "../api/client";

type HistoryEvent = Schemas["EventOutput"];

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
  // an edit of the case data (an operator's, or a signal's mapping); a task's output mapping
  // names its task and is a step of the engine
  if (e.type === "data.updated" && !e.task) return e.actor;
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
