"""Reads of work items for people: what a user may see, with the inbox's filters.

`work_item_offered_q` is the queryset form of `engine.access.item_offered_to` (the rule itself
lives there; this expresses the same rule as SQL so lists never filter row by row). Keep the two
in step: `inbox/tests/test_api_work_items.py` checks that they agree.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from engine import access
from engine.core.errors import Forbidden, NotFound
from engine.models import WorkItem


def work_item_offered_q(user: Any) -> Q:
    """Staff: every item. Others: claimed by them, or unclaimed and offered to them directly or
    through one of their groups."""
    if user.is_staff:
        return Q()
    unclaimed = Q(assignee__isnull=True) | Q(assignee="")
    offered = Q(offered_user=user.username)
    groups = access.user_groups(user)
    if groups:
        offered |= Q(role__in=sorted(groups))
    q = Q(assignee=user.username) | (unclaimed & offered)
    four_eyes = four_eyes_excluded_q(user.username)
    return q & ~four_eyes if four_eyes is not None else q


def four_eyes_excluded_q(username: str) -> Q | None:
    """The items four-eyes keeps from `username` (the queryset form of
    `engine.access.four_eyes_excluded`): those of a task with `assign.not_same_as: A` in a case
    where they completed A. None when no published version has such a rule."""
    q = None
    for (task, other), version_ids in access.four_eyes_rules().items():
        done = WorkItem.objects.filter(
            case_id=OuterRef("case_id"), task=other, state=WorkItem.State.COMPLETED, completed_by=username
        )
        rule = Q(task=task, case__version_id__in=version_ids) & Exists(done)
        q = rule if q is None else q | rule
    return q


def work_items_for_output() -> QuerySet[WorkItem]:
    """Work items with what their representation needs from the case (no case row loaded)."""
    return WorkItem.objects.annotate(
        definition_name=F("case__definition_name"), case_version_id=F("case__version_id")
    )


def work_item_list(
    *,
    user: Any,
    states: list[str] | None = None,
    case_id: int | None = None,
    task: str | None = None,
    mine: bool = False,
    available: bool = False,
) -> QuerySet[WorkItem]:
    """The items `user` may see, highest priority first, oldest first within a priority.

    `mine`: claimed by the user. `available`: unclaimed manual items waiting to be claimed
    (`initialized`) that the user may take (for staff: all of them but those four-eyes keeps
    from them)."""
    qs = work_items_for_output().filter(work_item_offered_q(user))
    if states:
        qs = qs.filter(state__in=states)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if task:
        qs = qs.filter(task=task)
    if mine:
        qs = qs.filter(assignee=user.username)
    if available:
        qs = qs.filter(Q(assignee__isnull=True) | Q(assignee=""), state=WorkItem.State.INITIALIZED, kind="manual")
        if user.is_staff:  # staff see everything, but four-eyes binds them too on what they may take
            four_eyes = four_eyes_excluded_q(user.username)
            if four_eyes is not None:
                qs = qs.exclude(four_eyes)
    return qs.order_by("-priority", "created_at", "id")


def work_item_get(*, item_id: Any, user: Any) -> WorkItem:
    """One item the user may see; NotFound when it does not exist or is not theirs to see."""
    item = work_items_for_output().filter(work_item_offered_q(user), pk=item_id).first()
    if item is None:
        raise NotFound(f"no work item {item_id}")
    return item


def work_item_get_for_output(*, item_id: Any) -> WorkItem:
    """The item after an action the services allowed (it may have left the user's view, e.g.
    delegated to someone else)."""
    return work_items_for_output().get(pk=item_id)


def startable_definitions(*, user: Any) -> list[Any]:
    """The latest published version of each definition that `user` may start (the rule of
    `engine.access.check_can_start`), by name. A small list: filtered in Python."""
    from django.db.models import Max

    from designer.models import DefinitionVersion

    latest = DefinitionVersion.objects.values("definition_id").annotate(v=Max("version"))
    wanted = Q()
    for row in latest:
        wanted |= Q(definition_id=row["definition_id"], version=row["v"])
    if not latest:
        return []
    versions = DefinitionVersion.objects.filter(wanted).select_related("definition").order_by("definition__name")
    out = []
    for version in versions:
        try:
            access.check_can_start(user, version)
        except Forbidden:
            continue
        out.append(version)
    return out
