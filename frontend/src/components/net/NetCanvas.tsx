/**
 * A read-only view of a net, for pages other than the designer (the dashboard shows a case on
 * its net): pass the net document and, optionally, an overlay of tokens per condition and
 * states per task. Nodes without a layout entry are laid out with elkjs.
 */
import "@xyflow/react/dist/style.css";
import "./net.css";

import {
  applyNodeChanges,
  Background,
  Controls,
  MarkerType,
  MiniMap,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";

import { netToCanvas, type NetNode } from "../../lib/net/convert";
import { autoLayout } from "../../lib/net/layout";
import type { NetDoc } from "../../lib/net/net";
import { CanvasStateContext, READ_ONLY } from "./canvas-state";
import { edgeTypes } from "./edges/flow-edge";
import { nodeTypes } from "./nodes";
import { type NetOverlay, OverlayContext } from "./overlay";

const defaultEdgeOptions = { type: "flow", markerEnd: { type: MarkerType.ArrowClosed } };
const FIT = { padding: 0.12 };
/** Nets with more nodes than this get a minimap. */
const MINIMAP_FROM = 30;

export function NetCanvas({
  net,
  overlay,
  height = 420,
}: {
  net: NetDoc;
  overlay?: NetOverlay;
  readOnly?: true;
  height?: number | string;
}) {
  const canvas = useMemo(() => netToCanvas(net), [net]);
  // the laid-out nodes of the canvas they were laid out for; until then, the canvas's own
  const [laidOut, setLaidOut] = useState<{ canvas: typeof canvas; nodes: NetNode[] } | null>(null);
  const needsLayout = canvas.nodes.some((n) => !n.data.placed);
  // a net without a full layout is drawn once elk has placed it: `fitView` frames the first
  // nodes it sees, and framing the provisional grid left the laid-out net outside the view
  const ready = !needsLayout || laidOut?.canvas === canvas;
  const nodes = laidOut?.canvas === canvas ? laidOut.nodes : canvas.nodes;
  // the nodes as xyflow measured them: the minimap draws a node only once its size is on the
  // node itself (dimension changes applied), else it stayed empty (adjusted while rendering)
  const [measured, setMeasured] = useState<{ of: NetNode[]; nodes: NetNode[] }>({
    of: nodes,
    nodes,
  });
  if (measured.of !== nodes) setMeasured({ of: nodes, nodes });
  const onNodesChange = useCallback(
    (changes: NodeChange<NetNode>[]) =>
      setMeasured((m) => ({ ...m, nodes: applyNodeChanges(changes, m.nodes) })),
    [],
  );
  useEffect(() => {
    let live = true;
    if (canvas.nodes.some((n) => !n.data.placed)) {
      void autoLayout(canvas).then((pos) => {
        if (live)
          setLaidOut({
            canvas,
            nodes: canvas.nodes.map((n) =>
              n.data.placed || !pos[n.id] ? n : { ...n, position: pos[n.id] },
            ),
          });
      });
    }
    return () => {
      live = false;
    };
  }, [canvas]);
  return (
    <CanvasStateContext.Provider value={READ_ONLY}>
      <OverlayContext.Provider value={overlay ?? null}>
        <div
          className="canvas readonly"
          style={{ height }}
          data-testid="net-canvas"
          data-ready={ready ? "true" : "false"}
        >
          {!ready && <p className="loading">Laying out the net…</p>}
          <ReactFlowProvider>
            {ready && (
              <div className="canvas-flow">
                <ReactFlow
                  nodes={measured.of === nodes ? measured.nodes : nodes}
                  onNodesChange={onNodesChange}
                  edges={canvas.edges}
                  nodeTypes={nodeTypes}
                  edgeTypes={edgeTypes}
                  defaultEdgeOptions={defaultEdgeOptions}
                  nodesDraggable={false}
                  nodesConnectable={false}
                  elementsSelectable={false}
                  fitView
                  fitViewOptions={FIT}
                  minZoom={0.2}
                  proOptions={{ hideAttribution: true }}
                  aria-label="The workflow net"
                >
                  <Background gap={20} />
                </ReactFlow>
              </div>
            )}
            {ready && (
              // the controls and the minimap in a rail beside the net, never over it: drawn
              // over the pane they hid its nodes (the end condition) wherever they were placed
              <div className="canvas-rail" data-testid="canvas-rail">
                <Controls showInteractive={false} position="top-left" />
                {nodes.length > MINIMAP_FROM && (
                  <MiniMap pannable position="top-left" data-testid="net-minimap" />
                )}
              </div>
            )}
          </ReactFlowProvider>
        </div>
      </OverlayContext.Provider>
    </CanvasStateContext.Provider>
  );
}
