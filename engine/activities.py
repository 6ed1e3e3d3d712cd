"""The engine's own activities (a first standard library; more come with the worker issue)."""

from __future__ import annotations

from typing import Any

from engine.core.expr import evaluate_mapping
from engine.registry import ActivityContext, activity


@activity("noop", output_schema={"type": "object"})
def noop(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Does nothing and returns an empty output."""
    return {}


@activity("echo")
def echo(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Returns its input as its output."""
    return dict(payload)


@activity("cel.transform", input_schema={"type": "object", "properties": {"expressions": {"type": "object"}}})
def cel_transform(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Builds its output from CEL expressions over `data` and `input`: {"expressions": {key: CEL}}."""
    return evaluate_mapping(payload.get("expressions", {}), {"data": ctx.data, "input": payload})


@activity("fail")
def fail(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Always raises (for trying incidents): {"message": "..."}."""
    raise RuntimeError(payload.get("message", "this activity always fails"))
