"""What the CEL meter (ADR 0066) costs: the same expressions evaluated through
`engine.core.expr.evaluate` (metered when they have comprehensions) and straight through the
CEL library (`cel.compile(...).execute`, as before issue 13), interleaved A B A B, medians.

    python bench/bench_cel_limits.py [--rounds 15]

Expressions: a predicate without comprehensions (not metered: the baseline shows the rest of
`evaluate`), an `all` over 20 line items, a `map` over 20, a `filter` over 200, nested `exists`
over 30 x 30. Prints, per expression, the median µs per evaluation of each and the ratio
metered / library, with the spread (min–max of the per-round ratios).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cel  # noqa: E402

from engine.core.expr import evaluate, to_json  # noqa: E402

DATA = {
    "amount": 1200,
    "approved": True,
    "lines": [{"sku": f"s{i}", "qty": i % 5 + 1, "price": 10.0 + i} for i in range(20)],
    "numbers": list(range(200)),
    "grid": list(range(30)),
}
EXPRESSIONS = {
    "predicate (no comprehension)": "data.amount > 1000 && data.approved",
    "all over 20": "data.lines.all(l, l.qty > 0 && l.price > 0.0)",
    "map over 20": "data.lines.map(l, double(l.qty) * l.price)",
    "filter over 200": "data.numbers.filter(n, n % 7 == 0)",
    "nested exists 30x30": "data.grid.exists(a, data.grid.exists(b, a * b == 841))",
}


def per_eval(fn, n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    variables = {"data": DATA}
    print(f"{'expression':32} {'library µs':>11} {'metered µs':>11} {'ratio':>6}  spread")
    for name, src in EXPRESSIONS.items():
        program = cel.compile(src)
        assert to_json(program.execute(variables)) == evaluate(src, variables)
        lib, met, ratios = [], [], []
        for _ in range(args.rounds):  # interleaved: A B A B ...
            a = per_eval(lambda p=program: to_json(p.execute({"data": DATA})), args.n)
            b = per_eval(lambda s=src: evaluate(s, variables), args.n)
            lib.append(a)
            met.append(b)
            ratios.append(b / a)
        print(
            f"{name:32} {statistics.median(lib):11.1f} {statistics.median(met):11.1f} "
            f"{statistics.median(ratios):6.2f}  {min(ratios):.2f}–{max(ratios):.2f}"
        )


if __name__ == "__main__":
    main()
