import { useReactFlow } from "@xyflow/react";
import { useRef, useState } from "react";

import { type NewElementKind, useDesigner } from "./store";

const ITEMS: Array<{ kind: NewElementKind; label: string; icon: string }> = [
  { kind: "condition", label: "Condition", icon: "○" },
  { kind: "manual", label: "Manual", icon: "☺" },
  { kind: "automatic", label: "Automatic", icon: "⚙" },
  { kind: "composite", label: "Composite", icon: "▣" },
  { kind: "dummy", label: "Dummy", icon: "◌" },
  { kind: "timer", label: "Timer", icon: "◷" },
  { kind: "signal", label: "Signal", icon: "✉" },
];

/** "Drag an automatic task onto the canvas" (a/an by the sound of the next word). */
export function dragHint(kind: NewElementKind, label: string): string {
  const what = kind === "condition" ? "condition" : `${label.toLowerCase()} task`;
  return `Drag ${/^[aeiou]/i.test(what) ? "an" : "a"} ${what} onto the canvas (or click to add it)`;
}

/**
 * Elements to drag onto the canvas (pointer events, so mouse, pen and touch all work); a click
 * without a drag adds the element in the middle of the view.
 */
export function Palette() {
  const flow = useReactFlow();
  const readOnly = useDesigner((s) => s.readOnly);
  const [ghost, setGhost] = useState<{ kind: NewElementKind; x: number; y: number } | null>(null);
  const moved = useRef(false);

  const addAt = (kind: NewElementKind, clientX: number, clientY: number) => {
    const p = flow.screenToFlowPosition({ x: clientX, y: clientY });
    const half = kind === "condition" ? { x: 22, y: 22 } : { x: 75, y: 32 };
    useDesigner
      .getState()
      .addNode(kind, { x: Math.round(p.x - half.x), y: Math.round(p.y - half.y) });
  };

  const onPointerDown = (kind: NewElementKind) => (e: React.PointerEvent) => {
    if (readOnly || e.button !== 0) return;
    e.preventDefault();
    moved.current = false;
    const start = { x: e.clientX, y: e.clientY };
    const onMove = (ev: PointerEvent) => {
      if (Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 4) moved.current = true;
      setGhost({ kind, x: ev.clientX, y: ev.clientY });
    };
    const onUp = (ev: PointerEvent) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      setGhost(null);
      const pane = document.querySelector("[data-testid=canvas]")?.getBoundingClientRect();
      if (!moved.current) {
        if (pane) addAt(kind, pane.left + pane.width / 2, pane.top + pane.height / 2);
        return;
      }
      if (
        pane &&
        ev.clientX >= pane.left &&
        ev.clientX <= pane.right &&
        ev.clientY >= pane.top &&
        ev.clientY <= pane.bottom
      ) {
        addAt(kind, ev.clientX, ev.clientY);
      }
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  return (
    <div className="palette" aria-label="Palette">
      {ITEMS.map((item) => (
        <button
          key={item.kind}
          type="button"
          className="palette-item"
          data-testid={`palette-${item.kind}`}
          disabled={readOnly}
          onPointerDown={onPointerDown(item.kind)}
          title={dragHint(item.kind, item.label)}
        >
          <span className="icon">{item.icon}</span> {item.label}
        </button>
      ))}
      {ghost && (
        <div className="palette-ghost" style={{ left: ghost.x, top: ghost.y }}>
          {ITEMS.find((i) => i.kind === ghost.kind)?.label}
        </div>
      )}
    </div>
  );
}
