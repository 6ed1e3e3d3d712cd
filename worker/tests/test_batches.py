"""The worker's batches: many automatic items reported in one transaction
(`runner.run_work_items` -> `services.work_item_attempts_report`), the one-statement bulk UPDATE
under it, and the Celery task class that gathers messages into batches (group commit).
A batch must leave the database exactly as running its items one by one would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engine import services
from engine.access import SYSTEM
from engine.bulk import bulk_update_rows
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker import runner

pytestmark = pytest.mark.django_db

TWO_STEPS = net(
    "batch-two-steps",
    [
        {
            "id": "auto",
            "kind": "automatic",
            "activity": "echo",
            "input": {"n": "data.n"},
            "output": {"echoed": "result.n"},
        },
        {"id": "review", "kind": "manual"},
    ],
    [("start", "auto"), ("auto", "review"), ("review", "end")],
)


@pytest.fixture(autouse=True)
def manual_runner(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "manual"  # the tests run the automatic items themselves


def start(definition: str, n: int, **data: Any) -> list[tuple[Case, WorkItem]]:
    out = []
    for i in range(n):
        case = services.case_start(definition=definition, data={"n": i, **data}, user=SYSTEM)
        out.append((case, WorkItem.objects.get(case=case, state="initialized", kind="automatic")))
    return out


def case_state(case: Case) -> tuple:
    case.refresh_from_db()
    items = sorted(WorkItem.objects.filter(case=case).values_list("task", "state", "output", "attempt"))
    events = list(Event.objects.filter(case=case).order_by("pk").values_list("type", "task"))
    return case.state, case.marking, case.tasks, case.data, items, events


def test_a_batch_leaves_every_case_as_one_by_one_would() -> None:
    publish(TWO_STEPS)
    batched, single = start("batch-two-steps", 12), start("batch-two-steps", 12)
    outcomes = runner.run_work_items([(str(item.pk), 1) for _, item in batched])
    assert outcomes == ["completed"] * 12
    for _, item in single:
        assert runner.run_work_item(str(item.pk), 1) == "completed"
    for (b, _), (s, _) in zip(batched, single, strict=True):
        got, want = case_state(b), case_state(s)
        assert got == want
        assert got[3] == {"n": got[3]["n"], "echoed": got[3]["n"]}  # the output mapping ran
        assert [t for t, state, *_ in got[4] if state == "initialized"] == ["review"]  # the next item exists


def test_a_batch_writes_with_the_same_statements_however_many_cases_it_holds() -> None:
    publish(TWO_STEPS)
    small, large = start("batch-two-steps", 3), start("batch-two-steps", 30)
    with CaptureQueriesContext(connection) as q_small:
        runner.run_work_items([(str(item.pk), 1) for _, item in small])
    with CaptureQueriesContext(connection) as q_large:
        runner.run_work_items([(str(item.pk), 1) for _, item in large])
    # the same statements for 30 cases as for 3 (SQLite may split the events' INSERT in two:
    # it allows 999 parameters per statement)
    assert len(q_small.captured_queries) <= 12
    assert len(q_small.captured_queries) <= len(q_large.captured_queries) <= len(q_small.captured_queries) + 1
    assert WorkItem.objects.filter(task="review", state="initialized").count() == 33


def test_duplicates_and_stale_attempts_in_a_batch_change_nothing_and_the_rest_completes(monkeypatch: Any) -> None:
    from definitions import registry

    runs: list[str] = []
    echo = registry.get_activity("echo")
    assert echo is not None

    def counted_echo(payload: Any, ctx: Any) -> Any:
        runs.append(ctx.work_item)
        return echo.func(payload, ctx)

    monkeypatch.setitem(registry._registry, "echo", registry.ActivitySpec("echo", counted_echo))
    publish(TWO_STEPS)
    (case_a, a), (case_b, b), (case_c, c) = start("batch-two-steps", 3)
    outcomes = runner.run_work_items(
        [(str(a.pk), 1), (str(a.pk), 1), (str(b.pk), 7), (str(c.pk), 1), ("not-a-uuid", 1)]
    )
    assert outcomes == ["completed", "skipped", "skipped", "completed", "skipped"]
    assert sorted(runs) == sorted([str(a.pk), str(c.pk)])  # a duplicate in one batch runs once
    assert Event.objects.filter(case=case_a, type="task.completed", task="auto").count() == 1
    assert WorkItem.objects.get(pk=b.pk).state == "initialized"  # attempt 7 never was: untouched
    assert Event.objects.filter(case=case_b, type="task.completed").count() == 0
    # the same batch delivered again: nothing moves twice
    before = [case_state(case) for case in (case_a, case_c)]
    assert runner.run_work_items([(str(a.pk), 1), (str(c.pk), 1)]) == ["skipped", "skipped"]
    assert [case_state(case) for case in (case_a, case_c)] == before


def test_a_failing_activity_retries_then_fails_by_its_policy_while_its_batch_completes() -> None:
    publish(
        net(
            "batch-failing",
            [
                {
                    "id": "auto",
                    "kind": "automatic",
                    "activity": "fail",
                    "input": {"message": "'no'"},
                    "retry": {"max_attempts": 2},
                }
            ],
            [("start", "auto"), ("auto", "end")],
        )
    )
    publish(TWO_STEPS)
    [(bad_case, bad)] = start("batch-failing", 1)
    [(good_case, good)] = start("batch-two-steps", 1)
    assert runner.run_work_items([(str(bad.pk), 1), (str(good.pk), 1)]) == ["retry", "completed"]
    bad.refresh_from_db()
    assert (bad.state, bad.attempt, bad.error["message"]) == ("initialized", 2, "no")
    assert runner.run_work_items([(str(bad.pk), 2)]) == ["failed"]
    bad.refresh_from_db()
    assert bad.state == "failed" and bad.error["type"]  # an incident: the error is kept
    assert case_state(good_case)[4][0][:2] == ("auto", "completed")


AND_NET = net(
    "batch-and",
    [
        {"id": "split", "kind": "automatic", "activity": "noop", "split": "and"},
        {"id": "x", "kind": "automatic", "activity": "noop"},
        {"id": "y", "kind": "automatic", "activity": "noop"},
        {"id": "join", "kind": "manual", "join": "and"},
    ],
    [("start", "split"), ("split", "x"), ("split", "y"), ("x", "join"), ("y", "join"), ("join", "end")],
)


def split_case() -> tuple[Case, WorkItem, WorkItem]:
    publish(AND_NET)
    case = services.case_start(definition="batch-and", user=SYSTEM)
    runner.run_work_item(str(WorkItem.objects.get(case=case, task="split").pk))
    return case, WorkItem.objects.get(case=case, task="x"), WorkItem.objects.get(case=case, task="y")


def test_two_items_of_one_case_in_one_batch_complete_and_join_once() -> None:
    case, x, y = split_case()
    assert runner.run_work_items([(str(x.pk), 1), (str(y.pk), 1)]) == ["completed", "completed"]
    assert WorkItem.objects.filter(case=case, task="join").count() == 1
    assert Event.objects.filter(case=case, type="task.completed", task__in=["x", "y"]).count() == 2


def test_a_refused_report_sends_its_case_the_one_case_way_and_the_other_reports_still_count() -> None:
    publish(TWO_STEPS)
    case, x, y = split_case()
    [(other_case, other)] = start("batch-two-steps", 1)
    reports = [
        services.AttemptReport(item_id=str(x.pk), case_id=case.pk, attempt=1, completion={"output": {}}),
        services.AttemptReport(item_id=str(y.pk), case_id=case.pk, attempt=5, completion={"output": {}}),  # stale
        services.AttemptReport(
            item_id=str(other.pk), case_id=other_case.pk, attempt=1, completion={"output": {"n": 1}}
        ),
    ]
    assert services.work_item_attempts_report(reports) == ["completed", "skipped", "completed"]
    assert WorkItem.objects.get(pk=x.pk).state == "completed"
    assert WorkItem.objects.get(pk=y.pk).state == "initialized"
    assert WorkItem.objects.get(pk=other.pk).state == "completed"


def test_a_child_case_in_a_batch_tells_its_parent() -> None:
    publish(
        net(
            "batch-child",
            [
                {
                    "id": "auto",
                    "kind": "automatic",
                    "activity": "echo",
                    "input": {"v": "data.v"},
                    "output": {"v": "result.v"},
                }
            ],
            [("start", "auto"), ("auto", "end")],
        )
    )
    publish(
        net(
            "batch-parent",
            [
                {
                    "id": "c",
                    "kind": "composite",
                    "workflow": "batch-child",
                    "input": {"v": "data.v"},
                    "output": {"got": "result.v"},
                }
            ],
            [("start", "c"), ("c", "end")],
        )
    )
    publish(TWO_STEPS)
    parent = services.case_start(definition="batch-parent", data={"v": 7}, user=SYSTEM)
    child = Case.objects.get(parent=parent)
    child_item = WorkItem.objects.get(case=child, task="auto")
    [(plain_case, plain)] = start("batch-two-steps", 1)
    assert runner.run_work_items([(str(child_item.pk), 1), (str(plain.pk), 1)]) == ["completed", "completed"]
    parent.refresh_from_db()
    child.refresh_from_db()
    assert child.state == "completed" and parent.state == "completed" and parent.data["got"] == 7
    assert WorkItem.objects.get(pk=plain.pk).state == "completed"


def test_items_of_a_case_that_is_not_running_are_skipped() -> None:
    publish(TWO_STEPS)
    [(case, item)] = start("batch-two-steps", 1)
    services.case_suspend(case_id=case.pk, user=SYSTEM)
    assert runner.run_work_items([(str(item.pk), 1)]) == ["skipped"]
    assert WorkItem.objects.get(pk=item.pk).state == "initialized"


# ---------------------------------------------------------------------- bulk UPDATE


def test_bulk_update_rows_writes_each_row_its_own_values() -> None:
    publish(TWO_STEPS)
    pairs = start("batch-two-steps", 3)
    rows = [item for _, item in pairs]
    due = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    rows[0].output, rows[0].error, rows[0].due_at, rows[0].assignee = {"a": [1, {"b": None}]}, None, due, "ann"
    rows[1].output, rows[1].error, rows[1].due_at, rows[1].assignee = None, {"type": "X", "message": "it's"}, None, None
    rows[2].output, rows[2].priority, rows[2].state = {}, 5, "started"
    fields = ["output", "error", "due_at", "assignee", "priority", "state"]
    assert bulk_update_rows(WorkItem, rows, fields) == 3
    got = {r.pk: r for r in WorkItem.objects.filter(pk__in=[r.pk for r in rows])}
    assert (got[rows[0].pk].output, got[rows[0].pk].due_at, got[rows[0].pk].assignee) == (
        {"a": [1, {"b": None}]},
        due,
        "ann",
    )
    assert got[rows[1].pk].output is None and got[rows[1].pk].error == {"type": "X", "message": "it's"}
    assert (got[rows[2].pk].output, got[rows[2].pk].priority, got[rows[2].pk].state) == ({}, 5, "started")
    assert bulk_update_rows(WorkItem, [], fields) == 0


# ---------------------------------------------------------------------- gathering messages


class FakePool:
    limit = 1

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def apply_async(self, target: Any, args: Any, **callbacks: Any) -> None:
        self.sent.append({"requests": args[1][0], **callbacks})


class FakeRequest:
    eta = None
    delivery_info: dict[str, Any] = {}
    hostname = "test"
    reply_to = correlation_id = None
    request_dict: dict[str, Any] = {}
    ignore_result = True
    name = "workflow.run_work_items"

    def __init__(self, task: Any, n: int) -> None:
        self.task, self.id = task, f"req-{n}"
        self._payload: tuple[tuple[str, int], dict[str, Any], dict[str, Any]] = ((f"item-{n}", 1), {}, {})
        self.args: Any = None
        self.outcome: str | None = None

    def acknowledge(self) -> None:
        self.outcome = "acked"

    def reject(self, requeue: bool = False) -> None:
        self.outcome = "requeued" if requeue else "rejected"


@pytest.fixture
def batches() -> Any:
    from worker.tasks import run_work_items

    task = run_work_items._get_current_object()
    saved = task._pool, task._running
    task._pool, task._running = FakePool(), 0
    yield task
    task._pool, task._running = saved
    while not task._buffer.empty():
        task._buffer.get_nowait()


def test_a_busy_worker_gathers_messages_and_sends_them_as_one_batch_when_the_last_returns(batches: Any) -> None:
    pool = batches._pool
    first = FakeRequest(batches, 0)
    batches._buffer.put(first)
    batches._do_flush()  # idle: sent at once
    assert [[r.id for r in b["requests"]] for b in pool.sent] == [["req-0"]]
    waiting = [FakeRequest(batches, n) for n in range(1, 4)]
    for req in waiting:
        batches._buffer.put(req)
        batches._do_flush()  # the timer ticks while the pool is busy: nothing is sent
    assert len(pool.sent) == 1 and first.outcome is None  # acknowledged only after it ran
    pool.sent[0]["callback"](["completed"])
    assert first.outcome == "acked"
    assert [[r.id for r in b["requests"]] for b in pool.sent[1:]] == [["req-1", "req-2", "req-3"]]


def test_a_full_buffer_is_sent_even_while_the_pool_is_busy(batches: Any, settings: Any) -> None:
    pool = batches._pool
    batches._running = 1
    for n in range(batches.flush_every):
        batches._buffer.put(FakeRequest(batches, n))
    batches._do_flush()
    assert len(pool.sent) == 1 and len(pool.sent[0]["requests"]) == batches.flush_every


def test_a_batch_whose_process_died_goes_back_to_the_queue(batches: Any) -> None:
    from billiard.einfo import ExceptionInfo
    from billiard.exceptions import WorkerLostError

    pool = batches._pool
    reqs = [FakeRequest(batches, n) for n in range(2)]
    for req in reqs:
        batches._buffer.put(req)
    batches._do_flush()
    try:
        raise WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL).")
    except WorkerLostError:
        pool.sent[0]["error_callback"](ExceptionInfo())
    assert [r.outcome for r in reqs] == ["requeued", "requeued"]
    assert batches._running == 0


def test_a_message_with_a_time_to_run_waits_for_it(batches: Any) -> None:
    pool = batches._pool
    later, now = FakeRequest(batches, 0), FakeRequest(batches, 1)
    later.eta = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    for req in (later, now):
        batches._buffer.put(req)
    batches._do_flush()
    assert [[r.id for r in b["requests"]] for b in pool.sent] == [["req-1"]]
    assert batches._pending.qsize() == 1
    batches._pending.get_nowait()


def test_an_item_whose_successor_starts_a_child_workflow_in_a_batch() -> None:
    publish(net("batch-sub", [{"id": "m", "kind": "manual"}], [("start", "m"), ("m", "end")]))
    publish(
        net(
            "batch-then-child",
            [
                {"id": "auto", "kind": "automatic", "activity": "noop"},
                {"id": "c", "kind": "composite", "workflow": "batch-sub"},
            ],
            [("start", "auto"), ("auto", "c"), ("c", "end")],
        )
    )
    publish(TWO_STEPS)
    pairs = start("batch-then-child", 2) + start("batch-two-steps", 2)
    assert runner.run_work_items([(str(item.pk), 1) for _, item in pairs]) == ["completed"] * 4
    for case, _ in pairs[:2]:
        child = Case.objects.get(parent=case)
        assert child.parent_item.task == "c" and WorkItem.objects.get(case=child).task == "m"
    assert WorkItem.objects.filter(task="review", state="initialized").count() == 2


# ---------------------------------------------------------------------- which messages are batched


def test_activities_that_wait_on_the_outside_world_are_sent_to_run_alone(
    settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from worker import tasks

    sent: list[Any] = []
    monkeypatch.setattr(tasks, "send_work_item", sent.append)
    settings.WORKFLOW_RUNNER = "celery"
    for name, activity, extra in (
        ("batched-noop", "noop", {}),
        ("alone-http", "http.request", {}),
        ("alone-wait", "wait", {}),
        ("timed-noop", "noop", {"timeout": 5}),
    ):
        publish(
            net(name, [{"id": "t", "kind": "automatic", "activity": activity, **extra}], [("start", "t"), ("t", "end")])
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.case_start(definition=name, user=SYSTEM)
    assert [(job.alone, job.timeout) for job in sent] == [(False, None), (True, None), (True, None), (False, 5)]


def test_send_work_item_batches_only_what_may_run_in_a_batch(monkeypatch: Any) -> None:
    from engine.hooks import Dispatch
    from worker import tasks

    calls: list[tuple[str, tuple, dict]] = []
    for task in (tasks.run_work_items, tasks.run_work_item):
        monkeypatch.setattr(
            task, "apply_async", lambda args, _n=task.name, **options: calls.append((_n, args, options))
        )
    tasks.send_work_item(Dispatch(item_id="a", attempt=1))
    tasks.send_work_item(Dispatch(item_id="b", attempt=1, alone=True))
    tasks.send_work_item(Dispatch(item_id="c", attempt=2, countdown=4.0))
    tasks.send_work_item(Dispatch(item_id="d", attempt=1, timeout=3.0))
    assert calls == [
        ("workflow.run_work_items", ("a", 1), {}),
        ("workflow.run_work_item", ("b", 1), {}),
        ("workflow.run_work_item", ("c", 2), {"countdown": 4.0}),
        ("workflow.run_work_item", ("d", 1), {"soft_time_limit": 3.0, "time_limit": 3.0 + tasks.HARD_LIMIT_GRACE}),
    ]


def test_a_batch_that_fails_on_the_database_is_sent_again_later(monkeypatch: Any) -> None:
    from django.db import OperationalError

    from worker import tasks

    def unreachable(jobs: Any) -> list[str]:
        raise OperationalError("could not connect to server")

    sent: list[Any] = []
    monkeypatch.setattr(tasks.runner, "run_work_items", unreachable)
    monkeypatch.setattr(tasks, "send_work_item", sent.append)
    requests = [FakeRequest(tasks.run_work_items, n) for n in range(3)]
    for r in requests:
        r.args = r._payload[0]
    assert tasks.run_work_items.run(requests) == []  # its messages are then acknowledged
    assert [(j.item_id, j.attempt, j.countdown) for j in sent] == [
        (f"item-{n}", 1, tasks.BATCH_RETRY_DELAY) for n in range(3)
    ]
