from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from smm.tenancy import can


def _unread_count(user: Any) -> Callable[[], int]:
    """The header's unread badge, computed once and only when a template shows it (cached, so it
    costs no database query on most pages)."""

    @cache
    def count() -> int:
        from smm.notifications import notification_unread_count

        return notification_unread_count(user=user)

    return count


def suite(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs: the current workspace and role, the unread notifications count,
    and the heartbeat for admins."""
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": membership,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from smm.selectors import workspace_list_for_user

        context["user_workspaces"] = SimpleLazyObject(
            lambda: list(workspace_list_for_user(user=user))
        )
        context["notifications_unread"] = _unread_count(user)
    if membership is not None and can(membership, "system.status"):
        from smm.selectors import heartbeat_status

        context["heartbeat"] = heartbeat_status()
    return context
