"""Activities of the end-to-end tests (the seeds' scenarios). Registered in the test process by
importing this module and in the worker by WORKFLOW_ACTIVITY_MODULES. Shared counters live in
the real Redis under the test run's key prefix (E2E_REDIS_PREFIX)."""

from __future__ import annotations

import os
import time
from typing import Any

import redis

from definitions.registry import ActivityContext, ActivityResult, NextTask, activity

CACHE = {"known": "cached value"}


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/0"))


def key(name: str) -> str:
    return f"{os.environ.get('E2E_REDIS_PREFIX', 'wfe2e')}:{name}"


def count(name: str) -> int:
    return int(_redis().incr(key(name)))


@activity("e2e.cache_lookup")
def cache_lookup(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    """A hit completes the case at once (the expensive step never runs); a miss goes on."""
    if payload["key"] in CACHE:
        return ActivityResult({"value": CACHE[payload["key"]], "hit": True}, terminate="cache hit")
    return {"hit": False}


@activity("e2e.expensive")
def expensive(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    return {"value": f"computed {payload['key']}"}


@activity("e2e.validate")
def validate(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    if payload.get("quantity", 0) <= 0:
        return ActivityResult(cancel=f"invalid order: quantity {payload.get('quantity')}")
    return {"valid": True}


@activity("e2e.train")
def train(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    """One epoch: accuracy grows by 0.2 from 0.35; again until it reaches 0.95."""
    epoch = payload.get("epoch", 1)
    accuracy = round(0.35 + 0.2 * (epoch - 1), 2)
    if accuracy < 0.95:
        return ActivityResult({"accuracy": accuracy}, next_iteration={"epoch": epoch + 1})
    return {"accuracy": accuracy, "epochs": epoch}


@activity("e2e.risky")
def risky(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    if payload.get("explode"):
        return ActivityResult({"error": "boom"}, next_tasks=[NextTask("emergency", goto=True)])
    return {"error": None}


@activity("e2e.step_with_logging")
def step_with_logging(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    return ActivityResult({"stepped": True}, next_tasks=["log_extra"])


@activity("e2e.invoice")
def invoice(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    customer = payload["customer"]
    if customer.get("broken"):
        raise ValueError(f"no billing address for {customer['id']}")
    return {"customer": customer["id"], "amount": customer["balance"]}


@activity("e2e.flaky")
def flaky(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Fails until attempt `succeed_on`, recording when each attempt ran."""
    _redis().rpush(key(f"flaky:{ctx.work_item}"), time.time())
    if ctx.attempt < payload.get("succeed_on", 99):
        raise ConnectionError(f"attempt {ctx.attempt} failed")
    return {"attempts": ctx.attempt}


@activity("e2e.bad_input")
def bad_input(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    if not payload.get("ok"):
        raise ValueError("the input is wrong; retrying will not help")
    return {"fixed": True}


@activity("e2e.slow")
def slow(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    time.sleep(payload.get("seconds", 5))
    return {"slept": True}


@activity("e2e.die_once")
def die_once(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """The first run records its process id and hangs (the test kills that process); later
    runs return at once. Counts its runs."""
    r = _redis()
    runs = r.incr(key(f"runs:{ctx.work_item}"))
    if runs == 1:
        r.set(key(f"pid:{ctx.work_item}"), os.getpid())
        time.sleep(60)
    return {"runs": int(runs)}


@activity("e2e.count")
def count_runs(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    return {"runs": count(f"count:{ctx.work_item}")}


@activity("e2e.pick_kind")
def pick_kind(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    return {"handled_by": payload.get("handler"), "name": payload.get("name")}


@activity("e2e.maybe_poison")
def maybe_poison(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Echoes `n`; with `poison` its output holds a value no JSON column can store (a set): the
    report of this attempt fails while it is written (issue 13's poison item)."""
    if payload.get("poison"):
        return {"n": payload.get("n"), "bad": {1, 2}}
    return {"n": payload.get("n")}


@activity("e2e.slow_count")
def slow_count(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Counts its runs, then takes `seconds`: a long activity that must run once."""
    runs = count(f"slow:{ctx.work_item}")
    time.sleep(payload.get("seconds", 5))
    return {"runs": runs}


@activity("e2e.part")
def part(payload: dict[str, Any], ctx: ActivityContext) -> Any:
    """One instance of a multi-instance task: `ok` completes, `later` fails (its task's retry
    policy waits before the next attempt), `enough` completes and says the task has done enough:
    the `complete_task` directive (WCP-27)."""
    mode = payload.get("mode")
    if mode == "later":
        raise ConnectionError(f"part {payload.get('n')}: the service is away, try later")
    return ActivityResult({"n": payload.get("n")}, complete_task=mode == "enough")
