"""Mouse-level helpers for driving the designer canvas in Playwright (real pointer events)."""

from __future__ import annotations

from typing import Any


def canvas_box(page: Any) -> dict[str, float]:
    box = page.get_by_test_id("canvas").bounding_box()
    assert box, "the canvas is not on the page"
    return box


def drag(page: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def center(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box, f"{locator} has no box"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drop_from_palette(page: Any, kind: str, x: float, y: float) -> str:
    """Drag a palette item to (x, y) of the canvas (pixels from its top left); the new node's id."""
    before = set(node_ids(page))
    box = canvas_box(page)
    drag(page, center(page.get_by_test_id(f"palette-{kind}")), (box["x"] + x, box["y"] + y))
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {len(before) + 1}")
    (new,) = set(node_ids(page)) - before
    return new


def node_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(".react-flow__node", "els => els.map(e => e.dataset.id)")


def node(page: Any, node_id: str) -> Any:
    return page.get_by_test_id(f"node-{node_id}")


def connect(page: Any, source: str, target: str) -> None:
    """Drag from the source node's output handle onto the target node's input handle."""
    drag(
        page,
        center(node(page, source).locator(".react-flow__handle.source")),
        center(node(page, target).locator(".react-flow__handle.target")),
    )


def flow(page: Any, source: str, target: str) -> Any:
    return page.locator(f'[aria-label="Edge from {source} to {target}"]')


def select_node(page: Any, node_id: str) -> None:
    node(page, node_id).locator(".task-label, .condition-circle").first.click()


def select_flow(page: Any, source: str, target: str) -> None:
    # The bezier is symmetric about its midpoint: the centre of its box lies on the curve.
    page.mouse.click(*center(flow(page, source, target).locator("path.react-flow__edge-interaction")))
