"""The kinds of notification the channels area sends (found by smm.notifications on first use)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smm.notifications import notification_kind_register

notification_kind_register(
    "channel.needs_reconnect",
    _("A channel needs reconnecting"),
    email_templates=(
        "channels_app/email/needs_reconnect_subject.txt",
        "channels_app/email/needs_reconnect_message.txt",
    ),
)
