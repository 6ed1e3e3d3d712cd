"""WCP-27 through the real worker: an automatic activity returns the `complete_task`
directive for its running multi-instance task; the worker's report withdraws the instances
still open, completes the task with its output mapping over the completed instances, and the
case moves on (issue 14)."""

from __future__ import annotations

from typing import Any

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish
from worker.tests.e2e.conftest import wait_for

NET = net(
    "e2e-enough",
    [
        {
            "id": "parts",
            "kind": "automatic",
            "activity": "e2e.part",
            "instances": {"for_each": "data.parts", "as": "part", "creation": "dynamic"},
            "input": {"n": "part.n", "mode": "part.mode"},
            # the failing instance waits a minute for its next attempt: open when the task completes
            "retry": {"max_attempts": 3, "initial_interval": 60},
            "output": {"done": "results.map(r, r.n)"},
        },
        {
            "id": "summarize",
            "kind": "automatic",
            "activity": "cel.transform",
            "input": {"expressions": "{'count': 'size(data.done)'}"},
            "output": {"count": "result.count"},
        },
    ],
    [("start", "parts"), ("parts", "summarize"), ("summarize", "end")],
)


def items(case: Case) -> dict[int, WorkItem]:
    return {i.input["n"]: i for i in WorkItem.objects.filter(case=case, task="parts")}


def test_an_activity_completes_its_multi_instance_task(e2e: Any) -> None:
    publish(NET)
    case = services.case_start(
        definition="e2e-enough", data={"parts": [{"n": 1, "mode": "ok"}, {"n": 2, "mode": "later"}]}, user=SYSTEM
    )
    # the worker ran both: part 1 completed, part 2 failed once and waits for its retry
    wait_for(
        lambda: (lambda it: it[1].state == "completed" and it[2].attempt == 2 and it[2].state == "initialized")(
            items(case)
        ),
        what="part 1 completed and part 2 waiting for its retry",
    )
    assert Case.objects.get(pk=case.pk).tasks["parts"]["state"] == "started"

    # a third instance says "enough": its task completes without waiting for part 2
    services.work_item_add(case_id=case.pk, task_id="parts", item_input={"n": 3, "mode": "enough"}, user=SYSTEM)
    done = wait_for(lambda: Case.objects.filter(pk=case.pk, state="completed").first(), what="the case completed")

    states = {n: i.state for n, i in items(case).items()}
    assert states == {1: "completed", 2: "canceled", 3: "completed"}
    assert sorted(done.data["done"]) == [1, 3]  # the output mapping over the completed instances
    assert done.data["count"] == 2  # and the case moved on through `summarize`
    assert done.tasks["parts"]["state"] == "completed"
    forced = Event.objects.filter(case=case, type="task.completed", task="parts").values_list("payload", flat=True)
    assert [p.get("forced") for p in forced] == [True]
    withdrawn = items(case)[2]
    assert Event.objects.filter(case=case, work_item=withdrawn.pk, type="work_item.canceled").exists()
