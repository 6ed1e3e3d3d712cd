"""A user's groups, staff flag or active flag changed: their open inbox sockets are told (on
commit) to read their audience again, join and leave role groups, and send a fresh snapshot,
so an item offered to a role reaches someone added to it at once, not at their next reconnect.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_save, pre_delete

from realtime import push

# users whose groups a reverse `group.user_set.clear()` is about to drop (pre_clear -> post_clear)
_CLEARING = "_workflow_clearing_usernames"


def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **_: Any) -> None:
    if not reverse:  # user.groups.add / remove / clear
        if action == "post_clear" or (action in ("post_add", "post_remove") and pk_set):
            push.audience_changed([instance.get_username()])
        return
    # group.user_set.add / remove / clear: `instance` is the group, `pk_set` the users
    if action == "pre_clear":
        setattr(instance, _CLEARING, list(instance.user_set.values_list(model.USERNAME_FIELD, flat=True)))
    elif action == "post_clear":
        push.audience_changed(getattr(instance, _CLEARING, []))
    elif action in ("post_add", "post_remove") and pk_set:
        push.audience_changed(model.objects.filter(pk__in=pk_set).values_list(model.USERNAME_FIELD, flat=True))


def _user_saved(sender: Any, instance: Any, created: bool, update_fields: Any, **_: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"last_login", "password"}):
        return  # a login or a new password changes nobody's audience
    push.audience_changed([instance.get_username()])


def _group_deleted(sender: Any, instance: Any, **_: Any) -> None:
    push.audience_changed(instance.user_set.values_list(get_user_model().USERNAME_FIELD, flat=True))


def connect() -> None:
    from django.contrib.auth.models import Group

    User = get_user_model()
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="inbox.groups_changed")
    post_save.connect(_user_saved, sender=User, dispatch_uid="inbox.user_saved")
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="inbox.group_deleted")
