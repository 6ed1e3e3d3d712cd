"""validate_net: one test per rule, each checking the id of the element at fault."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.core.validation import NET_SCHEMA, Problem, ValidationResult, is_plain_name, validate_net


def valid_net() -> dict[str, Any]:
    """A valid net using every task kind: start → review ─xor→ charge → … → route → end."""
    return {
        "schema_version": 1,
        "name": "invoice-approval",
        "title": "Invoice approval",
        "data_schema": {"type": "object", "properties": {"amount": {"type": "number"}}},
        "conditions": [
            {"id": "start", "kind": "start"},
            {"id": "end", "kind": "end"},
            {"id": "pending", "label": "Waiting"},
        ],
        "tasks": [
            {
                "id": "review",
                "kind": "manual",
                "label": "Review invoice",
                "join": "xor",
                "split": "xor",
                "assign": {"role": "approvers", "user": "data.owner", "not_same_as": "review"},
                "form": {
                    "type": "object",
                    "properties": {"approved": {"type": "boolean"}},
                    "required": ["approved"],
                },
                "output": {"approved": "result.approved"},
                "priority": "data.amount > 1000 ? 1 : 5",
                "due": "duration('48h')",
            },
            {
                "id": "charge",
                "kind": "automatic",
                "activity": "billing.charge",
                "input": {"amount": "data.amount"},
                "retry": {
                    "max_attempts": 3,
                    "initial_interval": 1.0,
                    "backoff": 2.0,
                    "max_interval": 60.0,
                    "non_retryable": ["ValueError"],
                },
                "timeout": 30,
            },
            {
                "id": "per_customer",
                "kind": "automatic",
                "activity": "billing.invoice",
                "instances": {
                    "for_each": "data.customers",
                    "as": "customer",
                    "min": 0,
                    "max": 1000,
                    "threshold": None,
                    "creation": "static",
                },
                "on_failure": "continue",
            },
            {"id": "child", "kind": "composite", "workflow": "'process-' + data.type"},
            {"id": "wait_payment", "kind": "signal", "signal": "payment_received"},
            {"id": "cool_off", "kind": "timer", "duration": "duration('1h')"},
            {"id": "route", "kind": "dummy", "join": "xor", "cancels": ["pending", "cool_off"]},
        ],
        "flows": [
            {"from": "start", "to": "review"},
            {"from": "review", "to": "charge", "when": "data.approved"},
            {"from": "review", "to": "pending", "default": True},
            {"from": "charge", "to": "per_customer"},
            {"from": "per_customer", "to": "child"},
            {"from": "child", "to": "wait_payment"},
            {"from": "wait_payment", "to": "cool_off"},
            {"from": "cool_off", "to": "route"},
            {"from": "pending", "to": "route"},
            {"from": "route", "to": "end"},
        ],
        "signals": [{"name": "payment_received", "schema": {"type": "object"}, "output": {"paid_at": "signal.at"}}],
        "queries": [{"name": "total", "expr": "data.amount * 2"}],
        "layout": {"review": {"x": 120, "y": 80}},
    }


def task(doc: dict[str, Any], tid: str) -> dict[str, Any]:
    return next(t for t in doc["tasks"] if t["id"] == tid)


def flow(doc: dict[str, Any], src: str, dst: str) -> dict[str, Any]:
    return next(f for f in doc["flows"] if f["from"] == src and f["to"] == dst)


def error_elements(result: ValidationResult) -> set[str | None]:
    return {p.element for p in result.errors}


def errors_of(result: ValidationResult, element: str | None) -> list[Problem]:
    return [p for p in result.errors if p.element == element]


def assert_error(result: ValidationResult, element: str | None, text: str, path: str | None = None) -> Problem:
    for p in result.errors:
        if p.element == element and text in p.message and (path is None or p.path == path):
            return p
    raise AssertionError(f"no error on {element!r} containing {text!r} (path {path!r}); got {result.errors}")


def assert_warning(result: ValidationResult, element: str | None, text: str, path: str | None = None) -> Problem:
    for p in result.warnings:
        if p.element == element and text in p.message and (path is None or p.path == path):
            return p
    raise AssertionError(f"no warning on {element!r} containing {text!r}; got {result.warnings}")


# -- the happy path ----------------------------------------------------------------------------


def test_valid_net_passes() -> None:
    result = validate_net(valid_net())
    assert result.errors == []
    assert result.warnings == []
    assert result.valid


def test_valid_net_with_lookups_passes() -> None:
    doc = valid_net()
    task(doc, "child")["workflow"] = "invoice.child"
    seen: list[str] = []

    def exists(name: str) -> bool:
        seen.append(name)
        return True

    result = validate_net(doc, activity_exists=exists, definition_exists=exists)
    assert result.valid, result.errors
    assert seen == ["billing.charge", "billing.invoice", "invoice.child"]


def test_minimal_net_passes() -> None:
    doc = {
        "schema_version": 1,
        "name": "tiny",
        "conditions": [{"id": "i", "kind": "start"}, {"id": "o", "kind": "end"}],
        "tasks": [{"id": "a", "kind": "dummy"}],
        "flows": [{"from": "i", "to": "a"}, {"from": "a", "to": "o"}],
    }
    assert validate_net(doc).as_dict() == {"valid": True, "errors": [], "warnings": []}


def test_schema_file_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(NET_SCHEMA)


def test_problem_and_result_as_dict() -> None:
    result = validate_net([])
    assert not result.valid
    assert result.as_dict() == {
        "valid": False,
        "errors": [{"element": None, "message": "the net must be a JSON object", "path": ""}],
        "warnings": [],
    }
    assert Problem("a", "m", "/tasks/0").as_dict() == {"element": "a", "message": "m", "path": "/tasks/0"}


@pytest.mark.parametrize("doc", [None, [], "net", 3])
def test_not_an_object(doc: object) -> None:
    result = validate_net(doc)
    assert [p.element for p in result.errors] == [None]


# -- schema violations, mapped to their element ------------------------------------------------


def test_schema_error_on_task_names_the_task() -> None:
    doc = valid_net()
    task(doc, "charge")["kind"] = "robot"
    task(doc, "charge")["retry"]["max_attempts"] = 0
    result = validate_net(doc)
    assert_error(result, "charge", "kind", "/tasks/1/kind")
    assert_error(result, "charge", "retry.max_attempts", "/tasks/1/retry/max_attempts")


def test_schema_error_on_flow_names_the_flow() -> None:
    doc = valid_net()
    flow(doc, "review", "charge")["weight"] = 3
    flow(doc, "start", "review")["default"] = "yes"
    result = validate_net(doc)
    assert_error(result, "review->charge", "unknown field 'weight'", "/flows/1")
    assert_error(result, "start->review", "default: expected boolean", "/flows/0/default")


def test_schema_error_on_condition_names_the_condition() -> None:
    doc = valid_net()
    doc["conditions"][2]["kind"] = "middle"
    result = validate_net(doc)
    assert_error(result, "pending", "kind", "/conditions/2/kind")


def test_schema_error_on_bad_id() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "9lives"})
    result = validate_net(doc)
    assert_error(result, "9lives", "not a valid id", "/conditions/3/id")


def test_schema_errors_at_net_level() -> None:
    doc = valid_net()
    doc["schema_version"] = 2
    doc["name"] = "-bad name"
    del doc["flows"]
    result = validate_net(doc)
    assert_error(result, None, "schema_version", "/schema_version")
    assert_error(result, None, "name", "/name")
    assert_error(result, None, "missing required field 'flows'", "")


def test_tasks_accept_unknown_fields_with_a_warning() -> None:
    doc = valid_net()
    task(doc, "review")["x_color"] = "red"
    result = validate_net(doc)
    assert result.valid
    assert_warning(result, "review", "x_color", "/tasks/0/x_color")


def test_signal_schema_error_is_net_level() -> None:
    doc = valid_net()
    doc["signals"][0]["name"] = "bad name"
    result = validate_net(doc)
    p = assert_error(result, None, "signal 'bad name'", "/signals/0/name")
    assert "name" in p.message


# -- ids, start and end ------------------------------------------------------------------------


def test_duplicate_ids() -> None:
    doc = valid_net()
    doc["tasks"].append({"id": "pending", "kind": "dummy"})
    result = validate_net(doc)
    assert_error(result, "pending", "duplicate id", "/tasks/7/id")


def test_no_start_condition() -> None:
    doc = valid_net()
    del doc["conditions"][0]["kind"]
    result = validate_net(doc)
    assert_error(result, None, "no start condition")


def test_two_end_conditions() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "end2", "kind": "end"})
    doc["flows"].append({"from": "route", "to": "end2"})
    result = validate_net(doc)
    assert_error(result, "end", "2 end conditions")
    assert_error(result, "end2", "2 end conditions")


# -- flows -------------------------------------------------------------------------------------


def test_flow_to_unknown_ids() -> None:
    doc = valid_net()
    doc["flows"].append({"from": "ghost", "to": "end"})
    doc["flows"].append({"from": "route", "to": "nowhere"})
    result = validate_net(doc)
    assert_error(result, "ghost->end", "unknown id 'ghost'", "/flows/10/from")
    assert_error(result, "route->nowhere", "unknown id 'nowhere'", "/flows/11/to")


def test_condition_to_condition_flow() -> None:
    doc = valid_net()
    doc["flows"].append({"from": "pending", "to": "end"})
    result = validate_net(doc)
    assert_error(result, "pending->end", "two conditions", "/flows/10")


def test_flow_into_start() -> None:
    doc = valid_net()
    doc["flows"].append({"from": "route", "to": "start"})
    result = validate_net(doc)
    assert_error(result, "route->start", "start condition")


def test_flow_out_of_end() -> None:
    doc = valid_net()
    doc["flows"].append({"from": "end", "to": "review"})
    result = validate_net(doc)
    assert_error(result, "end->review", "end condition")


def test_duplicate_flow() -> None:
    doc = valid_net()
    doc["flows"].append({"from": "route", "to": "end"})
    result = validate_net(doc)
    assert_error(result, "route->end", "duplicate flow", "/flows/10")


def test_when_on_a_flow_out_of_a_condition() -> None:
    doc = valid_net()
    flow(doc, "pending", "route")["when"] = "true"
    result = validate_net(doc)
    assert_error(result, "pending->route", "deferred choice", "/flows/8/when")


def test_explicit_id_clashing_with_an_implicit_condition() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "charge__to__per_customer"})
    result = validate_net(doc)
    assert_error(result, "charge__to__per_customer", "implicit condition")


# -- every node on a path from start to end ----------------------------------------------------


def test_node_not_reachable_from_start() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "orphan"})
    doc["flows"].append({"from": "orphan", "to": "route"})
    result = validate_net(doc)
    assert_error(result, "orphan", "not reachable from the start")
    assert error_elements(result) == {"orphan"}


def test_task_only_fed_by_an_unreachable_task() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "orphan"})
    doc["tasks"].append({"id": "a", "kind": "dummy"})
    doc["tasks"].append({"id": "b", "kind": "dummy"})
    doc["flows"] += [{"from": "orphan", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "end"}]
    result = validate_net(doc)
    # the reachability runs through the implicit condition a__to__b (not reported itself)
    assert error_elements(result) == {"orphan", "a", "b"}


def test_node_that_cannot_reach_end() -> None:
    doc = valid_net()
    doc["conditions"].append({"id": "dead_end"})
    doc["tasks"].append({"id": "sink", "kind": "dummy"})
    doc["tasks"].append({"id": "sink2", "kind": "dummy"})
    doc["flows"] += [
        {"from": "start", "to": "sink"},
        {"from": "sink", "to": "sink2"},
        {"from": "sink2", "to": "dead_end"},
    ]
    result = validate_net(doc)
    for el in ("dead_end", "sink", "sink2"):
        assert_error(result, el, "end condition cannot be reached")
    assert error_elements(result) == {"dead_end", "sink", "sink2"}


def test_loops_are_fine() -> None:
    doc = valid_net()
    task(doc, "route")["split"] = "xor"
    flow(doc, "route", "end")["default"] = True
    doc["flows"].append({"from": "route", "to": "review", "when": "data.again"})
    result = validate_net(doc)
    assert result.valid, result.errors


def test_task_without_input_flow() -> None:
    doc = valid_net()
    doc["tasks"].append({"id": "floating", "kind": "dummy"})
    doc["flows"].append({"from": "floating", "to": "end"})
    result = validate_net(doc)
    assert_error(result, "floating", "no input flow", "/tasks/7")
    assert len(errors_of(result, "floating")) == 1  # not also "not reachable"


def test_task_without_output_flow() -> None:
    doc = valid_net()
    doc["tasks"].append({"id": "stuck", "kind": "dummy"})
    doc["flows"].append({"from": "pending", "to": "stuck"})
    result = validate_net(doc)
    assert_error(result, "stuck", "no output flow", "/tasks/7")
    assert len(errors_of(result, "stuck")) == 1


# -- splits ------------------------------------------------------------------------------------


def test_two_defaults_on_an_xor_split() -> None:
    doc = valid_net()
    flow(doc, "review", "charge")["default"] = True
    result = validate_net(doc)
    assert_error(result, "review", "2 default flows", "/flows/2/default")


def test_two_defaults_on_an_or_split() -> None:
    doc = valid_net()
    task(doc, "review")["split"] = "or"
    flow(doc, "review", "charge")["default"] = True
    result = validate_net(doc)
    assert_error(result, "review", "2 default flows")


def test_default_on_an_and_split_is_an_error() -> None:
    doc = valid_net()
    flow(doc, "route", "end")["default"] = True
    result = validate_net(doc)
    assert_error(result, "route->end", "and split", "/flows/9/default")


def test_when_on_an_and_split_is_a_warning() -> None:
    doc = valid_net()
    flow(doc, "route", "end")["when"] = "data.done"
    result = validate_net(doc)
    assert result.valid
    assert_warning(result, "route->end", "and split", "/flows/9/when")


def test_xor_split_without_default_is_a_warning() -> None:
    doc = valid_net()
    flow(doc, "review", "pending")["when"] = "!data.approved"
    del flow(doc, "review", "pending")["default"]
    result = validate_net(doc)
    assert result.valid
    assert_warning(result, "review", "no default flow", "/tasks/0/split")


def test_xor_split_with_unconditional_flow_first_is_a_warning() -> None:
    doc = valid_net()
    del flow(doc, "review", "charge")["when"]
    result = validate_net(doc)
    assert result.valid
    assert_warning(result, "review", "never be taken")


# -- CEL ---------------------------------------------------------------------------------------

BAD = "data.x +"


@pytest.mark.parametrize(
    ("edit", "element", "path"),
    [
        (lambda d: flow(d, "review", "charge").update(when=BAD), "review->charge", "/flows/1/when"),
        (lambda d: task(d, "charge")["input"].update(amount=BAD), "charge", "/tasks/1/input/amount"),
        (lambda d: task(d, "review")["output"].update(approved=BAD), "review", "/tasks/0/output/approved"),
        (
            lambda d: task(d, "per_customer")["instances"].update(for_each=BAD),
            "per_customer",
            "/tasks/2/instances/for_each",
        ),
        (lambda d: task(d, "review")["assign"].update(user=BAD), "review", "/tasks/0/assign/user"),
        (lambda d: task(d, "review").update(priority=BAD), "review", "/tasks/0/priority"),
        (lambda d: task(d, "review").update(due=BAD), "review", "/tasks/0/due"),
        (lambda d: task(d, "cool_off").update(duration=BAD), "cool_off", "/tasks/5/duration"),
        (lambda d: task(d, "cool_off").update(duration=None, at=BAD), "cool_off", "/tasks/5/at"),
        (lambda d: task(d, "child").update(workflow="'p-' +"), "child", "/tasks/3/workflow"),
        (lambda d: d["queries"][0].update(expr=BAD), None, "/queries/0/expr"),
        (lambda d: d["signals"][0]["output"].update(paid_at=BAD), None, "/signals/0/output/paid_at"),
    ],
)
def test_cel_expressions_must_compile(edit: Any, element: str | None, path: str) -> None:
    doc = valid_net()
    edit(doc)
    result = validate_net(doc)
    p = assert_error(result, element, "invalid CEL", path)
    assert len(result.errors) == 1, result.errors
    assert p.message


def test_plain_workflow_name_is_not_cel() -> None:
    assert is_plain_name("invoice.approval")
    assert is_plain_name("process-a")
    assert not is_plain_name("'process-' + item.type")
    assert not is_plain_name("")
    doc = valid_net()
    task(doc, "child")["workflow"] = "process-a"  # "process - a" would not compile... as a name it is fine
    assert validate_net(doc).valid


# -- kind-specific requirements ----------------------------------------------------------------


def test_automatic_task_needs_an_activity() -> None:
    doc = valid_net()
    del task(doc, "charge")["activity"]
    result = validate_net(doc)
    assert_error(result, "charge", "activity", "/tasks/1")


def test_automatic_task_activity_must_exist() -> None:
    result = validate_net(valid_net(), activity_exists=lambda name: name == "billing.charge")
    assert_error(result, "per_customer", "unknown activity 'billing.invoice'", "/tasks/2/activity")
    assert error_elements(result) == {"per_customer"}


def test_composite_task_needs_a_workflow() -> None:
    doc = valid_net()
    del task(doc, "child")["workflow"]
    result = validate_net(doc)
    assert_error(result, "child", "workflow", "/tasks/3")


def test_composite_plain_workflow_must_exist() -> None:
    doc = valid_net()
    task(doc, "child")["workflow"] = "data.child"
    result = validate_net(doc, definition_exists=lambda name: False)
    p = assert_error(result, "child", "unknown workflow definition 'data.child'", "/tasks/3/workflow")
    assert "string(data.child)" in p.message  # the hint: a plain name is literal


def test_composite_workflow_expression_is_not_looked_up() -> None:
    calls: list[str] = []

    def exists(name: str) -> bool:
        calls.append(name)
        return False

    result = validate_net(valid_net(), definition_exists=exists)
    assert result.valid
    assert calls == []


def test_signal_task_needs_a_signal() -> None:
    doc = valid_net()
    del task(doc, "wait_payment")["signal"]
    result = validate_net(doc)
    assert_error(result, "wait_payment", "needs a `signal`", "/tasks/4")


def test_signal_task_signal_must_be_declared() -> None:
    doc = valid_net()
    task(doc, "wait_payment")["signal"] = "refund"
    result = validate_net(doc)
    assert_error(result, "wait_payment", "'refund' is not declared", "/tasks/4/signal")


@pytest.mark.parametrize("fields", [{}, {"duration": "duration('1h')", "at": "data.when"}])
def test_timer_needs_exactly_one_of_duration_and_at(fields: dict[str, str]) -> None:
    doc = valid_net()
    timer = task(doc, "cool_off")
    del timer["duration"]
    timer.update(fields)
    result = validate_net(doc)
    assert_error(result, "cool_off", "exactly one of `duration` and `at`", "/tasks/5")


def test_timer_with_at_only_is_fine() -> None:
    doc = valid_net()
    timer = task(doc, "cool_off")
    del timer["duration"]
    timer["at"] = "timestamp(data.when)"
    assert validate_net(doc).valid


# -- cancellation, assignment, instances -------------------------------------------------------


def test_cancels_unknown_id() -> None:
    doc = valid_net()
    task(doc, "route")["cancels"].append("ghost")
    result = validate_net(doc)
    assert_error(result, "route", "unknown id 'ghost'", "/tasks/6/cancels/2")


def test_cancels_itself_and_implicit_conditions_is_allowed() -> None:
    doc = valid_net()
    task(doc, "route")["cancels"] += ["route", "cool_off__to__route"]
    assert validate_net(doc).valid


def test_not_same_as_names_a_task() -> None:
    doc = valid_net()
    task(doc, "review")["assign"]["not_same_as"] = "pending"  # a condition, not a task
    result = validate_net(doc)
    assert_error(result, "review", "not_same_as", "/tasks/0/assign/not_same_as")


def test_instances_min_greater_than_max() -> None:
    doc = valid_net()
    task(doc, "per_customer")["instances"].update(min=5, max=2)
    result = validate_net(doc)
    assert_error(result, "per_customer", "min (5) is greater than instances.max (2)", "/tasks/2/instances/min")


def test_instances_threshold_greater_than_max() -> None:
    doc = valid_net()
    task(doc, "per_customer")["instances"].update(threshold=2000)
    result = validate_net(doc)
    assert_error(result, "per_customer", "threshold (2000)", "/tasks/2/instances/threshold")


def test_instances_threshold_at_least_one() -> None:
    doc = valid_net()
    task(doc, "per_customer")["instances"].update(threshold=0)
    result = validate_net(doc)
    assert_error(result, "per_customer", "at least 1", "/tasks/2/instances/threshold")


# -- embedded JSON Schemas ---------------------------------------------------------------------


def test_form_must_be_a_json_schema() -> None:
    doc = valid_net()
    task(doc, "review")["form"]["properties"]["approved"]["type"] = "yes-no"
    result = validate_net(doc)
    assert_error(result, "review", "form is not a valid JSON Schema", "/tasks/0/form/properties/approved/type")


def test_data_schema_must_be_a_json_schema() -> None:
    doc = valid_net()
    doc["data_schema"]["required"] = "amount"
    result = validate_net(doc)
    assert_error(result, None, "data_schema is not a valid JSON Schema", "/data_schema/required")


def test_signal_schema_must_be_a_json_schema() -> None:
    doc = valid_net()
    doc["signals"][0]["schema"] = {"type": 12}
    result = validate_net(doc)
    assert_error(result, None, "signal 'payment_received' schema", "/signals/0/schema/type")


# -- signals and queries -----------------------------------------------------------------------


def test_duplicate_signal_names() -> None:
    doc = valid_net()
    doc["signals"].append({"name": "payment_received"})
    result = validate_net(doc)
    assert_error(result, None, "duplicate signal name 'payment_received'", "/signals/1/name")


def test_duplicate_query_names() -> None:
    doc = valid_net()
    doc["queries"].append({"name": "total", "expr": "1"})
    result = validate_net(doc)
    assert_error(result, None, "duplicate query name 'total'", "/queries/1/name")


# -- all problems at once ----------------------------------------------------------------------


def test_reports_every_problem() -> None:
    doc = valid_net()
    task(doc, "charge")["kind"] = "robot"  # schema
    del task(doc, "child")["workflow"]  # composite without workflow
    flow(doc, "review", "charge")["when"] = BAD  # CEL
    doc["flows"].append({"from": "pending", "to": "end"})  # condition → condition
    doc["flows"].append({"from": "route", "to": "ghost"})  # unknown id
    task(doc, "route")["cancels"].append("nobody")  # unknown cancel
    task(doc, "per_customer")["instances"].update(min=9, max=3)  # bounds
    doc["tasks"].append({"id": "review", "kind": "dummy"})  # duplicate id
    doc["conditions"].append({"id": "orphan"})  # unreachable and dead end
    result = validate_net(doc)
    assert {
        "charge",
        "child",
        "review->charge",
        "pending->end",
        "route->ghost",
        "route",
        "per_customer",
        "review",
        "orphan",
    } <= error_elements(result)
    assert len(result.errors) >= 10


def test_broken_structure_does_not_crash() -> None:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "name": "x",
        "conditions": [None, {"kind": "start"}, {"id": 3}, "c"],
        "tasks": [{"id": "t", "kind": "automatic", "instances": [], "cancels": "all", "input": ["x"]}],
        "flows": [{"from": 1}, {"to": "t"}, [], {"from": "t", "to": "t", "when": 5}],
        "signals": {"a": 1},
        "queries": [{"name": 1}],
    }
    result = validate_net(doc)
    assert not result.valid
    assert "t" in error_elements(result)


def test_does_not_modify_the_document() -> None:
    doc = valid_net()
    task(doc, "charge")["kind"] = "robot"
    before = copy.deepcopy(doc)
    validate_net(doc)
    assert doc == before


# -- speed -------------------------------------------------------------------------------------


def big_net(tasks: int) -> dict[str, Any]:
    """start → t0 → c0 → t1 → c1 … → end, with forms, mappings and xor splits: 2·tasks+2 nodes."""
    conditions: list[dict[str, Any]] = [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}]
    task_list: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    previous = "start"
    for i in range(tasks):
        tid, cid = f"t{i}", f"c{i}"
        task_list.append(
            {
                "id": tid,
                "kind": "manual" if i % 2 else "automatic",
                "activity": "work.do",
                "split": "xor",
                "assign": {"role": "clerks", "user": f"data.owner_{i}"},
                "form": {"type": "object", "properties": {f"f{i}": {"type": "string", "maxLength": i + 1}}},
                "input": {"n": f"data.n{i} + {i}"},
                "output": {f"v{i}": f"result.f{i}"},
            }
        )
        conditions.append({"id": cid})
        flows.append({"from": previous, "to": tid})
        flows.append({"from": tid, "to": cid, "when": f"data.n{i} > {i}"})
        flows.append({"from": tid, "to": "end", "default": True})
        previous = cid
    task_list.append({"id": "last", "kind": "dummy"})
    flows += [{"from": previous, "to": "last"}, {"from": "last", "to": "end"}]
    return {"schema_version": 1, "name": "big", "conditions": conditions, "tasks": task_list, "flows": flows}


def test_a_300_element_net_validates_fast() -> None:
    doc = big_net(149)  # 151 conditions + 150 tasks (and 449 flows)
    assert len(doc["conditions"]) + len(doc["tasks"]) >= 300
    started = time.perf_counter()
    result = validate_net(doc)
    elapsed = time.perf_counter() - started
    assert result.valid, result.errors[:5]
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object"},
        {"type": "yes-no"},
        {"type": ["string", "string"]},
        {"type": []},
        {"required": "a"},
        {"required": ["a", "a"]},
        {"properties": {"a": {"type": 3}}},
        {"properties": {"a": {"items": {"minLength": -1}}}},
        {"$defs": {"x": {"enum": "no"}}},
        {"anyOf": []},
        {"oneOf": [{"type": "string"}, {"maximum": "3"}]},
        {"allOf": [True, False, {"not": {"const": 1}}]},
        {"prefixItems": [{"type": "integer"}], "items": {"$ref": "#/$defs/x"}, "$defs": {"x": True}},
        {"pattern": "("},
        {"patternProperties": {"(": {}}},
        {"dependentRequired": {"a": [1]}},
        {"dependencies": {"a": ["b"], "c": {"type": "nope"}}},
        {"if": {"type": "x"}, "then": {}, "else": {}},
        {"$anchor": "1bad"},
        {"$id": "http://x/y#frag"},
        {"unevaluatedProperties": {"type": 1}},
        {"contentSchema": {"minimum": "a"}},
        {"title": 3},
        {"x-custom": {"anything": 1}},
    ],
)
def test_fast_schema_check_agrees_with_check_schema(schema: dict[str, Any]) -> None:
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
        expected_valid = True
    except SchemaError:
        expected_valid = False
    doc = valid_net()
    task(doc, "review")["form"] = schema
    result = validate_net(doc)
    assert result.valid is expected_valid, result.errors


def test_a_directive_entry_task_may_have_no_input_flow() -> None:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "name": "entry",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [{"id": "a", "kind": "dummy"}, {"id": "b", "kind": "dummy"}],
        "flows": [{"from": "start", "to": "a"}, {"from": "a", "to": "end"}, {"from": "b", "to": "end"}],
    }
    assert [p.message for p in validate_net(doc).errors] == ["task 'b' has no input flow"]
    doc["tasks"][1]["entry"] = "directive"
    assert validate_net(doc).valid
    doc["flows"].pop()  # it must still reach the end
    assert "task 'b' has no output flow" in [p.message for p in validate_net(doc).errors]
