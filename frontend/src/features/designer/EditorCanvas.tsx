import "../../components/net/net.css";

import {
  Background,
  type Connection,
  Controls,
  type Edge,
  MarkerType,
  MiniMap,
  ReactFlow,
  type FinalConnectionState,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo } from "react";

import { type CanvasState, CanvasStateContext } from "../../components/net/canvas-state";
import { edgeTypes } from "../../components/net/edges/flow-edge";
import { ContextPad } from "./ContextPad";
import { connectionProblem } from "./model/rules";
import { nodeTypes } from "../../components/net/nodes";
import { type NetOverlay, OverlayContext } from "../../components/net/overlay";
import { useDesigner } from "./store";

/** From this many nodes on, only what is in view is rendered (big nets stay responsive). */
export const VISIBLE_ONLY_FROM = 100;

const defaultEdgeOptions = {
  type: "flow",
  markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
};

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return (
    !!el &&
    (el.tagName === "INPUT" ||
      el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT" ||
      el.isContentEditable)
  );
}

/** Keyboard shortcuts of the editor (ignored while typing in a field). */
export function useShortcuts(onLayout: () => Promise<void>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const s = useDesigner.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (e.key === "Escape" && s.pickingCancelsFor) s.startPickingCancels(null);
      else if ((e.key === "Delete" || e.key === "Backspace") && !s.readOnly) s.deleteSelection();
      else if (mod && key === "z" && !e.shiftKey) s.undo();
      else if (mod && (key === "y" || (key === "z" && e.shiftKey))) s.redo();
      else if (mod && key === "c") s.copySelection();
      else if (mod && key === "v") s.paste();
      else if (mod && key === "a") s.selectAll();
      else if (!mod && key === "l" && !s.readOnly) void onLayout();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onLayout]);
}

/** The editing canvas, bound to the designer store. */
export function EditorCanvas({ overlay }: { overlay?: NetOverlay | null }) {
  const nodes = useDesigner((s) => s.nodes);
  const edges = useDesigner((s) => s.edges);
  const readOnly = useDesigner((s) => s.readOnly);
  const picking = useDesigner((s) => s.pickingCancelsFor);
  const selectedNode = useDesigner((s) => s.selectedNode);
  const onNodesChange = useDesigner((s) => s.onNodesChange);
  const onEdgesChange = useDesigner((s) => s.onEdgesChange);

  const isValidConnection = useCallback((c: Edge | Connection) => {
    const s = useDesigner.getState();
    const find = (id: string) => s.nodes.find((n) => n.id === id);
    return connectionProblem(find(c.source), find(c.target), s.edges) === null;
  }, []);
  const onConnect = useCallback((c: Connection) => {
    useDesigner.getState().connect(c.source, c.target);
  }, []);
  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || !state.fromNode) return;
    const s = useDesigner.getState();
    const find = (id: string) => s.nodes.find((n) => n.id === id);
    if (state.toNode) {
      const from = state.fromHandle?.type === "target" ? state.toNode.id : state.fromNode.id;
      const to = state.fromHandle?.type === "target" ? state.fromNode.id : state.toNode.id;
      s.setMessage(
        `refused: ${connectionProblem(find(from), find(to), s.edges) ?? "not a valid connection"}`,
      );
    }
  }, []);
  const onNodeClick = useCallback((_e: React.MouseEvent, node: { id: string }) => {
    const s = useDesigner.getState();
    if (s.pickingCancelsFor && node.id !== s.pickingCancelsFor) s.toggleCancel(node.id);
  }, []);
  const beginDrag = useCallback(() => useDesigner.getState().beginDrag(), []);
  const problemIndex = useDesigner((s) => s.problemIndex);
  const cancelSet = useDesigner((s) => s.cancelSet);
  const canvasState = useMemo<CanvasState>(
    () => ({
      problemIndex,
      cancelSet,
      selectEdge: (id) => useDesigner.getState().select(id, "edge"),
    }),
    [problemIndex, cancelSet],
  );

  return (
    <CanvasStateContext.Provider value={canvasState}>
      <OverlayContext.Provider value={overlay ?? null}>
        <div className={`canvas ${picking ? "picking" : ""}`} data-testid="canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            defaultEdgeOptions={defaultEdgeOptions}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onNodeClick={onNodeClick}
            onNodeDragStart={beginDrag}
            onSelectionDragStart={beginDrag}
            nodesDraggable={!readOnly && !picking}
            nodesConnectable={!readOnly && !picking}
            elementsSelectable={!picking}
            deleteKeyCode={null}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={["Control", "Meta", "Shift"]}
            connectionRadius={30}
            minZoom={0.1}
            onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_FROM}
            fitView
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable />
            {!readOnly && !picking && selectedNode && <ContextPad id={selectedNode} />}
          </ReactFlow>
        </div>
      </OverlayContext.Provider>
    </CanvasStateContext.Provider>
  );
}
