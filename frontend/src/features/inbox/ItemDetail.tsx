import Form from "@rjsf/core";
import type { RJSFSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useEffect, useState } from "react";

import {
  api,
  ApiRequestError,
  errorMessage,
  type Schemas,
  unwrap,
  type WorkItem,
} from "../../api/client";
import { asObject, toErrorTree, type ErrorTree } from "./model";

interface Props {
  item: WorkItem;
  username: string;
  onDone: (message: string) => void;
}

type CaseDoc = Schemas["CaseOutput"];

/** The selected item: its case data, its form, and what the user can do with it. */
export function ItemDetail({ item, username, onDone }: Props) {
  const [caseDoc, setCaseDoc] = useState<CaseDoc | null>(null);
  const [formData, setFormData] = useState<unknown>(item.output ?? {});
  const [errors, setErrors] = useState<ErrorTree | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // another item: its own output in the form, no errors (not on each update of the same item)
  // (adjusted while rendering)
  const [formFor, setFormFor] = useState(item.id);
  if (formFor !== item.id) {
    setFormFor(item.id);
    setFormData(item.output ?? {});
    setErrors(undefined);
    setMessage(null);
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

  async function act(name: string, call: () => Promise<unknown>, doneText?: string) {
    setBusy(true);
    setMessage(null);
    try {
      await call();
    } catch (err) {
      const fields = err instanceof ApiRequestError ? (err.body?.errors ?? []) : [];
      setErrors(fields.length ? toErrorTree(fields) : undefined);
      setMessage(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
    setErrors(undefined);
    if (doneText) onDone(doneText);
    return name;
  }

  const schema = (item.form ?? { type: "object", properties: {} }) as RJSFSchema;

  return (
    <article className="detail" data-testid="item-detail">
      <header>
        <h2>{item.task_label}</h2>
        <p className="muted">
          {item.definition} · case #{item.case} · priority {item.priority}
          {item.due_at && <> · due {new Date(item.due_at).toLocaleString()}</>}
          {item.assignee ? (
            <> · claimed by {item.assignee}</>
          ) : (
            <> · offered to {item.offered_user ?? item.role}</>
          )}
        </p>
      </header>

      <section>
        <h3>Case data</h3>
        <CaseData data={caseDoc?.data ?? item.input} />
      </section>

      <div className="actions">
        {!item.assignee && (
          <button
            type="button"
            className="primary"
            disabled={busy}
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
            disabled={busy}
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

      {message && (
        <p role="alert" data-testid="action-error">
          {message}
        </p>
      )}

      {!claimedByOther && (
        <section>
          <h3>Form</h3>
          <Form
            schema={schema}
            formData={formData}
            validator={validator}
            noValidate /* the server checks the form: its errors are shown in place */
            noHtml5Validate
            showErrorList={false}
            extraErrors={errors}
            disabled={busy}
            onChange={(e) => setFormData(e.formData)}
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
            <button type="submit" className="primary" disabled={busy}>
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
