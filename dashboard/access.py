"""Who may use the dashboard: staff only. The one place this check is made."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from engine.core.errors import Forbidden


def check_staff(user: Any) -> None:
    if not (user and user.is_authenticated and user.is_staff):
        raise Forbidden("only staff can use the operations dashboard")


class IsStaff(BasePermission):
    """DRF permission for every dashboard view: anonymous → 401, signed in but not staff → 403."""

    message = "only staff can use the operations dashboard"

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 (not_authenticated)
        check_staff(request.user)
        return True
