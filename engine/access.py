"""Who may do what: the one place each security check is made.

Every service that decides rights takes the acting `user` (a required keyword): a Django user,
or `SYSTEM` when the engine acts on its own (worker reports, timers and sweeps, child cases,
`seed_demo`, bench scripts). `None` is refused (TypeError): it no longer means "skip the
checks". ADR 0061.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, final

from django.contrib.auth.models import Group
from django.db import connections, router
from django.db.models import Count, Exists, Max, OuterRef, Q

from definitions.models import DefinitionVersion
from engine.bulk import built, fetch
from engine.core.errors import Forbidden, NotAllowed
from engine.models import Case, WorkItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


# ---------------------------------------------------------------------- who acts


@final
class SystemActor:
    """The engine acting on its own behalf: not a Django user, not staff, not a person. The
    checks below let it through because they recognise it (`is_system`), not because of a flag
    it carries. The history records its changes with an empty actor, as before ADR 0061."""

    __slots__ = ()
    _instance: SystemActor | None = None

    username = "system"
    is_staff = False  # never consulted for it; set so a check that forgot `is_system` refuses
    is_system_actor = True  # how `definitions` (below `engine`, it cannot import this) knows it
    pk = None

    def __new__(cls) -> SystemActor:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

Actor: TypeAlias = "AbstractUser | SystemActor"


def require_actor(user: Any) -> Actor:
    """`user` itself, or TypeError when it is not an actor (None above all: the system is
    `SYSTEM`, named, never implied)."""
    if user is None:
        raise TypeError("no acting user: pass the user, or engine.access.SYSTEM for the engine's own calls")
    if not isinstance(user, SystemActor) and not hasattr(user, "username"):
        raise TypeError(f"not an acting user: {user!r}")
    return user


def is_system(user: Any) -> bool:
    """Is `user` the engine itself? TypeError for None (see `require_actor`)."""
    return isinstance(require_actor(user), SystemActor)


def actor_name(user: Actor) -> str | None:
    """The name the engine records for `user` (work items, history): the username; None for
    the system (its events keep an empty actor)."""
    return None if is_system(user) else (user.username or None)


def user_row(user: Actor) -> AbstractUser | None:
    """The user to store in a foreign key (`started_by`, `created_by`): None for the system."""
    return None if is_system(user) else user


def check_staff(user: Actor, action: str = "do this") -> None:
    """Staff only (the system too)."""
    if not is_system(user) and not user.is_staff:
        raise Forbidden(f"only staff can {action}")


def check_item_action(user: Actor, engine: Any, item: Any, action: str, *, staff_only: bool = False) -> None:
    """May `user` do `action` on the live work item `item` of the case open in `engine`? The
    system may do anything the state allows; a user as `check_item` says (staff only for
    `staff_only` actions)."""
    if is_system(user):
        return
    if staff_only:
        check_staff(user, f"{action} a work item")
    check_item(user, item, action, excluded=four_eyes_excluded_in(engine, item))


def check_claim(user: Actor) -> None:
    """A claim names the person who will do the work: never the system."""
    if is_system(user):
        raise Forbidden("the system cannot claim a work item")


def check_release(user: Actor, item: Any) -> None:
    """Only the user who claimed the item (or staff, or the system) may release it."""
    if is_system(user):
        return
    if item.assignee and item.assignee != user.username and not user.is_staff:
        raise Forbidden("only the user who claimed the work item (or staff) can release it")


def check_follow_up(user: Actor, item: Any) -> None:
    """May `user` set or clear the follow-up date of the open work item row `item`? As in
    Camunda Tasklist: the person who claimed it (the date is theirs to plan with), staff and
    the system. A candidate of an unclaimed item claims it first (409: the state stands in the
    way, not the right); a colleague's item is 409 as for a claim; anyone else 403. Only manual
    items have one (ADR 0084)."""
    if is_system(user):
        return
    if item.kind != "manual":
        raise NotAllowed(f"only manual work items have a follow-up date (this one is {item.kind})")
    if user.is_staff or (item.assignee and item.assignee == user.username):
        return
    offered = item_offered_to(user, role=item.role, offered_user=item.offered_user, assignee=None)
    if not offered:
        raise Forbidden("you may not set the follow-up date of this work item")
    if item.assignee:
        raise NotAllowed(f"the work item is claimed by {item.assignee}: only they can set its follow-up date")
    raise NotAllowed("claim the work item first: its follow-up date is for the person who claimed it")


def check_can_signal(user: Actor, case_id: int) -> None:
    """Staff, the system and the user who started the case may signal it."""
    if is_system(user) or user.is_staff:
        return
    started_by = Case.objects.filter(pk=case_id).values_list("started_by_id", flat=True).first()
    if started_by is None or started_by != user.pk:
        raise Forbidden("only staff and the user who started the case can signal it")


# ---------------------------------------------------------------------- users' rights


def user_groups(user) -> set[str]:
    """The names of the user's groups, read once per user object (a request loads its user
    afresh, so a change of groups counts from the next request). The statement's text is built
    once per process (`engine.bulk.built`), not compiled from a queryset per call."""
    cached = getattr(user, "_workflow_groups", None)
    if cached is None:
        if user.pk is None:  # an anonymous user has no groups
            cached = set()
        else:
            conn = connections[router.db_for_read(Group)]
            model = user._meta.model  # the user model, also behind a lazy object (a session's user)
            sql = built(conn, ("user groups", model), functools.partial(groups_sql, model))
            cached = {name for (name,) in fetch(conn, sql, (user.pk,))}
        user._workflow_groups = cached
    return cached


def groups_unread(user: Actor) -> bool:
    """Would `user_groups(user)` run a query? (A person whose groups this object has not read.)"""
    return not is_system(user) and user.pk is not None and getattr(user, "_workflow_groups", None) is None


def remember_groups(user: Any, names: Collection[str]) -> None:
    """Keep the names of the user's groups read along with another statement (the case lock of
    a work item change reads them in the same round trip: engine.services.persistence)."""
    user._workflow_groups = set(names)


def groups_sql(user_model: Any, conn: Any) -> str:
    """`user.groups.values_list("name")`: the names of a user's groups (any user model with
    `groups`), as SQL with the user's id as its one parameter."""
    m2m = user_model._meta.get_field("groups")
    group = m2m.related_model._meta
    qn = conn.ops.quote_name
    return (
        f"SELECT g.{qn(group.get_field('name').column)} FROM {qn(group.db_table)} g "
        f"INNER JOIN {qn(m2m.m2m_db_table())} ug ON ug.{qn(m2m.m2m_reverse_name())} = g.{qn(group.pk.column)} "
        f"WHERE ug.{qn(m2m.m2m_column_name())} = %s"
    )


def item_offered_to(
    user, *, role: str | None, offered_user: str | None, assignee: str | None, excluded: Collection[str] = ()
) -> bool:
    """May `user` see and work this item? Staff: always. Others: claimed by them, or (not
    claimed by someone else and) offered to them directly or through one of their groups; never
    when four-eyes excludes them (`excluded`: see `four_eyes_excluded`)."""
    if user.is_staff:
        return True
    if excluded and user.username in excluded:
        return False
    if assignee:
        return assignee == user.username
    if offered_user and offered_user == user.username:
        return True
    return bool(role) and role in user_groups(user)


def check_item(user, item, action: str, *, excluded: Collection[str] = ()) -> None:
    """`item` is an engine WorkItem state. Not offered to the user: 403. Offered to them but
    claimed by a colleague: 409 (the state, not the right, is what stands in the way).
    Four-eyes (`excluded`): 403, for staff too when they would do the work themselves."""
    if excluded and user.username in excluded and (not user.is_staff or action in FOUR_EYES_BOUND):
        raise Forbidden(
            f"four eyes: {user.username} completed an earlier task of this case and may not {action} this one"
        )
    offered_user = item.user
    if not item_offered_to(user, role=item.role, offered_user=offered_user, assignee=item.assignee):
        if item.assignee and item_offered_to(user, role=item.role, offered_user=offered_user, assignee=None):
            raise NotAllowed(f"the work item is already claimed by {item.assignee}")
        raise Forbidden(f"you may not {action} this work item")
    if item.kind != "manual" and not user.is_staff:
        raise Forbidden(f"only staff can {action} a {item.kind} work item")


def is_startable(net: Mapping[str, Any]) -> bool:
    """Whether people start cases of this net directly (`"startable"`, default true)."""
    return net.get("startable") is not False


def check_can_start(user: Actor, version) -> None:
    """Staff (and the system) may start any definition; others those whose net lists one of
    their groups in `start_roles` (no `start_roles`: any signed-in user), unless the net is
    child-only (`"startable": false`: started by composite tasks, not by people; ADR 0075)."""
    if is_system(user) or user.is_staff:
        return
    if not is_startable(version.net):
        raise Forbidden(f"{version.definition.name} is started by other workflows only (child-only)")
    check_start_roles(user, version)


def check_start_roles(user: Actor, version) -> None:
    """Forbidden unless `user` is the system, staff, or in one of the net's `start_roles` (none:
    anyone signed in)."""
    if is_system(user) or user.is_staff:
        return
    roles = version.net.get("start_roles")
    if roles and not (set(roles) & user_groups(user)):
        raise Forbidden(f"you may not start {version.definition.name}")


def root_starter(case: Case) -> Any:
    """The user who started the root case of `case`'s tree of composite children (None when the
    system started it, or the user is gone). A child case is started by the system on its
    parent's behalf; the rights are those of this user."""
    root = case
    while root.parent_id is not None:
        root = Case.objects.select_related("started_by").only("parent_id", "started_by").get(pk=root.parent_id)
    return root.started_by


def check_can_start_child(parent_case: Case, version) -> None:
    """`start_roles` hold however a case starts: a composite's child is refused (Forbidden)
    unless the user who started the root case is in its `start_roles` (issue 13, ADR 0069).
    Being child-only (`"startable": false`) is no refusal here: composites are what starts
    such a definition (ADR 0075)."""
    starter = root_starter(parent_case)
    if starter is not None:
        check_start_roles(starter, version)


# ---------------------------------------------------------------------- four eyes
# A manual task's `assign.not_same_as: <task id>`: whoever completed that task in the case is
# never offered this one: not listed, not pushed, and refused (403) if they try to act on it.
# Staff still see every item (they operate), but may not claim, start or complete it themselves.

FOUR_EYES_BOUND = frozenset({"claim", "start", "complete"})


def four_eyes_task(spec: Any) -> str | None:
    """The task id a task's spec names in `assign.not_same_as`, if any."""
    assign = spec.get("assign") if isinstance(spec, Mapping) else None
    other = assign.get("not_same_as") if isinstance(assign, Mapping) else None
    return other if isinstance(other, str) and other else None


def four_eyes_excluded(*, case_id: int | None, spec: Any) -> frozenset[str]:
    """The users who completed the task that `spec` names in `not_same_as`, in that case."""
    other = four_eyes_task(spec)
    if not other or case_id is None:
        return frozenset()
    done = WorkItem.objects.filter(case_id=case_id, task=other, state="completed").exclude(completed_by=None)
    return frozenset(u for u in done.values_list("completed_by", flat=True) if u)


def four_eyes_excluded_in(engine: Any, item: Any) -> frozenset[str]:
    """`four_eyes_excluded` for an engine's live work item (its case is open in `engine`)."""
    task = engine.net.tasks.get(item.task)
    return four_eyes_excluded(case_id=engine.case.get("id"), spec=task.spec if task else {})


def check_delegate_target(user: Actor, engine: Any, item: Any, target: Any) -> None:
    """May `user` hand the item to `target`? Never to whom four-eyes excludes; and, unless the
    delegator is staff (or the system), only to someone the item is offered to: a member of its
    role, its offered user, or staff (issue 13, ADR 0069)."""
    username = target.get_username()
    excluded = four_eyes_excluded_in(engine, item)
    if username in excluded:
        raise Forbidden(f"four eyes: {username} completed an earlier task of this case and may not work on this one")
    if is_system(user) or user.is_staff:
        return
    if not item_offered_to(target, role=item.role, offered_user=item.user, assignee=None, excluded=excluded):
        message = f"{username} may not receive this work item" + (f" (not in group {item.role})" if item.role else "")
        raise Forbidden(message, errors=[{"field": "user", "message": message}])


_rules_lock = threading.Lock()
_rules: tuple[Any, dict[tuple[str, str], tuple[int, ...]]] = (None, {})


def four_eyes_rules() -> dict[tuple[str, str], tuple[int, ...]]:
    """{(task, not_same_as task): ids of the published versions with that rule}, for queries.

    Published versions never change: the rules are re-read only when the set of versions does
    (one small aggregate query per call)."""
    global _rules
    key = tuple(DefinitionVersion.objects.aggregate(n=Count("pk"), m=Max("pk"), t=Max("published_at")).values())
    cached_key, rules = _rules
    if cached_key == key:
        return rules
    found: dict[tuple[str, str], list[int]] = {}
    for pk, net in DefinitionVersion.objects.filter(net__icontains="not_same_as").values_list("pk", "net"):
        for task in (net or {}).get("tasks") or []:
            if isinstance(task, dict) and isinstance(task.get("id"), str):
                other = four_eyes_task(task)
                if other:
                    found.setdefault((task["id"], other), []).append(pk)
    rules = {k: tuple(sorted(v)) for k, v in found.items()}
    with _rules_lock:
        _rules = (key, rules)
    return rules


# ---------------------------------------------------------------------- queryset forms
# The same rules as SQL, so lists never filter row by row. Keep them in step with the Python
# rules above: inbox/tests/test_api_work_items.py checks that they agree.


def work_item_offered_q(user: Any) -> Q:
    """Staff: every item. Others: claimed by them, or unclaimed and offered to them directly or
    through one of their groups."""
    if user.is_staff:
        return Q()
    unclaimed = Q(assignee__isnull=True) | Q(assignee="")
    offered = Q(offered_user=user.username)
    groups = user_groups(user)
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
    for (task, other), version_ids in four_eyes_rules().items():
        done = WorkItem.objects.filter(
            case_id=OuterRef("case_id"), task=other, state=WorkItem.State.COMPLETED, completed_by=username
        )
        rule = Q(task=task, case__version_id__in=version_ids) & Exists(done)
        q = rule if q is None else q | rule
    return q
