import { formatDateTime, formatRelative } from "../lib/time";

/** A moment, the same way on every page (lib/time.ts): relative ("5 minutes ago") with the
 * absolute date as its tooltip, or absolute (`relative={false}`). */
export function Time({
  iso,
  relative = false,
  seconds = false,
  now,
}: {
  iso: string | null | undefined;
  relative?: boolean;
  seconds?: boolean;
  now?: number;
}) {
  if (!iso) return <span className="muted">–</span>;
  const full = formatDateTime(iso, seconds);
  return (
    <time dateTime={iso} title={full}>
      {relative ? formatRelative(iso, now) : full}
    </time>
  );
}
