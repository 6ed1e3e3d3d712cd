/**
 * The editor's one store (zustand): the canvas state (meta, nodes, edges), selection, undo/redo
 * history, clipboard, validation problems and modes. Every edit goes through an action that
 * records a snapshot first, so each kind of edit is undoable; selection is not history.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { create } from "zustand";

import type { Schemas } from "../../api/client";
import {
  type CanvasState,
  canvasToNet,
  FLOW_MARKER,
  type FlowEdge,
  type NetMeta,
  type NetNode,
  netToCanvas,
  newEdgeId,
} from "../../lib/net/convert";
import type { ConditionEl, FlowEl, NetDoc, Position, TaskEl, TaskKind } from "../../lib/net/net";
import { ID_PATTERN, taskKind } from "../../lib/net/net";
import { connectionProblem } from "./model/rules";
import { messageWords } from "./model/words";

/** A validation problem (the server's ProblemOutput): element id, message, JSON pointer. */
export type Problem = Schemas["ProblemOutput"] & { raw?: string };

type Snapshot = CanvasState;
export type NewElementKind = TaskKind | "condition";

const HISTORY_LIMIT = 200;

/** What bumped the revision last (a short log, for diagnosing unexpected "unsaved changes"). */
export const revisionLog: string[] = [];
function logRevision(cause: string) {
  revisionLog.push(cause);
  if (revisionLog.length > 50) revisionLog.shift();
}
const COALESCE_MS = 1500;

export interface DesignerState extends CanvasState {
  past: Snapshot[];
  future: Snapshot[];
  readOnly: boolean;
  /** Content revision: bumped by every edit (not by selection), watched by validation and auto-save. */
  revision: number;
  /** The single selected node id, or edge id, or null. */
  selectedNode: string | null;
  selectedEdge: string | null;
  /** The cancellation set of the selected task (highlighted on the canvas). */
  cancelSet: string[];
  /** When set: clicks on the canvas toggle membership in this task's cancellation set. */
  pickingCancelsFor: string | null;
  clipboard: { nodes: NetNode[]; edges: FlowEdge[] } | null;
  errors: Problem[];
  warnings: Problem[];
  /** element id -> its error messages (flows under "<from>-><to>"). */
  problemIndex: Record<string, string[]>;
  message: string | null;
  lastCoalesce: { key: string; at: number } | null;

  load(doc: NetDoc, options?: { readOnly?: boolean }): void;
  toNet(): NetDoc;
  onNodesChange: (changes: NodeChange<NetNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  beginDrag(): void;
  connect(source: string, target: string): string | null;
  addNode(kind: NewElementKind, position: Position): string;
  /** The context pad: a new element right of `sourceId`, connected from it ("end": a flow to
   * the end condition). The new id, or null (with the reason as the message) if refused. */
  appendNode(sourceId: string, kind: NewElementKind | "end"): string | null;
  updateNode(
    id: string,
    update: (el: TaskEl & ConditionEl) => TaskEl | ConditionEl,
    coalesce?: string,
  ): void;
  renameNode(id: string, newId: string): string | null;
  updateFlow(edgeId: string, update: (flow: FlowEl) => FlowEl, coalesce?: string): void;
  moveFlow(edgeId: string, delta: -1 | 1): void;
  setMeta(key: string, value: unknown, coalesce?: string): void;
  deleteSelection(): void;
  copySelection(): void;
  paste(): void;
  selectAll(): void;
  select(id: string | null, kind?: "node" | "edge"): void;
  undo(): void;
  redo(): void;
  applyPositions(positions: Record<string, Position>, record?: boolean): void;
  startPickingCancels(taskId: string | null): void;
  toggleCancel(targetId: string): void;
  setProblems(errors: Problem[], warnings: Problem[]): void;
  setMessage(message: string | null): void;
}

function snapshot(s: CanvasState): Snapshot {
  return { meta: s.meta, nodes: s.nodes, edges: s.edges };
}

function derived(nodes: NetNode[], edges: FlowEdge[], picking: string | null = null) {
  let selectedNode: string | null = null;
  let count = 0;
  for (const n of nodes)
    if (n.selected) {
      selectedNode = n.id;
      count += 1;
    }
  let selectedEdge: string | null = null;
  for (const e of edges)
    if (e.selected) {
      selectedEdge = e.id;
      count += 1;
    }
  if (count !== 1) {
    selectedNode = null;
    selectedEdge = null;
  }
  let cancelSet: string[] = [];
  const owner = picking ?? selectedNode;
  if (owner) {
    const node = nodes.find((n) => n.id === owner);
    if (node && node.type !== "condition") cancelSet = (node.data.el as TaskEl).cancels ?? [];
  }
  return { selectedNode, selectedEdge, cancelSet };
}

function sameList(a: string[], b: string[]) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A fresh id for a new element: `<kind>_<n>` not used yet. */
export function freshId(base: string, taken: Set<string>): string {
  for (let i = 1; ; i += 1) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

export function newElement(kind: NewElementKind, id: string): TaskEl | ConditionEl {
  if (kind === "condition") return { id };
  const el: TaskEl = { id, kind, label: "" };
  if (kind === "automatic") el.activity = "noop";
  if (kind === "timer") el.duration = "duration('1h')";
  if (kind === "signal") el.signal = "";
  if (kind === "composite") el.workflow = "";
  return el;
}

export const useDesigner = create<DesignerState>()((set, get) => {
  /** Apply an edit: record the current state in the history first (unless coalesced). */
  const edit = (change: (s: DesignerState) => Partial<DesignerState>, coalesce?: string) => {
    const s = get();
    if (s.readOnly) return;
    const now = Date.now();
    const merge =
      coalesce &&
      s.lastCoalesce &&
      s.lastCoalesce.key === coalesce &&
      now - s.lastCoalesce.at < COALESCE_MS;
    const patch = change(s);
    logRevision(`edit${coalesce ? ` ${coalesce}` : ""}`);
    const nodes = patch.nodes ?? s.nodes;
    const edges = patch.edges ?? s.edges;
    const d = derived(
      nodes,
      edges,
      patch.pickingCancelsFor !== undefined ? patch.pickingCancelsFor : s.pickingCancelsFor,
    );
    set({
      ...patch,
      ...d,
      cancelSet: sameList(d.cancelSet, s.cancelSet) ? s.cancelSet : d.cancelSet,
      past: merge ? s.past : [...s.past.slice(-HISTORY_LIMIT + 1), snapshot(s)],
      future: [],
      revision: s.revision + 1,
      lastCoalesce: coalesce ? { key: coalesce, at: now } : null,
    });
  };

  const restore = (target: Snapshot, past: Snapshot[], future: Snapshot[]) => {
    const s = get();
    logRevision("undo/redo");
    set({
      ...target,
      ...derived(target.nodes, target.edges, s.pickingCancelsFor),
      past,
      future,
      revision: s.revision + 1,
      lastCoalesce: null,
    });
  };

  return {
    meta: { keys: [], fields: {} },
    nodes: [],
    edges: [],
    past: [],
    future: [],
    readOnly: false,
    revision: 0,
    selectedNode: null,
    selectedEdge: null,
    cancelSet: [],
    pickingCancelsFor: null,
    clipboard: null,
    errors: [],
    warnings: [],
    problemIndex: {},
    message: null,
    lastCoalesce: null,

    load(doc, options) {
      const state = netToCanvas(doc);
      logRevision("load");
      set({
        ...state,
        past: [],
        future: [],
        readOnly: options?.readOnly ?? false,
        revision: get().revision + 1,
        selectedNode: null,
        selectedEdge: null,
        cancelSet: [],
        pickingCancelsFor: null,
        errors: [],
        warnings: [],
        problemIndex: {},
        message: null,
        lastCoalesce: null,
      });
    },

    toNet() {
      return canvasToNet(get());
    },

    onNodesChange(changes) {
      const s = get();
      const allowed = s.readOnly
        ? changes.filter((c) => c.type === "select" || c.type === "dimensions")
        : changes.filter((c) => c.type !== "remove");
      if (!allowed.length) return;
      let nodes = applyNodeChanges(allowed, s.nodes);
      // A drag that ended places the moved nodes (they go to `layout`) and is a content change.
      const ended = allowed
        .filter((c) => c.type === "position" && c.dragging === false)
        .map((c) => (c as { id: string }).id);
      if (ended.length) {
        const set_ = new Set(ended);
        nodes = nodes.map((n) =>
          set_.has(n.id) && !n.data.placed ? { ...n, data: { ...n.data, placed: true } } : n,
        );
      }
      const d = allowed.some((c) => c.type === "select")
        ? derived(nodes, s.edges, s.pickingCancelsFor)
        : {};
      if (ended.length) logRevision(`drag ended ${ended.join(",")}`);
      set({ nodes, ...d, ...(ended.length ? { revision: s.revision + 1 } : {}) });
    },

    onEdgesChange(changes) {
      const s = get();
      const allowed = changes.filter((c) => c.type === "select");
      if (!allowed.length) return;
      const edges = applyEdgeChanges(allowed, s.edges);
      set({ edges, ...derived(s.nodes, edges, s.pickingCancelsFor) });
    },

    beginDrag() {
      const s = get();
      if (s.readOnly) return;
      set({
        past: [...s.past.slice(-HISTORY_LIMIT + 1), snapshot(s)],
        future: [],
        lastCoalesce: null,
      });
    },

    connect(source, target) {
      const s = get();
      if (s.readOnly) return "this version is read-only";
      const byId = (id: string) => s.nodes.find((n) => n.id === id);
      const problem = connectionProblem(byId(source), byId(target), s.edges);
      if (problem) {
        set({ message: problem });
        return problem;
      }
      const edge: FlowEdge = {
        id: newEdgeId(),
        source,
        target,
        type: "flow",
        markerEnd: FLOW_MARKER,
        data: { flow: { from: source, to: target } },
      };
      edit((st) => ({ edges: [...st.edges, edge], message: null }));
      return null;
    },

    addNode(kind, position) {
      const s = get();
      const id = freshId(kind === "condition" ? "c" : kind, new Set(s.nodes.map((n) => n.id)));
      const el = newElement(kind, id);
      const node: NetNode = {
        id,
        type: kind === "condition" ? "condition" : kind,
        position,
        data: { el, placed: true },
        selected: true,
      } as NetNode;
      edit((st) => ({
        nodes: [...st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edges: st.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
      return id;
    },

    appendNode(sourceId, kind) {
      const s = get();
      const source = s.nodes.find((n) => n.id === sourceId);
      if (!source || s.readOnly) return null;
      if (kind === "end") {
        const end = s.nodes.find(
          (n) => n.type === "condition" && (n.data.el as ConditionEl).kind === "end",
        );
        if (!end) {
          set({ message: "this workflow has no end condition" });
          return null;
        }
        return get().connect(sourceId, end.id) === null ? end.id : null;
      }
      const id = freshId(kind === "condition" ? "c" : kind, new Set(s.nodes.map((n) => n.id)));
      const target = { type: kind === "condition" ? "condition" : kind } as NetNode;
      const problem = connectionProblem(
        source,
        { ...target, id, data: { el: { id } } } as NetNode,
        [],
      );
      if (problem) {
        set({ message: `refused: ${problem}` });
        return null;
      }
      // right of the source, moved down past whatever already stands there
      const width = source.type === "condition" ? 44 : 150;
      const position = { x: source.position.x + width + 90, y: source.position.y };
      if (source.type === "condition" && kind !== "condition") position.y -= 10;
      if (source.type !== "condition" && kind === "condition") position.y += 10;
      const taken = (y: number) =>
        s.nodes.some(
          (n) => Math.abs(n.position.x - position.x) < 160 && Math.abs(n.position.y - y) < 80,
        );
      while (taken(position.y)) position.y += 100;
      const node: NetNode = {
        id,
        type: target.type,
        position,
        data: { el: newElement(kind, id), placed: true },
        selected: true,
      } as NetNode;
      const edge: FlowEdge = {
        id: newEdgeId(),
        source: sourceId,
        target: id,
        type: "flow",
        markerEnd: FLOW_MARKER,
        data: { flow: { from: sourceId, to: id } },
      };
      edit((st) => ({
        nodes: [...st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edges: [...st.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), edge],
        message: null,
      }));
      return id;
    },

    updateNode(id, update, coalesce) {
      edit(
        (st) => ({
          nodes: st.nodes.map((n) => {
            if (n.id !== id) return n;
            const el = update(n.data.el as TaskEl & ConditionEl);
            const type = n.type === "condition" ? "condition" : taskKind(el as TaskEl);
            return { ...n, type, data: { ...n.data, el } } as NetNode;
          }),
        }),
        coalesce ?? `node:${id}`,
      );
    },

    renameNode(id, newId) {
      const s = get();
      if (newId === id) return null;
      if (!ID_PATTERN.test(newId))
        return "an id starts with a letter or _ and has only letters, digits, _ and -";
      if (s.nodes.some((n) => n.id === newId)) return `the id ${newId} is taken`;
      edit((st) => ({
        nodes: st.nodes.map((n) => {
          let next = n;
          if (n.id === id)
            next = {
              ...n,
              id: newId,
              data: { ...n.data, el: { ...n.data.el, id: newId } },
            } as NetNode;
          const cancels = (next.data.el as TaskEl).cancels;
          if (next.type !== "condition" && Array.isArray(cancels) && cancels.includes(id)) {
            next = {
              ...next,
              data: {
                ...next.data,
                el: { ...next.data.el, cancels: cancels.map((c) => (c === id ? newId : c)) },
              },
            } as NetNode;
          }
          return next;
        }),
        edges: st.edges.map((e) => {
          if (e.source !== id && e.target !== id) return e;
          const source = e.source === id ? newId : e.source;
          const target = e.target === id ? newId : e.target;
          const flow = {
            ...(e.data?.flow ?? { from: source, to: target }),
            from: source,
            to: target,
          };
          return { ...e, source, target, data: { flow } };
        }),
      }));
      return null;
    },

    updateFlow(edgeId, update, coalesce) {
      edit(
        (st) => ({
          edges: st.edges.map((e) =>
            e.id === edgeId
              ? { ...e, data: { flow: update(e.data?.flow ?? { from: e.source, to: e.target }) } }
              : e,
          ),
        }),
        coalesce ?? `edge:${edgeId}`,
      );
    },

    moveFlow(edgeId, delta) {
      // Evaluation order of a split = order of its flows in `flows`: swap with the neighbour
      // flow of the same source.
      const s = get();
      const i = s.edges.findIndex((e) => e.id === edgeId);
      if (i < 0) return;
      const source = s.edges[i].source;
      let j = i + delta;
      while (j >= 0 && j < s.edges.length && s.edges[j].source !== source) j += delta;
      if (j < 0 || j >= s.edges.length) return;
      edit((st) => {
        const edges = [...st.edges];
        [edges[i], edges[j]] = [edges[j], edges[i]];
        return { edges };
      });
    },

    setMeta(key, value, coalesce) {
      edit(
        (st) => {
          const meta: NetMeta = {
            keys: st.meta.keys.includes(key) ? st.meta.keys : [...st.meta.keys, key],
            fields: { ...st.meta.fields, [key]: value },
          };
          return { meta };
        },
        coalesce ?? `meta:${key}`,
      );
    },

    deleteSelection() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesGone = s.edges.filter(
        (e) => e.selected || gone.has(e.source) || gone.has(e.target),
      );
      if (!gone.size && !edgesGone.length) return;
      const edgeIds = new Set(edgesGone.map((e) => e.id));
      edit((st) => ({
        nodes: st.nodes
          .filter((n) => !gone.has(n.id))
          .map((n) => {
            const cancels = (n.data.el as TaskEl).cancels;
            if (
              n.type === "condition" ||
              !Array.isArray(cancels) ||
              !cancels.some((c) => gone.has(c))
            )
              return n;
            return {
              ...n,
              data: {
                ...n.data,
                el: { ...n.data.el, cancels: cancels.filter((c) => !gone.has(c)) },
              },
            } as NetNode;
          }),
        edges: st.edges.filter((e) => !edgeIds.has(e.id)),
        pickingCancelsFor:
          st.pickingCancelsFor && gone.has(st.pickingCancelsFor) ? null : st.pickingCancelsFor,
      }));
    },

    copySelection() {
      const s = get();
      const nodes = s.nodes.filter((n) => n.selected);
      const ids = new Set(nodes.map((n) => n.id));
      const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
      if (nodes.length)
        set({ clipboard: { nodes, edges }, message: `copied ${nodes.length} element(s)` });
    },

    paste() {
      const s = get();
      if (!s.clipboard || s.readOnly) return;
      const taken = new Set(s.nodes.map((n) => n.id));
      const rename = new Map<string, string>();
      for (const n of s.clipboard.nodes) {
        const base = n.id.replace(/_\d+$/, "");
        const id = freshId(base, taken);
        taken.add(id);
        rename.set(n.id, id);
      }
      const pasted: NetNode[] = s.clipboard.nodes.map((n) => {
        const id = rename.get(n.id)!;
        const el = { ...n.data.el, id } as TaskEl & ConditionEl;
        // start/end are unique: a pasted one becomes a normal condition
        if (n.type === "condition" && (el.kind === "start" || el.kind === "end")) delete el.kind;
        if (Array.isArray(el.cancels)) el.cancels = el.cancels.map((c) => rename.get(c) ?? c);
        return {
          ...n,
          id,
          position: { x: n.position.x + 40, y: n.position.y + 40 },
          selected: true,
          data: { el, placed: true },
        };
      });
      const edges: FlowEdge[] = s.clipboard.edges.map((e) => {
        const source = rename.get(e.source)!;
        const target = rename.get(e.target)!;
        return {
          ...e,
          id: newEdgeId(),
          source,
          target,
          selected: false,
          data: { flow: { ...(e.data?.flow ?? {}), from: source, to: target } },
        };
      });
      edit((st) => ({
        nodes: [...st.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted],
        edges: [...st.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
        // the next paste lands further off
        clipboard: { nodes: pasted.map((n) => ({ ...n, id: n.id })), edges },
      }));
    },

    selectAll() {
      const s = get();
      const nodes = s.nodes.map((n) => (n.selected ? n : { ...n, selected: true }));
      set({ nodes, ...derived(nodes, s.edges, s.pickingCancelsFor) });
    },

    select(id, kind = "node") {
      const s = get();
      const nodes = s.nodes.map((n) => {
        const want = kind === "node" && n.id === id;
        return !!n.selected === want ? n : { ...n, selected: want };
      });
      const edges = s.edges.map((e) => {
        const want = kind === "edge" && e.id === id;
        return !!e.selected === want ? e : { ...e, selected: want };
      });
      set({ nodes, edges, ...derived(nodes, edges, s.pickingCancelsFor) });
    },

    undo() {
      const s = get();
      const prev = s.past[s.past.length - 1];
      if (!prev || s.readOnly) return;
      restore(prev, s.past.slice(0, -1), [snapshot(s), ...s.future]);
    },

    redo() {
      const s = get();
      const next = s.future[0];
      if (!next || s.readOnly) return;
      restore(next, [...s.past, snapshot(s)], s.future.slice(1));
    },

    applyPositions(positions, record = true) {
      const change = (st: DesignerState) => ({
        nodes: st.nodes.map((n) =>
          positions[n.id]
            ? { ...n, position: positions[n.id], data: { ...n.data, placed: true } }
            : n,
        ),
      });
      if (record) edit(change);
      else set(change(get()));
    },

    startPickingCancels(taskId) {
      const s = get();
      set({
        pickingCancelsFor: taskId,
        ...derived(s.nodes, s.edges, taskId),
        message: taskId
          ? "click conditions and tasks to add or remove them; Esc or Done when finished"
          : null,
      });
    },

    toggleCancel(targetId) {
      const s = get();
      const taskId = s.pickingCancelsFor;
      if (!taskId) return;
      get().updateNode(
        taskId,
        (el) => {
          const cancels = el.cancels ?? [];
          const next = cancels.includes(targetId)
            ? cancels.filter((c) => c !== targetId)
            : [...cancels, targetId];
          const { cancels: _old, ...rest } = el;
          return next.length ? { ...rest, cancels: next } : rest;
        },
        `cancels:${taskId}:${targetId}:${Date.now()}`,
      );
    },

    setProblems(rawErrors, rawWarnings) {
      // Messages in plain words (JSON pointers and CEL parser output explained); the server's
      // text stays in `raw` for the curious.
      const words = (p: Problem): Problem =>
        "raw" in p ? p : { ...p, message: messageWords(p.message), raw: p.message };
      const errors = rawErrors.map(words);
      const warnings = rawWarnings.map(words);
      const problemIndex: Record<string, string[]> = {};
      for (const p of errors) if (p.element) (problemIndex[p.element] ??= []).push(p.message);
      set({ errors, warnings, problemIndex });
    },

    setMessage(message) {
      set({ message });
    },
  };
});
