/** The operations dashboard (issue 6): overview, case list, case page, definition page. */
import "./dashboard.css";

import { NavLink, Route, Routes } from "react-router-dom";

import { CaseList } from "./CaseList";
import { CasePageView } from "./CasePage";
import { DefinitionPageView } from "./DefinitionPage";
import { FindCase } from "./FindCase";
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
        <FindCase />
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
