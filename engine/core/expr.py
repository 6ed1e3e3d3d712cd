"""CEL expressions: compiled once, evaluated many times. Never Python `eval`.

Uses the `common-expression-language` package (a Rust CEL implementation). Compiled
programs are cached by source text, so a published version's expressions are compiled on
first use and reused by every case of that version.

**Limits** (docs/limits.md, ADR 0066). The library has no cost limit, and it holds the GIL
while it evaluates: an expression mapping a 100-element list three levels deep ran for 28 s and
froze every thread of the web server. So, in pure Python:
- an expression longer than `LIMITS.cel_max_length` characters does not compile (the Rust parser
  recurses per nesting level: a very long chain crashes the process);
- every comprehension step (`map`, `filter`, `all`, `exists`, `exists_one`) calls back into
  Python (`_meter`): the source is rewritten at compile time so that each step's result passes
  through `_wf_step(...)`. A step costs 1, plus the length of the list, map or string it
  produces; past `LIMITS.cel_max_cost` or `LIMITS.cel_timeout` seconds the callback raises, which stops
  the evaluation at once with an `ExpressionLimitExceeded`. Expressions without comprehensions
  are linear in their length and the data, and run without the callback.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cel

from .limits import LIMITS


class ExpressionError(ValueError):
    """A CEL expression failed to compile or to evaluate. The engine turns it into a failed
    task or work item where the semantics say so; one that reaches an API still answers a
    clear 409 (`expression_failed`), never a 500."""

    code = "expression_failed"
    http_status = 409

    def __init__(self, source: str, message: str):
        super().__init__(f"{message} (in CEL `{_shorten(source)}`)")
        self.source = source
        self.message = message


class ExpressionLimitExceeded(ExpressionError):
    """An evaluation went past its cost or time limit (`LIMITS`)."""

    code = "expression_limit"


STEP_FUNCTION = "_wf_step"
MACROS = frozenset({"map", "filter", "all", "exists", "exists_one"})


class _Meter:
    """Counts one evaluation's comprehension steps and watches its clock."""

    __slots__ = ("cost", "deadline", "max_cost", "exceeded")

    def __init__(self) -> None:
        self.cost = 0
        self.max_cost = LIMITS.cel_max_cost
        self.deadline = time.monotonic() + LIMITS.cel_timeout
        self.exceeded: str | None = None

    def step(self, value: Any) -> Any:
        self.cost += 1 + (len(value) if isinstance(value, (list, dict, str, bytes)) else 0)
        if self.cost > self.max_cost:
            self.exceeded = f"the evaluation went past its cost limit ({self.max_cost} steps)"
            raise _Stop(self.exceeded)
        if time.monotonic() > self.deadline:
            self.exceeded = f"the evaluation went past its time limit ({LIMITS.cel_timeout:g} s)"
            raise _Stop(self.exceeded)
        return value


class _Stop(Exception):
    pass


@dataclass(frozen=True)
class _Compiled:
    program: Any
    metered: bool  # the source has comprehensions: evaluate with a `_Meter`


def compile_expr(source: str) -> Any:
    """The compiled program of `source`."""
    return _compiled(source).program


def _compiled(source: str) -> _Compiled:
    if len(source) > LIMITS.cel_max_length:
        raise ExpressionError(
            source, f"the expression is {len(source)} characters long; at most {LIMITS.cel_max_length} are allowed"
        )
    return _compile(source)


@lru_cache(maxsize=8192)
def _compile(source: str) -> _Compiled:
    try:
        rewritten, metered = instrument(source)
        return _Compiled(cel.compile(rewritten), metered)
    except ExpressionError:
        raise
    except Exception as exc:  # the binding raises ValueError with the parser's message
        raise ExpressionError(source, _first_line(str(exc))) from None


def _run(source: str, context: Any) -> Any:
    """Execute `source` over `context` (a dict, or a `cel.Context` without functions)."""
    compiled = _compiled(source)
    if not compiled.metered:
        return compiled.program.execute(context)
    meter = _Meter()
    ctx = context if isinstance(context, cel.Context) else cel.Context(context)
    ctx.add_function(STEP_FUNCTION, meter.step)
    try:
        value = compiled.program.execute(ctx)
    except Exception:
        if meter.exceeded:
            raise ExpressionLimitExceeded(source, meter.exceeded) from None
        raise
    if meter.exceeded:  # stopped, but `||`/`&&` absorbed the error: still over the limit
        raise ExpressionLimitExceeded(source, meter.exceeded)
    return value


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
    return frozenset(compile_expr(source).variables()) - {STEP_FUNCTION}


def _context(source: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    names = referenced(source)
    return {k: v for k, v in variables.items() if k in names}


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    compile_expr(source)
    try:
        return to_json(_run(source, _context(source, variables)))
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(source, _describe(exc)) from None


def evaluate_mapping_each(
    mapping: Mapping[str, str], variables: Mapping[str, Any], names: tuple[str, ...], elements: list[Any]
) -> list[dict[str, Any]]:
    """Evaluate a mapping once per element (bound to each of `names`), converting the shared
    variables to CEL once instead of once per element."""
    needed = set().union(*(referenced(src) for src in mapping.values())) if mapping else set()
    ctx = cel.Context({k: v for k, v in variables.items() if k in needed and k not in names})
    programs = [(key, src, _compiled(src)) for key, src in mapping.items()]
    out = []
    for el in elements:
        for n in names:
            if n in needed:
                ctx.add_variable(n, el)
        row = {}
        for key, src, compiled in programs:
            try:
                row[key] = to_json(compiled.program.execute(ctx) if not compiled.metered else _run(src, ctx))
            except ExpressionError:
                raise
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
    compile_expr(source)
    try:
        return _run(source, _context(source, variables))
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(source, _describe(exc)) from None


def _shorten(source: str, most: int = 200) -> str:
    return source if len(source) <= most else source[:most] + "…"


# ---------------------------------------------------------------------- instrumenting


def instrument(source: str) -> tuple[str, bool]:
    """`source` with every comprehension step wrapped in `_wf_step(...)`, and whether it has
    any. A small CEL lexer finds the macro calls `.map(`, `.filter(`, `.all(`, `.exists(`,
    `.exists_one(` and their arguments; every argument after the loop variable (the predicate,
    the transform) is wrapped, so each step hands its result to the meter. Strings and comments
    are skipped; a source the lexer cannot follow is returned as it is (the compiler then
    reports its error)."""
    tokens = _lex(source)
    if tokens is None:
        return source, False
    spans: list[tuple[int, int]] = []
    stack: list[tuple[bool, list[list[int]]]] = []  # open brackets: (a macro call?, its arguments)

    def touch(start: int, end: int) -> None:
        if stack:
            arg = stack[-1][1][-1]
            if arg[0] < 0:
                arg[0] = start
            arg[1] = end

    for i, (text, start, end) in enumerate(tokens):
        if text in ("(", "[", "{"):
            touch(start, end)
            macro = text == "(" and i >= 2 and tokens[i - 1][0] in MACROS and tokens[i - 2][0] == "."
            stack.append((macro, [[-1, -1]]))
        elif text in (")", "]", "}"):
            if not stack:
                return source, False
            macro, args = stack.pop()
            if macro:
                spans.extend((a, b) for a, b in args[1:] if a >= 0)
            touch(start, end)
        elif text == "," and stack:
            stack[-1][1].append([-1, -1])
        else:
            touch(start, end)
    if stack or not spans:
        return source, False
    edits = [(a, STEP_FUNCTION + "(") for a, _ in spans] + [(b, ")") for _, b in spans]
    out = source
    for pos, text in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:pos] + text + out[pos:]
    return out, True


_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_PART = _IDENT_START | frozenset("0123456789")
_NUMBER_PART = _IDENT_PART | frozenset(".")


def _lex(source: str) -> list[tuple[str, int, int]] | None:
    """(text, start, end) of each token that matters here: identifiers, numbers, strings (as
    one token), punctuation (one character each); None when a string is not closed."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c.isspace():
            i += 1
        elif source.startswith("//", i):
            nl = source.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif c in _IDENT_START:
            j = i + 1
            while j < n and source[j] in _IDENT_PART:
                j += 1
            word = source[i:j]
            if j < n and source[j] in "'\"" and word.lower() in ("r", "b", "rb", "br"):
                end = _string_end(source, j, raw="r" in word.lower())
                if end < 0:
                    return None
                out.append(("'", i, end))
                i = end
            else:
                out.append((word, i, j))
                i = j
        elif c.isdigit() or (c == "." and i + 1 < n and source[i + 1].isdigit()):
            j = i + 1
            while j < n and (source[j] in _NUMBER_PART or (source[j] in "+-" and source[j - 1] in "eE")):
                if source[j] == "." and not (j + 1 < n and source[j + 1].isdigit()):
                    break
                j += 1
            out.append(("0", i, j))
            i = j
        elif c in "'\"":
            end = _string_end(source, i, raw=False)
            if end < 0:
                return None
            out.append(("'", i, end))
            i = end
        else:
            out.append((c, i, i + 1))
            i += 1
    return out


def _string_end(source: str, i: int, *, raw: bool) -> int:
    """The index after the string literal opening at `i` (-1 if it never closes)."""
    quote = source[i] * 3 if source.startswith(source[i] * 3, i) else source[i]
    j = i + len(quote)
    while j < len(source):
        if not raw and source[j] == "\\":
            j += 2
        elif source.startswith(quote, j):
            return j + len(quote)
        else:
            j += 1
    return -1
