from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.http import HttpRequest
from django.urls import reverse

from smm.models import Role, User, Workspace
from smm.registry import AppPlugin, BeatEntry, NavItem, SettingsLink
from smm.services import activity_record


def plugin() -> AppPlugin:
    return AppPlugin(
        label="plugin_app",
        permissions={"plugin_demo.view": Role.VIEWER, "plugin_demo.manage": Role.ADMIN},
        activity_verbs={"plugin_demo.filled": "filled the demo of %(target)s"},
        web_urls="tests.plugin_app.urls",
        api_urls="tests.plugin_app.api_urls",
        beat=[BeatEntry("plugin_demo.tick", "plugin_demo.tick", 42.0, expires=42)],
        nav=[NavItem("Plugin demo", "plugin_app:home", "plugin_demo.manage", order=90)],
        settings_links=[
            SettingsLink("Plugin demo settings", "plugin_app:home", "plugin_demo.manage")
        ],
        layout_context=[on_its_page],
        layout_notices=["plugin_app/_notice.html"],
        demo_data=[demo_fill],
        checks=[check_configured],
    )


def on_its_page(request: HttpRequest) -> dict[str, Any]:
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return {}
    return {"plugin_demo_here": request.path == reverse("plugin_app:home", args=[workspace.slug])}


def demo_fill(workspace: Workspace, owner: User) -> None:
    activity_record(workspace=workspace, actor=owner, verb="plugin_demo.filled", target=workspace)


def check_configured(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "PLUGIN_DEMO_BROKEN", False):
        return [checks.Warning("The plugin demo is misconfigured.", id="plugin_app.W001")]
    return []
