"""CEL limits (issue 13, ADR 0066): length, cost and time of one evaluation, enforced in pure
Python by metering each comprehension step; results of expressions within the limits do not
change."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from engine.core import expr
from engine.core.expr import ExpressionError, ExpressionLimitExceeded, evaluate, evaluate_mapping_each, instrument
from engine.core.limits import LIMITS, Limits, configure
from engine.core.validation import validate_net

from .test_validation import valid_net


@pytest.fixture(autouse=True)
def default_limits() -> Iterator[None]:
    saved = Limits(**vars(LIMITS))
    yield
    configure(**vars(saved))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("data.x + 1", ("data.x + 1", False)),
        ("l.map(x, x * 2)", ("l.map(x, _wf_step(x * 2))", True)),
        ("l.map(x, x > 1, x * 2)", ("l.map(x, _wf_step(x > 1), _wf_step(x * 2))", True)),
        ("l.filter(x, x > ',)')", ("l.filter(x, _wf_step(x > ',)'))", True)),
        ('l.all(x, x != "(") // a ) comment\n&& true', ('l.all(x, _wf_step(x != "(")) // a ) comment\n&& true', True)),
        ("l.map(a, l.exists(b, a == b))", ("l.map(a, _wf_step(l.exists(b, _wf_step(a == b))))", True)),
        ("size(l.exists_one(x, x == 2))", ("size(l.exists_one(x, _wf_step(x == 2)))", True)),
        ("map(x)", ("map(x)", False)),  # not a receiver macro
        ("'''l.map(x, x)'''", ("'''l.map(x, x)'''", False)),  # inside a string
        ("l.map(x, x", ("l.map(x, x", False)),  # unclosed: left to the compiler's message
    ],
)
def test_comprehension_steps_are_wrapped_and_nothing_else(source: str, expected: tuple[str, bool]) -> None:
    assert instrument(source) == expected


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]),
        ("[1, 2, 3].map(x, x > 1, x * 10)", [20, 30]),
        ("[1, 2, 3].filter(x, x % 2 == 1)", [1, 3]),
        ("[1, 2, 3].all(x, x > 0) && [1, 2].exists(x, x == 2)", True),
        ("[1, 2, 3].exists_one(x, x == 2)", True),
        ("{'a': 1, 'b': 2}.map(k, k + 'x')", ["ax", "bx"]),
        ("l.map(a, l.map(b, a * b))", [[1, 2], [2, 4]]),
        ("'x,(y' + string(l.map(x, x + 1).size())", "x,(y2"),
    ],
)
def test_results_within_the_limits_are_unchanged(source: str, value: Any) -> None:
    got = evaluate(source, {"l": [1, 2]})
    assert sorted(got) == sorted(value) if isinstance(value, list) and source.startswith("{") else got == value


def test_a_costly_evaluation_fails_fast_with_the_cost_limit() -> None:
    configure(cel_max_cost=10_000, cel_timeout=30)
    began = time.monotonic()
    with pytest.raises(ExpressionLimitExceeded, match="cost limit \\(10000 steps\\)") as err:
        evaluate("l.all(a, l.all(b, a + b >= 0))", {"l": list(range(1000))})
    assert time.monotonic() - began < 2
    assert err.value.code == "expression_limit" and err.value.http_status == 409
    # the same expression on smaller data is fine: the limit is on the work, not the text
    assert evaluate("l.all(a, l.all(b, a + b >= 0))", {"l": list(range(50))}) is True


def test_a_result_growing_with_each_step_is_charged_its_size() -> None:
    configure(cel_max_cost=50_000, cel_timeout=30)
    with pytest.raises(ExpressionLimitExceeded, match="cost limit"):
        evaluate("l.map(x, l)", {"l": list(range(1000))})  # 1,000 steps, but a million elements


def test_the_issue_s_three_level_mapping_stops_at_the_time_limit() -> None:
    """A 100-element list mapped three levels deep ran for 28 s; now it stops at the limit."""
    configure(cel_timeout=0.3, cel_max_cost=10**9)
    began = time.monotonic()
    with pytest.raises(ExpressionLimitExceeded, match="time limit \\(0.3 s\\)"):
        evaluate("l.map(a, l.map(b, l.map(c, a + b + c)))", {"l": list(range(100))})
    assert time.monotonic() - began < 1.5


def test_the_limits_apply_to_mappings_per_element_too() -> None:
    configure(cel_max_cost=1000)
    rows = evaluate_mapping_each({"n": "l.filter(x, x > item)"}, {"l": [1, 2, 3]}, ("item",), [0, 2])
    assert rows == [{"n": [1, 2, 3]}, {"n": [3]}]
    with pytest.raises(ExpressionLimitExceeded):
        evaluate_mapping_each({"n": "l.filter(x, x > item)"}, {"l": list(range(5000))}, ("item",), [0])


def test_an_over_long_expression_is_refused_before_the_parser_sees_it() -> None:
    configure(cel_max_length=100)
    with pytest.raises(ExpressionError, match="101 characters long; at most 100"):
        evaluate("1" + "+1" * 50, {})
    assert evaluate("1" + "+1" * 49, {}) == 50


def test_a_long_chain_that_crashed_the_parser_is_an_error_not_a_crash() -> None:
    """`1+1+...` 50,000 times overflowed the Rust parser's stack (SIGSEGV): now it is refused
    by the length limit, in the same process."""
    code = (
        "from engine.core.expr import evaluate, ExpressionError\n"
        "try:\n    evaluate('1' + '+1' * 50000, {})\nexcept ExpressionError as e:\n    print('refused:', e.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: the expression is 100001 characters long" in done.stdout


def test_publishing_checks_the_length_and_names_the_element() -> None:
    configure(cel_max_length=64)
    doc = valid_net()
    flow = next(f for f in doc["flows"] if f.get("when"))
    flow["when"] = "data.amount > 1 && " + " && ".join(["true"] * 20)
    result = validate_net(doc)
    assert not result.valid
    [problem] = [p for p in result.errors if "characters long" in p.message]
    assert problem.element == f"{flow['from']}->{flow['to']}"


def test_meter_is_not_used_without_comprehensions() -> None:
    assert expr._compiled("data.x + 1").metered is False
    assert expr._compiled("data.l.map(x, x)").metered is True


def test_a_limit_absorbed_by_a_logical_operator_still_fails() -> None:
    configure(cel_max_cost=1000, cel_timeout=30)
    with pytest.raises(ExpressionLimitExceeded, match="cost limit"):
        evaluate("l.all(a, l.all(b, a + b >= 0)) || true", {"l": list(range(100))})
