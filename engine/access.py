"""Who may do what: the one place each security check is made."""

from __future__ import annotations

from engine.core.errors import Forbidden, NotAllowed


def user_groups(user) -> set[str]:
    cached = getattr(user, "_workflow_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._workflow_groups = cached
    return cached


def item_offered_to(user, *, role: str | None, offered_user: str | None, assignee: str | None) -> bool:
    """May `user` see and work this item? Staff: always. Others: claimed by them, or (not
    claimed by someone else and) offered to them directly or through one of their groups."""
    if user.is_staff:
        return True
    if assignee:
        return assignee == user.username
    if offered_user and offered_user == user.username:
        return True
    return bool(role) and role in user_groups(user)


def check_item(user, item, action: str) -> None:
    """`item` is an engine WorkItem state. Not offered to the user: 403. Offered to them but
    claimed by a colleague: 409 (the state, not the right, is what stands in the way)."""
    offered_user = item.user
    if not item_offered_to(user, role=item.role, offered_user=offered_user, assignee=item.assignee):
        if item.assignee and item_offered_to(user, role=item.role, offered_user=offered_user, assignee=None):
            raise NotAllowed(f"the work item is already claimed by {item.assignee}")
        raise Forbidden(f"you may not {action} this work item")
    if item.kind != "manual" and not user.is_staff:
        raise Forbidden(f"only staff can {action} a {item.kind} work item")


def check_can_start(user, version) -> None:
    """Staff may start any definition; others those whose net lists one of their groups in
    `start_roles` (no `start_roles`: any signed-in user)."""
    if user.is_staff:
        return
    roles = version.net.get("start_roles")
    if roles and not (set(roles) & user_groups(user)):
        raise Forbidden(f"you may not start {version.definition.name}")
