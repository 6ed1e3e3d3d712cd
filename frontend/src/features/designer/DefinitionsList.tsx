import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { type DefinitionSummary, importDefinition, listDefinitions, refusalText } from "./api";
import type { NetDoc } from "../../lib/net/net";
import { Time } from "../../components/Time";

/** The definitions: open a draft, start a new one, import a JSON file. */
export function DefinitionsList() {
  const [defs, setDefs] = useState<DefinitionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const file = useRef<HTMLInputElement>(null);
  useEffect(() => {
    listDefinitions().then(setDefs, (err: Error) => setError(err.message));
  }, []);
  const onImport = async (f: File) => {
    try {
      const def = await importDefinition(JSON.parse(await f.text()) as NetDoc);
      void navigate(`/designer/${encodeURIComponent(def.name)}/`);
    } catch (err) {
      setError(`import refused: ${refusalText(err)}`);
    }
  };
  return (
    <section className="definitions">
      <div className="definitions-head">
        <h1>Designer</h1>
        <span className="hint">workflows: open a draft, start a new one, import a JSON file</span>
        <Link className="button primary" to="/designer/new" data-testid="new-workflow">
          New workflow
        </Link>
        <button type="button" onClick={() => file.current?.click()}>
          Import JSON…
        </button>
        <input
          ref={file}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void onImport(f);
          }}
        />
      </div>
      {error && <p role="alert">{error}</p>}
      {defs === null ? (
        <p className="loading">Loading…</p>
      ) : (
        <table className="definitions-table">
          <thead>
            <tr>
              <th>name</th>
              <th>title</th>
              <th>latest version</th>
              <th>changed</th>
            </tr>
          </thead>
          <tbody>
            {defs.map((d) => (
              <tr key={d.name}>
                <td>
                  <Link to={`/designer/${encodeURIComponent(d.name)}/`}>{d.name}</Link>
                </td>
                <td>{d.title}</td>
                <td>{d.latest_version === null ? "unpublished" : `v${d.latest_version}`}</td>
                <td>
                  <Time iso={d.updated_at} relative />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
