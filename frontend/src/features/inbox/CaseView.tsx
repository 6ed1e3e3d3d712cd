import { useEffect, useState } from "react";

import { api, type Schemas, unwrap } from "../../api/client";
import { NetCanvas } from "../../components/net/NetCanvas";
import type { NetOverlay } from "../../components/net/overlay";
import { Time } from "../../components/Time";
import { describeEvent } from "../../lib/events";
import { asNetDoc, type NetDoc } from "../../lib/net/net";

type CaseDoc = Schemas["CaseOutput"];
type HistoryEvent = Schemas["EventOutput"];

/** Where the case stands: tokens and task states on its net. */
export function caseRunOverlay(doc: Pick<CaseDoc, "marking" | "tasks">): NetOverlay {
  const tasks: NonNullable<NetOverlay["tasks"]> = {};
  for (const [id, run] of Object.entries(doc.tasks ?? {})) {
    tasks[id] = {
      state: run.stats.failed > 0 && run.state !== "completed" ? "incident" : run.state,
    };
  }
  const marking: Record<string, number> = {};
  for (const [id, n] of Object.entries(doc.marking ?? {})) if (n > 0) marking[id] = n;
  return { marking, tasks };
}

/** The item's case on its net and its history, opened on demand (it costs two requests). */
export function CaseView({ caseId, caseDoc }: { caseId: number; caseDoc: CaseDoc | null }) {
  const [open, setOpen] = useState(false);
  const [net, setNet] = useState<{ caseId: number; net: NetDoc } | null>(null);
  const [events, setEvents] = useState<{ caseId: number; list: HistoryEvent[] } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let live = true;
    const path = { params: { path: { case_id: caseId } } };
    unwrap(api.GET("/api/cases/{case_id}/net/", path)).then(
      (r) => live && setNet({ caseId, net: asNetDoc(r.net) }),
      () => live && setFailed("The diagram could not be loaded."),
    );
    unwrap(
      api.GET("/api/cases/{case_id}/events/", {
        params: { path: { case_id: caseId }, query: { page_size: 200 } },
      }),
    ).then(
      (r) => live && setEvents({ caseId, list: r.results }),
      () => live && setFailed("The history could not be loaded."),
    );
    return () => {
      live = false;
    };
  }, [open, caseId, caseDoc?.marking]);

  const shownNet = net?.caseId === caseId ? net.net : null;
  const history = events?.caseId === caseId ? events.list : null;
  const manual = new Set(
    (shownNet?.tasks ?? []).filter((t) => (t.kind ?? "manual") === "manual").map((t) => t.id),
  );

  return (
    <details
      className="case-view"
      data-testid="case-view"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Case diagram and history</summary>
      {failed && <p role="alert">{failed}</p>}
      {open && shownNet && caseDoc ? (
        <NetCanvas net={shownNet} overlay={caseRunOverlay(caseDoc)} height={300} />
      ) : (
        open && <p className="loading">Loading…</p>
      )}
      {open && history && (
        <ol className="case-history" data-testid="case-history">
          {[...history].reverse().map((e) => (
            <li key={e.id}>
              <Time iso={e.created_at} relative /> {describeEvent(e, (t) => manual.has(t))}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
