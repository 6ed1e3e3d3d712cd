import "@xyflow/react/dist/style.css";
import "./designer.css";

import { Route, Routes } from "react-router-dom";

import { DefinitionsList } from "./DefinitionsList";
import { EditorPage } from "./EditorPage";

/** The workflow designer: /designer/, /designer/new, /designer/<name>/, /designer/<name>/versions/<n>/. */
export function DesignerPage() {
  return (
    <Routes>
      <Route index element={<DefinitionsList />} />
      <Route path="new" element={<EditorPage key="new" mode="new" />} />
      <Route path=":name" element={<EditorPage mode="draft" />} />
      <Route path=":name/versions/:version" element={<EditorPage mode="version" />} />
    </Routes>
  );
}
