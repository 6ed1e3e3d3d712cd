/** The properties of the selected element (node or flow), or of the net when nothing is selected. */
import { useState } from "react";
import { Link } from "react-router-dom";

import type { Activity, VersionSummary } from "../api";
import type { FlowEdge } from "../../../lib/net/convert";
import {
  type ConditionEl,
  flowElementId,
  jsonText,
  type JsonObject,
  type TaskEl,
  TASK_KINDS,
  taskKind,
} from "../../../lib/net/net";
import { useDesigner } from "../store";
import {
  CheckField,
  MappingField,
  NumberField,
  RoleSelect,
  SelectField,
  TextField,
} from "./fields";
import { CelField } from "./CelField";
import { FormBuilder } from "./FormBuilder";
import { NetPanel } from "./NetPanel";

const GATES = [
  { value: "" as const, label: "default (and)" },
  { value: "and" as const, label: "AND" },
  { value: "xor" as const, label: "XOR" },
  { value: "or" as const, label: "OR" },
];

/** Set (or, for undefined/empty, remove) one key of an object, keeping the key order. */
export function withKey<T extends Record<string, unknown>>(obj: T, key: string, value: unknown): T {
  const out: Record<string, unknown> = { ...obj };
  const empty =
    value === undefined ||
    value === null ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0);
  if (empty) delete out[key];
  else out[key] = value;
  return out as T;
}

/** The messages of `element`'s errors at `part` of a task (`/assign/user`), or inside it. */
function problemsAt(
  errors: Array<{ element: string | null; path: string; message: string }>,
  element: string,
  part: string,
): string[] {
  const at = new RegExp(`^/tasks/\\d+${part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(/|$)`);
  return errors.filter((e) => e.element === element && at.test(e.path)).map((e) => e.message);
}

export function PropertiesPanel({
  activities,
  groups = [],
  versions = [],
  definitionName,
  nameProblem = null,
}: {
  versions?: VersionSummary[];
  activities: Activity[];
  /** The user groups' names: the roles offered for `assign.role` and `start_roles`. */
  groups?: string[];
  definitionName: string;
  /** Why the name cannot be used (taken), checked by the page as it is typed. */
  nameProblem?: string | null;
}) {
  const selectedNode = useDesigner((s) => s.selectedNode);
  const selectedEdge = useDesigner((s) => s.selectedEdge);
  return (
    <aside className="properties" aria-label="Properties" data-testid="properties">
      {selectedNode ? (
        <NodeProperties
          key={selectedNode}
          id={selectedNode}
          activities={activities}
          groups={groups}
        />
      ) : selectedEdge ? (
        <FlowProperties key={selectedEdge} edgeId={selectedEdge} />
      ) : (
        <NetPanel
          definitionName={definitionName}
          nameProblem={nameProblem}
          groups={groups}
          versions={versions}
        />
      )}
    </aside>
  );
}

function IdField({ id, readOnly }: { id: string; readOnly: boolean }) {
  const [text, setText] = useState(id);
  const [error, setError] = useState<string | null>(null);
  const apply = () => {
    const problem = useDesigner.getState().renameNode(id, text.trim());
    setError(problem);
  };
  return (
    <div className="field">
      <label htmlFor="prop-id">id</label>
      <input
        id="prop-id"
        className="mono"
        data-testid="prop-id"
        value={text}
        readOnly={readOnly}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === "Enter" && apply()}
      />
      {error && (
        <small className="field-problem" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

function NodeProperties({
  id,
  activities,
  groups,
}: {
  id: string;
  activities: Activity[];
  groups: string[];
}) {
  // The element's data, not the node: dragging the node (a new position each frame) must not
  // re-render the panel.
  const data = useDesigner((s) => s.nodes.find((n) => n.id === id)?.data);
  const isCondition = useDesigner((s) => s.nodes.find((n) => n.id === id)?.type === "condition");
  const readOnly = useDesigner((s) => s.readOnly);
  const errors = useDesigner((s) => s.errors);
  if (!data) return null;
  const el = data.el as TaskEl & ConditionEl;
  const mine = errors.filter((e) => e.element === id);
  const update = (key: string, value: unknown) =>
    useDesigner.getState().updateNode(id, (cur) => withKey(cur, key, value), `node:${id}:${key}`);
  return (
    <div className="props-body">
      <h3>{isCondition ? "Condition" : `${taskKind(el)} task`}</h3>
      <IdField id={id} readOnly={readOnly} />
      <TextField
        label="label"
        testId="prop-label"
        value={el.label}
        readOnly={readOnly}
        onChange={(v) => update("label", v)}
      />
      {isCondition ? (
        <SelectField
          label="kind"
          testId="prop-condition-kind"
          value={el.kind ?? undefined}
          disabled={readOnly}
          options={[
            { value: "", label: "normal" },
            { value: "start", label: "start" },
            { value: "end", label: "end" },
          ]}
          onChange={(v) => update("kind", v)}
        />
      ) : (
        <TaskProperties
          id={id}
          el={el}
          activities={activities}
          groups={groups}
          readOnly={readOnly}
          update={update}
        />
      )}
      {mine.length > 0 && (
        <ul className="element-problems" data-testid="element-problems">
          {mine.map((p, i) => (
            <li key={i}>
              <span role="alert">{p.message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function TaskProperties({
  id,
  el,
  activities,
  groups,
  readOnly,
  update,
}: {
  id: string;
  el: TaskEl;
  activities: Activity[];
  groups: string[];
  readOnly: boolean;
  update: (key: string, value: unknown) => void;
}) {
  const kind = taskKind(el);
  const errors = useDesigner((s) => s.errors);
  const picking = useDesigner((s) => s.pickingCancelsFor);
  const signals = (useDesigner((s) => s.meta.fields.signals) ?? []) as Array<{ name?: string }>;
  const at = (part: string) => problemsAt(errors, id, part);
  const assign = (el.assign ?? {}) as JsonObject;
  const retry = (el.retry ?? {}) as JsonObject;
  const inst = (el.instances ?? null) as JsonObject | null;
  const activity = activities.find((a) => a.name === el.activity);
  const inputKeys = Object.keys(
    ((activity?.input_schema as JsonObject | undefined)?.properties ?? {}) as JsonObject,
  );
  return (
    <>
      <SelectField
        label="kind"
        testId="prop-kind"
        value={kind}
        disabled={readOnly}
        options={TASK_KINDS.map((k) => ({ value: k, label: k }))}
        onChange={(v) => update("kind", v)}
      />
      <div className="row2">
        <SelectField
          label="join"
          testId="prop-join"
          value={el.join ?? undefined}
          disabled={readOnly}
          options={GATES}
          onChange={(v) => update("join", v)}
        />
        <SelectField
          label="split"
          testId="prop-split"
          value={el.split ?? undefined}
          disabled={readOnly}
          options={GATES}
          onChange={(v) => update("split", v)}
        />
      </div>

      {kind === "manual" && (
        <section>
          <h4>Assignment</h4>
          <RoleSelect
            label="role (offered to this group)"
            testId="prop-assign-role"
            value={assign.role}
            groups={groups}
            empty={assign.user ? "— nobody else —" : "— staff only —"}
            disabled={readOnly}
            onChange={(v) => update("assign", withKey(assign, "role", v))}
            problems={at("/assign/role")}
          />
          <CelField
            label="user (CEL)"
            scope="data"
            testId="prop-assign-user"
            value={assign.user}
            readOnly={readOnly}
            example="data.owner"
            onChange={(v) => update("assign", withKey(assign, "user", v))}
            problems={at("/assign/user")}
          />
          <TextField
            label="not the user who completed task"
            value={assign.not_same_as}
            readOnly={readOnly}
            onChange={(v) => update("assign", withKey(assign, "not_same_as", v))}
            problems={at("/assign/not_same_as")}
          />
          <CelField
            label="priority (number or CEL)"
            scope="data"
            value={el.priority}
            readOnly={readOnly}
            onChange={(v) =>
              update("priority", v !== undefined && /^-?\d+$/.test(v) ? Number(v) : v)
            }
            problems={at("/priority")}
          />
          <CelField
            label="due (CEL duration or timestamp)"
            scope="data"
            value={el.due}
            readOnly={readOnly}
            example="duration('48h')"
            onChange={(v) => update("due", v)}
            problems={at("/due")}
          />
          <FormBuilder
            label="Form (the work item's result)"
            testId="prop-form"
            schema={el.form as JsonObject | undefined}
            readOnly={readOnly}
            onChange={(v) => update("form", v)}
            defaults={{
              value: el.input as JsonObject | undefined,
              onChange: (v) => update("input", v),
            }}
          />
          {at("/form").map((p) => (
            <small key={p} className="field-problem">
              {p}
            </small>
          ))}
        </section>
      )}

      {kind === "automatic" && (
        <section>
          <h4>Activity</h4>
          <SelectField
            label="activity"
            testId="prop-activity"
            value={(el.activity as string | undefined) ?? undefined}
            disabled={readOnly}
            options={[
              { value: "", label: "— pick —" },
              ...activities.map((a) => ({ value: a.name, label: a.name })),
              ...(el.activity && !activity
                ? [
                    {
                      value: jsonText(el.activity),
                      label: `${jsonText(el.activity)} (not registered)`,
                    },
                  ]
                : []),
            ]}
            onChange={(v) => update("activity", v)}
          />
          {at("/activity").map((p) => (
            <small key={p} className="field-problem" role="alert">
              {p}
            </small>
          ))}
          {activity && (
            <details className="activity-info" open>
              <summary>{activity.description || activity.name}</summary>
              {/* focusable: a long schema scrolls, and the keyboard must reach it (axe) */}
              <pre className="mono" tabIndex={0} aria-label={`input schema of ${activity.name}`}>
                {JSON.stringify(activity.input_schema, null, 2)}
              </pre>
            </details>
          )}
          <MappingField
            label="input (activity field = CEL)"
            testId="prop-input"
            scope="input"
            variables={inst && typeof inst.as === "string" ? [inst.as] : undefined}
            value={el.input as JsonObject}
            readOnly={readOnly}
            keyHint={inputKeys}
            onChange={(v) => update("input", v)}
          />
          <MappingField
            label="output (case field = CEL over result)"
            testId="prop-output"
            scope="output"
            value={el.output as JsonObject}
            readOnly={readOnly}
            onChange={(v) => update("output", v)}
          />
          <h4>Retry and timeout</h4>
          <div className="row2">
            <NumberField
              label="max attempts"
              integer
              min={1}
              value={retry.max_attempts}
              readOnly={readOnly}
              onChange={(v) => update("retry", withKey(retry, "max_attempts", v))}
            />
            <NumberField
              label="initial interval (s)"
              value={retry.initial_interval}
              readOnly={readOnly}
              onChange={(v) => update("retry", withKey(retry, "initial_interval", v))}
            />
            <NumberField
              label="backoff"
              value={retry.backoff}
              readOnly={readOnly}
              onChange={(v) => update("retry", withKey(retry, "backoff", v))}
            />
            <NumberField
              label="max interval (s)"
              value={retry.max_interval}
              readOnly={readOnly}
              onChange={(v) => update("retry", withKey(retry, "max_interval", v))}
            />
          </div>
          <TextField
            label="non-retryable errors (comma-separated)"
            value={
              Array.isArray(retry.non_retryable)
                ? (retry.non_retryable as string[]).join(", ")
                : undefined
            }
            readOnly={readOnly}
            onChange={(v) =>
              update(
                "retry",
                withKey(
                  retry,
                  "non_retryable",
                  v
                    ? v
                        .split(",")
                        .map((x) => x.trim())
                        .filter(Boolean)
                    : undefined,
                ),
              )
            }
          />
          <div className="row2">
            <NumberField
              label="timeout (s)"
              value={el.timeout}
              readOnly={readOnly}
              onChange={(v) => update("timeout", v)}
            />
            <NumberField
              label="max iterations"
              integer
              min={1}
              value={el.max_iterations}
              readOnly={readOnly}
              onChange={(v) => update("max_iterations", v)}
            />
          </div>
        </section>
      )}

      {kind === "composite" && (
        <section>
          <h4>Child workflow</h4>
          <CelField
            label="definition name, or CEL giving it"
            scope="workflow"
            testId="prop-workflow"
            value={el.workflow}
            readOnly={readOnly}
            example="document-check or 'process-' + item.type"
            onChange={(v) => update("workflow", v)}
            problems={at("/workflow")}
          />
          {typeof el.workflow === "string" && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(el.workflow) && (
            <Link to={`/designer/${encodeURIComponent(el.workflow)}/`} data-testid="open-child">
              Open {el.workflow}
            </Link>
          )}
          <MappingField
            label="input (child case data = CEL)"
            scope="input"
            variables={inst && typeof inst.as === "string" ? [inst.as] : undefined}
            value={el.input as JsonObject}
            readOnly={readOnly}
            onChange={(v) => update("input", v)}
          />
          <MappingField
            label="output (case field = CEL over result)"
            scope="output"
            value={el.output as JsonObject}
            readOnly={readOnly}
            onChange={(v) => update("output", v)}
          />
        </section>
      )}

      {kind === "timer" && (
        <section>
          <h4>Timer</h4>
          <CelField
            label="duration (CEL)"
            scope="data"
            testId="prop-duration"
            value={el.duration}
            readOnly={readOnly}
            example="duration('1h')"
            onChange={(v) => update("duration", v)}
            problems={at("/duration")}
          />
          <CelField
            label="or at (CEL timestamp)"
            scope="data"
            value={el.at}
            readOnly={readOnly}
            example="timestamp(data.deadline)"
            onChange={(v) => update("at", v)}
            problems={at("/at")}
          />
        </section>
      )}

      {kind === "signal" && (
        <section>
          <h4>Signal</h4>
          <TextField
            label="signal name"
            testId="prop-signal"
            value={el.signal}
            readOnly={readOnly}
            onChange={(v) => update("signal", v)}
            problems={at("/signal")}
            hint={
              signals.length
                ? `declared: ${signals.map((s) => s.name).join(", ")}`
                : "declare signals in the net's properties"
            }
          />
          <MappingField
            label="output (case field = CEL over signal)"
            scope="signal"
            value={el.output as JsonObject}
            readOnly={readOnly}
            onChange={(v) => update("output", v)}
          />
        </section>
      )}

      {kind !== "dummy" && (
        <section>
          <h4>Multiple instances</h4>
          <CheckField
            label="one work item per element of a list"
            testId="prop-mi"
            value={!!inst}
            disabled={readOnly}
            onChange={(on) =>
              update("instances", on ? { for_each: "data.items", as: "item" } : undefined)
            }
          />
          {inst && (
            <>
              <CelField
                label="for each (CEL list)"
                scope="data"
                value={inst.for_each}
                readOnly={readOnly}
                onChange={(v) => update("instances", withKey(inst, "for_each", v))}
                problems={at("/instances/for_each")}
              />
              <TextField
                label="as"
                value={inst.as}
                readOnly={readOnly}
                onChange={(v) => update("instances", withKey(inst, "as", v))}
              />
              <div className="row2">
                <NumberField
                  label="min"
                  integer
                  min={0}
                  value={inst.min}
                  readOnly={readOnly}
                  onChange={(v) => update("instances", withKey(inst, "min", v))}
                />
                <NumberField
                  label="max"
                  integer
                  min={1}
                  value={inst.max}
                  readOnly={readOnly}
                  onChange={(v) => update("instances", withKey(inst, "max", v))}
                />
                <NumberField
                  label="threshold"
                  integer
                  min={1}
                  value={inst.threshold}
                  readOnly={readOnly}
                  onChange={(v) => update("instances", withKey(inst, "threshold", v))}
                />
              </div>
              <div className="row2">
                <SelectField
                  label="creation"
                  value={inst.creation as "static" | "dynamic" | undefined}
                  disabled={readOnly}
                  options={[
                    { value: "", label: "static" },
                    { value: "static", label: "static (explicit)" },
                    { value: "dynamic", label: "dynamic" },
                  ]}
                  onChange={(v) => update("instances", withKey(inst, "creation", v))}
                />
                <SelectField
                  label="after threshold"
                  value={inst.remaining as "cancel" | "continue" | undefined}
                  disabled={readOnly}
                  options={[
                    { value: "", label: "cancel the rest" },
                    { value: "cancel", label: "cancel (explicit)" },
                    { value: "continue", label: "let them finish" },
                  ]}
                  onChange={(v) => update("instances", withKey(inst, "remaining", v))}
                />
              </div>
            </>
          )}
          <SelectField
            label="on failure"
            value={el.on_failure as "fail" | "continue" | "incident" | undefined}
            disabled={readOnly}
            options={[
              { value: "", label: kind === "automatic" ? "default (incident)" : "default" },
              { value: "fail", label: "fail" },
              { value: "continue", label: "continue" },
              { value: "incident", label: "incident" },
            ]}
            onChange={(v) => update("on_failure", v)}
          />
        </section>
      )}

      <section>
        <h4>Cancellation set</h4>
        <p className="hint">
          Emptied or canceled when this task completes (highlighted on the canvas).
        </p>
        <ul className="cancel-list" data-testid="cancel-list">
          {(el.cancels ?? []).map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        {!readOnly && (
          <button
            type="button"
            data-testid="pick-cancels"
            className={picking === id ? "primary" : ""}
            onClick={() => useDesigner.getState().startPickingCancels(picking === id ? null : id)}
          >
            {picking === id ? "Done picking" : "Pick on the canvas"}
          </button>
        )}
        {at("/cancels").map((p) => (
          <small key={p} className="field-problem">
            {p}
          </small>
        ))}
      </section>
    </>
  );
}

function FlowProperties({ edgeId }: { edgeId: string }) {
  const edge = useDesigner((s): FlowEdge | undefined => s.edges.find((e) => e.id === edgeId));
  const edges = useDesigner((s) => s.edges);
  const siblings = edge ? edges.filter((e) => e.source === edge.source) : [];
  const readOnly = useDesigner((s) => s.readOnly);
  const errors = useDesigner((s) => s.errors);
  const source = useDesigner((s) => (edge ? s.nodes.find((n) => n.id === edge.source) : undefined));
  if (!edge) return null;
  const flow = edge.data?.flow ?? { from: edge.source, to: edge.target };
  const element = flowElementId(edge.source, edge.target);
  const mine = errors.filter((e) => e.element === element);
  const update = (key: string, value: unknown) =>
    useDesigner
      .getState()
      .updateFlow(edgeId, (f) => withKey(f, key, value), `edge:${edgeId}:${key}`);
  const split =
    source && source.type !== "condition" ? ((source.data.el as TaskEl).split ?? "and") : null;
  const order = siblings.findIndex((e) => e.id === edgeId);
  return (
    <div className="props-body">
      <h3>Flow</h3>
      <p className="mono">
        {edge.source} → {edge.target}
      </p>
      {split && (
        <p className="hint">
          {split.toUpperCase()} split of {edge.source}
          {split === "and"
            ? ": every flow is taken, predicates are not used"
            : ": tried in order, first true wins" +
              (split === "or" ? " (all true ones for OR)" : "")}
        </p>
      )}
      <CelField
        label="predicate (CEL, `when`)"
        scope="when"
        testId="prop-when"
        value={flow.when}
        readOnly={readOnly}
        example="data.amount > 1000"
        onChange={(v) => update("when", v)}
        problems={mine.filter((p) => p.path.endsWith("/when")).map((p) => p.message)}
      />
      <CheckField
        label="default flow (taken when no predicate holds)"
        testId="prop-default"
        value={!!flow.default}
        disabled={readOnly}
        onChange={(v) => update("default", v || undefined)}
      />
      <TextField
        label="label"
        value={flow.label}
        readOnly={readOnly}
        onChange={(v) => update("label", v)}
      />
      <div className="field">
        <span>
          evaluation order: {order + 1} of {siblings.length}
        </span>
        {!readOnly && (
          <span className="order-buttons">
            <button
              type="button"
              data-testid="flow-up"
              disabled={order <= 0}
              onClick={() => useDesigner.getState().moveFlow(edgeId, -1)}
            >
              ↑ earlier
            </button>
            <button
              type="button"
              data-testid="flow-down"
              disabled={order >= siblings.length - 1}
              onClick={() => useDesigner.getState().moveFlow(edgeId, 1)}
            >
              ↓ later
            </button>
          </span>
        )}
      </div>
      {mine
        .filter((p) => !p.path.endsWith("/when"))
        .map((p, i) => (
          <p key={i} className="field-problem" role="alert">
            {p.message}
          </p>
        ))}
    </div>
  );
}
