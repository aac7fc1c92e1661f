from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from smm.tenancy import can


def suite(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs: the current workspace and role, and the heartbeat for admins."""
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
    if membership is not None and can(membership, "system.status"):
        from smm.selectors import heartbeat_status

        context["heartbeat"] = heartbeat_status()
    return context
