import { useReactFlow } from "@xyflow/react";

import { elementWords } from "./model/words";
import { useDesigner } from "./store";

/** Every validation problem; clicking one selects its element and centres the view on it. */
export function ProblemsList() {
  const errors = useDesigner((s) => s.errors);
  const warnings = useDesigner((s) => s.warnings);
  const flow = useReactFlow();
  const nodes = useDesigner((s) => s.nodes);
  const labelOf = (id: string) => {
    const label = nodes.find((n) => n.id === id)?.data.el.label;
    return typeof label === "string" && label ? label : undefined;
  };
  const focus = (element: string | null) => {
    if (!element) {
      useDesigner.getState().select(null);
      return;
    }
    const s = useDesigner.getState();
    const node = s.nodes.find((n) => n.id === element);
    if (node) {
      s.select(node.id, "node");
      void flow.setCenter(node.position.x + 60, node.position.y + 30, {
        zoom: Math.max(flow.getZoom(), 0.8),
        duration: 200,
      });
      return;
    }
    const edge = s.edges.find((e) => `${e.source}->${e.target}` === element);
    if (edge) s.select(edge.id, "edge");
  };
  return (
    <div className="problems" data-testid="problems" aria-label="Problems">
      <div className="problems-head">
        {errors.length === 0 ? (
          <span className="ok" data-testid="problems-ok">
            ✓ no errors
          </span>
        ) : (
          <span className="bad" data-testid="problems-count">
            {errors.length} error(s)
          </span>
        )}
        {warnings.length > 0 && <span className="warn"> · {warnings.length} warning(s)</span>}
      </div>
      <ul>
        {errors.map((p, i) => (
          <li key={`e${i}`} className="problem error">
            <button
              type="button"
              className="link"
              data-testid="problem"
              onClick={() => focus(p.element)}
            >
              <b>{elementWords(p, labelOf)}</b>: {p.message}
            </button>
          </li>
        ))}
        {warnings.map((p, i) => (
          <li key={`w${i}`} className="problem warning">
            <button
              type="button"
              className="link"
              data-testid="warning"
              onClick={() => focus(p.element)}
            >
              <b>{elementWords(p, labelOf)}</b>: {p.message}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
