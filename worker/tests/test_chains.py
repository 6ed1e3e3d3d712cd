"""Automatic chains run on in the worker (worker/chains.py, ADR 0063): the successor of an
automatic item that a worker's batch completed runs in the same worker, once, without a
message through the broker; retries, timeouts and activities that run alone still go through
it; what is over the bound is sent; a redelivered message changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from definitions.registry import activity
from engine import services
from engine.access import SYSTEM
from engine.hooks import Dispatch
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker import chains, runner, tasks

pytestmark = pytest.mark.django_db(transaction=True)

RUNS: Counter[str] = Counter()


class Died(BaseException):
    """Stands for the worker process killed in the middle of an activity (nothing after it runs,
    nothing is acknowledged)."""


@activity("test.chain_die_once")
def chain_die_once(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Counts its runs per work item; the first one 'dies' (tests only)."""
    RUNS[ctx.work_item] += 1
    if RUNS[ctx.work_item] == 1:
        raise Died
    return {}


@activity("test.chain_count")
def chain_count(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Counts its runs per work item (tests only)."""
    RUNS[ctx.work_item] += 1
    return {}


def chain(name: str, steps: int, **last: Any) -> dict[str, Any]:
    tasks_ = [{"id": f"s{i}", "kind": "automatic", "activity": "test.chain_count"} for i in range(steps)]
    tasks_[-1].update(last)
    nodes = ["start", *[t["id"] for t in tasks_], "end"]
    return net(name, tasks_, list(zip(nodes, nodes[1:], strict=False)))


@pytest.fixture
def broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[Dispatch]:
    """The Celery runner with the broker's send recorded instead of sent (the broker lies
    outside what is tested: the worker's side of it is)."""
    settings.WORKFLOW_RUNNER = "celery"
    settings.WORKFLOW_CHAIN_STEPS = 100
    sent: list[Dispatch] = []
    monkeypatch.setattr(tasks, "send_work_item", sent.append)
    RUNS.clear()
    return sent


def first_message(definition: str, broker: list[Dispatch]) -> tuple[Case, Dispatch]:
    case = services.case_start(definition=definition, user=SYSTEM)
    (job,) = broker  # the first step's message, sent on commit
    broker.clear()
    return case, job


def worker_batch(jobs: list[Dispatch]) -> list[str]:
    """What `tasks.run_work_items` does with a batch of messages."""
    return chains.run_chained(
        runner.run_work_items,
        [(j.item_id, j.attempt) for j in jobs],
        tasks.send_work_item,
        tasks.resume_chains,
    )


def test_a_chain_runs_to_its_end_in_the_worker_each_step_once_and_nothing_through_the_broker(
    broker: list[Dispatch],
) -> None:
    publish(chain("chain-5", 5))
    case, job = first_message("chain-5", broker)

    assert worker_batch([job]) == ["completed"]

    case.refresh_from_db()
    assert case.state == "completed"
    items = list(WorkItem.objects.filter(case=case))
    assert len(items) == 5 and {i.state for i in items} == {"completed"}
    assert sorted(RUNS.values()) == [1] * 5 and set(RUNS) == {str(i.pk) for i in items}
    assert broker == []
    completed = Event.objects.filter(case=case, type="work_item.completed").count()
    assert completed == 5
    # the first message delivered again (at-least-once): nothing runs, nothing changes
    assert worker_batch([job]) == ["skipped"]
    assert sorted(RUNS.values()) == [1] * 5
    assert Event.objects.filter(case=case, type="work_item.completed").count() == completed


def test_the_bound_sends_the_rest_through_the_broker(broker: list[Dispatch], settings: Any) -> None:
    settings.WORKFLOW_CHAIN_STEPS = 2
    publish(chain("chain-5b", 5))
    case, job = first_message("chain-5b", broker)

    worker_batch([job])

    assert sum(RUNS.values()) == 3  # the batch's own item and two follow-ups
    (left,) = broker
    assert WorkItem.objects.get(pk=left.item_id).state == "initialized"
    worker_batch(broker[:])  # the worker that receives it carries the chain on
    case.refresh_from_db()
    assert case.state == "completed" and sorted(RUNS.values()) == [1] * 5


def test_off_every_step_goes_through_the_broker(broker: list[Dispatch], settings: Any) -> None:
    settings.WORKFLOW_CHAIN_STEPS = 0
    publish(chain("chain-3", 3))
    case, job = first_message("chain-3", broker)
    worker_batch([job])
    assert sum(RUNS.values()) == 1 and len(broker) == 1


def test_a_step_with_a_timeout_or_a_retry_back_off_is_not_run_in_process(broker: list[Dispatch]) -> None:
    publish(chain("chain-timeout", 2, timeout=30))
    case, job = first_message("chain-timeout", broker)
    worker_batch([job])
    assert sum(RUNS.values()) == 1
    (sent,) = broker
    assert sent.timeout == 30  # it runs alone, under Celery's time limit

    broker.clear()
    flaky = net(
        "chain-retry",
        [
            {"id": "a", "kind": "automatic", "activity": "test.chain_count"},
            {"id": "b", "kind": "automatic", "activity": "fail", "retry": {"max_attempts": 3, "initial_interval": 5}},
        ],
        [("start", "a"), ("a", "b"), ("b", "end")],
    )
    publish(flaky)
    case, job = first_message("chain-retry", broker)
    worker_batch([job])
    b = WorkItem.objects.get(case=case, task="b")
    assert (b.state, b.attempt) == ("initialized", 2)  # ran once in process, failed, retried later
    (retry,) = broker
    assert (retry.item_id, retry.attempt, retry.countdown) == (str(b.pk), 2, 5.0)


def lose_the_worker_at(definition: str, task: str, broker: list[Dispatch]) -> tuple[Case, Dispatch, WorkItem]:
    """The first message's chain runs until `task`, whose activity 'kills' the worker: the case
    is left with `task` initialized and no message for it (the message of the batch, never
    acknowledged, is what the broker delivers again)."""
    case, job = first_message(definition, broker)
    with pytest.raises(Died):
        worker_batch([job])
    broker.clear()  # a dead process sends nothing
    lost = WorkItem.objects.get(case=case, task=task)
    assert lost.state == "initialized"
    return case, job, lost


def age(item: WorkItem, seconds: float) -> None:
    WorkItem.objects.filter(pk=item.pk).update(updated_at=item.updated_at - dt.timedelta(seconds=seconds))


def test_a_redelivered_batch_resumes_the_chain_its_lost_worker_left(broker: list[Dispatch], settings: Any) -> None:
    settings.WORKFLOW_CHAIN_RESUME_AFTER = 5.0
    definition = chain("chain-lost", 6)
    definition["tasks"][3]["activity"] = "test.chain_die_once"
    publish(definition)
    case, job, lost = lose_the_worker_at("chain-lost", "s3", broker)
    done = {i.task for i in WorkItem.objects.filter(case=case, state="completed")}
    assert done == {"s0", "s1", "s2"}

    # delivered again at once (only the pool process died): s3 changed under 5 s ago, it may be
    # running in a live worker; it is left alone, and the message sent again for when it is not
    assert worker_batch([job]) == ["skipped"]
    assert WorkItem.objects.get(pk=lost.pk).state == "initialized" and RUNS[str(lost.pk)] == 1
    (again,) = broker
    assert (again.item_id, again.attempt) == (job.item_id, job.attempt) and 5.0 < again.countdown <= 5.5
    broker.clear()

    # delivered again after the visibility timeout: the chain goes on in this worker, in process
    age(lost, 30)
    assert worker_batch([job]) == ["skipped"]
    case.refresh_from_db()
    assert case.state == "completed"
    assert broker == []
    items = {i.task: i for i in WorkItem.objects.filter(case=case)}
    assert len(items) == 6 and {i.state for i in items.values()} == {"completed"}
    assert {t: RUNS[str(i.pk)] for t, i in items.items()} == {"s0": 1, "s1": 1, "s2": 1, "s3": 2, "s4": 1, "s5": 1}
    assert Event.objects.filter(case=case, type="work_item.completed").count() == 6
    assert Event.objects.filter(case=case, type="case.completed").count() == 1


def test_resuming_claims_each_item_once_and_leaves_items_with_their_own_message(
    broker: list[Dispatch], settings: Any
) -> None:
    publish(
        net(
            "chain-resume-split",
            [
                {"id": "a", "kind": "automatic", "activity": "test.chain_count"},
                {"id": "plain", "kind": "automatic", "activity": "test.chain_count"},
                {"id": "timed", "kind": "automatic", "activity": "test.chain_count", "timeout": 30},
                {"id": "waiting", "kind": "automatic", "activity": "test.chain_count"},
                {"id": "j", "kind": "automatic", "activity": "test.chain_count"},
            ],
            [("start", "a"), ("a", "plain"), ("a", "timed"), ("a", "waiting"), ("plain", "j"), ("timed", "j")]
            + [("waiting", "j"), ("j", "end")],
        )
    )
    case = services.case_start(definition="chain-resume-split", user=SYSTEM)
    a = WorkItem.objects.get(case=case, task="a")
    services.work_item_complete(item_id=str(a.pk), attempt=1, output={}, user=SYSTEM)
    items = {i.task: i for i in WorkItem.objects.filter(case=case, state="initialized")}
    assert set(items) == {"plain", "timed", "waiting"}
    WorkItem.objects.filter(pk=items["waiting"].pk).update(attempt=2)  # a retry waits for its back-off
    for item in items.values():
        age(item, 60)
    broker.clear()
    assert services.work_items_resume_chains([str(a.pk), "not-an-id"]) == (1, None)
    # claimed (its updated_at now): not sent twice, but looked at again when it would be lost
    again = services.work_items_resume_chains([str(a.pk)])
    assert again.sent == 0 and again.again_in is not None and 4.0 < again.again_in <= 5.0
    assert [(d.item_id, d.attempt) for d in broker] == [(str(items["plain"].pk), 1)]
    assert services.work_items_resume_chains(["not-an-id"]) == (0, None)


def test_nothing_is_looked_up_unless_something_was_skipped(broker: list[Dispatch]) -> None:
    publish(chain("chain-quiet", 3))
    case, job = first_message("chain-quiet", broker)
    asked: list[list[tuple[str, int]]] = []
    outcomes = chains.run_chained(runner.run_work_items, [(job.item_id, job.attempt)], broker.append, asked.append)
    assert outcomes == ["completed"] and asked == []
    outcomes = chains.run_chained(runner.run_work_items, [(job.item_id, job.attempt)], broker.append, asked.append)
    assert outcomes == ["skipped"] and asked == [[(job.item_id, job.attempt)]]
