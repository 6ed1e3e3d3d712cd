/** One case: its net with the live marking, a scrubber over its history, its data, work items,
 * links and the operator's actions. */
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";

import { ErrorBox } from "../../components/ErrorBox";
import { Time } from "../../components/Time";
import { NetCanvas } from "../../components/net/NetCanvas";
import { asNetDoc, type NetDoc } from "../../lib/net/net";
import { dashboardApi } from "./api";
import { CaseActions, ItemActions, NO_ACTIONS } from "./CaseActions";
import { StateBadge } from "./badges";
import { formatTime, prettyJson } from "./format";
import { describeEvent, isTrouble, scrubber, timeline } from "./history";
import { caseOverlay, incidentsOf } from "./overlay";
import { itemError } from "./read";
import type { AllowedActions, CaseWorkItem, PastState } from "./types";
import { useCaseLive } from "./useCaseLive";

export function CasePageView() {
  const id = Number(useParams().caseId);
  const { page, pushed, status, error, reload } = useCaseLive(id);
  const [position, setPosition] = useState<number | null>(null); // null: now
  const [past, setPast] = useState<PastState | null>(null);
  const [pastError, setPastError] = useState<string | null>(null);

  // the net of a case never changes: keep one object across refetches, so the canvas keeps
  // its layout and viewport instead of laying out and measuring again after every push
  const netKey = page ? `${page.definition}/${page.version}` : "";
  const [kept, setKept] = useState<{ key: string; net: NetDoc } | null>(null);
  if (page && kept?.key !== netKey) setKept({ key: netKey, net: asNetDoc(page.net) });
  const net = kept?.key === netKey ? kept.net : undefined;
  const scrub = useMemo(() => scrubber(page?.history ?? []), [page?.history]);
  const history = page?.history ?? [];
  const eventId = position == null ? null : scrub.eventAt(position);

  // back to now: no past state (adjusted while rendering)
  if (eventId == null && past) setPast(null);

  useEffect(() => {
    if (eventId == null) return;
    let live = true;
    void dashboardApi.caseStateAt(id, eventId).then((r) => {
      if (!live) return;
      if (r.ok) {
        setPast(r.data);
        setPastError(null);
      } else setPastError(r.message);
    });
    return () => {
      live = false;
    };
  }, [id, eventId]);

  if (!page) return error ? <ErrorBox message={error} /> : <p className="loading">Loading…</p>;

  // the newest of the page and the last push (a push arrives before the page is fetched again)
  const now =
    pushed && pushed.id === page.id
      ? {
          ...page,
          state: pushed.state,
          marking: pushed.marking,
          tasks: pushed.tasks,
          data: pushed.data,
        }
      : page;
  // the actions the server allowed for the page's state; a push that moved the case on hides
  // them until the page is fetched again (the server checks every action anyway)
  const actions = now.state === page.state ? page.actions : NO_ACTIONS;
  const overlay = past ? caseOverlay(past) : caseOverlay(now, incidentsOf(page.work_items));
  const shownNet = net ?? asNetDoc(page.net);
  const manual = new Set(
    (shownNet.tasks ?? []).filter((t) => (t.kind ?? "manual") === "manual").map((t) => t.id),
  );
  const isManual = (task: string) => manual.has(task);
  const shownPosition = position ?? scrub.max;
  const pastEvent = past ? history.find((e) => e.id === past.event) : undefined;

  return (
    <div className="case-page" data-testid="case-page">
      <header className="page-head">
        <h1>
          Case #{page.id}
          {page.business_key && (
            <span className="business-key" data-testid="business-key" title="business key">
              {" "}
              {page.business_key}
            </span>
          )}{" "}
          <StateBadge state={now.state} />
          {page.incident && <span className="incident-flag">incident</span>}
        </h1>
        <span className="muted">
          <Link
            to={`/dashboard/definitions/${encodeURIComponent(page.definition)}/?version=${page.version}`}
          >
            {page.definition} v{page.version}
          </Link>{" "}
          · started {formatTime(page.created_at)}
          {page.started_by ? ` by ${page.started_by}` : ""}
          {page.ended_at ? ` · ended ${formatTime(page.ended_at)}` : ""}
        </span>
        <span className={`socket socket-${status}`} data-testid="case-socket">
          {status === "live" ? "● live" : status}
        </span>
      </header>
      {page.reason && <p className="reason">Reason: {page.reason}</p>}
      <ErrorBox message={error} />

      <CaseActions page={{ ...page, state: now.state, data: now.data, actions }} onDone={reload} />

      <div className="net-panel">
        <div className={past ? "past-banner" : "now-banner"} data-testid="scrub-label">
          {past
            ? `As it was after event ${past.events} of ${history.length}: ${pastEvent ? describeEvent(pastEvent, isManual) : `event #${past.event}`} at ${formatTime(past.time)} (state ${past.state ?? "–"})`
            : `Now${history.length ? ` (after event ${history.length})` : ""}`}
          {past && (
            <button type="button" onClick={() => setPosition(null)}>
              Back to now
            </button>
          )}
        </div>
        <NetCanvas net={shownNet} overlay={overlay} height={420} />
        <div className="scrubber">
          <label htmlFor="scrubber">History</label>
          <input
            id="scrubber"
            data-testid="scrubber"
            type="range"
            min={0}
            max={scrub.max}
            step={1}
            value={shownPosition}
            disabled={history.length < 2}
            onChange={(e) => {
              const v = Number(e.target.value);
              setPosition(v >= scrub.max ? null : v);
            }}
          />
          <span className="muted">
            {shownPosition + 1}/{history.length}
          </span>
        </div>
        <ErrorBox message={pastError} testId="past-error" />
        {page.history_truncated && (
          <p className="muted">
            The history shows the latest 5,000 events; the scrubber covers those.
          </p>
        )}
      </div>

      <div className="two-col">
        <div>
          <h2>Data</h2>
          <pre className="json" data-testid="case-data">
            {prettyJson(past ? past.data : now.data)}
          </pre>
          <h2>Related cases</h2>
          <ul data-testid="links">
            {page.parent && (
              <li>
                Parent: <Link to={`/dashboard/cases/${page.parent.id}/`}>#{page.parent.id}</Link> (
                {page.parent.definition}, task {page.parent.task}){" "}
                <StateBadge state={page.parent.state} />
              </li>
            )}
            {page.children.map((c) => (
              <li key={c.id}>
                Child: <Link to={`/dashboard/cases/${c.id}/`}>#{c.id}</Link> ({c.definition}, from
                task {c.task}) <StateBadge state={c.state} />
              </li>
            ))}
            {!page.parent && !page.children.length && <li className="muted">none</li>}
          </ul>
        </div>
        <div>
          <h2>History</h2>
          <ol className="timeline compact" data-testid="history">
            {timeline(history).map((e, i) => {
              const hasPayload = e.payload && Object.keys(e.payload).length > 0;
              return (
                <li
                  key={e.id}
                  data-testid="history-event"
                  className={[isTrouble(e) && "trouble", eventId === e.id && "current"]
                    .filter(Boolean)
                    .join(" ")}
                >
                  <span className="muted seq">{history.length - i}.</span>{" "}
                  <button
                    type="button"
                    className="linklike"
                    title="Show the net as it was after this event"
                    onClick={() =>
                      setPosition(
                        history.length - 1 - i >= scrub.max ? null : history.length - 1 - i,
                      )
                    }
                  >
                    <Time iso={e.created_at} seconds />
                  </button>{" "}
                  {hasPayload ? (
                    <details className="event-payload">
                      <summary>{describeEvent(e, isManual)}</summary>
                      <pre className="json">{prettyJson(e.payload)}</pre>
                    </details>
                  ) : (
                    <span>{describeEvent(e, isManual)}</span>
                  )}
                </li>
              );
            })}
          </ol>
        </div>
      </div>

      <h2>Work items</h2>
      <WorkItems items={page.work_items} allowed={actions} onDone={reload} />
    </div>
  );
}

function WorkItems({
  items,
  allowed,
  onDone,
}: {
  items: CaseWorkItem[];
  allowed: AllowedActions;
  onDone: () => Promise<void>;
}) {
  return (
    <table className="grid work-items" data-testid="work-items">
      <thead>
        <tr>
          <th>Task</th>
          <th>State</th>
          <th>Assignee</th>
          <th>Attempt</th>
          <th>Input / output / error</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {items.map((w) => {
          const error = itemError(w.error);
          return (
            <tr key={w.id} data-testid="work-item-row" data-task={w.task} data-state={w.state}>
              <td>
                {w.task}
                <div className="muted">
                  {w.kind} · gen {w.generation} · {formatTime(w.created_at)}
                </div>
              </td>
              <td>
                <StateBadge state={w.state} />
              </td>
              <td>{w.assignee ?? w.completed_by ?? (w.role ? `role ${w.role}` : "–")}</td>
              <td>{w.attempt}</td>
              <td className="item-io">
                <details>
                  <summary>input</summary>
                  <pre className="json">{prettyJson(w.input)}</pre>
                </details>
                {w.output != null && (
                  <details>
                    <summary>output</summary>
                    <pre className="json">{prettyJson(w.output)}</pre>
                  </details>
                )}
                {error && (
                  <div className="item-error" data-testid="item-error">
                    <strong>
                      {error.type}: {error.message}
                    </strong>
                    {error.traceback && (
                      <details open={w.state === "failed"}>
                        <summary>traceback</summary>
                        <pre className="traceback" data-testid="traceback">
                          {error.traceback}
                        </pre>
                      </details>
                    )}
                  </div>
                )}
              </td>
              <td>
                <ItemActions item={w} allowed={allowed} onDone={onDone} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
