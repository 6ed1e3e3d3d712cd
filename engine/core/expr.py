"""CEL expressions: compiled once, evaluated many times. Never Python `eval`.

Uses the `common-expression-language` package (a Rust CEL implementation). Compiled
programs are cached by source text, so a published version's expressions are compiled on
first use and reused by every case of that version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import cel


class ExpressionError(ValueError):
    """A CEL expression failed to compile or to evaluate. The engine turns it into a failed
    task or work item where the semantics say so; one that reaches an API still answers a
    clear 409 (`expression_failed`), never a 500."""

    code = "expression_failed"
    http_status = 409

    def __init__(self, source: str, message: str):
        super().__init__(f"{message} (in CEL `{source}`)")
        self.source = source
        self.message = message


@lru_cache(maxsize=8192)
def compile_expr(source: str) -> Any:
    try:
        return cel.compile(source)
    except Exception as exc:  # the binding raises ValueError with the parser's message
        raise ExpressionError(source, _first_line(str(exc))) from None


def check_expr(source: str) -> str | None:
    """The compile error of `source`, or None when it compiles."""
    try:
        compile_expr(source)
    except ExpressionError as exc:
        return exc.message
    return None


@lru_cache(maxsize=8192)
def referenced(source: str) -> frozenset[str]:
    """The variable names an expression reads (only those are handed to CEL: converting a
    large `data` document costs far more than evaluating the expression)."""
    return frozenset(compile_expr(source).variables())


def _context(source: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    names = referenced(source)
    return {k: v for k, v in variables.items() if k in names}


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    program = compile_expr(source)
    try:
        return to_json(program.execute(_context(source, variables)))
    except Exception as exc:
        raise ExpressionError(source, _describe(exc)) from None


def evaluate_mapping_each(
    mapping: Mapping[str, str], variables: Mapping[str, Any], names: tuple[str, ...], elements: list[Any]
) -> list[dict[str, Any]]:
    """Evaluate a mapping once per element (bound to each of `names`), converting the shared
    variables to CEL once instead of once per element."""
    needed = set().union(*(referenced(src) for src in mapping.values())) if mapping else set()
    ctx = cel.Context({k: v for k, v in variables.items() if k in needed and k not in names})
    programs = [(key, src, compile_expr(src)) for key, src in mapping.items()]
    out = []
    for el in elements:
        for n in names:
            if n in needed:
                ctx.add_variable(n, el)
        row = {}
        for key, src, program in programs:
            try:
                row[key] = to_json(program.execute(ctx))
            except Exception as exc:
                raise ExpressionError(src, _describe(exc)) from None
        out.append(row)
    return out


def evaluate_bool(source: str, variables: Mapping[str, Any]) -> bool:
    value = evaluate(source, variables)
    if not isinstance(value, bool):
        raise ExpressionError(source, f"expected a boolean, got {type(value).__name__}")
    return value


def evaluate_mapping(mapping: Mapping[str, str], variables: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate an `input`/`output` mapping: {key: CEL} → {key: value}."""
    return {key: evaluate(src, variables) for key, src in mapping.items()}


def to_json(value: Any) -> Any:
    """Make a CEL result JSON-serialisable (durations → seconds, timestamps → ISO 8601)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "invalid expression"


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no such key: {exc.args[0]!r}" if exc.args else "no such key"
    return _first_line(str(exc)) or type(exc).__name__


def evaluate_raw(source: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate without JSON conversion (durations stay timedelta, timestamps datetime)."""
    program = compile_expr(source)
    try:
        return program.execute(_context(source, variables))
    except Exception as exc:
        raise ExpressionError(source, _describe(exc)) from None
