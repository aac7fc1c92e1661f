"""What the kernel itself contributes through the registry: workspace, member and system actions,
their activity verbs, and the heartbeat. (The kernel's own pages are in `smm.urls`.)"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from smm.models import Role
from smm.registry import AppPlugin, BeatEntry


def plugin() -> AppPlugin:
    heartbeat = int(settings.SMM_HEARTBEAT_INTERVAL)
    return AppPlugin(
        label="smm",
        permissions={
            "workspace.view": Role.VIEWER,
            "workspace.update": Role.ADMIN,
            "workspace.delete": Role.OWNER,
            "members.view": Role.VIEWER,
            "members.invite": Role.ADMIN,
            "members.change_role": Role.ADMIN,
            "members.remove": Role.ADMIN,
            "activity.view": Role.ADMIN,
            "system.status": Role.ADMIN,
        },
        activity_verbs={
            "workspace.created": _("created the workspace"),
            "workspace.updated": _("changed the workspace settings"),
            "invitation.created": _("invited %(target)s as %(role)s"),
            "invitation.resent": _("resent the invitation to %(target)s"),
            "invitation.revoked": _("revoked the invitation to %(target)s"),
            "member.joined": _("joined as %(role)s"),
            "member.role_changed": _("changed the role of %(target)s from %(old)s to %(new)s"),
            "member.removed": _("removed %(target)s"),
            "member.left": _("left the workspace"),
        },
        beat=[
            # A heartbeat that waited longer than one interval in the queue says nothing new.
            BeatEntry("smm.heartbeat", "smm.heartbeat", float(heartbeat), expires=heartbeat)
        ],
    )
