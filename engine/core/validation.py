"""Validation of a net document: every problem, each with the element at fault.

`validate_net` checks a net document (see docs/net-format.md) in two passes and reports every
problem it finds rather than stopping at the first:

1. **Structure**: the JSON Schema `schema/net.schema.json` (draft 2020-12, compiled once at
   import). Each schema error is mapped to the condition/task/flow it sits in.
2. **Semantics** (only on the parts that are well-formed enough to look at): unique ids,
   exactly one start and one end condition, flows between known nodes (never
   condition→condition, never into the start or out of the end condition), every node on a
   path from start to end (implicit ``<from>__to__<to>`` conditions included, as
   `engine.core.net.parse_net` builds them), splits and their `default`/`when` flags, every CEL
   expression compiles, kind-specific requirements, cancellation sets, assignment, instance
   bounds, embedded JSON Schemas, unique signal and query names.

A `Problem` names its element: a condition or task id; ``"<from>-><to>"`` for a flow; None for
the net as a whole (top-level fields, signals, queries: the message names them). Its `path`
is a JSON pointer into the document (``/flows/3/when``, ``/tasks/2/activity``).

The `workflow` of a composite task: a **plain definition name** (it matches
``^[A-Za-z0-9][A-Za-z0-9_.-]*$``, see `is_plain_name`) is taken literally as the name of the
child definition, even when it would also parse as CEL (``invoice.approval`` is the definition
"invoice.approval", not a field access). Anything else is a CEL expression that must give the
name at run time, e.g. ``'process-' + item.type`` or ``string(data.child)``.

Pure Python (no Django), fast enough to run on every edit in the designer: a 300-node net
with a form on every task validates in about 50 ms.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urljoin

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema_specifications import REGISTRY as _SPEC_REGISTRY  # type: ignore[import-untyped]

from .expr import check_expr
from .kinds import KINDS
from .limits import LIMITS
from .names import PLAIN_NAME as PLAIN_NAME_RE
from .names import is_plain_name  # shared with the engine, which resolves child workflows
from .net import implicit_condition_id

__all__ = [
    "NET_SCHEMA",
    "NET_SCHEMA_PATH",
    "PLAIN_NAME_RE",
    "Problem",
    "ValidationResult",
    "is_plain_name",
    "validate_net",
]

NET_SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "net.schema.json"
NET_SCHEMA: dict[str, Any] = json.loads(NET_SCHEMA_PATH.read_text(encoding="utf-8"))


# Speed. jsonschema resolves every `$ref` through `referencing` at validation time, which
# dominates the cost for a big net (and `check_schema` also builds a new metaschema validator
# per call). So both schemas are compiled once here with their references resolved ahead:
#
# * the net schema: its local `#/$defs/...` references are inlined (it has no recursion);
# * the draft 2020-12 metaschema (used for `form`, `data_schema` and signal `schema`): its
#   vocabulary metaschemas are merged into one schema (their `properties` never overlap),
#   non-recursive references are inlined, and the recursive `{"$dynamicRef": "#meta"}` (which
#   always means the whole metaschema here) becomes a keyword that descends into it directly.
#   Same verdicts as `Draft202012Validator.check_schema`, about ten times faster;
#   `test_validation.py` compares the two.


def _resolve_ref(ref: str, base: str, root: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    uri = urljoin(base, ref)
    doc_uri, _, fragment = uri.partition("#")
    node: Any = root if root is not None and doc_uri == base.partition("#")[0] else None
    if node is None:
        node = _SPEC_REGISTRY[doc_uri].contents
    for part in fragment.split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, doc_uri


_META_KEYWORD = "x-metaschema"
_LITERAL_KEYWORDS = frozenset({"enum", "const", "default", "examples", "$defs", "$comment"})
_SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "dependentSchemas"})


def _compile_refs(node: Any, base: str, root: Mapping[str, Any] | None) -> Any:
    """`node` with its `$ref`s inlined (as `allOf`) and `$dynamicRef: #meta` marked."""
    if isinstance(node, list):
        return [_compile_refs(x, base, root) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$dynamicRef" and value == "#meta":
            out[_META_KEYWORD] = True
        elif key == "$ref" and isinstance(value, str):
            target, doc_uri = _resolve_ref(value, base, root)
            target_root = root if root is not None and doc_uri == base.partition("#")[0] else None
            out.setdefault("allOf", []).append(_compile_refs(target, doc_uri, target_root))
        elif key in _LITERAL_KEYWORDS:
            out[key] = value
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            out[key] = {name: _compile_refs(sub, base, root) for name, sub in value.items()}
        else:
            out[key] = _compile_refs(value, base, root)
    # a lone `$ref` needs no `allOf` wrapper: its errors then read as the target's own
    if set(out) == {"allOf"} and len(out["allOf"]) == 1 and "$ref" in node and len(node) == 1:
        inlined: dict[str, Any] = out["allOf"][0]
        return inlined
    return out


def _flat_metaschema() -> dict[str, Any]:
    root = Draft202012Validator.META_SCHEMA
    base = str(root["$id"])
    parts = [root] + [_resolve_ref(r["$ref"], base)[0] for r in root["allOf"]]
    properties: dict[str, Any] = {}
    for part in parts:
        for name, sub in part.get("properties", {}).items():
            if name in properties:  # never in draft 2020-12; guards against a changed metaschema
                raise ValueError(f"metaschema keyword {name!r} defined twice")
            properties[name] = _compile_refs(sub, str(part["$id"]), None)
    return {"type": ["object", "boolean"], "properties": properties}


def _descend_into_metaschema(validator: Any, _value: Any, instance: Any, _schema: Any) -> Any:
    yield from validator.descend(instance, _FLAT_METASCHEMA)


_NET_VALIDATOR = Draft202012Validator(_compile_refs(NET_SCHEMA, str(NET_SCHEMA["$id"]), NET_SCHEMA))
_FLAT_METASCHEMA = _flat_metaschema()
_extend: Callable[..., Any] = validators.extend
_META_VALIDATOR = _extend(Draft202012Validator, {_META_KEYWORD: _descend_into_metaschema})(
    _FLAT_METASCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


# Names the engine binds in CEL; a multi-instance `as` that reuses one hides it.
_CEL_VARIABLES = ("data", "result", "results", "item", "signal", "case")

_TASK_FIELDS = frozenset(NET_SCHEMA["$defs"]["task"]["properties"])
_TOP_FIELDS = frozenset(NET_SCHEMA["properties"])


@dataclass(frozen=True)
class Problem:
    element: str | None  # condition/task id; "<from>-><to>" for a flow; None for the net
    message: str
    path: str = ""  # JSON pointer into the document, e.g. "/flows/3/when"
    # "schema" (not a well-formed net), "cel" (an expression that does not compile) or "graph"
    # (the net's shape or references): a draft may be saved with graph problems, not the others
    kind: str = "graph"

    def as_dict(self) -> dict[str, Any]:
        return {"element": self.element, "message": self.message, "path": self.path}


@dataclass
class ValidationResult:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The API's answer: ``{"valid", "errors", "warnings"}``."""
        return {
            "valid": self.valid,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def validate_net(
    doc: object,
    *,
    activity_exists: Callable[[str], bool] | None = None,
    definition_exists: Callable[[str], bool] | None = None,
) -> ValidationResult:
    """Check a net document; report every error and warning found.

    `activity_exists(name)` (optional) tells whether an automatic task's activity is
    registered; `definition_exists(name)` (optional) whether a composite task's plain
    `workflow` name is a known definition. Without them those references are not checked.
    """
    result = ValidationResult()
    if not isinstance(doc, dict):
        result.errors.append(Problem(None, "the net must be a JSON object", "", "schema"))
        return result
    _Checker(doc, result, activity_exists, definition_exists).run()
    return result


# --------------------------------------------------------------------------------------------
# helpers


def _ptr(*parts: object) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(value: object, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _flow_element(flow: Mapping[str, Any]) -> str:
    src, dst = flow.get("from"), flow.get("to")
    return f"{src if isinstance(src, str) else '?'}->{dst if isinstance(dst, str) else '?'}"


def _items(doc: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, element) for the dict elements of the list `doc[key]` (others: schema errors)."""
    seq = doc.get(key)
    if not isinstance(seq, list):
        return []
    return [(i, x) for i, x in enumerate(seq) if isinstance(x, dict)]


def _describe_schema_error(err: ValidationError) -> str:
    """A short message for a schema error (jsonschema's own may quote a huge instance)."""
    v: Any = err.validator
    inst: Any = err.instance
    value: Any = err.validator_value
    if v == "required" and isinstance(value, list) and isinstance(inst, dict):
        missing = [k for k in value if k not in inst]
        return "missing required field " + ", ".join(f"'{k}'" for k in missing)
    if v == "additionalProperties" and isinstance(inst, dict):
        known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = [k for k in inst if k not in known]
        return "unknown field " + ", ".join(f"'{k}'" for k in extra)
    if v == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        shown = [t for t in wanted if t != "null"] or wanted
        return f"expected {' or '.join(shown)}, got {_json_type(inst)}"
    if v == "enum":
        options = ", ".join(_short(o) for o in value if o is not None)
        return f"{_short(inst)} is not one of {options}"
    if v == "const":
        return f"must be {_short(value)}, got {_short(inst)}"
    if v == "pattern":
        if err.path and err.path[-1] == "id":
            return f"{_short(inst)} is not a valid id (letters, digits, '_' and '-', starting with a letter or '_')"
        return f"{_short(inst)} does not match {value}"
    if v == "minLength" and value == 1:
        return "must not be empty"
    if v in ("anyOf", "oneOf") and err.context:
        if all(e.validator == "type" and not e.relative_path for e in err.context):
            alternatives: list[str] = []
            for e in err.context:
                types: Any = e.validator_value
                for t in [types] if isinstance(types, str) else types:
                    if t not in alternatives:
                        alternatives.append(t)
            shown = [t for t in alternatives if t != "null"] or alternatives
            return f"expected {' or '.join(shown)}, got {_json_type(inst)}"
        return _describe_schema_error(best_match(err.context))
    message = err.message
    return message if len(message) <= 200 else message[:197] + "..."


# --------------------------------------------------------------------------------------------
# the checker


class _Checker:
    def __init__(
        self,
        doc: dict[str, Any],
        result: ValidationResult,
        activity_exists: Callable[[str], bool] | None,
        definition_exists: Callable[[str], bool] | None,
    ) -> None:
        self.doc = doc
        self.result = result
        self.activity_exists = activity_exists
        self.definition_exists = definition_exists
        self.conditions = [(i, c) for i, c in _items(doc, "conditions") if isinstance(c.get("id"), str)]
        self.tasks = [(i, t) for i, t in _items(doc, "tasks") if isinstance(t.get("id"), str)]
        self.flows = _items(doc, "flows")
        # id → (collection, index); the first declaration wins when an id is duplicated
        self.nodes: dict[str, tuple[str, int]] = {}
        self.task_specs: dict[str, dict[str, Any]] = {}
        self.task_index: dict[str, int] = {}
        self.condition_ids: set[str] = set()
        self.implicit: set[str] = set()  # implicit condition ids of task→task flows
        self.starts: set[str] = set()
        self.ends: set[str] = set()
        self.inputs: dict[str, int] = {}  # node id → number of flows into it
        self.outputs: dict[str, int] = {}  # node id → number of flows out of it
        self.signal_names: set[str] = set()  # the signals the net declares (check_tasks)

    def activity_known(self, name: str) -> bool:
        return self.activity_exists is None or self.activity_exists(name)

    def error(self, element: str | None, message: str, path: str, kind: str = "graph") -> None:
        self.result.errors.append(Problem(element, message, path, kind))

    def warning(self, element: str | None, message: str, path: str) -> None:
        self.result.warnings.append(Problem(element, message, path))

    def run(self) -> None:
        self.check_schema()
        self.check_unknown_fields()
        self.collect_nodes()
        self.check_start_end()
        graph_flows = self.check_flows()
        self.check_graph(graph_flows)
        self.check_splits()
        self.check_tasks()
        self.check_signals_and_queries()
        self.check_data_schema()

    # -- structure ----------------------------------------------------------------------------

    def check_schema(self) -> None:
        for err in _NET_VALIDATOR.iter_errors(self.doc):
            path = list(err.absolute_path)
            element, rel, prefix = self.locate(path)
            where = ".".join(str(p) for p in rel)
            text = _describe_schema_error(err)
            if where:
                text = f"{where}: {text}"
            self.error(element, prefix + text, _ptr(*path), "schema")

    def locate(self, path: Sequence[object]) -> tuple[str | None, list[object], str]:
        """(element, path inside the element, message prefix) of a document location."""
        if len(path) >= 2 and isinstance(path[1], int):
            key, idx = path[0], path[1]
            seq = self.doc.get(str(key))
            item = seq[idx] if isinstance(seq, list) and idx < len(seq) else None
            rel = list(path[2:])
            if key in ("conditions", "tasks"):
                ident = item.get("id") if isinstance(item, dict) else None
                return (ident if isinstance(ident, str) else None), rel, ""
            if key == "flows":
                return (_flow_element(item) if isinstance(item, dict) else None), rel, ""
            if key in ("signals", "queries"):
                name = item.get("name") if isinstance(item, dict) else None
                what = "signal" if key == "signals" else "query"
                label = f"{what} '{name}'" if isinstance(name, str) else f"{what} #{idx}"
                return None, rel, f"{label}: "
        return None, list(path), ""

    def check_unknown_fields(self) -> None:
        for key in self.doc:
            if key not in _TOP_FIELDS:
                self.warning(None, f"unknown top-level field '{key}' (ignored)", _ptr(key))
        for i, t in self.tasks:
            for key in t:
                if key not in _TASK_FIELDS:
                    self.warning(t["id"], f"unknown task field '{key}' (ignored)", _ptr("tasks", i, key))

    # -- nodes ------------------------------------------------------------------------------

    def collect_nodes(self) -> None:
        for coll, items in (("conditions", self.conditions), ("tasks", self.tasks)):
            for i, x in items:
                ident = x["id"]
                if ident in self.nodes:
                    other_coll, j = self.nodes[ident]
                    self.error(
                        ident,
                        f"duplicate id '{ident}' (already used at {_ptr(other_coll, j)})",
                        _ptr(coll, i, "id"),
                    )
                    continue
                self.nodes[ident] = (coll, i)
                if coll == "tasks":
                    self.task_specs[ident] = x
                    self.task_index[ident] = i
                else:
                    self.condition_ids.add(ident)

    def check_start_end(self) -> None:
        for kind in ("start", "end"):
            found = [(i, c) for i, c in self.conditions if c.get("kind") == kind]
            if not found:
                self.error(None, f"the net has no {kind} condition (exactly one is needed)", "/conditions")
            elif len(found) > 1:
                names = ", ".join(f"'{c['id']}'" for _, c in found)
                for i, c in found:
                    self.error(
                        c["id"],
                        f"the net has {len(found)} {kind} conditions ({names}); exactly one is allowed",
                        _ptr("conditions", i, "kind"),
                    )
        self.starts = {c["id"] for _, c in self.conditions if c.get("kind") == "start"}
        self.ends = {c["id"] for _, c in self.conditions if c.get("kind") == "end"}

    # -- flows ------------------------------------------------------------------------------

    def check_flows(self) -> list[tuple[int, str, str]]:
        """Check each flow; return the (index, from, to) of those between known nodes."""
        good: list[tuple[int, str, str]] = []
        seen: dict[tuple[str, str], int] = {}
        for i, f in self.flows:
            src, dst = f.get("from"), f.get("to")
            if not isinstance(src, str) or not isinstance(dst, str):
                continue  # the schema reported it
            el = f"{src}->{dst}"
            self.outputs[src] = self.outputs.get(src, 0) + 1
            self.inputs[dst] = self.inputs.get(dst, 0) + 1
            when = f.get("when")
            if isinstance(when, str):
                self.cel(when, el, _ptr("flows", i, "when"), "when")
            ok = True
            if src not in self.nodes:
                self.error(el, f"flow from unknown id '{src}'", _ptr("flows", i, "from"))
                ok = False
            if dst not in self.nodes:
                self.error(el, f"flow to unknown id '{dst}'", _ptr("flows", i, "to"))
                ok = False
            if not ok:
                continue
            if (src, dst) in seen:
                self.error(el, f"duplicate flow {el} (also /flows/{seen[(src, dst)]})", _ptr("flows", i))
            else:
                seen[(src, dst)] = i
            src_is_cond, dst_is_cond = src in self.condition_ids, dst in self.condition_ids
            if src_is_cond and dst_is_cond:
                self.error(el, "a flow cannot join two conditions (put a task between them)", _ptr("flows", i))
            if dst in self.starts:
                self.error(el, f"no flow may enter the start condition '{dst}'", _ptr("flows", i, "to"))
            if src in self.ends:
                self.error(el, f"no flow may leave the end condition '{src}'", _ptr("flows", i, "from"))
            if src_is_cond and not dst_is_cond:
                for flag in ("when", "default"):
                    if f.get(flag) not in (None, False):
                        self.error(
                            el,
                            f"a flow out of a condition cannot have `{flag}`: the tasks it feeds "
                            "form a deferred choice (the first to start wins)",
                            _ptr("flows", i, flag),
                        )
            if not src_is_cond and not dst_is_cond:
                mid = implicit_condition_id(src, dst)
                if mid in self.nodes and mid not in self.implicit:
                    coll, j = self.nodes[mid]
                    self.error(
                        mid,
                        f"id '{mid}' clashes with the implicit condition of the flow {el}",
                        _ptr(coll, j, "id"),
                    )
                self.implicit.add(mid)
            good.append((i, src, dst))
        return good

    def check_graph(self, flows: list[tuple[int, str, str]]) -> None:
        succ: dict[str, list[str]] = {}
        pred: dict[str, list[str]] = {}

        def edge(a: str, b: str) -> None:
            succ.setdefault(a, []).append(b)
            pred.setdefault(b, []).append(a)

        for _, src, dst in flows:
            if src in self.task_specs and dst in self.task_specs:
                mid = implicit_condition_id(src, dst)
                edge(src, mid)
                edge(mid, dst)
            else:
                edge(src, dst)

        no_input: set[str] = set()
        no_output: set[str] = set()
        # tasks with `entry: "directive"` are entered by an activity's next_tasks directive: they
        # may have no input flow, and count as reachable (they still must reach the end)
        entries = {tid for tid in self.task_index if self.task_specs[tid].get("entry") == "directive"}
        for tid, i in self.task_index.items():
            if not self.inputs.get(tid):
                no_input.add(tid)
                if tid not in entries:
                    self.error(tid, f"task '{tid}' has no input flow", _ptr("tasks", i))
            if not self.outputs.get(tid):
                no_output.add(tid)
                self.error(tid, f"task '{tid}' has no output flow", _ptr("tasks", i))

        forward = _reach([*self.starts, *sorted(entries)], succ) if self.starts else None
        backward = _reach(self.ends, pred) if self.ends else None
        # implicit termination (WCP-11): a branch may end anywhere (the end condition may even go
        # unused): the case completes when nothing is left to do
        implicit = self.doc.get("termination") == "implicit"
        for ident, (coll, i) in self.nodes.items():
            if implicit and ident in self.ends:
                continue
            if forward is not None and ident not in forward and ident not in no_input:
                self.error(ident, f"'{ident}' is not reachable from the start condition", _ptr(coll, i))
            if backward is not None and ident not in backward and ident not in no_output and not implicit:
                self.error(ident, f"the end condition cannot be reached from '{ident}'", _ptr(coll, i))

    def check_splits(self) -> None:
        outs: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for i, f in self.flows:
            src, dst = f.get("from"), f.get("to")
            if isinstance(src, str) and src in self.task_specs and isinstance(dst, str) and dst in self.nodes:
                outs.setdefault(src, []).append((i, f))
        for tid, flows in outs.items():
            spec = self.task_specs[tid]
            split = spec.get("split") or "and"
            ti = self.task_index[tid]
            if split not in ("xor", "or"):
                for i, f in flows:
                    el = _flow_element(f)
                    if f.get("default") is True:
                        self.error(
                            el,
                            f"`default` needs an xor or or split; task '{tid}' has an and split "
                            "(every output is taken)",
                            _ptr("flows", i, "default"),
                        )
                    if f.get("when") is not None:
                        self.warning(
                            el,
                            f"`when` is ignored: task '{tid}' has an and split (every output is taken)",
                            _ptr("flows", i, "when"),
                        )
                continue
            defaults = [(i, f) for i, f in flows if f.get("default") is True]
            for i, _ in defaults[1:]:
                self.error(
                    tid,
                    f"task '{tid}' has {len(defaults)} default flows; an {split} split allows at most one",
                    _ptr("flows", i, "default"),
                )
            for i, f in defaults:
                if f.get("when") is not None:
                    self.warning(_flow_element(f), "the `when` of a default flow is ignored", _ptr("flows", i, "when"))
            conditional = [(i, f) for i, f in flows if f.get("default") is not True]
            unconditional = [(i, f) for i, f in conditional if f.get("when") is None]
            if not defaults and not unconditional:
                self.warning(
                    tid,
                    f"the {split} split of task '{tid}' has no default flow: when no `when` is true "
                    "at run time the task finds no route (an incident)",
                    _ptr("tasks", ti, "split"),
                )
            if split == "xor" and unconditional:
                first = unconditional[0][0]
                later = [f for i, f in flows if i != first and (i > first or f.get("default") is True)]
                if later:
                    self.warning(
                        tid,
                        f"the xor split of task '{tid}' always takes the flow /flows/{first} (it has no "
                        "`when`); " + ", ".join(_flow_element(f) for f in later) + " can never be taken",
                        _ptr("flows", first),
                    )

    # -- tasks ------------------------------------------------------------------------------

    def check_tasks(self) -> None:
        self.signal_names = {s["name"] for _, s in _items(self.doc, "signals") if isinstance(s.get("name"), str)}
        all_ids = set(self.nodes) | self.implicit
        for i, t in self.tasks:
            tid = t["id"]
            if self.nodes.get(tid) != ("tasks", i):
                continue  # a duplicate id, reported already

            def p(*parts: object, _i: int = i) -> str:
                return _ptr("tasks", _i, *parts)

            for key in ("input", "output"):
                mapping = t.get(key)
                if isinstance(mapping, dict):
                    for k, src in mapping.items():
                        if isinstance(src, str):
                            self.cel(src, tid, p(key, k), f"{key}.{k}")
            for key in ("priority", "due", "duration", "at"):
                if isinstance(t.get(key), str):
                    self.cel(t[key], tid, p(key), key)

            kind = KINDS.get(t.get("kind", "manual"))
            if kind is not None:  # an unknown kind: the schema reported it
                kind.check(self, tid, t, p)

            cancels = t.get("cancels")
            if isinstance(cancels, list):
                for j, c in enumerate(cancels):
                    if isinstance(c, str) and c not in all_ids:
                        self.error(tid, f"`cancels` names unknown id '{c}'", p("cancels", j))

            assign = t.get("assign")
            if isinstance(assign, dict):
                if isinstance(assign.get("user"), str):
                    self.cel(assign["user"], tid, p("assign", "user"), "assign.user")
                other = assign.get("not_same_as")
                if isinstance(other, str) and other not in self.task_specs:
                    self.error(tid, f"`assign.not_same_as` names unknown task '{other}'", p("assign", "not_same_as"))

            instances = t.get("instances")
            if isinstance(instances, dict):
                self.check_instances(tid, instances, p)

            form = t.get("form")
            if isinstance(form, dict):
                self.json_schema(form, tid, p("form"), "form")

    def check_workflow(self, tid: str, workflow: object, p: Callable[..., str]) -> None:
        if not isinstance(workflow, str) or not workflow:
            self.error(tid, f"composite task '{tid}' needs a `workflow`", p())
        elif is_plain_name(workflow):
            if self.definition_exists is not None and not self.definition_exists(workflow):
                hint = ""
                if workflow.split(".", 1)[0] in _CEL_VARIABLES:
                    hint = f" (a plain name is taken literally; for an expression write e.g. `string({workflow})`)"
                self.error(tid, f"unknown workflow definition '{workflow}'{hint}", p("workflow"))
        else:
            self.cel(workflow, tid, p("workflow"), "workflow")

    def check_instances(self, tid: str, inst: Mapping[str, Any], p: Callable[..., str]) -> None:
        if isinstance(inst.get("for_each"), str):
            self.cel(inst["for_each"], tid, p("instances", "for_each"), "instances.for_each")
        low, high, threshold = inst.get("min"), inst.get("max"), inst.get("threshold")
        most = LIMITS.max_items_per_task
        for key, value in (("min", low), ("max", high), ("threshold", threshold)):
            if _is_int(value) and value > most:
                self.error(
                    tid,
                    f"instances.{key} ({value}) is over the installation's limit of {most} work items per task "
                    "(WORKFLOW_MAX_ITEMS_PER_TASK)",
                    p("instances", key),
                )
        if _is_int(low) and _is_int(high) and low > high:
            self.error(tid, f"instances.min ({low}) is greater than instances.max ({high})", p("instances", "min"))
        if _is_int(threshold):
            if threshold < 1:
                self.error(
                    tid,
                    f"instances.threshold must be at least 1 (got {threshold})",
                    p("instances", "threshold"),
                )
            if _is_int(high) and threshold > high:
                self.error(
                    tid,
                    f"instances.threshold ({threshold}) is greater than instances.max ({high})",
                    p("instances", "threshold"),
                )
        name = inst.get("as")
        if isinstance(name, str) and name in _CEL_VARIABLES and name != "item":
            self.warning(tid, f"instances.as '{name}' hides the CEL variable of the same name", p("instances", "as"))

    # -- net-level ----------------------------------------------------------------------------

    def check_signals_and_queries(self) -> None:
        for key, what in (("signals", "signal"), ("queries", "query")):
            seen: dict[str, int] = {}
            for i, x in _items(self.doc, key):
                name = x.get("name")
                label = f"{what} '{name}'" if isinstance(name, str) else f"{what} #{i}"
                if isinstance(name, str):
                    if name in seen:
                        self.error(None, f"duplicate {what} name '{name}'", _ptr(key, i, "name"))
                    else:
                        seen[name] = i
                if key == "queries" and isinstance(x.get("expr"), str):
                    self.cel(x["expr"], None, _ptr(key, i, "expr"), f"{label} expr")
                if key == "signals":
                    output = x.get("output")
                    if isinstance(output, dict):
                        for k, src in output.items():
                            if isinstance(src, str):
                                self.cel(src, None, _ptr(key, i, "output", k), f"{label} output.{k}")
                    schema = x.get("schema")
                    if isinstance(schema, dict):
                        self.json_schema(schema, None, _ptr(key, i, "schema"), f"{label} schema")

    def check_data_schema(self) -> None:
        schema = self.doc.get("data_schema")
        if isinstance(schema, dict):
            self.json_schema(schema, None, "/data_schema", "data_schema")

    # -- leaf checks ----------------------------------------------------------------------------

    def cel(self, source: str, element: str | None, path: str, what: str) -> None:
        problem = check_expr(source)
        if problem is not None:
            self.error(element, f"{what}: invalid CEL expression: {problem}", path, "cel")

    def json_schema(self, schema: Mapping[str, Any], element: str | None, path: str, what: str) -> None:
        err = best_match(_META_VALIDATOR.iter_errors(schema))
        if err is not None:
            where = _ptr(*err.absolute_path)
            at = f" at {where}" if where else ""
            self.error(
                element,
                f"{what} is not a valid JSON Schema{at}: {_describe_schema_error(err)}",
                path + where,
                "schema",
            )


def _reach(sources: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen = set(sources)
    queue = deque(seen)
    while queue:
        node = queue.popleft()
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
