/** Formatting shared by the dashboard pages. */
import { formatDateTime } from "../../lib/time";

/** 0.4 → "400 ms", 75 → "1m 15s", 7200 → "2h 0m", 200000 → "2d 7h"; null → "–". */
export function formatSeconds(s: number | null | undefined): string {
  if (s == null || Number.isNaN(s)) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** An ISO time the one way every page shows it (lib/time.ts: the user's locale, seconds
 * included on the dashboard's records). */
export function formatTime(iso: string | null | undefined): string {
  return formatDateTime(iso, true);
}

const hourOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** The hour label of a throughput bucket, in the user's locale like every other time
 * ("14:00", "2:00 PM"). */
export function formatHour(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : hourOfDay.format(d);
}

/** The histogram's bucket label: "≤ 1 s", "≤ 1m 0s", "> 1h 0m" for the open last one. */
export function bucketLabel(le: number | null, previous: number | null): string {
  if (le == null) return previous == null ? "all" : `> ${formatSeconds(previous)}`;
  return `≤ ${formatSeconds(le)}`;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Text as a JSON object: the object, or an error message for the form. */
export function parseJsonObject(
  text: string,
): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === "" ? "{}" : text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { error: "must be a JSON object ({…})" };
  return { value: value as Record<string, unknown> };
}
