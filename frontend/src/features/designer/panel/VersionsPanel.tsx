/**
 * The published versions of a definition (date, publisher, comment) and a diff of any two of
 * them or of one against the draft: elements added, removed and changed, field by field.
 */
import { useState } from "react";

import { getVersion, type VersionSummary } from "../api";
import { type Change, diffNets } from "../model/diff";
import { useDesigner } from "../store";
import type { NetDoc } from "../../../lib/net/net";
import { Time } from "../../../components/Time";

const WHAT: Record<Change["what"], string> = {
  workflow: "workflow field",
  condition: "condition",
  task: "task",
  flow: "flow",
};
const SIGN: Record<Change["kind"], string> = { added: "+", removed: "−", changed: "~" };

export function VersionsPanel({ name, versions }: { name: string; versions: VersionSummary[] }) {
  const newest = [...versions].sort((a, b) => b.version - a.version);
  const [from, setFrom] = useState(newest[0] ? String(newest[0].version) : "draft");
  const [to, setTo] = useState("draft");
  const [result, setResult] = useState<{
    title: string;
    changes: Change[];
    moved: number;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!newest.length) return null;

  const load = (which: string): Promise<NetDoc> =>
    which === "draft"
      ? Promise.resolve(useDesigner.getState().toNet())
      : getVersion(name, Number(which));
  const label = (which: string) => (which === "draft" ? "the draft" : `v${which}`);
  const compare = async () => {
    setError(null);
    try {
      const [a, b] = await Promise.all([load(from), load(to)]);
      setResult({ title: `${label(from)} → ${label(to)}`, ...diffNets(a, b) });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const options = [
    <option key="draft" value="draft">
      draft
    </option>,
    ...newest.map((v) => (
      <option key={v.version} value={String(v.version)}>
        v{v.version}
      </option>
    )),
  ];
  return (
    <fieldset className="versions" data-testid="versions-panel">
      <legend>Versions</legend>
      <ol className="version-list" reversed>
        {newest.map((v) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <b>v{v.version}</b>{" "}
            <span className="hint">
              <Time iso={v.published_at} relative />
              {v.published_by ? ` · ${v.published_by}` : ""}
            </span>
            <div className={v.comment ? "version-comment" : "hint"}>
              {v.comment || "no comment"}
            </div>
          </li>
        ))}
      </ol>
      <div className="compare-row">
        <label>
          compare{" "}
          <select
            aria-label="compare from"
            data-testid="diff-from"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          >
            {options}
          </select>
        </label>
        <label>
          with{" "}
          <select
            aria-label="compare with"
            data-testid="diff-to"
            value={to}
            onChange={(e) => setTo(e.target.value)}
          >
            {options}
          </select>
        </label>
        <button type="button" data-testid="diff-run" onClick={() => void compare()}>
          Compare
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {result && (
        <div className="diff" data-testid="diff" aria-live="polite">
          <h4>{result.title}</h4>
          {result.changes.length === 0 && (
            <p className="hint" data-testid="diff-none">
              No changes{result.moved ? ` (${result.moved} element(s) only moved)` : ""}.
            </p>
          )}
          <ul>
            {result.changes.map((c) => (
              <li key={`${c.what}:${c.id}`} className={`diff-${c.kind}`} data-testid="diff-change">
                <span className="diff-sign" aria-hidden="true">
                  {SIGN[c.kind]}
                </span>{" "}
                {WHAT[c.what]} <b className="mono">{c.id}</b> {c.kind}
                {c.details.length > 0 && (
                  <ul className="diff-details">
                    {c.details.map((d) => (
                      <li key={d} className="mono">
                        {d}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
          {result.moved > 0 && result.changes.length > 0 && (
            <p className="hint">{result.moved} element(s) moved on the canvas.</p>
          )}
        </div>
      )}
    </fieldset>
  );
}
