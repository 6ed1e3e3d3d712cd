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
  edges: Array<{ source: string; target: string }>;
}

let elk: Promise<ElkInstance> | null = null;
function getElk(): Promise<ElkInstance> {
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default());
  return elk;
}

export async function autoLayout({ nodes, edges }: LayoutInput): Promise<Record<string, Position>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
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
