"""Helpers of the designer's UX browser tests: page sizes, screenshots at both sizes, axe-core,
layout checks and API calls with the page's session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.axe import axe_violations

SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}


def api(page: Any, method: str, path: str, body: Any = None, ok: bool = True) -> Any:
    """Call the API with the page's session (and its CSRF cookie)."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    response = page.request.fetch(
        path,
        method=method,
        data=json.dumps(body) if body is not None else None,
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    if ok:
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json() if response.text() else None


def resize(page: Any, size: str) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})


def shots(page: Any, folder: Path, name: str) -> None:
    """Screenshots of the page at 1280x800 and 1920x1080 (the page is left at 1280x800)."""
    folder.mkdir(parents=True, exist_ok=True)
    for size in ("1920x1080", "1280x800"):
        resize(page, size)
        page.wait_for_timeout(150)  # a frame for React Flow to refit; nothing to await
        page.screenshot(path=str(folder / f"{name}-{size}.png"))


def assert_no_serious_axe(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


def toolbar_rows(page: Any) -> dict[str, Any]:
    """How the toolbar lays out: the distinct tops of its visible items, and if it overflows."""
    return page.evaluate(
        """() => {
            const bar = document.querySelector('.designer-editor .toolbar');
            const tops = new Set();
            for (const el of bar.children) {
                const r = el.getBoundingClientRect();
                if (r.width && r.height) tops.add(Math.round(r.top + r.height / 2));
            }
            return {centres: [...tops], overflow: bar.scrollWidth > bar.clientWidth + 1};
        }"""
    )


def overlaps(page: Any, first: str, second: str) -> list[list[str]]:
    """Pairs (a, b) of elements matching the two selectors whose boxes intersect."""
    return page.evaluate(
        """([first, second]) => {
            const boxes = (sel) => [...document.querySelectorAll(sel)].map(e => [e, e.getBoundingClientRect()]);
            const out = [];
            for (const [a, ra] of boxes(first)) for (const [b, rb] of boxes(second)) {
                if (ra.left < rb.right && rb.left < ra.right && ra.top < rb.bottom && rb.top < ra.bottom)
                    out.push([a.dataset.testid || a.className, b.dataset.testid || b.className]);
            }
            return out;
        }""",
        [first, second],
    )


def clipped(page: Any, selector: str) -> list[str]:
    """Elements matching `selector` whose text is cut (wider or taller than their box)."""
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.value ?? e.textContent)""",
        selector,
    )
