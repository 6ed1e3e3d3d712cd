"""The engine's limits (docs/limits.md, ADR 0066 and 0067): what one expression, one task and
one tree of cases may take. Pure Python, so the engine's tests run without Django; the Django
settings set them when the app starts (`engine.apps`), each from a `WORKFLOW_*` setting."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Limits:
    # CEL (engine/core/expr.py)
    cel_max_length: int = 4096  # characters of one expression (WORKFLOW_CEL_MAX_LENGTH)
    cel_max_cost: int = 100_000  # comprehension steps + the sizes they produce (WORKFLOW_CEL_MAX_COST)
    cel_timeout: float = 0.5  # seconds one evaluation may run (WORKFLOW_CEL_TIMEOUT)
    # fan-out (engine/core/engine.py; the services for child cases)
    max_items_per_task: int = 1000  # work items of one task's generation (WORKFLOW_MAX_ITEMS_PER_TASK)
    max_cases_per_root: int = 100  # cases in one tree: a root case and its descendants (WORKFLOW_MAX_CASES_PER_ROOT)


LIMITS = Limits()


def configure(**values: float | int) -> None:
    """Set some limits (by field name); unknown names are refused."""
    known = {f.name for f in fields(Limits)}
    for name, value in values.items():
        if name not in known:
            raise TypeError(f"no limit {name!r}")
        setattr(LIMITS, name, type(getattr(LIMITS, name))(value))
