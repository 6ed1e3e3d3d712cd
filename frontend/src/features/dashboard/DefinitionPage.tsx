/** A definition: its versions with their cases, and a heatmap on the chosen version's net. */
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";

import { NetCanvas } from "../../components/net/NetCanvas";
import { dashboardApi } from "./api";
import { ErrorBox } from "../../components/ErrorBox";
import { asNetDoc } from "../../lib/net/net";
import { StateCounts } from "./badges";
import { formatSeconds, formatTime } from "./format";
import { type HeatMetric, heatOverlay } from "./overlay";
import type { DefinitionPage } from "./types";
import { LiveStatus, useLiveReload } from "./useLiveReload";

/** The heatmap aggregates every case of the version: at most one load per this many ms. */
export const DEFINITION_MIN_INTERVAL_MS = 10_000;

const METRICS: Array<[HeatMetric, string]> = [
  ["avg", "average time per task"],
  ["p95", "p95 time per task"],
  ["now", "where cases are now"],
];

export function DefinitionPageView() {
  const name = useParams().name ?? "";
  const [search, setSearch] = useSearchParams();
  const version = Number(search.get("version")) || undefined;
  const [metric, setMetric] = useState<HeatMetric>("avg");
  const [page, setPage] = useState<DefinitionPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  const status = useLiveReload(
    async () => {
      const r = await dashboardApi.definition(name, version);
      if (r.ok) {
        setPage(r.data);
        setError(null);
      } else setError(r.message);
    },
    `${name}/${version ?? ""}`,
    DEFINITION_MIN_INTERVAL_MS,
  );

  if (!page) return error ? <ErrorBox message={error} /> : <p className="loading">Loading…</p>;
  // no heatmap (and no net) before the first version is published
  const heatmap = page.heatmap ?? { tasks: {}, conditions: {} };
  return (
    <div className="definition-page" data-testid="definition-page">
      <header className="page-head">
        <h1>
          {page.title || page.name} <span className="muted">v{page.version}</span>
        </h1>
        <LiveStatus status={status} />
        <Link
          to={`/dashboard/cases/?definition=${encodeURIComponent(page.name)}&version=${page.version}`}
        >
          Cases of this version
        </Link>
      </header>
      <ErrorBox message={error} />
      <table className="grid" data-testid="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Published</th>
            <th>Cases</th>
            <th>By state</th>
          </tr>
        </thead>
        <tbody>
          {page.versions.map((v) => (
            <tr key={v.version} className={v.version === page.version ? "selected" : undefined}>
              <td>
                <button
                  type="button"
                  className="linklike"
                  onClick={() => setSearch({ version: String(v.version) })}
                >
                  v{v.version}
                </button>
              </td>
              <td>{formatTime(v.published_at)}</td>
              <td>
                <Link
                  to={`/dashboard/cases/?definition=${encodeURIComponent(page.name)}&version=${v.version}`}
                >
                  {v.cases.total}
                </Link>
              </td>
              <td>
                <StateCounts counts={v.cases.by_state} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Heatmap</h2>
      <div className="metric-switch">
        {METRICS.map(([m, label]) => (
          <label key={m}>
            <input
              type="radio"
              name="metric"
              checked={metric === m}
              onChange={() => setMetric(m)}
            />{" "}
            {label}
          </label>
        ))}
      </div>
      <NetCanvas net={asNetDoc(page.net)} overlay={heatOverlay(heatmap, metric)} height={460} />
      <table className="grid" data-testid="heat-table">
        <thead>
          <tr>
            <th>Task</th>
            <th>Completed items</th>
            <th>Avg</th>
            <th>p95</th>
            <th>Cases there now</th>
            <th>Open items</th>
            <th>Failed items</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(heatmap.tasks).map(([task, t]) => (
            <tr key={task}>
              <td>{task}</td>
              <td>{t.count}</td>
              <td>{formatSeconds(t.avg_seconds)}</td>
              <td>{formatSeconds(t.p95_seconds)}</td>
              <td>{t.enabled + t.started}</td>
              <td>{t.open_items}</td>
              <td>{t.failed_items}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
