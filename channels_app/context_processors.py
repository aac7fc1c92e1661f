"""What every workspace page shows about channels: the ones that need a person, for admins.
Registered as layout context in channels_app.plugin."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from smm.tenancy import can


def channels_needing_reconnect(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None or not can(membership, "channels.manage"):
        return {}
    from channels_app.selectors import channel_list_needing_reconnect

    workspace = membership.workspace
    # Lazy: one query, only on pages that render the layout.
    return {
        "channels_needing_reconnect": SimpleLazyObject(
            lambda: list(channel_list_needing_reconnect(workspace=workspace))
        )
    }
