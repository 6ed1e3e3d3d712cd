"""The OR-join against an exhaustive exploration of the engine's own behaviour, on random nets
(loops, AND/XOR/OR joins and splits, cancellation sets, multi-instance, dummy and automatic
tasks) and random walks of cases: see `orjoin_oracle.py`. A fixed seed here (seconds); the
longer run is ``python bench/bench_orjoin_oracle.py``."""

from __future__ import annotations

from .orjoin_oracle import Stats, run


def test_no_unsafe_and_no_stuck_or_join_decision() -> None:
    stats = Stats()
    for seed in (7, 11):
        stats.merge(run(seed, nets=12, walks=2, steps=15, budget=150))
    assert stats.checked >= 60  # enough real questions, settled by the exploration
    assert 0 < stats.enabled < stats.decisions  # both answers occur
    assert stats.circle > 0  # the vicious-circle rule was met too
    assert stats.unsafe == [], stats.unsafe[:1]
    assert stats.stuck == [], stats.stuck[:1]
    assert stats.cautious == 0  # every settled decision was exact
