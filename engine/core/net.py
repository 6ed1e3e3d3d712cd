"""The parsed workflow net: an immutable, normalised view of the net JSON.

`parse_net` assumes the document already passed `engine.core.validation.validate_net`
(structure and semantics); it normalises what the engine needs:

* task→task flows become task→condition→task through the implicit condition
  ``<from>__to__<to>`` (the predicate and default flag stay on the first half);
* every task knows its input conditions (in declaration order of the flows) and its
  output flows (in declaration order, which is the evaluation order of XOR/OR splits);
* `join`/`split` default to ``"and"``.

No Django here: this module is imported by the pure engine and its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JOIN_SPLIT_TYPES = ("and", "xor", "or")
FAILURE_POLICIES = ("fail", "continue", "incident")
# How many work items one chain of `next_iteration` directives may make, when the task does not
# say (`max_iterations`): a runaway loop becomes an incident instead of running forever.
DEFAULT_MAX_ITERATIONS = 100


class NetError(ValueError):
    """The document cannot be turned into a net (it was not validated first)."""


@dataclass(frozen=True, slots=True)
class Flow:
    source: str
    target: str
    when: str | None = None
    default: bool = False
    order: int = 0  # position of the original flow in the document


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    kind: str = "normal"  # start | end | normal
    label: str = ""
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class Instances:
    for_each: str | None = None
    as_name: str = "item"
    min: int | None = None
    max: int | None = None
    threshold: int | None = None
    remaining: str = "cancel"  # cancel | continue
    creation: str = "static"  # static | dynamic


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    kind: str
    label: str
    join: str
    split: str
    inputs: tuple[str, ...]  # input condition ids, in flow declaration order
    outputs: tuple[Flow, ...]  # task→condition flows, in evaluation order
    cancels: tuple[str, ...] = ()
    instances: Instances | None = None
    on_failure: str = "incident"
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    spec: Mapping[str, Any] = field(default_factory=dict)  # the task's JSON, for kind settings

    @property
    def output_conditions(self) -> tuple[str, ...]:
        return tuple(f.target for f in self.outputs)


@dataclass(frozen=True, slots=True)
class Net:
    name: str
    title: str
    conditions: Mapping[str, Condition]
    tasks: Mapping[str, Task]  # in declaration order
    flows: tuple[Flow, ...]  # normalised: condition→task and task→condition only
    start: str
    end: str
    data_schema: Mapping[str, Any] | None
    signals: Mapping[str, Mapping[str, Any]]
    queries: Mapping[str, Mapping[str, Any]]
    doc: Mapping[str, Any]
    # condition id → ids of the tasks it feeds (postset), in declaration order
    consumers: Mapping[str, tuple[str, ...]]
    # condition id → ids of the tasks that put tokens in it (preset)
    producers: Mapping[str, tuple[str, ...]]
    # "implicit": the case also completes when nothing is left to do (WCP-11, `termination`)
    implicit_termination: bool = False

    def node_ids(self) -> list[str]:
        return [*self.conditions, *self.tasks]


def implicit_condition_id(source: str, target: str) -> str:
    return f"{source}__to__{target}"


def _instances(spec: Mapping[str, Any] | None) -> Instances | None:
    if spec is None:
        return None
    return Instances(
        for_each=spec.get("for_each"),
        as_name=spec.get("as") or "item",
        min=spec.get("min"),
        max=spec.get("max"),
        threshold=spec.get("threshold"),
        remaining=spec.get("remaining") or "cancel",
        creation=spec.get("creation") or "static",
    )


def parse_net(doc: Mapping[str, Any]) -> Net:
    """Build the normalised `Net` from a validated net document."""
    try:
        conditions: dict[str, Condition] = {}
        start = end = None
        for c in doc.get("conditions", []):
            kind = c.get("kind") or "normal"
            conditions[c["id"]] = Condition(id=c["id"], kind=kind, label=c.get("label") or "")
            if kind == "start":
                start = c["id"]
            elif kind == "end":
                end = c["id"]
        task_specs = {t["id"]: t for t in doc.get("tasks", [])}

        flows: list[Flow] = []
        for order, f in enumerate(doc.get("flows", [])):
            src, dst = f["from"], f["to"]
            when, default = f.get("when"), bool(f.get("default", False))
            if src in task_specs and dst in task_specs:
                mid = implicit_condition_id(src, dst)
                conditions[mid] = Condition(id=mid, implicit=True)
                flows.append(Flow(src, mid, when, default, order))
                flows.append(Flow(mid, dst, None, False, order))
            else:
                flows.append(Flow(src, dst, when, default, order))
    except (KeyError, TypeError, AttributeError) as exc:
        raise NetError(f"malformed net document: {exc!r}") from exc
    if start is None or end is None:
        raise NetError("the net needs one start and one end condition")

    inputs: dict[str, list[str]] = {t: [] for t in task_specs}
    outputs: dict[str, list[Flow]] = {t: [] for t in task_specs}
    consumers: dict[str, list[str]] = {c: [] for c in conditions}
    producers: dict[str, list[str]] = {c: [] for c in conditions}
    for f in flows:
        if f.source in task_specs:
            outputs[f.source].append(f)
            producers.setdefault(f.target, []).append(f.source)
        else:
            inputs[f.target].append(f.source)
            consumers.setdefault(f.source, []).append(f.target)

    tasks: dict[str, Task] = {}
    for tid, spec in task_specs.items():
        kind = spec.get("kind", "manual")
        default_policy = "incident"
        tasks[tid] = Task(
            id=tid,
            kind=kind,
            label=spec.get("label") or tid,
            join=spec.get("join") or "and",
            split=spec.get("split") or "and",
            inputs=tuple(inputs[tid]),
            outputs=tuple(outputs[tid]),
            cancels=tuple(spec.get("cancels") or ()),
            instances=_instances(spec.get("instances")),
            on_failure=spec.get("on_failure") or default_policy,
            max_iterations=spec.get("max_iterations") or DEFAULT_MAX_ITERATIONS,
            spec=spec,
        )

    return Net(
        name=doc.get("name", ""),
        title=doc.get("title") or doc.get("name", ""),
        conditions=conditions,
        tasks=tasks,
        flows=tuple(flows),
        start=start,
        end=end,
        data_schema=doc.get("data_schema"),
        signals={s["name"]: s for s in doc.get("signals", []) or []},
        queries={q["name"]: q for q in doc.get("queries", []) or []},
        doc=doc,
        consumers={k: tuple(v) for k, v in consumers.items()},
        producers={k: tuple(v) for k, v in producers.items()},
        implicit_termination=doc.get("termination") == "implicit",
    )
