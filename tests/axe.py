"""axe-core in the browser tests (designer/tests/e2e, tests/browser): one helper for all of them.

The app's pages are served with a strict Content-Security-Policy (config/csp.py, `script-src
'self'`), so axe cannot be added as an inline <script> (Playwright's `add_script_tag` makes one):
the page would refuse it. Its source is run with `page.evaluate` instead, through the DevTools
protocol, which the page's policy does not govern; the page itself still runs under the policy
(tests/browser/test_csp_e2e.py checks that), and no context is opened with `bypass_csp`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

SERIOUS = ("serious", "critical")


def inject_axe(page: Any) -> None:
    """Load axe-core (npm) into the page once, outside of the page's Content-Security-Policy."""
    assert AXE.is_file(), f"axe-core is not installed: {AXE} (cd frontend && npm ci)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # the file ends with an expression; `void 0` keeps its value out of the answer
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    assert page.evaluate("typeof window.axe !== 'undefined'"), "axe-core did not load into the page"


def axe_violations(page: Any, context: str = "document") -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (or the `context` expression)."""
    inject_axe(page)
    result = page.evaluate(
        f"""async () => {{
            const r = await axe.run({context}, {{resultTypes: ['violations']}});
            return r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}}));
        }}"""
    )
    return [v for v in result if v["impact"] in SERIOUS]
