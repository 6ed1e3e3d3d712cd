/** The dashboard's search box: a case id or a business key. Exactly one match opens the case;
 * otherwise the case list shows the matches (none, or several: a key used by two definitions,
 * or a key that is also another case's id). */
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router-dom";

import { ErrorBox } from "../../components/ErrorBox";
import { dashboardApi } from "./api";

export function FindCase() {
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; fields: string[] } | null>(null);

  async function find(e: FormEvent) {
    e.preventDefault();
    const find = text.trim();
    if (!find) return;
    setBusy(true);
    const r = await dashboardApi.cases(new URLSearchParams({ find, page_size: "2" }));
    setBusy(false);
    if (!r.ok) {
      setError({ message: r.message, fields: r.fields });
      return;
    }
    setError(null);
    const only = r.data.count === 1 ? r.data.results[0] : undefined;
    void navigate(
      only
        ? `/dashboard/cases/${only.id}/`
        : `/dashboard/cases/?${new URLSearchParams({ find }).toString()}`,
    );
  }

  return (
    <div role="search" className="find-case">
      <form onSubmit={(e) => void find(e)} data-testid="find-case">
        <input
          type="search"
          name="q"
          aria-label="Find a case by id or business key"
          placeholder="Case id or business key"
          maxLength={255}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Find
        </button>
      </form>
      <ErrorBox message={error?.message ?? null} fields={error?.fields} testId="find-error" />
    </div>
  );
}
