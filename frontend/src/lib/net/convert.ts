/**
 * Pure conversion between the net document and the canvas state (React Flow nodes and edges).
 *
 * Round trip: `canvasToNet(netToCanvas(doc))` equals `doc` for every well-formed net: each
 * node/edge carries its element's JSON verbatim (`data.el`, `data.flow`), the other top-level
 * fields travel in `meta` with their order, and positions come from and go back to `layout`.
 * A node that had no layout entry gets a provisional position (`placed: false`) and is left
 * out of `layout` until it is moved or laid out.
 */
import { type Edge, type EdgeMarker, MarkerType, type Node } from "@xyflow/react";

import {
  type ConditionEl,
  type FlowEl,
  type NetDoc,
  type Position,
  type TaskEl,
  taskKind,
} from "./net";

export type ConditionNodeData = { el: ConditionEl; placed: boolean };
export type TaskNodeData = { el: TaskEl; placed: boolean };
export type ConditionNode = Node<ConditionNodeData, "condition">;
export type TaskNode = Node<TaskNodeData, string>;
export type NetNode = Node<ConditionNodeData | TaskNodeData>;
export type FlowEdgeData = { flow: FlowEl };
export type FlowEdge = Edge<FlowEdgeData>;

/** Top-level fields other than the elements, with the document's key order. */
export interface NetMeta {
  keys: string[];
  fields: Record<string, unknown>;
  /** The ids in the loaded `layout`, in their order (written back in that order). */
  layoutKeys?: string[];
}

export interface CanvasState {
  meta: NetMeta;
  nodes: NetNode[];
  edges: FlowEdge[];
}

const ELEMENT_KEYS = new Set(["conditions", "tasks", "flows", "layout"]);

export function isCondition(node: NetNode): node is ConditionNode {
  return node.type === "condition";
}

/** The arrow head of every flow. */
export const FLOW_MARKER: EdgeMarker = { type: MarkerType.ArrowClosed, width: 18, height: 18 };

let edgeCounter = 0;
export function newEdgeId(): string {
  edgeCounter += 1;
  return `flow-${Date.now().toString(36)}-${edgeCounter}`;
}

/** Provisional position for a node without a layout entry: a grid by document order. */
function provisional(index: number): Position {
  return { x: (index % 8) * 180, y: Math.floor(index / 8) * 140 + 400 };
}

export function netToCanvas(doc: NetDoc): CanvasState {
  const fields: Record<string, unknown> = {};
  const keys = Object.keys(doc);
  for (const key of keys) if (!ELEMENT_KEYS.has(key)) fields[key] = doc[key];
  const layout = doc.layout ?? {};
  let unplaced = 0;
  const position = (id: string): { position: Position; placed: boolean } => {
    const at = layout[id];
    if (at && typeof at.x === "number" && typeof at.y === "number")
      return { position: { x: at.x, y: at.y }, placed: true };
    return { position: provisional(unplaced++), placed: false };
  };
  const nodes: NetNode[] = [];
  for (const el of doc.conditions ?? []) {
    const { position: p, placed } = position(el.id);
    nodes.push({ id: el.id, type: "condition", position: p, data: { el, placed } });
  }
  for (const el of doc.tasks ?? []) {
    const { position: p, placed } = position(el.id);
    nodes.push({ id: el.id, type: taskKind(el), position: p, data: { el, placed } });
  }
  const edges: FlowEdge[] = (doc.flows ?? []).map((flow, i) => ({
    id: `flow-${i}`,
    source: flow.from,
    target: flow.to,
    type: "flow",
    markerEnd: FLOW_MARKER,
    data: { flow },
  }));
  return { meta: { keys, fields, layoutKeys: Object.keys(layout) }, nodes, edges };
}

export function canvasToNet(state: CanvasState): NetDoc {
  const conditions: ConditionEl[] = [];
  const tasks: TaskEl[] = [];
  const layout: Record<string, Position> = {};
  const ids = new Set(state.nodes.map((n) => n.id));
  for (const id of state.meta.layoutKeys ?? []) if (ids.has(id)) layout[id] = { x: 0, y: 0 }; // keeps the loaded order
  for (const node of state.nodes) {
    if (isCondition(node)) conditions.push(node.data.el);
    else tasks.push((node.data as TaskNodeData).el);
    if (node.data.placed)
      layout[node.id] = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
    else delete layout[node.id];
  }
  const flows: FlowEl[] = state.edges.map((edge) => {
    const flow = edge.data?.flow ?? { from: edge.source, to: edge.target };
    return flow.from === edge.source && flow.to === edge.target
      ? flow
      : { ...flow, from: edge.source, to: edge.target };
  });
  const parts: Record<string, unknown> = { conditions, tasks, flows };
  const hasLayout = state.meta.keys.includes("layout") || Object.keys(layout).length > 0;
  if (hasLayout) parts.layout = layout;
  const out: Record<string, unknown> = {};
  const keys = [...state.meta.keys];
  for (const key of ["conditions", "tasks", "flows", "layout"])
    if (!keys.includes(key) && key in parts) keys.push(key);
  for (const key of keys) {
    if (key in parts) out[key] = parts[key];
    else if (key in state.meta.fields && state.meta.fields[key] !== undefined)
      out[key] = state.meta.fields[key];
  }
  // Fields added after loading (e.g. signals set in the panel) go after the known ones.
  for (const [key, value] of Object.entries(state.meta.fields))
    if (!(key in out) && value !== undefined) out[key] = value;
  return out;
}

/** An empty net: a start and an end condition. */
export function emptyNet(name: string): NetDoc {
  return {
    schema_version: 1,
    name,
    title: "",
    conditions: [
      { id: "start", kind: "start" },
      { id: "end", kind: "end" },
    ],
    tasks: [],
    flows: [],
    layout: { start: { x: 0, y: 150 }, end: { x: 900, y: 150 } },
  };
}
