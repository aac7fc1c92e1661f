from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from smm import registry
from smm.models import Membership
from smm.tenancy import can


def _unread_count(user: Any) -> Callable[[], int]:
    """The header's unread badge, computed once and only when a template shows it (cached, so it
    costs no database query on most pages)."""

    @cache
    def count() -> int:
        from smm.notifications import notification_unread_count

        return notification_unread_count(user=user)

    return count


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def _workspace_nav(request: HttpRequest, membership: Membership) -> list[NavLink]:
    """The apps' navigation entries this member may see, with the current page marked."""
    slug = membership.workspace.slug
    links = []
    for item in registry.nav_items():
        if not can(membership, item.action):
            continue
        url = reverse(item.url_name, args=[slug])
        current = request.path == url if item.match == "exact" else request.path.startswith(url)
        links.append(NavLink(label=str(item.label), url=url, current=current))
    return links


def _settings_links(membership: Membership) -> list[NavLink]:
    """The apps' own settings pages this member may open (shown on the workspace settings page)."""
    slug = membership.workspace.slug
    return [
        NavLink(label=str(link.label), url=reverse(link.url_name, args=[slug]), current=False)
        for link in registry.settings_links()
        if can(membership, link.action)
    ]


def suite(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs: the current workspace and role, the apps' navigation entries,
    notices and layout context, the unread notifications count, and the heartbeat for admins."""
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": membership,
    }
    if membership is not None:
        context["workspace_nav"] = SimpleLazyObject(lambda: _workspace_nav(request, membership))
        context["layout_notices"] = registry.layout_notices()
        context["app_settings_links"] = SimpleLazyObject(lambda: _settings_links(membership))
    context.update(registry.layout_context(request))
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
