/**
 * Auto-layout with elkjs (layered, left to right): node id -> top-left position. elkjs is big
 * (~1.5 MB): loaded on first use, in a chunk of its own.
 */
import type { ELK as ElkInstance } from "elkjs/lib/elk-api";

import type { Position } from "./net";

export const CONDITION_SIZE = 44;
export const TASK_WIDTH = 150;
export const TASK_HEIGHT = 64;

export interface LayoutInput {
  nodes: Array<{ id: string; type?: string }>;
  edges: Array<{
    source: string;
    target: string;
    data?: { flow?: { when?: unknown; default?: unknown; label?: unknown } };
  }>;
}

/** Widest a flow label is drawn (net.css `.flow-label`: max-width 180px, padding and border). */
const LABEL_MAX_WIDTH = 190;
const LAYER_GAP = 70;

/** The width a flow's label takes on the canvas (10px monospace, about 6.1px a character). */
export function flowLabelWidth(flow?: { when?: unknown; default?: unknown; label?: unknown }) {
  const text = flow?.default ? "◆ default" : (flow?.when ?? flow?.label);
  if (text === undefined || text === null || text === "") return 0;
  const chars = typeof text === "string" ? text.length : JSON.stringify(text).length;
  return Math.min(LABEL_MAX_WIDTH, Math.ceil(chars * 6.1) + 12);
}

let elk: Promise<ElkInstance> | null = null;
function getElk(): Promise<ElkInstance> {
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  return elk;
}

export async function autoLayout({ nodes, edges }: LayoutInput): Promise<Record<string, Position>> {
  const ids = new Set(nodes.map((n) => n.id));
  // A flow's label sits at the middle of its curve, between two layers: the gap between layers
  // is made wide enough for the widest label (and for a narrow condition beside a task, whose
  // curve's middle is then further in), so that no label lies over a node.
  const widest = Math.max(0, ...edges.map((e) => flowLabelWidth(e.data?.flow)));
  const between = widest
    ? Math.max(LAYER_GAP, widest + TASK_WIDTH - CONDITION_SIZE + 20)
    : LAYER_GAP;
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": String(between),
      "elk.spacing.nodeNode": "40",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.type === "condition" ? CONDITION_SIZE : TASK_WIDTH,
      height: n.type === "condition" ? CONDITION_SIZE : TASK_HEIGHT,
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  };
  const result = await (await getElk()).layout(graph);
  const out: Record<string, Position> = {};
  for (const child of result.children ?? [])
    out[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  return out;
}
