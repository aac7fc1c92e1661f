"""Reads of the channels area, for pages, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from channels_app.adapters import adapter_class, has_adapter
from channels_app.models import Channel, PendingConnection, PostingSlot
from channels_app.specs import PlatformSpec, get_spec, with_instance_limits
from smm.models import User, Workspace


def channel_list(*, workspace: Workspace, include_disconnected: bool = True) -> QuerySet[Channel]:
    qs = (
        Channel.objects.for_workspace(workspace)
        .select_related("guidelines")
        .prefetch_related(
            Prefetch("posting_slots", queryset=PostingSlot.objects.order_by("weekday", "time"))
        )
    )
    if not include_disconnected:
        qs = qs.exclude(status=Channel.Status.DISCONNECTED)
    return qs.order_by("status", "platform", "handle", "pk")


def channel_external_ids_connected(*, workspace: Workspace, platform: str) -> set[str]:
    """The platform account ids `workspace` has connected (not disconnected) on `platform`."""
    return set(
        Channel.objects.for_workspace(workspace)
        .filter(platform=platform)
        .exclude(status=Channel.Status.DISCONNECTED)
        .values_list("external_id", flat=True)
    )


def channel_list_needing_reconnect(*, workspace: Workspace) -> QuerySet[Channel]:
    return (
        Channel.objects.for_workspace(workspace)
        .filter(status=Channel.Status.NEEDS_RECONNECT)
        .only("pk", "platform", "handle", "display_name")
    )


def channel_get(*, workspace: Workspace, channel_id: int) -> Channel:
    """One channel of `workspace`; Http404 for another workspace's channel."""
    return get_object_or_404(
        Channel.objects.select_related("guidelines", "connected_by"),
        workspace=workspace,
        pk=channel_id,
    )


def posting_slot_get(*, workspace: Workspace, channel: Channel, slot_id: int) -> PostingSlot:
    return get_object_or_404(PostingSlot, workspace=workspace, channel=channel, pk=slot_id)


def pending_connection_get(
    *, workspace: Workspace, user: User, pending_id: int
) -> PendingConnection:
    return get_object_or_404(PendingConnection, workspace=workspace, user=user, pk=pending_id)


def channel_spec(channel: Channel) -> PlatformSpec:
    """The platform's rules for this channel, with limits the platform told us (Mastodon)."""
    spec = get_spec(channel.platform)
    if channel.platform_limits:
        spec = with_instance_limits(spec, channel.platform_limits)
    return spec


@dataclass(frozen=True)
class ChannelHealth:
    """What the channel page shows about a connection."""

    level: str  # "ok", "warning", "error", "off"
    status_label: str
    expires_at: datetime | None
    expires_in: timedelta | None
    auto_renews: bool  # a refresh token renews the access token before it expires
    missing_scopes: tuple[str, ...]
    last_error: str
    last_error_at: datetime | None
    last_success_at: datetime | None


def channel_health(channel: Channel, *, now: datetime | None = None) -> ChannelHealth:
    now = now or timezone.now()
    missing: tuple[str, ...] = ()
    if has_adapter(channel.platform) and channel.scopes:
        cls = adapter_class(channel.platform)
        # Some platforms need other permissions per kind of account (LinkedIn member or page).
        for_account = getattr(cls, "required_scopes_for", None)
        required = for_account(channel.external_id) if for_account else cls.required_scopes
        granted = set(channel.scopes)
        missing = tuple(s for s in required if s not in granted)
    expires_in = channel.token_expires_at - now if channel.token_expires_at else None
    auto_renews = channel.token_renews and (
        channel.refresh_expires_at is None or channel.refresh_expires_at > now
    )
    expiring_unrenewed = (
        expires_in is not None and not auto_renews and expires_in < timedelta(days=7)
    )
    failing_since_success = channel.last_error_at is not None and (
        channel.last_success_at is None or channel.last_error_at > channel.last_success_at
    )
    if channel.status == Channel.Status.DISCONNECTED:
        level = "off"
    elif channel.status == Channel.Status.NEEDS_RECONNECT:
        level = "error"
    elif missing or expiring_unrenewed or failing_since_success:
        level = "warning"
    else:
        level = "ok"
    return ChannelHealth(
        level=level,
        status_label=str(channel.get_status_display()),
        expires_at=channel.token_expires_at,
        expires_in=expires_in,
        auto_renews=auto_renews,
        missing_scopes=missing,
        last_error=channel.last_error,
        last_error_at=channel.last_error_at,
        last_success_at=channel.last_success_at,
    )
