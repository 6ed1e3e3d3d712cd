"""Reads of running state: cases, their history, queries, activities, task specs by version.

Visibility: staff see every case; other users the cases they started and those with a work item
they may see (`inbox.selectors.work_item_offered_q`, the queryset form of
`engine.access.item_offered_to`). An invisible case reads as not found.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.db.models import F, Prefetch, Q, QuerySet

from designer.models import DefinitionVersion
from engine.core.errors import EngineError, NotFound
from engine.core.expr import ExpressionError, evaluate
from engine.core.state import ITEM_LIVE
from engine.models import Case, Event, WorkItem
from engine.registry import ActivitySpec, all_activities


class QueryFailed(EngineError):
    """A query's expression cannot be evaluated on the case's current data (409)."""

    code = "query_failed"
    http_status = 409


def case_visible_q(user: Any) -> Q:
    from inbox.selectors import work_item_offered_q

    if user.is_staff:
        return Q()
    offered = WorkItem.objects.filter(work_item_offered_q(user)).values("case_id")
    return Q(started_by=user) | Q(pk__in=offered)


def cases_for_output(*, user: Any) -> QuerySet[Case]:
    """Cases the user may see, with what their representation needs: the version number, the
    active work items the user may see, and the ids of the child cases."""
    from inbox.selectors import work_item_offered_q, work_items_for_output

    live = work_items_for_output().filter(work_item_offered_q(user), state__in=ITEM_LIVE).order_by("created_at", "id")
    children = Case.objects.only("id", "parent_id").order_by("id")
    return (
        Case.objects.filter(case_visible_q(user))
        .annotate(version_number=F("version__version"))
        .prefetch_related(
            Prefetch("work_items", queryset=live, to_attr="active_work_items"),
            Prefetch("children", queryset=children, to_attr="child_list"),
        )
    )


def case_list(*, user: Any, state: str | None = None, definition: str | None = None) -> QuerySet[Case]:
    qs = cases_for_output(user=user)
    if state:
        qs = qs.filter(state=state)
    if definition:
        qs = qs.filter(definition_name=definition)
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


def activity_list() -> list[ActivitySpec]:
    return all_activities()
