/**
 * One way to show a moment on every page: the user's locale (the browser's), an absolute form
 * ("6 Dec 2026, 14:05") and, where it helps, a relative one ("5 min ago", "in 2 days") with the
 * absolute one as its tooltip. `components/Time.tsx` renders it.
 */

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const withSeconds = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "medium",
});
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "6 Dec 2026, 14:05" in the user's locale ("–" for none); `seconds` adds them (histories). */
export function formatDateTime(iso: string | null | undefined, seconds = false): string {
  const d = parse(iso);
  if (!d) return iso ? iso : "–";
  return (seconds ? withSeconds : absolute).format(d);
}

/** "just now", "5 minutes ago", "in 2 days", in the user's locale. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parse(iso);
  if (!d) return iso ? iso : "–";
  const diff = d.getTime() - now;
  const ms = Math.abs(diff);
  if (ms < 60_000) return diff > 0 ? relative.format(1, "minute") : "just now";
  for (const [unit, size] of UNITS) {
    if (ms >= size) return relative.format(Math.trunc(diff / size), unit);
  }
  return relative.format(Math.trunc(diff / 60_000), "minute");
}
