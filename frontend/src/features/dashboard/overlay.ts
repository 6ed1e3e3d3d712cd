/** The overlays the dashboard draws on a net (NetCanvas): a case's marking and task states, a
 * past state from the event log, a definition's heatmap. */
import type { NetOverlay } from "../../components/net/overlay";
import { formatSeconds } from "./format";
import type { Heatmap, TaskRun, TaskStats } from "./types";

/** A task run as the page, a push or a past state gives it (a past state may lack stats). */
type Run = Pick<TaskRun, "state"> & { generation?: number; stats?: TaskStats };

/** One task's line under its state: generation and, for several items, the item counts. */
export function taskNote(run: Run): string | undefined {
  const parts: string[] = [];
  if (run.generation && run.generation > 1) parts.push(`gen ${run.generation}`);
  const s = run.stats;
  if (s && s.total > 1) {
    const open = s.initialized + s.started;
    const bits = [`${s.completed}/${s.total} done`];
    if (open) bits.push(`${open} open`);
    if (s.failed) bits.push(`${s.failed} failed`);
    if (s.canceled) bits.push(`${s.canceled} canceled`);
    parts.push(bits.join(", "));
  } else if (s && s.failed) {
    parts.push("failed item");
  }
  return parts.length ? parts.join(" · ") : undefined;
}

/** A case now (the page or a websocket push) or at a past event: tokens and task states.
 * `incidents` (task → the failed item's message) draws those tasks as incidents, in red with
 * their error, whatever state the task itself is in. */
export function caseOverlay(
  state: {
    marking?: Record<string, number> | null;
    tasks?: Record<string, Run> | null;
  },
  incidents: Record<string, string> = {},
): NetOverlay {
  const tasks: NonNullable<NetOverlay["tasks"]> = {};
  for (const [id, run] of Object.entries(state.tasks ?? {})) {
    tasks[id] =
      id in incidents && run.state !== "completed"
        ? { state: "incident", note: incidents[id] }
        : { state: run.state, note: taskNote(run) };
  }
  const marking: Record<string, number> = {};
  for (const [id, n] of Object.entries(state.marking ?? {})) if (n > 0) marking[id] = n;
  return { marking, tasks };
}

export type HeatMetric = "avg" | "p95" | "now";

/** 0..1 per task for the chosen metric (the largest value is 1); tasks without data are left out. */
export function heatValues(heatmap: Heatmap, metric: HeatMetric): Record<string, number> {
  const raw: Record<string, number> = {};
  for (const [id, t] of Object.entries(heatmap.tasks)) {
    const v =
      metric === "avg" ? t.avg_seconds : metric === "p95" ? t.p95_seconds : t.enabled + t.started;
    if (v != null && v > 0) raw[id] = v;
  }
  const max = Math.max(0, ...Object.values(raw));
  const out: Record<string, number> = {};
  for (const [id, v] of Object.entries(raw)) out[id] = max > 0 ? v / max : 0;
  return out;
}

/** The definition page's overlay: heat per task, and where the active cases are now. */
export function heatOverlay(heatmap: Heatmap, metric: HeatMetric): NetOverlay {
  const heat = heatValues(heatmap, metric);
  const tasks: NonNullable<NetOverlay["tasks"]> = {};
  for (const [id, t] of Object.entries(heatmap.tasks)) {
    const lines: string[] = [];
    if (t.count)
      lines.push(
        `avg ${formatSeconds(t.avg_seconds)} · p95 ${formatSeconds(t.p95_seconds)} (${t.count})`,
      );
    const now = t.enabled + t.started;
    if (now) lines.push(`${now} case${now === 1 ? "" : "s"} here`);
    if (t.failed_items) lines.push(`${t.failed_items} failed`);
    tasks[id] = { state: "", note: lines.join(" · ") || undefined, heat: heat[id] };
  }
  const marking: Record<string, number> = {};
  const conditionNotes: Record<string, string> = {};
  for (const [id, c] of Object.entries(heatmap.conditions)) {
    if (c.tokens > 0) marking[id] = c.tokens;
    if (c.cases > 0) conditionNotes[id] = `${c.cases} case${c.cases === 1 ? "" : "s"}`;
  }
  return { marking, tasks, conditionNotes };
}

/** The failed work items of a case as incidents per task: "ValueError: card declined" (the
 * newest failure of each task; "failed" when the item carries no message). */
export function incidentsOf(
  items: readonly { task: string; state: string; error?: unknown }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of items) {
    if (w.state !== "failed") continue;
    const e = w.error && typeof w.error === "object" ? (w.error as Record<string, unknown>) : {};
    const type = typeof e.type === "string" ? e.type : "";
    const message = typeof e.message === "string" ? e.message : "";
    out[w.task] = [type, message].filter(Boolean).join(": ") || "failed";
  }
  return out;
}
