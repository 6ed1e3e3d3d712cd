"""The long run of the OR-join oracle (engine/core/tests/orjoin_oracle.py): random nets, random
walks of cases on the pure engine, every OR-join decision checked against an exhaustive
exploration of the engine's own behaviour.

Run from the repository root: ``python bench/bench_orjoin_oracle.py [--seeds 1-20] [--nets 25]``.
Prints one line per seed and the totals; exits 1 if any decision was unsafe or left a case
stuck.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.core.tests.orjoin_oracle import Stats, run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1-10", help="a range a-b")
    parser.add_argument("--nets", type=int, default=25)
    parser.add_argument("--budget", type=int, default=300, help="states per exploration")
    args = parser.parse_args()
    a, b = (int(x) for x in args.seeds.split("-"))
    total = Stats()
    for seed in range(a, b + 1):
        t0 = time.perf_counter()
        stats = run(seed, nets=args.nets, walks=3, steps=20, budget=args.budget)
        total.merge(stats)
        print(
            f"seed={seed} nets={stats.nets} decisions={stats.decisions} settled={stats.checked} "
            f"enabled={stats.enabled} circle={stats.circle} unsafe={len(stats.unsafe)} "
            f"cautious={stats.cautious} stuck={len(stats.stuck)} inconclusive={stats.inconclusive} "
            f"seconds={time.perf_counter() - t0:.1f}",
            flush=True,
        )
    print(
        f"total decisions={total.decisions} settled={total.checked} unsafe={len(total.unsafe)} "
        f"cautious={total.cautious} stuck={len(total.stuck)} inconclusive={total.inconclusive}"
    )
    for doc, j, key in total.unsafe[:3] + total.stuck[:3]:
        print("example:", j, key, doc)
    sys.exit(1 if total.unsafe or total.stuck else 0)


if __name__ == "__main__":
    main()
