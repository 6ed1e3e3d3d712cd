"""The designer's figures in a real browser (shared by the browser test and bench/bench_designer.py).

* `big_net(300)`: a net of exactly that many elements (conditions + tasks): a sequence of
  manual tasks (each with a form) joined by conditions, every 10th one an XOR split with a
  predicate to a side task that rejoins, and no `layout` (the designer lays it out with elkjs).
* `measure_open(page, name)`: opens the definition in the designer and waits until every node
  is laid out and the view is rendered (from 100 nodes on, the canvas renders only what is in
  view); returns the wall time and the in-page time (load + layout).
* `measure_drag(page, node_id)`: drags one node with the mouse and records, for each pointer
  move, the time from the event to the end of its work (React render and commit, then a forced
  style and layout pass): the script+layout time that one frame has to fit into 16 ms. Also the
  intervals between animation frames during the drag.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

# Debian's chromium, headless (Playwright's own browser download is not used).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def big_net(elements: int = 300, name: str = "bench-300") -> dict[str, Any]:
    conditions: list[dict[str, Any]] = [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}]
    tasks: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    form = {"type": "object", "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}}, "required": ["ok"]}
    previous = "start"
    i = 0
    while True:
        left = elements - len(conditions) - len(tasks)
        side = i % 10 == 9 and left >= 3
        if left < 1:
            break
        task = {"id": f"t{i}", "kind": "manual", "label": f"Step {i}", "assign": {"role": "clerks"}, "form": form}
        tasks.append(task)
        flows.append({"from": previous, "to": task["id"]})
        if left == 1:
            flows.append({"from": task["id"], "to": "end"})
            break
        if left == 2:  # one task more, straight after this one (an implicit condition), then the end
            tasks.append({"id": f"t{i + 1}", "kind": "dummy"})
            flows += [{"from": task["id"], "to": f"t{i + 1}"}, {"from": f"t{i + 1}", "to": "end"}]
            break
        nxt = f"c{i}"
        conditions.append({"id": nxt})
        if side:
            task["split"] = "xor"
            tasks.append({"id": f"s{i}", "kind": "automatic", "activity": "noop", "label": f"Side {i}"})
            flows.append({"from": task["id"], "to": f"s{i}", "when": f"data.amount > {i}"})
            flows.append({"from": task["id"], "to": nxt, "default": True})
            flows.append({"from": f"s{i}", "to": nxt})
        else:
            flows.append({"from": task["id"], "to": nxt})
        previous = nxt
        i += 1
    net = {
        "schema_version": 1,
        "name": name,
        "title": f"{elements} elements",
        "conditions": conditions,
        "tasks": tasks,
        "flows": flows,
    }
    assert len(conditions) + len(tasks) == elements, (len(conditions), len(tasks))
    return net


def measure_open(page: Any, name: str, elements: int) -> dict[str, float]:
    started = time.perf_counter()
    page.goto(f"/designer/{name}/")
    page.wait_for_function(
        "n => { const e = document.querySelector('[data-testid=designer-editor][data-opened-ms]');"
        " return !!e && document.querySelectorAll('.react-flow__node').length > 0"
        " && e.dataset.nodes === String(n) && e.dataset.unplaced === '0'; }",
        arg=elements,
        timeout=60_000,
    )
    wall = (time.perf_counter() - started) * 1000
    in_page = float(page.get_by_test_id("designer-editor").get_attribute("data-opened-ms"))
    return {"open_wall_ms": round(wall, 1), "open_load_and_layout_ms": round(in_page, 1)}


DRAG_PROBE = """() => {
  window.__moveWork = []; window.__frameGaps = [];
  let last = null;
  const tick = (t) => {
    if (last !== null) window.__frameGaps.push(t - last);
    last = t;
    if (window.__probing) requestAnimationFrame(tick);
  };
  window.__probing = true; requestAnimationFrame(tick);
  window.__onMove = () => {
    const t0 = performance.now();
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { void document.body.offsetHeight; window.__moveWork.push(performance.now() - t0); };
    ch.port2.postMessage(0);
  };
  window.addEventListener('pointermove', window.__onMove, { capture: true });
}"""

DRAG_STOP = """() => {
  window.__probing = false;
  window.removeEventListener('pointermove', window.__onMove, { capture: true });
  return { work: window.__moveWork, gaps: window.__frameGaps };
}"""


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure_drag(page: Any, node_id: str, moves: int = 120) -> dict[str, float]:
    # Bring the node into view at 100 % (a 300-element net fits the screen only when tiny).
    page.get_by_test_id("find").fill(node_id)
    page.get_by_test_id("find").press("Enter")
    page.wait_for_timeout(300)
    before = page.locator(f'.react-flow__node[data-id="{node_id}"]').evaluate("el => el.style.transform")
    box = page.get_by_test_id(f"node-{node_id}").bounding_box()
    assert box, node_id
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y + 5, steps=2)  # past the drag threshold
    page.evaluate(DRAG_PROBE)
    for i in range(moves):
        page.mouse.move(x + 5 + (i % 40) * 3, y + 5 + (i % 20) * 2)
    data = page.evaluate(DRAG_STOP)
    page.mouse.up()
    after = page.locator(f'.react-flow__node[data-id="{node_id}"]').evaluate("el => el.style.transform")
    assert after != before, "the node did not move"
    work, gaps = data["work"], data["gaps"]
    assert len(work) >= moves * 0.9, f"only {len(work)} of {moves} moves measured"
    return {
        "drag_moves": len(work),
        "drag_work_ms_p50": round(statistics.median(work), 2),
        "drag_work_ms_p95": round(_pct(work, 95), 2),
        "drag_work_ms_max": round(max(work), 2),
        "drag_frame_gap_ms_p50": round(statistics.median(gaps), 2) if gaps else 0.0,
        "drag_frame_gap_ms_p95": round(_pct(gaps, 95), 2) if gaps else 0.0,
    }
