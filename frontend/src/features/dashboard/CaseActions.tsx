/** The operator's actions on a case and on a work item. Each opens a form that says what will
 * happen and runs only on "Confirm"; the server's answer (or its error) is shown under it. */
import { type ReactNode, useState } from "react";

import { type Result, dashboardApi } from "./api";
import { ErrorBox } from "../../components/ErrorBox";
import { parseJsonObject, prettyJson } from "./format";
import type { AllowedActions, CasePage, CaseWorkItem } from "./types";

/** Nothing allowed (while the page waits for the server's answer on a newer state). */
export const NO_ACTIONS: AllowedActions = {
  cancel: false,
  suspend: false,
  resume: false,
  edit_data: false,
  signals: [],
  retry: [],
  skip: [],
  add_work_item: [],
  complete_task: [],
};

interface ActionSpec {
  key: string;
  label: string;
  /** the question of the confirmation */
  question: string;
  /** the fields, for actions that take any */
  fields?: (values: Record<string, string>, set: (k: string, v: string) => void) => ReactNode;
  initial?: Record<string, string>;
  run: (values: Record<string, string>) => Promise<Result<unknown>> | { error: string };
  danger?: boolean;
}

function JsonField({
  label,
  name,
  values,
  set,
  rows = 6,
}: {
  label: string;
  name: string;
  values: Record<string, string>;
  set: (k: string, v: string) => void;
  rows?: number;
}) {
  return (
    <label className="json-field">
      {label}
      <textarea
        name={name}
        rows={rows}
        value={values[name] ?? ""}
        onChange={(e) => set(name, e.target.value)}
        spellCheck={false}
      />
    </label>
  );
}

/** JSON text → object, or the form's error. */
function withJson(
  text: string,
  what: string,
  go: (v: Record<string, unknown>) => Promise<Result<unknown>>,
): Promise<Result<unknown>> | { error: string } {
  const parsed = parseJsonObject(text);
  if ("error" in parsed) return { error: `${what}: ${parsed.error}` };
  return go(parsed.value);
}

/** A row of buttons; one open form with a confirmation at a time. */
function ActionBar({
  actions,
  onDone,
  testId,
}: {
  actions: ActionSpec[];
  onDone: () => void | Promise<void>;
  testId: string;
}) {
  const [open, setOpen] = useState<ActionSpec | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; fields: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (k: string, v: string) => setValues((cur) => ({ ...cur, [k]: v }));

  async function confirm() {
    if (!open) return;
    setBusy(true);
    setError(null);
    const pending = open.run(values);
    if ("error" in pending) {
      setBusy(false);
      setError({ message: pending.error, fields: [] });
      return;
    }
    const r = await pending;
    setBusy(false);
    if (!r.ok) {
      setError({ message: r.message, fields: r.fields });
      return;
    }
    setNotice(`${open.label}: done`);
    setOpen(null);
    await onDone();
  }

  return (
    <div className="actions" data-testid={testId}>
      {actions.map((a) => (
        <button
          key={a.key}
          type="button"
          className={a.danger ? "danger" : undefined}
          onClick={() => {
            setOpen(a);
            setValues(a.initial ?? {});
            setError(null);
            setNotice(null);
          }}
        >
          {a.label}
        </button>
      ))}
      {notice && (
        <span className="notice" data-testid="action-notice">
          {notice}
        </span>
      )}
      {open && (
        <div className="confirm" role="dialog" aria-label={open.label} data-testid="confirm">
          <p>{open.question}</p>
          {open.fields?.(values, set)}
          <button
            type="button"
            className={open.danger ? "danger" : "primary"}
            disabled={busy}
            onClick={() => void confirm()}
          >
            Confirm {open.label.toLowerCase()}
          </button>
          <button type="button" onClick={() => setOpen(null)}>
            Back
          </button>
          <ErrorBox message={error?.message ?? null} fields={error?.fields} testId="action-error" />
        </div>
      )}
    </div>
  );
}

export function CaseActions({
  page,
  onDone,
}: {
  page: CasePage;
  onDone: () => void | Promise<void>;
}) {
  const id = page.id;
  const allowed = page.actions; // the engine's rules, as the server read them (engine/core/rules.py)
  const actions: ActionSpec[] = [];
  if (allowed.cancel) {
    actions.push({
      key: "cancel",
      label: "Cancel",
      danger: true,
      question: `Cancel case #${id}? Its open work items are withdrawn; this cannot be undone.`,
      fields: (v, set) => (
        <label>
          Reason{" "}
          <input
            name="reason"
            value={v.reason ?? ""}
            onChange={(e) => set("reason", e.target.value)}
          />
        </label>
      ),
      run: (v) => dashboardApi.cancel(id, v.reason ?? ""),
    });
  }
  if (allowed.suspend)
    actions.push({
      key: "suspend",
      label: "Suspend",
      question: `Suspend case #${id}? Nothing moves until it is resumed.`,
      run: () => dashboardApi.suspend(id),
    });
  if (allowed.resume)
    actions.push({
      key: "resume",
      label: "Resume",
      question: `Resume case #${id}?`,
      run: () => dashboardApi.resume(id),
    });
  if (allowed.edit_data) {
    actions.push({
      key: "data",
      label: "Edit data",
      question:
        "Replace the given keys of the case data (validated against the definition's data schema):",
      initial: { data: prettyJson(page.data) },
      fields: (v, set) => (
        <JsonField label="Data (JSON)" name="data" values={v} set={set} rows={10} />
      ),
      run: (v) => withJson(v.data ?? "", "Data", (data) => dashboardApi.editData(id, data)),
    });
  }
  const signals = allowed.signals;
  if (signals.length) {
    actions.push({
      key: "signal",
      label: "Send signal",
      question: `Send a signal to case #${id}:`,
      initial: { name: signals[0] ?? "", payload: "{}" },
      fields: (v, set) => (
        <>
          <label>
            Signal{" "}
            <input
              name="signal"
              list="signal-names"
              value={v.name ?? ""}
              onChange={(e) => set("name", e.target.value)}
            />
            <datalist id="signal-names">
              {signals.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          </label>
          <JsonField label="Payload (JSON)" name="payload" values={v} set={set} />
        </>
      ),
      run: (v) =>
        v.name?.trim()
          ? withJson(v.payload ?? "", "Payload", (p) => dashboardApi.signal(id, v.name.trim(), p))
          : { error: "Name the signal." },
    });
  }
  const dynamic = allowed.add_work_item;
  if (dynamic.length) {
    actions.push({
      key: "add",
      label: "Add work item",
      question: "Add a work item to a dynamic multi-instance task:",
      initial: { task: dynamic[0], input: "{}" },
      fields: (v, set) => (
        <>
          <label>
            Task{" "}
            <select value={v.task} onChange={(e) => set("task", e.target.value)}>
              {dynamic.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <JsonField label="Input (JSON)" name="input" values={v} set={set} />
        </>
      ),
      run: (v) =>
        withJson(v.input ?? "", "Input", (input) => dashboardApi.addWorkItem(id, v.task, input)),
    });
  }
  const completable = allowed.complete_task;
  if (completable.length) {
    const first = completable[0];
    actions.push({
      key: "complete-task",
      label: "Complete task",
      question:
        "Complete a running multi-instance task now, without waiting for its other instances:",
      initial: { task: first.task },
      fields: (v, set) => {
        const chosen = completable.find((t) => t.task === v.task) ?? first;
        return (
          <>
            <label>
              Task{" "}
              <select value={chosen.task} onChange={(e) => set("task", e.target.value)}>
                {completable.map((t) => (
                  <option key={t.task}>{t.task}</option>
                ))}
              </select>
            </label>
            <p data-testid="complete-task-effect">{completionEffect(chosen)}</p>
          </>
        );
      },
      danger: true,
      run: (v) => dashboardApi.completeTask(id, v.task ?? first.task),
    });
  }
  if (!actions.length) return <p className="muted">No actions: the case is {page.state}.</p>;
  return <ActionBar actions={actions} onDone={onDone} testId="case-actions" />;
}

/** What completing a multi-instance task does, in words: how many instances are withdrawn and
 * how many completed ones its output mapping sees. */
export function completionEffect(t: AllowedActions["complete_task"][number]): string {
  const withdrawn =
    t.withdraw === 0
      ? "No instance is still open, so none is withdrawn"
      : `${t.withdraw} open instance${t.withdraw === 1 ? " is" : "s are"} withdrawn`;
  const done = `${t.completed} completed instance${t.completed === 1 ? "" : "s"}`;
  return `${withdrawn}; ${t.task} ends completed, its output taken from the ${done}, and the case moves on.`;
}

export function ItemActions({
  item,
  allowed,
  onDone,
}: {
  item: CaseWorkItem;
  /** the items the server says may be retried or skipped now (the case page's `actions`) */
  allowed: Pick<AllowedActions, "retry" | "skip">;
  onDone: () => void | Promise<void>;
}) {
  const actions: ActionSpec[] = [];
  if (allowed.retry.includes(item.id)) {
    actions.push({
      key: "retry",
      label: "Retry",
      question: `Retry ${item.task} (attempt ${item.attempt + 1})? Edit its input if it was wrong; unchanged input is sent as is.`,
      initial: { input: prettyJson(item.input ?? {}) },
      fields: (v, set) => (
        <JsonField label="Input (JSON)" name="input" values={v} set={set} rows={8} />
      ),
      run: (v) => {
        const unchanged = (v.input ?? "").trim() === prettyJson(item.input ?? {}).trim();
        return unchanged
          ? dashboardApi.retry(item.id)
          : withJson(v.input ?? "", "Input", (input) => dashboardApi.retry(item.id, input));
      },
    });
  }
  if (allowed.skip.includes(item.id)) {
    actions.push({
      key: "skip",
      label: "Skip",
      question: `Skip ${item.task} and complete it with this output?`,
      initial: { output: "{}" },
      fields: (v, set) => <JsonField label="Output (JSON)" name="output" values={v} set={set} />,
      run: (v) =>
        withJson(v.output ?? "", "Output", (output) => dashboardApi.skip(item.id, output)),
    });
  }
  if (!actions.length) return null;
  return <ActionBar actions={actions} onDone={onDone} testId="item-actions" />;
}
