"""Who acts (ADR 0061): every service that decides rights needs the acting user; None is refused
loudly; the engine's own calls act as `SYSTEM`, which passes the checks a user would fail and
is recorded as no one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group

from definitions import services as definition_services
from engine import access, services
from engine.access import SYSTEM, SystemActor
from engine.core.errors import Forbidden
from engine.models import BatchJob, Case, Event, WorkItem
from tests.helpers import net, publish

pytestmark = pytest.mark.django_db

REVIEW_THEN_BOOK = net(
    "review-then-book",
    [
        {"id": "review", "kind": "manual", "assign": {"role": "managers"}},
        {"id": "book", "kind": "automatic", "activity": "noop"},
    ],
    [("start", "review"), ("review", "book"), ("book", "end")],
    signals=[{"name": "go"}],
)


@pytest.fixture(autouse=True)
def _manual_runner(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "manual"  # automatic items wait for the test's reports


@pytest.fixture
def clerk(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("clerk")
    user.groups.add(Group.objects.get_or_create(name="clerks")[0])
    return user


def snapshot() -> tuple:
    return (
        list(Case.objects.order_by("pk").values_list("state", "marking", "tasks", "data")),
        list(WorkItem.objects.order_by("pk").values_list("state", "assignee", "output", "completed_by")),
        Event.objects.count(),
        BatchJob.objects.count(),
    )


def live(case: Case, task: str) -> WorkItem:
    return WorkItem.objects.get(case=case, task=task, state__in=("initialized", "started", "failed"))


def test_the_system_actor_is_one_named_object_that_is_not_a_user(clerk: Any) -> None:
    assert SystemActor() is SYSTEM
    assert SYSTEM.username == "system" and not SYSTEM.is_staff and SYSTEM.pk is None
    assert access.is_system(SYSTEM) and not access.is_system(clerk)
    assert access.actor_name(SYSTEM) is None and access.actor_name(clerk) == "clerk"


# ---------------------------------------------------------------------- None is refused

CALLS: dict[str, Callable[[Case, WorkItem, Any], Any]] = {
    "case_start": lambda c, i, u: services.case_start(definition="review-then-book", user=u),
    "case_cancel": lambda c, i, u: services.case_cancel(case_id=c.pk, user=u),
    "case_suspend": lambda c, i, u: services.case_suspend(case_id=c.pk, user=u),
    "case_resume": lambda c, i, u: services.case_resume(case_id=c.pk, user=u),
    "case_update_data": lambda c, i, u: services.case_update_data(case_id=c.pk, changes={"x": 1}, user=u),
    "case_signal": lambda c, i, u: services.case_signal(case_id=c.pk, name="go", user=u),
    "work_item_claim": lambda c, i, u: services.work_item_claim(item_id=i.pk, user=u),
    "work_item_release": lambda c, i, u: services.work_item_release(item_id=i.pk, user=u),
    "work_item_delegate": lambda c, i, u: services.work_item_delegate(item_id=i.pk, user=u, to_username="clerk"),
    "work_item_start": lambda c, i, u: services.work_item_start(item_id=i.pk, user=u),
    "work_item_complete": lambda c, i, u: services.work_item_complete(item_id=i.pk, output={}, user=u),
    "work_item_fail": lambda c, i, u: services.work_item_fail(item_id=i.pk, error="no", user=u),
    "work_item_retry": lambda c, i, u: services.work_item_retry(item_id=i.pk, user=u),
    "work_item_skip": lambda c, i, u: services.work_item_skip(item_id=i.pk, output={}, user=u),
    "work_item_add": lambda c, i, u: services.work_item_add(case_id=c.pk, task_id="review", user=u),
    "batch_job_create": lambda c, i, u: services.batch_job_create(
        user=u, action="cancel", filters={}, params={}, case_ids=[c.pk]
    ),
    "batch_run": lambda c, i, u: services.batch_run(
        job_id=services.batch_job_create(user=SYSTEM, action="cancel", filters={}, params={}, case_ids=[c.pk]).pk,
        user=u,
    ),
    "definition_save_draft": lambda c, i, u: definition_services.definition_save_draft(
        doc={**REVIEW_THEN_BOOK, "title": "changed"}, user=u
    ),
    "definition_publish": lambda c, i, u: definition_services.definition_publish(name="review-then-book", user=u),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_service_called_with_user_none_is_refused_and_changes_nothing(name: str, clerk: Any) -> None:
    publish(REVIEW_THEN_BOOK)
    case = services.case_start(definition="review-then-book", user=SYSTEM)
    item = live(case, "review")
    before = snapshot()
    with pytest.raises(TypeError, match="SYSTEM"):
        CALLS[name](case, item, None)
    if name == "batch_run":  # the job was created (as the system) before the refused run
        assert BatchJob.objects.get().done == 0
        before = (*before[:3], 1)
    assert snapshot() == before


def test_a_service_called_without_user_is_refused() -> None:
    with pytest.raises(TypeError):
        services.case_start(definition="review-then-book")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        services.case_cancel(case_id=1)  # type: ignore[call-arg]


# ---------------------------------------------------------------------- the system passes


def test_worker_reports_as_the_system_pass_the_checks_a_user_fails_and_record_no_actor(clerk: Any) -> None:
    publish(REVIEW_THEN_BOOK)
    case = services.case_start(definition="review-then-book", user=SYSTEM)
    review = live(case, "review")

    before = snapshot()
    with pytest.raises(Forbidden):  # offered to "managers": not to a clerk
        services.work_item_complete(item_id=review.pk, output={}, user=clerk)
    with pytest.raises(Forbidden):  # staff only
        services.case_suspend(case_id=case.pk, user=clerk)
    assert snapshot() == before

    # a worker's report on the item offered to a role: the system is not in the role, and passes
    report = services.AttemptReport(
        item_id=str(review.pk), case_id=case.pk, attempt=review.attempt, completion={"output": {}}
    )
    assert services.work_item_attempts_report([report]) == ["completed"]

    book = live(case, "book")
    with pytest.raises(Forbidden):  # an automatic item: staff only
        services.work_item_complete(item_id=book.pk, output={}, user=clerk)
    report = services.AttemptReport(
        item_id=str(book.pk), case_id=case.pk, attempt=book.attempt, completion={"output": {}}
    )
    assert services.work_item_attempts_report([report]) == ["completed"]

    case.refresh_from_db()
    assert case.state == "completed"
    assert case.started_by is None
    assert set(Event.objects.filter(case=case).values_list("actor", flat=True)) == {""}
    assert set(WorkItem.objects.filter(case=case).values_list("completed_by", flat=True)) == {None}


def test_the_system_may_do_staff_only_things_but_never_claims(clerk: Any) -> None:
    publish(REVIEW_THEN_BOOK)
    case = services.case_start(definition="review-then-book", user=SYSTEM)
    with pytest.raises(Forbidden):
        services.work_item_claim(item_id=live(case, "review").pk, user=SYSTEM)
    services.case_suspend(case_id=case.pk, user=SYSTEM)
    services.case_resume(case_id=case.pk, user=SYSTEM)
    job = services.batch_job_create(user=SYSTEM, action="cancel", filters={}, params={}, case_ids=[case.pk])
    assert job.created_by is None
    assert services.batch_run(job_id=job.pk, user=SYSTEM).succeeded == 1
    case.refresh_from_db()
    assert case.state == "canceled"
