"""How the channels area plugs into the suite (see smm.registry)."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from channels_app.context_processors import channels_needing_reconnect
from smm.models import Role
from smm.registry import AppPlugin, BeatEntry, NavItem


def plugin() -> AppPlugin:
    refresh = int(settings.SMM_TOKEN_REFRESH_INTERVAL)
    return AppPlugin(
        label="channels_app",
        permissions={
            "channels.view": Role.VIEWER,
            "channels.guidelines": Role.EDITOR,
            "channels.manage": Role.ADMIN,
        },
        activity_verbs={
            "channel.connected": _("connected the channel %(target)s"),
            "channel.reconnected": _("reconnected the channel %(target)s"),
            "channel.disconnected": _("disconnected the channel %(target)s"),
            "channel.needs_reconnect": _("marked the channel %(target)s as needing a reconnect"),
            "channel.guidelines_updated": _("changed the guidelines of %(target)s"),
            "channel.slot_added": _("added the posting slot %(slot)s to %(target)s"),
            "channel.slot_removed": _("removed the posting slot %(slot)s from %(target)s"),
        },
        web_urls="channels_app.urls",
        api_urls="channels_app.api_urls",
        beat=[
            BeatEntry(
                "channels.tokens_refresh_due",
                "channels.tokens_refresh_due",
                float(refresh),
                expires=refresh,
            ),
            BeatEntry(
                "channels.profiles_refresh",
                "channels.profiles_refresh",
                crontab(minute=17, hour=4),
                expires=3600,
            ),
        ],
        nav=[NavItem(_("Channels"), "channels_app:channel_list", "channels.view", order=80)],
        layout_context=[channels_needing_reconnect],
        layout_notices=["channels_app/_reconnect_notice.html"],
        schema_enum_names={"ChannelRoleEnum": "channels_app.models.ChannelGuidelines.Role"},
    )
