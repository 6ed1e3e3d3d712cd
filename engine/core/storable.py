"""Values the databases cannot store, found before they reach a write.

PostgreSQL refuses a NUL character in text and in `jsonb`, a string that is not valid UTF-8 (a
lone surrogate such as "\\ud800" decoded from JSON) cannot be encoded at all, and JSON has no
infinities or NaN (Python's `json` reads `1e999` as `inf`). Deeply nested documents overflow
the recursion of every JSON tool on the way (Python's parser, jsonschema, CEL). `find_unstorable`
walks a decoded JSON value without recursion and names the first such place as a dotted path
(`a.b.0`), so that the API can refuse it with a 400 naming the field (docs/api.md, ADR 0068).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# A lone (unpaired) surrogate: valid in a Python str, not encodable as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Unstorable:
    path: str | None  # dotted path from the root ("a.b.0"); None for the root itself
    message: str


def text_problem(text: str) -> str | None:
    """Why a string cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if _SURROGATE.search(text):
        return "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text"
    return None


def _join(prefix: str | None, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def find_unstorable(value: Any, *, max_depth: int, prefix: str | None = None) -> Unstorable | None:
    """The first value inside `value` that cannot be stored (or nests deeper than `max_depth`
    objects/arrays), with its path under `prefix`; None when everything can be stored."""
    stack: list[tuple[Any, str | None, int]] = [(value, prefix, 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                return Unstorable(path, problem)
        elif isinstance(node, float):
            if not math.isfinite(node):
                return Unstorable(path, "is not a finite number (infinities and NaN cannot be stored)")
        elif isinstance(node, (dict, list)):
            if depth > max_depth:
                return Unstorable(path, f"nests objects and arrays deeper than {max_depth} levels")
            if isinstance(node, dict):
                children = list(node.items())
                for key, _ in children:
                    problem = text_problem(str(key))
                    if problem:
                        return Unstorable(path, f"has a key that {problem}")
                stack.extend((child, _join(path, str(key)), depth + 1) for key, child in reversed(children))
            else:
                stack.extend((child, _join(path, str(i)), depth + 1) for i, child in reversed(list(enumerate(node))))
    return None
