/** Cases, filtered and sorted as the URL says; batch cancel / retry over the whole filtered list. */
import { type FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";

import { dashboardApi } from "./api";
import { ErrorBox } from "../../components/ErrorBox";
import { Time } from "../../components/Time";
import { StateBadge } from "./badges";
import {
  CASE_STATES,
  type CaseFilters,
  filtersFromSearch,
  filtersToSearch,
  listFilters,
  PAGE_SIZES,
  pageCount,
  SORTS,
  withFilter,
  apiQuery,
} from "./filters";
import {
  CASE_COLUMNS,
  type ColumnId,
  DEFAULT_COLUMNS,
  loadColumns,
  saveColumns,
  toggle,
} from "./columns";
import { formatTime } from "./format";
import { batchErrors } from "./read";
import type { BatchJob, CaseListPage, CaseRow, DefinitionSummary } from "./types";
import { useAuth } from "../../shell/auth";
import { LiveStatus, useLiveReload } from "./useLiveReload";

export function CaseList() {
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const [draft, setDraft] = useState<CaseFilters>(filters);
  const [page, setPage] = useState<CaseListPage | null>(null);
  const [error, setError] = useState<{ message: string; fields: string[] } | null>(null);
  const [definitions, setDefinitions] = useState<DefinitionSummary[]>([]);
  const key = search.toString();

  // the URL changed: the form shows its filters again (adjusted while rendering)
  const [draftKey, setDraftKey] = useState(key);
  if (draftKey !== key) {
    setDraftKey(key);
    setDraft(filters);
  }
  useEffect(() => {
    void dashboardApi.definitions().then((r) => r.ok && setDefinitions(r.data));
  }, []);

  const load = async () => {
    const r = await dashboardApi.cases(apiQuery(filtersFromSearch(key)));
    if (r.ok) {
      setPage(r.data);
      setError(null);
    } else {
      setError({ message: r.message, fields: r.fields });
      setPage(null); // no stale results under the error
    }
  };
  const status = useLiveReload(load, key);

  const apply = (f: CaseFilters) => setSearch(filtersToSearch(f));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(withFilter(draft, {}));
  };
  const def = definitions.find((d) => d.name === draft.definition);
  const user = useAuth().me?.username ?? "";
  const [shown, setShown] = useState<ColumnId[]>(() => loadColumns(user));
  const [shownFor, setShownFor] = useState(user);
  if (shownFor !== user) {
    setShownFor(user);
    setShown(loadColumns(user));
  }
  const choose = (next: ColumnId[]) => {
    setShown(next);
    saveColumns(user, next);
  };
  const pages = page ? pageCount(page.count, filters.page_size) : 1;

  return (
    <div className="case-list">
      <h1>Cases</h1>
      <form className="filters" onSubmit={submit} data-testid="case-filters">
        <label>
          Case id or business key
          <input
            type="search"
            name="find"
            maxLength={255}
            value={draft.find}
            onChange={(e) => setDraft({ ...draft, find: e.target.value })}
          />
        </label>
        <label>
          Definition
          <select
            value={draft.definition}
            onChange={(e) => setDraft(withFilter(draft, { definition: e.target.value }))}
          >
            <option value="">any</option>
            {definitions.map((d) => (
              <option key={d.name} value={d.name}>
                {d.title || d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version
          <select
            value={draft.version}
            disabled={!def}
            onChange={(e) => setDraft({ ...draft, version: e.target.value })}
          >
            <option value="">any</option>
            {def &&
              Array.from({ length: def.latest_version ?? 0 }, (_, i) => i + 1).map((v) => (
                <option key={v}>{v}</option>
              ))}
          </select>
        </label>
        <fieldset className="states">
          <legend>State</legend>
          {CASE_STATES.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={draft.states.includes(s)}
                onChange={(e) =>
                  setDraft({
                    ...draft,
                    states: e.target.checked
                      ? [...draft.states, s]
                      : draft.states.filter((x) => x !== s),
                  })
                }
              />
              {s}
            </label>
          ))}
        </fieldset>
        <TimeField
          label="Created after"
          value={draft.created_after}
          onChange={(v) => setDraft({ ...draft, created_after: v })}
        />
        <TimeField
          label="Created before"
          value={draft.created_before}
          onChange={(v) => setDraft({ ...draft, created_before: v })}
        />
        <TimeField
          label="Ended after"
          value={draft.ended_after}
          onChange={(v) => setDraft({ ...draft, ended_after: v })}
        />
        <TimeField
          label="Ended before"
          value={draft.ended_before}
          onChange={(v) => setDraft({ ...draft, ended_before: v })}
        />
        <label>
          Incident
          <select
            value={draft.incident}
            onChange={(e) =>
              setDraft({ ...draft, incident: e.target.value as CaseFilters["incident"] })
            }
          >
            <option value="">any</option>
            <option value="true">with an incident</option>
            <option value="false">without</option>
          </select>
        </label>
        <label className="wide">
          Data filter
          <input
            type="text"
            name="where"
            placeholder='data.customer == "ACME" && data.amount >= 100'
            value={draft.where}
            onChange={(e) => setDraft({ ...draft, where: e.target.value })}
          />
        </label>
        <label>
          Sort
          <select
            value={draft.sort}
            onChange={(e) => apply(withFilter(draft, { sort: e.target.value }))}
          >
            {SORTS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Per page
          <select
            value={draft.page_size}
            onChange={(e) => apply(withFilter(draft, { page_size: Number(e.target.value) }))}
          >
            {PAGE_SIZES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <button type="button" onClick={() => setSearch(new URLSearchParams())}>
          Clear
        </button>
      </form>
      <ErrorBox message={error?.message ?? null} fields={error?.fields} testId="list-error" />

      <BatchActions filters={listFilters(filters)} count={page?.count ?? 0} onDone={load} />

      {page && (
        <>
          <ColumnPicker shown={shown} onChange={choose} />
          <p className="muted" data-testid="case-count">
            {page.count}
            {page.count_capped ? "+" : ""} cases · page {filters.page} of {pages}
            {page.count_capped ? "+" : ""} <LiveStatus status={status} />
          </p>
          <table className="grid" data-testid="cases">
            <thead>
              <tr>
                {shown.map((c) => (
                  <th key={c} scope="col" data-column={c}>
                    {COLUMN_LABELS[c]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {page.results.map((c) => (
                <tr key={c.id} data-testid="case-row" data-case={c.id}>
                  {shown.map((col) => (
                    <td
                      key={col}
                      data-column={col}
                      className={col === "data" ? "data-cell" : undefined}
                    >
                      <Cell row={c} column={col} />
                    </td>
                  ))}
                </tr>
              ))}
              {!page.results.length && (
                <tr>
                  <td colSpan={shown.length} className="muted">
                    No cases match.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <div className="pager">
            <button
              type="button"
              disabled={filters.page <= 1}
              onClick={() => apply({ ...filters, page: filters.page - 1 })}
            >
              ← Previous
            </button>
            <button
              type="button"
              disabled={!page.next}
              onClick={() => apply({ ...filters, page: filters.page + 1 })}
            >
              Next →
            </button>
          </div>
        </>
      )}
    </div>
  );
}

const COLUMN_LABELS = Object.fromEntries(CASE_COLUMNS.map((c) => [c.id, c.label])) as Record<
  ColumnId,
  string
>;

/** One cell of the case list. */
function Cell({ row: c, column }: { row: CaseRow; column: ColumnId }) {
  switch (column) {
    case "id":
      return (
        <>
          <Link to={`/dashboard/cases/${c.id}/`}>#{c.id}</Link>
          {c.parent && <span className="muted"> (child of #{c.parent})</span>}
        </>
      );
    case "business_key":
      return c.business_key ? (
        <span className="business-key">{c.business_key}</span>
      ) : (
        <span className="muted">–</span>
      );
    case "definition":
      return (
        <Link
          to={`/dashboard/definitions/${encodeURIComponent(c.definition)}/?version=${c.version}`}
        >
          {c.definition}
        </Link>
      );
    case "version":
      return <>v{c.version}</>;
    case "state":
      return <StateBadge state={c.state} />;
    case "incident":
      return c.incident ? (
        <span className="incident-flag">incident</span>
      ) : (
        <span className="muted">–</span>
      );
    case "open_items":
      return <>{c.open_items}</>;
    case "started_by":
      return c.started_by ? <>{c.started_by}</> : <span className="muted">–</span>;
    case "created_at":
      return <Time iso={c.created_at} seconds />;
    case "updated_at":
      return <Time iso={c.updated_at} relative />;
    case "ended_at":
      return <Time iso={c.ended_at} seconds />;
    case "data":
      return <>{JSON.stringify(c.data).slice(0, 120)}</>;
  }
}

/** "Columns": a disclosure with a checkbox per column (kept per user: columns.ts). */
function ColumnPicker({
  shown,
  onChange,
}: {
  shown: ColumnId[];
  onChange: (ids: ColumnId[]) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="column-picker">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="case-columns"
        onClick={() => setOpen(!open)}
      >
        Columns ({shown.length})
      </button>
      {open && (
        <fieldset id="case-columns" data-testid="case-columns">
          <legend>Columns shown</legend>
          {CASE_COLUMNS.map((c) => (
            <label key={c.id}>
              <input
                type="checkbox"
                name={`column-${c.id}`}
                checked={shown.includes(c.id)}
                disabled={"always" in c && c.always}
                onChange={(e) => onChange(toggle(shown, c.id, e.target.checked))}
              />
              {c.label}
            </label>
          ))}
          <button type="button" onClick={() => onChange([...DEFAULT_COLUMNS])}>
            Default columns
          </button>
        </fieldset>
      )}
    </div>
  );
}

function TimeField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <label>
      {label}
      <input type="datetime-local" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** Batch cancel / retry: confirm (with the count), then show the job's progress until it is done. */
function BatchActions({
  filters,
  count,
  onDone,
}: {
  filters: Record<string, string>;
  count: number;
  onDone: () => void;
}) {
  const [asking, setAsking] = useState<"cancel" | "retry" | null>(null);
  const [reason, setReason] = useState("");
  const [task, setTask] = useState("");
  const [job, setJob] = useState<BatchJob | null>(null);
  const [running, setRunning] = useState(false);
  const [matched, setMatched] = useState(0); // the matching cases when the job was asked for
  const [error, setError] = useState<{ message: string; fields: string[] } | null>(null);

  async function run() {
    if (!asking) return;
    const action = asking;
    setAsking(null);
    setMatched(count);
    setRunning(true);
    setError(null);
    setJob(null);
    const before = await dashboardApi.batches();
    const known = new Set(before.ok ? before.data.map((j) => j.id) : []);
    // the batch runs inside the POST; meanwhile its job row shows the progress
    const poll = setInterval(() => {
      void dashboardApi.batches().then((r) => {
        const mine = r.ok ? r.data.find((j) => !known.has(j.id) && j.action === action) : undefined;
        if (mine) setJob((cur) => (cur?.state === "done" ? cur : mine));
      });
    }, 300);
    try {
      const r = await dashboardApi.createBatch({
        action,
        filters,
        ...(action === "cancel" && reason ? { reason } : {}),
        ...(action === "retry" && task ? { task } : {}),
      });
      if (r.ok) setJob(r.data);
      else setError({ message: r.message, fields: r.fields });
    } finally {
      clearInterval(poll);
      setRunning(false);
    }
    onDone();
  }

  return (
    <div className="batch" data-testid="batch">
      <button type="button" disabled={running || !count} onClick={() => setAsking("cancel")}>
        Cancel all matching…
      </button>
      <button type="button" disabled={running || !count} onClick={() => setAsking("retry")}>
        Retry failed items of all matching…
      </button>
      {asking && (
        <div className="confirm" role="dialog" data-testid="batch-confirm">
          <p>
            {asking === "cancel"
              ? `Cancel the ${plural(count, "matching case")}?`
              : `Retry the failed work items of the ${plural(count, "matching case")}?`}{" "}
            {asking === "cancel"
              ? "Cases that have already ended are left as they are."
              : "Only running cases with a failed work item are retried."}
          </p>
          <p className="muted" data-testid="batch-filters">
            Matching: {describeFilters(filters)}
          </p>
          {asking === "cancel" ? (
            <label>
              Reason <input value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
          ) : (
            <label>
              Only task (optional) <input value={task} onChange={(e) => setTask(e.target.value)} />
            </label>
          )}
          <button type="button" className="danger" onClick={() => void run()}>
            Confirm {asking}
          </button>
          <button type="button" onClick={() => setAsking(null)}>
            Back
          </button>
        </div>
      )}
      {(running || job) && (
        <div className="progress" data-testid="batch-progress">
          {job ? (
            <>
              <BatchSummary job={job} matched={matched} />
              {batchErrors(job).length > 0 && (
                <ul className="error-text">
                  {batchErrors(job)
                    .slice(0, 20)
                    .map((e) => (
                      <li key={e.case}>
                        <Link to={`/dashboard/cases/${e.case}/`}>#{e.case}</Link>: {e.code}{" "}
                        {e.detail}
                      </li>
                    ))}
                </ul>
              )}
            </>
          ) : (
            <>
              <progress /> starting…
            </>
          )}
        </div>
      )}
      <ErrorBox message={error?.message ?? null} fields={error?.fields} testId="batch-error" />
    </div>
  );
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The list's filters in words ("definition invoice-approval, state running or suspended"). */
export function describeFilters(filters: Record<string, string>): string {
  const names: Record<string, string> = {
    find: "case id or business key",
    definition: "definition",
    version: "version",
    state: "state",
    created_after: "created after",
    created_before: "created before",
    ended_after: "ended after",
    ended_before: "ended before",
    incident: "incident",
    where: "data",
  };
  const parts = Object.entries(filters)
    .filter(([k, v]) => v !== "" && k in names)
    .map(([k, v]) => {
      if (k === "state") return `state ${v.split(",").join(" or ")}`;
      if (k === "incident") return v === "true" ? "with an incident" : "without an incident";
      if (k.endsWith("_after") || k.endsWith("_before")) return `${names[k]} ${formatTime(v)}`;
      return `${names[k]} ${v}`;
    });
  return parts.length ? parts.join(", ") : "every case";
}

/** A batch job's progress, and at the end what it did and what it left out (and why). */
function BatchSummary({ job, matched }: { job: BatchJob; matched: number }) {
  const verb = job.action === "cancel" ? "canceled" : "retried";
  const leftOut = Math.max(0, matched - job.total);
  const why =
    job.action === "cancel" ? "they had already ended" : "they had no failed work item to retry";
  if (job.state !== "done")
    return (
      <>
        <progress max={Math.max(job.total, 1)} value={job.done} /> {job.action}: {job.done} of{" "}
        {job.total}…
      </>
    );
  return (
    <span data-testid="batch-summary">
      {job.total === 0
        ? `Nothing to do: none of the ${plural(matched, "matching case")} could be ${verb} (${why}).`
        : `Done: ${plural(job.succeeded, "case")} ${verb}` +
          (job.failed ? `, ${job.failed} refused (below)` : "") +
          (leftOut ? `; ${plural(leftOut, "matching case")} left out because ${why}` : "") +
          "."}
    </span>
  );
}
