"""The retry policy of automatic tasks (pure)."""

from __future__ import annotations

from engine.core.retry import RetryPolicy


def test_defaults() -> None:
    p = RetryPolicy.of({})
    assert (p.max_attempts, p.initial_interval, p.backoff, p.max_interval, p.timeout) == (3, 1.0, 2.0, 100.0, None)
    assert [p.should_retry(n, "ValueError") for n in (1, 2, 3)] == [True, True, False]


def test_back_off_grows_and_is_capped() -> None:
    p = RetryPolicy.of({"retry": {"max_attempts": 10, "initial_interval": 0.5, "backoff": 3, "max_interval": 10}})
    assert [p.delay(n) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]
    assert RetryPolicy.of({"retry": {"initial_interval": 2}}).max_interval == 200.0  # 100 x initial


def test_non_retryable_types_and_timeout() -> None:
    p = RetryPolicy.of({"retry": {"non_retryable": ["ValueError", "Timeout"]}, "timeout": 30})
    assert not p.should_retry(1, "ValueError") and not p.should_retry(1, "Timeout")
    assert p.should_retry(1, "ConnectionError")
    assert p.timeout == 30.0
