/** Counts, incidents, open work, throughput and durations; refreshed every few seconds. */
import { useState } from "react";
import { Link } from "react-router-dom";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { dashboardApi } from "./api";
import { ErrorBox } from "../../components/ErrorBox";
import { StateBadge, StateCounts } from "./badges";
import { Time } from "../../components/Time";
import { bucketLabel, formatHour, formatSeconds } from "./format";
import type { Overview as OverviewData } from "./types";
import { LiveStatus, useLiveReload } from "./useLiveReload";

/** The overview's aggregates cost the server ~300 ms at 100,000 cases: at most one load per
 * this many ms however busy the system is (a change after a quiet spell shows at once). */
export const OVERVIEW_MIN_INTERVAL_MS = 5000;

export function Overview() {
  const [hours, setHours] = useState(24);
  const [data, setData] = useState<OverviewData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<string | null>(null);
  const [acted, setActed] = useState(0); // bumped after an action: load again now

  const status = useLiveReload(
    async () => {
      const r = await dashboardApi.overview(hours);
      if (r.ok) {
        setData(r.data);
        setError(null);
        setUpdated(new Date().toISOString());
      } else setError(r.message);
    },
    `${hours}/${acted}`,
    OVERVIEW_MIN_INTERVAL_MS,
  );

  if (!data) return error ? <ErrorBox message={error} /> : <p className="loading">Loading…</p>;
  const { cases, incidents, open_work_items: open, throughput, durations } = data;
  const histogram = durations.histogram.map((b, i) => ({
    label: bucketLabel(b.le_seconds, i > 0 ? durations.histogram[i - 1].le_seconds : null),
    count: b.count,
  }));
  const buckets = throughput.buckets.map((b) => ({ ...b, label: formatHour(b.hour) }));
  return (
    <div className="overview" data-testid="overview">
      <header className="page-head">
        <h1>Overview</h1>
        <label>
          Charts over{" "}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {[6, 24, 72, 168].map((h) => (
              <option key={h} value={h}>
                {h} hours
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="updated">
          updated <Time iso={updated} seconds />
        </span>
        <LiveStatus status={status} />
      </header>
      <ErrorBox message={error} />

      <div className="cards">
        <div className="card">
          <h2>Cases</h2>
          <p className="big" data-testid="cases-total">
            {cases.total}
          </p>
          <ul className="state-counts">
            {Object.entries(cases.by_state).map(([state, n]) => (
              <li key={state}>
                <Link to={`/dashboard/cases/?state=${state}`}>
                  <StateBadge state={state} /> {n}
                </Link>
              </li>
            ))}
          </ul>
        </div>
        <div className="card">
          <h2>Incidents</h2>
          <p className="big" data-testid="incident-count">
            <Link to="/dashboard/cases/?incident=true">
              {incidents.failed_work_items + incidents.deadlocked_cases}
            </Link>
          </p>
          <p className="muted">
            {incidents.failed_work_items} failed work items ({incidents.failed_automatic_work_items}{" "}
            automatic), {incidents.deadlocked_cases} deadlocked cases
          </p>
        </div>
        <div className="card">
          <h2>Work item durations</h2>
          <p className="muted">
            {durations.count} completed since <Time iso={durations.since} />
            {durations.sampled ? " (sampled)" : ""}: avg {formatSeconds(durations.avg_seconds)}, p50{" "}
            {formatSeconds(durations.p50_seconds)}, p95 {formatSeconds(durations.p95_seconds)}, max{" "}
            {formatSeconds(durations.max_seconds)}
          </p>
        </div>
      </div>

      <h2>Open incidents</h2>
      <table className="grid" data-testid="incidents">
        <thead>
          <tr>
            <th>Case</th>
            <th>Definition</th>
            <th>Task</th>
            <th>Problem</th>
            <th>Since</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {incidents.latest_failed_work_items.map((i) => (
            <tr key={i.work_item} data-testid="incident" data-case={i.case}>
              <td>
                <Link to={`/dashboard/cases/${i.case}/`}>#{i.case}</Link>
              </td>
              <td>{i.definition}</td>
              <td>
                {i.task}{" "}
                <span className="muted">
                  ({i.kind}, attempt {i.attempt})
                </span>
              </td>
              <td className="error-text">
                {i.error_type}: {i.error_message}
              </td>
              <td>
                <Time iso={i.since} relative />
              </td>
              <td>
                <IncidentActions
                  itemId={i.work_item}
                  task={i.task}
                  caseId={i.case}
                  onDone={() => setActed((n) => n + 1)}
                />
              </td>
            </tr>
          ))}
          {incidents.latest_deadlocked_cases.map((d) => (
            <tr key={`d${d.case}`} data-testid="incident" data-case={d.case}>
              <td>
                <Link to={`/dashboard/cases/${d.case}/`}>#{d.case}</Link>
              </td>
              <td>{d.definition}</td>
              <td>–</td>
              <td className="error-text">deadlocked: {d.reason}</td>
              <td>
                <Time iso={d.since} relative />
              </td>
              <td>
                <Link to={`/dashboard/cases/${d.case}/`}>open</Link>
              </td>
            </tr>
          ))}
          {!incidents.latest_failed_work_items.length &&
            !incidents.latest_deadlocked_cases.length && (
              <tr>
                <td colSpan={6} className="muted">
                  No open incidents.
                </td>
              </tr>
            )}
        </tbody>
      </table>

      <div className="two-col">
        <div>
          <h2>Cases started and completed per hour</h2>
          <div className="chart" data-testid="throughput-chart">
            <ResponsiveContainer width="100%" height={240}>
              <BarChart data={buckets}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis allowDecimals={false} fontSize={11} />
                <Tooltip />
                <Legend />
                <Bar dataKey="started" name="started" fill="#4c78a8" isAnimationActive={false} />
                <Bar
                  dataKey="completed"
                  name="completed"
                  fill="#54a24b"
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </div>
        <div>
          <h2>Work item durations</h2>
          <div className="chart" data-testid="durations-chart">
            <ResponsiveContainer width="100%" height={240}>
              <BarChart data={histogram} margin={{ bottom: 16 }}>
                <CartesianGrid strokeDasharray="3 3" />
                {/* every bucket labelled (recharts skips crowded ticks by default) */}
                <XAxis
                  dataKey="label"
                  fontSize={10}
                  interval={0}
                  angle={-30}
                  textAnchor="end"
                  height={48}
                />
                <YAxis allowDecimals={false} fontSize={11} />
                <Tooltip />
                <Bar dataKey="count" name="work items" fill="#f58518" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </div>
      </div>

      <div className="two-col">
        <div>
          <h2>Cases by definition</h2>
          <table className="grid" data-testid="by-definition">
            <thead>
              <tr>
                <th>Definition</th>
                <th>Total</th>
                <th>By state</th>
              </tr>
            </thead>
            <tbody>
              {cases.by_definition.map((d) => (
                <tr key={d.definition}>
                  <td>
                    <Link to={`/dashboard/definitions/${encodeURIComponent(d.definition)}/`}>
                      {d.definition}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/dashboard/cases/?definition=${encodeURIComponent(d.definition)}`}>
                      {d.total}
                    </Link>
                  </td>
                  <td>
                    <StateCounts counts={d.by_state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Open work items</h2>
          <table className="grid" data-testid="open-work">
            <thead>
              <tr>
                <th>Definition</th>
                <th>Task</th>
                <th>Role</th>
                <th>Offered</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {open.map((o) => (
                <tr key={`${o.definition}/${o.task}/${o.role}`}>
                  <td>{o.definition}</td>
                  <td>{o.task}</td>
                  <td>{o.role ?? "–"}</td>
                  <td>{o.initialized}</td>
                  <td>{o.started}</td>
                </tr>
              ))}
              {!open.length && (
                <tr>
                  <td colSpan={5} className="muted">
                    Nothing open.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>

      {durations.by_task.length > 0 && (
        <>
          <h2>Durations per task</h2>
          <table className="grid">
            <thead>
              <tr>
                <th>Definition</th>
                <th>Task</th>
                <th>Count</th>
                <th>Avg</th>
                <th>p50</th>
                <th>p95</th>
                <th>Max</th>
              </tr>
            </thead>
            <tbody>
              {durations.by_task.map((t) => (
                <tr key={`${t.definition}/${t.task}`}>
                  <td>{t.definition}</td>
                  <td>{t.task}</td>
                  <td>{t.count}</td>
                  <td>{formatSeconds(t.avg_seconds)}</td>
                  <td>{formatSeconds(t.p50_seconds)}</td>
                  <td>{formatSeconds(t.p95_seconds)}</td>
                  <td>{formatSeconds(t.max_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** Retry or skip a failed work item from the overview (the case page offers the same with an
 * edited input or output). */
function IncidentActions({
  itemId,
  task,
  caseId,
  onDone,
}: {
  itemId: string;
  task: string;
  caseId: number;
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  async function run(what: "retry" | "skip") {
    const question =
      what === "retry"
        ? `Retry ${task} of case #${caseId} with the same input?`
        : `Skip ${task} of case #${caseId} (complete it with an empty output)?`;
    if (!window.confirm(question)) return;
    setBusy(true);
    const r = what === "retry" ? await dashboardApi.retry(itemId) : await dashboardApi.skip(itemId);
    setBusy(false);
    setMessage(r.ok ? null : r.message);
    if (r.ok) onDone();
  }
  return (
    <span className="incident-actions">
      <button
        type="button"
        disabled={busy}
        onClick={() => void run("retry")}
        aria-label={`Retry ${task} of case ${caseId}`}
      >
        Retry
      </button>{" "}
      <button
        type="button"
        disabled={busy}
        onClick={() => void run("skip")}
        aria-label={`Skip ${task} of case ${caseId}`}
      >
        Skip
      </button>
      {message && (
        <span role="alert" className="error-text">
          {" "}
          {message}
        </span>
      )}
    </span>
  );
}
