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
  // to the nearest whole unit: due in 47 h 59 min is "in 2 days", not "tomorrow"
  for (const [unit, size] of UNITS) {
    if (ms >= size) return relative.format(Math.round(diff / size), unit);
  }
  return relative.format(Math.round(diff / 60_000), "minute");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The moment as an `<input type="datetime-local">` value ("2026-12-06T14:05", local time),
 * "" for none. */
export function toLocalInput(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return "";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  );
}

/** An `<input type="datetime-local">` value (local time) as an ISO moment, null when it is not
 * a whole date and time. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0));
  const d = new Date(year, month - 1, day, hour, minute, second);
  // 2026-02-31 rolls over to March: not a date
  if (d.getMonth() !== month - 1 || d.getDate() !== day || d.getHours() !== hour) return null;
  return d.toISOString();
}

/** The start of the working day (8:00, local time) `days` days after `now`'s day. */
export function morningIn(days: number, now: number = Date.now()): string {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  d.setHours(8, 0, 0, 0);
  return d.toISOString();
}
