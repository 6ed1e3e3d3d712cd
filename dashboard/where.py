"""The case list's data filter: a small, safe subset of CEL turned into a database filter.

    data.customer == "ACME" && data.amount >= 100 && has(data.approved)

Grammar (whitespace between tokens is free):

    where   := clause ("&&" clause)*
    clause  := path op literal | path "in" "[" literal ("," literal)* "]" | "has(" path ")"
    path    := "data" ("." key)+            key: [A-Za-z_][A-Za-z0-9_]* (no "__")
    op      := == != < <= > >=
    literal := "string" | 'string' | number | true | false | null

Nothing is evaluated in Python: each clause becomes a lookup on the JSON field whose lookup name is always
spelled out (`data__contains__exact`), so a key named like a lookup - `contains`, `gt` - is
still a key. Equality becomes JSON containment on PostgreSQL (`data @> {...}`),
which the GIN index of migration engine 0003 serves; elsewhere a key comparison. See ADR 0042.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from engine.core.errors import InvalidInput
from engine.core.storable import find_unstorable

MAX_LENGTH = 1000
MAX_CLAUSES = 10
# Numbers the databases compare exactly (SQLite's integers are 64-bit).
MAX_INTEGER = 2**63 - 1
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<op>==|!=|<=|>=|<|>|&&|\(|\)|\[|\]|,|\.)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_OPS = {"==": "exact", "!=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


@dataclass(frozen=True)
class Clause:
    path: tuple[str, ...]
    op: str  # == != < <= > >= in has
    value: Any = None


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _error(f"unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _error(message: str) -> InvalidInput:
    return InvalidInput(f"where: {message}", errors=[{"field": "where", "message": message}])


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _error(f"expected {value or kind} at the end")
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise _error(f"expected {value or kind}, found {tok[1]!r}")
        self.i += 1
        return tok

    def where(self) -> list[Clause]:
        clauses = [self.clause()]
        while self.peek() is not None:
            self.take("op", "&&")
            clauses.append(self.clause())
        if len(clauses) > MAX_CLAUSES:
            raise _error(f"at most {MAX_CLAUSES} clauses")
        return clauses

    def clause(self) -> Clause:
        tok = self.peek()
        if tok == ("word", "has"):
            self.take()
            self.take("op", "(")
            path = self.path()
            self.take("op", ")")
            return Clause(path, "has")
        path = self.path()
        tok = self.take()
        if tok == ("word", "in"):
            self.take("op", "[")
            values = [self.literal()]
            while self.peek() == ("op", ","):
                self.take()
                values.append(self.literal())
            self.take("op", "]")
            return Clause(path, "in", values)
        if tok[0] != "op" or tok[1] not in _OPS:
            raise _error(f"expected a comparison (== != < <= > >= in), found {tok[1]!r}")
        value = self.literal()
        if tok[1] not in ("==", "!=") and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
            raise _error(f"{tok[1]} compares numbers or strings")
        return Clause(path, tok[1], value)

    def path(self) -> tuple[str, ...]:
        self.take("word", "data")
        keys: list[str] = []
        while self.peek() == ("op", "."):
            self.take()
            key = self.take("word")[1]
            if not _KEY.fullmatch(key) or "__" in key:
                raise _error(f"not a usable key: {key!r}")
            keys.append(key)
        if not keys:
            raise _error("a path names a field of the data: data.<field>")
        return tuple(keys)

    def literal(self) -> Any:
        value = self._literal()
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            raise _error(f"the number {value} is out of range (at most {MAX_INTEGER} either side of 0)")
        problem = find_unstorable(value, max_depth=1)
        if problem is not None:
            raise _error(f"the value {problem.message}")
        return value

    def _literal(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            if text[0] == "'":
                text = '"' + text[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
            try:
                return json.loads(text)
            except ValueError:
                raise _error(f"bad string {text}") from None
        if kind == "num":
            return json.loads(text)
        if kind == "word" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise _error(f"expected a value (string, number, true, false, null), found {text!r}")


def parse(text: str) -> list[Clause]:
    """Parse a `where` text into clauses; InvalidInput (400) on anything else."""
    if len(text) > MAX_LENGTH:
        raise _error(f"at most {MAX_LENGTH} characters")
    if not text.strip():
        raise _error("empty")
    return _Parser(_tokens(text)).where()


def _lookup(path: tuple[str, ...], name: str, value: Any) -> Q:
    # The lookup name is always spelled out, so every part before it is read as a key (a key
    # named `contains` or `gt` stays a key); keys are identifiers without "__" (see _KEY).
    return Q(**{"__".join(("data", *path, name)): value})


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc: Any = value
    for key in reversed(path):
        doc = {key: doc}
    return doc


def _equals(path: tuple[str, ...], value: Any) -> Q:
    if connection.vendor == "postgresql":
        return Q(data__contains=_nested(path, value))  # served by the GIN index
    return _lookup(path, "exact", value)


def to_q(clauses: list[Clause]) -> Q:
    """One Q for all clauses (AND)."""
    q = Q()
    for c in clauses:
        if c.op == "has":
            q &= _lookup(c.path, "isnull", False)
        elif c.op == "==":
            q &= _equals(c.path, c.value)
        elif c.op == "!=":
            q &= _lookup(c.path, "isnull", False) & ~_equals(c.path, c.value)
        elif c.op == "in":
            alternatives = Q()
            for v in c.value:  # each value an equality (containment on PostgreSQL)
                alternatives |= _equals(c.path, v)
            q &= alternatives
        else:
            q &= _lookup(c.path, _OPS[c.op], c.value)
    return q
