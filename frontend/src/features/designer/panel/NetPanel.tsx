/** Properties of the net itself: name, title, description, case data schema, signals, queries. */
import type { JsonObject } from "../../../lib/net/net";
import { useDesigner } from "../store";
import type { VersionSummary } from "../api";
import { VersionsPanel } from "./VersionsPanel";
import { CheckField, JsonField, MappingField, RoleChecks, TextField } from "./fields";
import { CelField } from "./CelField";
import { FormBuilder } from "./FormBuilder";
import { withKey } from "./PropertiesPanel";

type Signal = { name?: string; schema?: JsonObject | null; output?: JsonObject | null };
type Query = { name?: string; expr?: string };

export function NetPanel({
  definitionName,
  nameProblem = null,
  groups = [],
  versions = [],
}: {
  definitionName: string;
  nameProblem?: string | null;
  groups?: string[];
  versions?: VersionSummary[];
}) {
  const fields = useDesigner((s) => s.meta.fields);
  const readOnly = useDesigner((s) => s.readOnly);
  const errors = useDesigner((s) => s.errors);
  const set = (key: string, value: unknown) => useDesigner.getState().setMeta(key, value);
  const signals = (fields.signals ?? []) as Signal[];
  const queries = (fields.queries ?? []) as Query[];
  const netProblems = errors.filter((e) => e.element === null);
  const at = (prefix: string) =>
    netProblems.filter((e) => e.path.startsWith(prefix)).map((e) => e.message);
  return (
    <div className="props-body">
      <h3>Workflow</h3>
      <TextField
        label="name (the definition's key)"
        testId="net-name"
        mono
        value={fields.name}
        readOnly={readOnly || !!definitionName}
        onChange={(v) => set("name", v)}
        example={definitionName ? undefined : "expense-claim"}
        problems={nameProblem ? [nameProblem, ...at("/name")] : at("/name")}
        hint={definitionName ? "fixed once saved" : "letters, digits, - and _"}
      />
      <TextField
        label="title"
        testId="net-title"
        value={fields.title}
        readOnly={readOnly}
        onChange={(v) => set("title", v)}
      />
      <div className="field">
        <label htmlFor="net-description">description</label>
        <textarea
          id="net-description"
          rows={2}
          value={(fields.description as string | undefined) ?? ""}
          readOnly={readOnly}
          onChange={(e) => set("description", e.target.value || undefined)}
        />
      </div>
      {definitionName && <VersionsPanel name={definitionName} versions={versions} />}
      <fieldset className="starting" data-testid="net-starting">
        <legend>Starting a case</legend>
        <CheckField
          label="Offered under “Start a case” in the inbox"
          testId="net-startable"
          value={fields.startable !== false}
          disabled={readOnly}
          onChange={(on) => set("startable", on ? undefined : false)}
        />
        {fields.startable === false && (
          <p className="hint" data-testid="child-only-hint">
            Child-only: started only by a composite task of another workflow.
          </p>
        )}
        <RoleChecks
          legend="who may start it (besides staff)"
          testId="net-start-roles"
          value={fields.start_roles}
          groups={groups}
          disabled={readOnly}
          hint={
            Array.isArray(fields.start_roles) && fields.start_roles.length
              ? undefined
              : "none ticked: every signed-in user may start it"
          }
          onChange={(v) => set("start_roles", v)}
        />
      </fieldset>
      <FormBuilder
        label="Case data (data_schema)"
        testId="net-data-schema"
        schema={fields.data_schema as JsonObject | undefined}
        readOnly={readOnly}
        onChange={(v) => set("data_schema", v)}
      />
      {at("/data_schema").map((p) => (
        <small key={p} className="field-problem" role="alert">
          {p}
        </small>
      ))}

      <fieldset>
        <legend>Signals</legend>
        {signals.map((sig, i) => {
          const write = (next: Signal) =>
            set(
              "signals",
              signals.map((x, j) => (j === i ? next : x)),
            );
          return (
            <div className="list-item" key={i}>
              <TextField
                label="name"
                value={sig.name}
                readOnly={readOnly}
                onChange={(v) => write(withKey(sig, "name", v))}
              />
              <JsonField
                label="payload schema"
                value={sig.schema}
                readOnly={readOnly}
                rows={2}
                onChange={(v) => write(withKey(sig, "schema", v))}
              />
              <MappingField
                label="writes to case data"
                scope="signal"
                value={sig.output}
                readOnly={readOnly}
                onChange={(v) => write(withKey(sig, "output", v))}
              />
              {!readOnly && (
                <button
                  type="button"
                  onClick={() =>
                    set(
                      "signals",
                      signals.length > 1 ? signals.filter((_, j) => j !== i) : undefined,
                    )
                  }
                >
                  remove signal
                </button>
              )}
            </div>
          );
        })}
        {!readOnly && (
          <button
            type="button"
            onClick={() => set("signals", [...signals, { name: `signal_${signals.length + 1}` }])}
          >
            + signal
          </button>
        )}
        {at("/signals").map((p) => (
          <small key={p} className="field-problem" role="alert">
            {p}
          </small>
        ))}
      </fieldset>

      <fieldset>
        <legend>Queries</legend>
        {queries.map((q, i) => {
          const write = (next: Query) =>
            set(
              "queries",
              queries.map((x, j) => (j === i ? next : x)),
            );
          return (
            <div className="list-item row2" key={i}>
              <TextField
                label="name"
                value={q.name}
                readOnly={readOnly}
                onChange={(v) => write(withKey(q, "name", v))}
              />
              <CelField
                label="expression (CEL)"
                scope="data"
                value={q.expr}
                readOnly={readOnly}
                onChange={(v) => write(withKey(q, "expr", v))}
              />
              {!readOnly && (
                <button
                  type="button"
                  onClick={() =>
                    set(
                      "queries",
                      queries.length > 1 ? queries.filter((_, j) => j !== i) : undefined,
                    )
                  }
                >
                  ×
                </button>
              )}
            </div>
          );
        })}
        {!readOnly && (
          <button
            type="button"
            onClick={() =>
              set("queries", [...queries, { name: `query_${queries.length + 1}`, expr: "data" }])
            }
          >
            + query
          </button>
        )}
        {at("/queries").map((p) => (
          <small key={p} className="field-problem" role="alert">
            {p}
          </small>
        ))}
      </fieldset>
    </div>
  );
}
