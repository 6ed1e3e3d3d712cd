"""Retry policy of an automatic task (`retry` and `timeout` in the net), pure Python.

Defaults follow Temporal's: 3 attempts, 1 s first interval, back-off 2.0, intervals capped at
100 x the first. `non_retryable` lists error type names (the class name of the exception an
activity raised, or `Timeout`) that fail the item at once. docs/engine-semantics.md section 14.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TIMEOUT_ERROR = "Timeout"  # the error type recorded when an attempt runs past the task's `timeout`


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_interval: float = 1.0
    backoff: float = 2.0
    max_interval: float = 100.0
    non_retryable: tuple[str, ...] = ()
    timeout: float | None = None  # seconds one attempt may run

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> RetryPolicy:
        """The policy of a task's JSON (`retry` object and `timeout`)."""
        retry = spec.get("retry") or {}
        initial = float(retry.get("initial_interval", 1.0))
        max_interval = retry.get("max_interval")
        timeout = spec.get("timeout")
        return cls(
            max_attempts=int(retry.get("max_attempts", 3)),
            initial_interval=initial,
            backoff=float(retry.get("backoff", 2.0)),
            max_interval=float(max_interval) if max_interval is not None else 100.0 * initial,
            non_retryable=tuple(retry.get("non_retryable") or ()),
            timeout=float(timeout) if timeout else None,
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before running attempt `attempt + 1` after attempt `attempt` failed."""
        return min(self.initial_interval * self.backoff ** max(attempt - 1, 0), self.max_interval)

    def should_retry(self, attempt: int, error_type: str) -> bool:
        """Is another attempt due after attempt `attempt` failed with `error_type`?"""
        return attempt < self.max_attempts and error_type not in self.non_retryable
