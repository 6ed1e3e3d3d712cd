"""A code-first way to write a net: Python calls that produce the same JSON document the
designer saves (docs/net-format.md, schema_version 1), checked by the same validator.

    b = NetBuilder("pipeline", title="Configured pipeline")
    previous = b.start
    for step in ["validate", "transform", "enrich"]:
        task = b.automatic(step, activity="cel.transform", input={...})
        b.flow(previous, task)
        previous = task
    b.flow(previous, b.end)
    doc = b.build()              # raises BuildError listing every problem
    definition_save_draft(doc=doc); definition_publish(name=doc["name"])

`build(activity_exists=..., definition_exists=...)` takes the same optional checks as
`validate_net`; `definitions.services.definition_validate` (run again at publish) checks the
activities and child definitions against the registry and the database.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from .validation import Problem, validate_net


class BuildError(ValueError):
    """The built net does not validate; `problems` lists every error."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "the built net is invalid: " + "; ".join(f"{p.element or 'net'}: {p.message}" for p in problems)
        )


class Node(str):
    """A condition or task id returned by the builder (a str, so plain ids work too)."""


class NetBuilder:
    def __init__(
        self,
        name: str,
        *,
        title: str | None = None,
        description: str | None = None,
        data_schema: Mapping[str, Any] | None = None,
        start: str = "start",
        end: str = "end",
    ):
        self.doc: dict[str, Any] = {"schema_version": 1, "name": name, "conditions": [], "tasks": [], "flows": []}
        if title:
            self.doc["title"] = title
        if description:
            self.doc["description"] = description
        if data_schema is not None:
            self.doc["data_schema"] = dict(data_schema)
        self.start = self.condition(start, kind="start")
        self.end = self.condition(end, kind="end")

    # -- nodes ------------------------------------------------------------------------------

    def condition(self, cid: str, *, kind: str | None = None, label: str | None = None) -> Node:
        spec: dict[str, Any] = {"id": cid}
        if kind:
            spec["kind"] = kind
        if label:
            spec["label"] = label
        self.doc["conditions"].append(spec)
        return Node(cid)

    def task(self, tid: str, kind: str, **spec: Any) -> Node:
        """Any task: `spec` holds the fields of docs/net-format.md (join, split, input, output, retry...);
        None values are left out."""
        self.doc["tasks"].append({"id": tid, "kind": kind, **{k: v for k, v in spec.items() if v is not None}})
        return Node(tid)

    def automatic(self, tid: str, *, activity: str, **spec: Any) -> Node:
        return self.task(tid, "automatic", activity=activity, **spec)

    def manual(self, tid: str, **spec: Any) -> Node:
        return self.task(tid, "manual", **spec)

    def dummy(self, tid: str, **spec: Any) -> Node:
        return self.task(tid, "dummy", **spec)

    def composite(self, tid: str, *, workflow: str, **spec: Any) -> Node:
        return self.task(tid, "composite", workflow=workflow, **spec)

    def timer(self, tid: str, *, duration: str | None = None, at: str | None = None, **spec: Any) -> Node:
        return self.task(tid, "timer", duration=duration, at=at, **spec)

    def signal_task(self, tid: str, *, signal: str, **spec: Any) -> Node:
        return self.task(tid, "signal", signal=signal, **spec)

    # -- edges and declarations --------------------------------------------------------------

    def flow(self, source: str, target: str, *, when: str | None = None, default: bool = False) -> NetBuilder:
        f: dict[str, Any] = {"from": str(source), "to": str(target)}
        if when is not None:
            f["when"] = when
        if default:
            f["default"] = True
        self.doc["flows"].append(f)
        return self

    def sequence(self, *nodes: str) -> NetBuilder:
        """Flows from each node to the next."""
        for a, b in zip(nodes, nodes[1:], strict=False):
            self.flow(a, b)
        return self

    def signal(
        self,
        name: str,
        *,
        schema: Mapping[str, Any] | None = None,
        output: Mapping[str, str] | None = None,
        persistent: bool | None = None,
    ) -> NetBuilder:
        decl: dict[str, Any] = {"name": name}
        if schema is not None:
            decl["schema"] = dict(schema)
        if output is not None:
            decl["output"] = dict(output)
        if persistent is not None:
            decl["persistent"] = persistent
        self.doc.setdefault("signals", []).append(decl)
        return self

    def query(self, name: str, expr: str) -> NetBuilder:
        self.doc.setdefault("queries", []).append({"name": name, "expr": expr})
        return self

    # -- result -----------------------------------------------------------------------------

    def build(
        self,
        *,
        activity_exists: Callable[[str], bool] | None = None,
        definition_exists: Callable[[str], bool] | None = None,
    ) -> dict[str, Any]:
        """The net document (a copy), after validation; BuildError when it has errors."""
        doc = copy.deepcopy(self.doc)
        result = validate_net(doc, activity_exists=activity_exists, definition_exists=definition_exists)
        if not result.valid:
            raise BuildError(result.errors)
        return doc
