/** A case or item state as a coloured badge (styles in dashboard.css). */
export function StateBadge({ state }: { state: string }) {
  return <span className={`state-badge state-${state}`}>{state}</span>;
}

/** Counts by state as badges ("running 3 completed 12"). */
export function StateCounts({ counts }: { counts: Record<string, number> }) {
  return (
    <>
      {Object.entries(counts).map(([s, n]) => (
        <span key={s} className="pair">
          <StateBadge state={s} /> {n}
        </span>
      ))}
    </>
  );
}
