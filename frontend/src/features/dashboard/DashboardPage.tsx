/** The operations dashboard (issue 6): overview, case list, case page, definition page. */
import "./dashboard.css";

import { NavLink, Route, Routes } from "react-router-dom";

import { CaseList } from "./CaseList";
import { CasePageView } from "./CasePage";
import { DefinitionPageView } from "./DefinitionPage";
import { Overview } from "./Overview";

export function DashboardPage() {
  return (
    <section className="dashboard">
      <nav className="subnav">
        <NavLink to="/dashboard/" end>
          Overview
        </NavLink>
        <NavLink to="/dashboard/cases/" end>
          Cases
        </NavLink>
      </nav>
      <Routes>
        <Route index element={<Overview />} />
        <Route path="cases/" element={<CaseList />} />
        <Route path="cases/:caseId/" element={<CasePageView />} />
        <Route path="definitions/:name/" element={<DefinitionPageView />} />
        <Route path="*" element={<p role="alert">No such dashboard page.</p>} />
      </Routes>
    </section>
  );
}

/** A server error, as the page shows it. */
export function ErrorBox({ message, fields, testId = "error" }: { message: string | null; fields?: string[]; testId?: string }) {
  if (!message) return null;
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      {message}
      {fields && fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`state-badge state-${state}`}>{state}</span>;
}

/** Counts by state as badges ("running 3 completed 12"). */
export function StateCounts({ counts }: { counts: Record<string, number> }) {
  return (
    <>
      {Object.entries(counts).map(([s, n]) => (
        <span key={s} className="pair">
          <StateBadge state={s} /> {n}
        </span>
      ))}
    </>
  );
}
