"""Reads of running state: cases, their history, queries, activities, task specs by version.

Visibility: staff see every case; other users the cases they started and those with a work item
they may see (`engine.access.work_item_offered_q`, the queryset form of
`engine.access.item_offered_to`). An invisible case reads as not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from definitions.models import DefinitionVersion
from engine import access
from engine.core.errors import EngineError, Forbidden, NotFound
from engine.core.expr import ExpressionError, evaluate
from engine.core.state import CASE_ACTIVE, ITEM_LIVE
from engine.models import Case, Event, WorkItem


class QueryFailed(EngineError):
    """A query's expression cannot be evaluated on the case's current data (409)."""

    code = "query_failed"
    http_status = 409


def case_visible_q(user: Any) -> Q:
    if user.is_staff:
        return Q()
    offered = WorkItem.objects.filter(access.work_item_offered_q(user)).values("case_id")
    return Q(started_by=user) | Q(pk__in=offered)


def cases_for_output(*, user: Any) -> QuerySet[Case]:
    """Cases the user may see, with what their representation needs: the version number, the
    active work items the user may see, and the ids of the child cases."""
    live = (
        work_items_for_output()
        .filter(access.work_item_offered_q(user), state__in=ITEM_LIVE)
        .order_by("created_at", "id")
    )
    children = Case.objects.only("id", "parent_id").order_by("id")
    return (
        Case.objects.filter(case_visible_q(user))
        .annotate(version_number=F("version__version"))
        .prefetch_related(
            Prefetch("work_items", queryset=live, to_attr="active_work_items"),
            Prefetch("children", queryset=children, to_attr="child_list"),
        )
    )


def case_list(
    *, user: Any, state: str | None = None, definition: str | None = None, business_key: str | None = None
) -> QuerySet[Case]:
    qs = cases_for_output(user=user)
    if state:
        qs = qs.filter(state=state)
    if definition:
        qs = qs.filter(definition_name=definition)
    if business_key:
        qs = qs.filter(business_key=business_key)
    return qs.order_by("-id")


def case_get(*, case_id: int, user: Any) -> Case:
    case = cases_for_output(user=user).filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def case_events(*, case: Case) -> QuerySet[Event]:
    """The case's history, oldest first."""
    return Event.objects.filter(case_id=case.pk).order_by("id")


def case_query(*, case: Case, name: str) -> Any:
    """Answer the net's query `name` on the case: its CEL `expr` over `data` and `case`."""
    net = DefinitionVersion.objects.only("net").get(pk=case.version_id).net
    query = next((q for q in net.get("queries") or [] if q.get("name") == name), None)
    if query is None:
        raise NotFound(f"definition {case.definition_name!r} has no query {name!r}")
    version = getattr(case, "version_number", None) or case.version.version
    variables = {"data": case.data, "case": {"id": case.pk, "definition": case.definition_name, "version": version}}
    try:
        return evaluate(query["expr"], variables)
    except ExpressionError as exc:
        raise QueryFailed(f"query {name!r} failed: {exc}") from None


def version_task_specs(*, version_ids: Iterable[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """{version id: {task id: the task's JSON}} for the given published versions, one query."""
    rows = DefinitionVersion.objects.filter(pk__in=list(version_ids)).values_list("pk", "net")
    return {pk: {t["id"]: t for t in (net or {}).get("tasks", []) if isinstance(t, dict)} for pk, net in rows}


# ---------------------------------------------------------------------- work items for people


def work_items_for_output() -> QuerySet[WorkItem]:
    """Work items with what their representation needs from the case (no case row loaded)."""
    return WorkItem.objects.annotate(
        definition_name=F("case__definition_name"), case_version_id=F("case__version_id"), case_state=F("case__state")
    )


def work_item_list(
    *,
    user: Any,
    states: list[str] | None = None,
    case_id: int | None = None,
    task: str | None = None,
    mine: bool = False,
    available: bool = False,
    follow_up: str | None = None,
) -> QuerySet[WorkItem]:
    """The items `user` may see, highest priority first, oldest first within a priority.

    `follow_up`: "due" (none, or one that has come) or "later" (still ahead; ADR 0084).
    `mine`: claimed by the user. `available`: unclaimed manual items waiting to be claimed
    (`initialized`) that the user may take (for staff: all of them but those four-eyes keeps
    from them)."""
    qs = work_items_for_output().filter(access.work_item_offered_q(user))
    if states:
        qs = qs.filter(state__in=states)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if task:
        qs = qs.filter(task=task)
    if follow_up is not None:
        now = timezone.now()
        qs = qs.filter(
            Q(follow_up__gt=now) if follow_up == "later" else Q(follow_up__isnull=True) | Q(follow_up__lte=now)
        )
    if mine:
        qs = qs.filter(assignee=user.username)
    if available:
        qs = qs.filter(Q(assignee__isnull=True) | Q(assignee=""), state=WorkItem.State.INITIALIZED, kind="manual")
        if user.is_staff:  # staff see everything, but four-eyes binds them too on what they may take
            four_eyes = access.four_eyes_excluded_q(user.username)
            if four_eyes is not None:
                qs = qs.exclude(four_eyes)
    return qs.order_by("-priority", "created_at", "id")


def work_item_get(*, item_id: Any, user: Any) -> WorkItem:
    """One item the user may see; NotFound when it does not exist or is not theirs to see."""
    item = work_items_for_output().filter(access.work_item_offered_q(user), pk=item_id).first()
    if item is None:
        raise NotFound(f"no work item {item_id}")
    return item


def work_item_get_for_output(*, item_id: Any) -> WorkItem:
    """The item after an action the services allowed (it may have left the user's view, e.g.
    delegated to someone else)."""
    return work_items_for_output().get(pk=item_id)


def startable_definitions(*, user: Any) -> list[Any]:
    """The latest published version of each definition that `user` may start (the rule of
    `engine.access.check_can_start`) and that is not child-only (`"startable": false`), by
    name. A small list: filtered in Python."""
    latest = DefinitionVersion.objects.values("definition_id").annotate(v=Max("version"))
    wanted = Q()
    for row in latest:
        wanted |= Q(definition_id=row["definition_id"], version=row["v"])
    if not latest:
        return []
    versions = DefinitionVersion.objects.filter(wanted).select_related("definition").order_by("definition__name")
    out = []
    for version in versions:
        if not access.is_startable(version.net):  # child-only: not offered, even to staff
            continue
        try:
            access.check_can_start(user, version)
        except Forbidden:
            continue
        out.append(version)
    return out


# ---------------------------------------------------------------------- incidents


def failed_item_exists() -> Exists:
    """Annotation: the case has a work item in state `failed`."""
    return Exists(WorkItem.objects.filter(case_id=OuterRef("pk"), state="failed"))


def incident_q() -> Q:
    """The cases with an incident: the queryset form of `engine.core.rules.case_has_incident`
    (deadlocked, or running/suspended with a failed work item)."""
    # One id set as a UNION of two indexed reads (a few thousand ids at most), not an OR over
    # every case row: the list then joins those ids on the primary key.
    deadlocked = Case.objects.order_by().filter(state="deadlocked").values("id")
    failed = WorkItem.objects.order_by().filter(state="failed", case__state__in=CASE_ACTIVE).values("case_id")
    return Q(pk__in=deadlocked.union(failed))
