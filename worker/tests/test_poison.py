"""Poison reports in a worker's batch (issue 13, ADR 0065): an attempt whose outcome the engine
or the database refuses becomes a failed attempt of that item alone (its retry policy, then an
incident), and the healthy items batched with it complete in the same run, exactly as they
would have without it."""

from __future__ import annotations

from typing import Any

import pytest

from engine import services
from engine.access import SYSTEM
from engine.core import engine as core_engine
from engine.core.rules import case_has_incident
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker import runner
from worker.tests.test_batches import case_state

pytestmark = pytest.mark.django_db

TRANSFORM = net(
    "poison-transform",
    [
        {
            "id": "auto",
            "kind": "automatic",
            "activity": "cel.transform",
            "input": {"expressions": "data.exprs"},
            "retry": {"max_attempts": 2, "initial_interval": 0.1},
        },
        {"id": "review", "kind": "manual"},
    ],
    [("start", "auto"), ("auto", "review"), ("review", "end")],
)


@pytest.fixture(autouse=True)
def manual_runner(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "manual"  # the tests run the automatic items themselves


def start(exprs: dict[str, str], n: int = 1) -> list[tuple[Case, WorkItem]]:
    out = []
    for _ in range(n):
        case = services.case_start(definition="poison-transform", data={"exprs": exprs}, user=SYSTEM)
        out.append((case, WorkItem.objects.get(case=case, task="auto")))
    return out


def comparable(case: Case) -> tuple:
    state, marking, tasks, data, items, events = case_state(case)
    return state, marking, data, [(t, s, o, a) for t, s, o, a in items], events


UNSTORABLE = [
    pytest.param("double('inf')", id="infinity"),  # 1e999: no JSON for it, on either database
    pytest.param("'a\\u0000b'", id="nul", marks=pytest.mark.postgres_only),  # PostgreSQL's text refuses NUL
]


@pytest.mark.parametrize("poison", UNSTORABLE)
def test_an_unstorable_output_fails_its_own_attempt_and_the_batch_completes(poison: str) -> None:
    publish(TRANSFORM)
    healthy = start({"v": "1"}, 6)
    (bad_case, bad), *_ = start({"v": poison})
    baseline = start({"v": "1"}, 6)
    jobs = [(str(i.pk), 1) for _, i in healthy[:3]] + [(str(bad.pk), 1)] + [(str(i.pk), 1) for _, i in healthy[3:]]
    outcomes = runner.run_work_items(jobs)
    assert outcomes == ["completed"] * 3 + ["retry"] + ["completed"] * 3
    # the healthy ones are as a batch without the poison leaves them
    assert runner.run_work_items([(str(i.pk), 1) for _, i in baseline]) == ["completed"] * 6
    for (case, _), (same, _) in zip(healthy, baseline, strict=True):
        assert comparable(case) == comparable(same)
        assert case.data["v"] == 1
        assert WorkItem.objects.filter(case=case, task="review", state="initialized").count() == 1
    # the poison: a failed attempt of its own, nothing of its output written
    item = WorkItem.objects.get(pk=bad.pk)
    assert (item.state, item.attempt, item.output) == ("initialized", 2, None)
    assert item.error["type"] == "ReportFailed"
    assert item.error["cause"] in ("DataError", "IntegrityError", "ValueError")
    bad_case.refresh_from_db()
    assert "v" not in bad_case.data
    assert not Event.objects.filter(case=bad_case, type="work_item.completed").exists()
    # its retry policy (2 attempts): the second attempt fails too, and it is an incident
    assert runner.run_work_items([(str(bad.pk), 2)]) == ["failed"]
    item.refresh_from_db()
    bad_case.refresh_from_db()
    assert (item.state, item.error["type"]) == ("failed", "ReportFailed")
    assert bad_case.state == "running"
    assert case_has_incident(
        status=bad_case.state, has_failed_item=WorkItem.objects.filter(case=bad_case, state="failed").exists()
    )
    assert not WorkItem.objects.filter(case=bad_case, task="review").exists()


def test_an_engine_error_on_one_report_fails_that_attempt_only(monkeypatch: Any) -> None:
    publish(TRANSFORM)
    healthy = start({"v": "1"}, 4)
    (bad_case, bad), *_ = start({"v": "2"})
    original = core_engine.Engine.complete_item

    def complete_item(self: Any, item_id: str, output: Any = None, **kw: Any) -> Any:
        if output == {"v": 2}:
            raise RuntimeError("a bug met by this case only")
        return original(self, item_id, output, **kw)

    monkeypatch.setattr(core_engine.Engine, "complete_item", complete_item)
    jobs = [(str(bad.pk), 1)] + [(str(i.pk), 1) for _, i in healthy]
    outcomes = runner.run_work_items(jobs)
    assert outcomes == ["retry"] + ["completed"] * 4
    for case, _ in healthy:
        case.refresh_from_db()
        assert case.data["v"] == 1 and case.tasks["auto"]["state"] == "completed"
    item = WorkItem.objects.get(pk=bad.pk)
    assert (item.attempt, item.error["type"], item.error["cause"]) == (2, "ReportFailed", "RuntimeError")
    assert "a bug met by this case only" in item.error["message"]
    assert runner.run_work_items([(str(bad.pk), 2)]) == ["failed"]
    assert WorkItem.objects.get(pk=bad.pk).state == "failed"
    assert Case.objects.get(pk=bad_case.pk).state == "running"  # an incident: it waits for an operator


def test_a_timer_that_cannot_fire_fails_alone_and_the_other_timers_fire(monkeypatch: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    publish(
        net(
            "poison-timer",
            [{"id": "wait", "kind": "timer", "duration": "1"}, {"id": "next", "kind": "manual"}],
            [("start", "wait"), ("wait", "next"), ("next", "end")],
        )
    )
    cases = [services.case_start(definition="poison-timer", data={"n": n}, user=SYSTEM) for n in range(3)]
    bad = cases[1]
    original = core_engine.Engine.fire_timer

    def fire_timer(self: Any, item_id: str) -> Any:
        if self.state.data.get("n") == 1:
            raise RuntimeError("a bug met by this timer only")
        return original(self, item_id)

    monkeypatch.setattr(core_engine.Engine, "fire_timer", fire_timer)
    assert services.timers_fire_due(now=timezone.now() + dt.timedelta(seconds=5)) == 3
    for case in (cases[0], cases[2]):
        assert WorkItem.objects.filter(case=case, task="next", state="initialized").exists()
    item = WorkItem.objects.get(case=bad, task="wait")
    assert item.state == "failed" and item.error["cause"] == "RuntimeError"
    assert Case.objects.get(pk=bad.pk).state == "running"  # an incident
    # the next sweep does not meet it again
    assert services.timers_fire_due(now=timezone.now() + dt.timedelta(seconds=5)) == 0


def test_the_issue_s_poison_a_successor_s_priority_high_no_longer_stalls_its_batch() -> None:
    """`noop → manual` whose manual task has `"priority": "'high'"`: the batch used to raise
    ValueError and leave its healthy cases `initialized` until the sweep. Now the noop item
    completes and the manual item is an incident (its allocation failed)."""
    for name, priority in (("poison-priority", "'high'"), ("healthy-priority", "data.n")):
        publish(
            net(
                name,
                [
                    {"id": "auto", "kind": "automatic", "activity": "noop"},
                    {"id": "m", "kind": "manual", "priority": priority},
                ],
                [("start", "auto"), ("auto", "m"), ("m", "end")],
            )
        )
    healthy = [services.case_start(definition="healthy-priority", data={"n": n}, user=SYSTEM) for n in range(5)]
    bad = services.case_start(definition="poison-priority", user=SYSTEM)
    jobs = [(str(WorkItem.objects.get(case=c, task="auto").pk), 1) for c in [*healthy[:2], bad, *healthy[2:]]]
    assert runner.run_work_items(jobs) == ["completed"] * 6
    for n, case in enumerate(healthy):
        assert WorkItem.objects.get(case=case, task="m").priority == n
    item = WorkItem.objects.get(case=bad, task="m")
    assert item.state == "failed" and "priority must be an integer" in item.error["message"]
    assert Case.objects.get(pk=bad.pk).state == "running"
