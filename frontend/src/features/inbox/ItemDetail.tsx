import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import { withFieldTitles } from "../../lib/forms/ui";
import validator from "../../lib/forms/validator";
import { useEffect, useState } from "react";

import {
  api,
  ApiRequestError,
  errorMessage,
  type Schemas,
  unwrap,
  type WorkItem,
} from "../../api/client";
import { Time } from "../../components/Time";
import { useAuth } from "../../shell/auth";
import { CaseView } from "./CaseView";
import { FollowUp } from "./FollowUp";
import { formValidation } from "./formRules";
import {
  asObject,
  clearDraft,
  loadDraft,
  onHold,
  prefill,
  saveDraft,
  toErrorTree,
  type ErrorTree,
} from "./model";

interface Props {
  item: WorkItem;
  username: string;
  onDone: (message: string) => void;
  /** an action got no answer, or the server failed: whether it took effect is unknown, so the
   * page asks the socket for a fresh snapshot (a change whose push was lost then shows) */
  onUnsure?: () => void;
  /** the page's clock */
  now: number;
}

type CaseDoc = Schemas["CaseOutput"];

const store = () => window.localStorage;

/** The selected item: what it asks, its case (data, diagram, history), its form, and what the
 * user can do with it. */
export function ItemDetail({ item, username, onDone, onUnsure, now }: Props) {
  const { me } = useAuth();
  const [caseDoc, setCaseDoc] = useState<CaseDoc | null>(null);
  const draft = () => loadDraft(store(), username, item.id);
  const [formData, setFormData] = useState<unknown>(() => draft() ?? item.output ?? undefined);
  // the user typed (or a draft was kept): case data no longer pre-fills the form
  const [touched, setTouched] = useState(() => draft() !== undefined);
  const [errors, setErrors] = useState<ErrorTree | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // another item: its draft or output in the form, no errors (not on each update of the same
  // item) (adjusted while rendering)
  const [formFor, setFormFor] = useState(item.id);
  if (formFor !== item.id) {
    const kept = draft();
    setFormFor(item.id);
    setFormData(kept ?? item.output ?? undefined);
    setTouched(kept !== undefined);
    setErrors(undefined);
    setMessage(null);
  }
  // the case data is in and nobody typed yet: fields named like case data start with it
  // (adjusted while rendering, once per item)
  const [prefilledFor, setPrefilledFor] = useState<string | null>(null);
  if (caseDoc && caseDoc.id === item.case && prefilledFor !== item.id) {
    setPrefilledFor(item.id);
    if (!touched) setFormData({ ...prefill(item.form, caseDoc.data), ...asObject(formData) });
  }

  useEffect(() => {
    let live = true;
    unwrap(api.GET("/api/cases/{case_id}/", { params: { path: { case_id: item.case } } })).then(
      (data) => live && setCaseDoc(data),
      () => live && setCaseDoc(null),
    );
    return () => {
      live = false;
    };
  }, [item.case, item.updated_at]);

  const path = { params: { path: { item_id: item.id } } };
  const mine = item.assignee === username;
  const claimedByOther = !!item.assignee && !mine;
  const held = onHold(item);

  async function act(name: string, call: () => Promise<unknown>, doneText?: string) {
    setBusy(true);
    setMessage(null);
    try {
      await call();
    } catch (err) {
      const fields = err instanceof ApiRequestError ? (err.body?.errors ?? []) : [];
      setErrors(fields.length ? toErrorTree(fields) : undefined);
      setMessage(errorMessage(err));
      if (!(err instanceof ApiRequestError) || err.status === 0 || err.status >= 500) onUnsure?.();
      return false;
    } finally {
      setBusy(false);
    }
    setErrors(undefined);
    if (name === "complete") clearDraft(store(), username, item.id);
    if (doneText) onDone(doneText);
    return name;
  }

  const schema = withFieldTitles((item.form ?? { type: "object", properties: {} }) as RJSFSchema);
  const rules = formValidation(schema);

  return (
    <article className="detail" data-testid="item-detail" aria-labelledby="item-title">
      <header>
        <h2 id="item-title">{item.task_label}</h2>
        <p className="muted">
          {item.definition} · case #{item.case} · priority {item.priority} · created{" "}
          <Time iso={item.created_at} relative />
          {item.due_at && (
            <>
              {" "}
              · due <Time iso={item.due_at} relative />
            </>
          )}
          {item.assignee ? (
            <> · claimed by {item.assignee}</>
          ) : (
            <> · offered to {item.offered_user ?? item.role}</>
          )}
        </p>
        {item.task_description && (
          <p className="task-description" data-testid="task-description">
            {item.task_description}
          </p>
        )}
      </header>

      {held && (
        <p className="on-hold" role="status" data-testid="on-hold">
          On hold: this case is suspended by an operator. Its work cannot be claimed or completed
          until it is resumed.
        </p>
      )}

      <section>
        <h3>Case data</h3>
        <CaseData data={caseDoc?.data ?? item.input} />
      </section>

      <CaseView caseId={item.case} caseDoc={caseDoc} />

      <div className="actions">
        {!item.assignee && (
          <button
            type="button"
            className="primary"
            disabled={busy || held}
            title={held ? "The case is suspended" : undefined}
            onClick={() =>
              act("claim", () => unwrap(api.POST("/api/work-items/{item_id}/claim/", path)))
            }
          >
            Claim
          </button>
        )}
        {mine && item.state === "initialized" && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act("release", () => unwrap(api.POST("/api/work-items/{item_id}/release/", path)))
            }
          >
            Release
          </button>
        )}
        {mine && (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              const to = window.prompt("Hand this work item to (username):");
              if (to) {
                void act(
                  "delegate",
                  () =>
                    unwrap(
                      api.POST("/api/work-items/{item_id}/delegate/", {
                        ...path,
                        body: { user: to },
                      }),
                    ),
                  `${item.task_label} handed to ${to}`,
                );
              }
            }}
          >
            Delegate…
          </button>
        )}
        {!claimedByOther && (
          <button
            type="button"
            disabled={busy || held}
            onClick={() => {
              const reason = window.prompt("Why can this not be done?");
              if (reason !== null) {
                void act(
                  "fail",
                  () =>
                    unwrap(
                      api.POST("/api/work-items/{item_id}/fail/", { ...path, body: { reason } }),
                    ),
                  `${item.task_label} reported as failed`,
                );
              }
            }}
          >
            Fail
          </button>
        )}
      </div>

      <FollowUp
        item={item}
        editable={item.kind === "manual" && (mine || (me?.is_staff ?? false))}
        now={now}
      />

      {message && (
        <p role="alert" data-testid="action-error">
          {message}
        </p>
      )}

      {!claimedByOther && (
        <section>
          <h3>Form</h3>
          {touched && !held && (
            <p className="muted draft-note" data-testid="draft-note">
              Your unfinished answers are kept in this browser until you complete the item.
            </p>
          )}
          <Form
            schema={schema}
            uiSchema={rules.uiSchema}
            formData={formData}
            validator={validator}
            customValidate={rules.customValidate}
            transformErrors={rules.transformErrors}
            noHtml5Validate
            showErrorList={false}
            extraErrors={errors}
            disabled={busy || held}
            onChange={(e, fieldId) => {
              setFormData(e.formData);
              // a field the user changed (not the form filling in its defaults): keep a draft
              if (fieldId) {
                setTouched(true);
                saveDraft(store(), username, item.id, e.formData);
              }
            }}
            onSubmit={(e) =>
              void act(
                "complete",
                () =>
                  unwrap(
                    api.POST("/api/work-items/{item_id}/complete/", {
                      ...path,
                      body: { output: asObject(e.formData) },
                    }),
                  ),
                `${item.task_label} completed`,
              )
            }
          >
            <button type="submit" className="primary" disabled={busy || held}>
              Complete
            </button>
          </Form>
        </section>
      )}
    </article>
  );
}

function CaseData({ data }: { data: unknown }) {
  if (!data || typeof data !== "object" || Array.isArray(data))
    return <pre>{JSON.stringify(data, null, 2)}</pre>;
  const entries = Object.entries(data as Record<string, unknown>);
  if (!entries.length) return <p className="muted">No data.</p>;
  return (
    <dl className="case-data">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
