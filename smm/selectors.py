"""Reads of the shared kernel for views, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from smm.models import ActivityEvent, ApiToken, Heartbeat, Invitation, Membership, User, Workspace


def workspace_list_for_user(*, user: User) -> QuerySet[Workspace]:
    return (
        Workspace.objects.filter(memberships__user=user)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.for_workspace(workspace).select_related("user").order_by("user__email")
    )


def membership_get(*, workspace: Workspace, pk: int) -> Membership:
    """Raises Membership.DoesNotExist for an id of another workspace."""
    return (
        Membership.objects.for_workspace(workspace).select_related("user", "workspace").get(pk=pk)
    )


def invitation_list_open(*, workspace: Workspace) -> QuerySet[Invitation]:
    """Invitations not accepted or revoked (expired ones included, so they can be resent)."""
    return (
        Invitation.objects.for_workspace(workspace)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get_by_token(*, raw_token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=Invitation.hash_token(raw_token))
        .first()
    )


def activity_list(
    *, workspace: Workspace, verb_prefix: str = "", actor_id: int | None = None
) -> QuerySet[ActivityEvent]:
    qs = ActivityEvent.objects.for_workspace(workspace).select_related("actor")
    if verb_prefix:
        qs = qs.filter(verb__startswith=verb_prefix)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs.order_by("-created_at", "-id")


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


@dataclass(frozen=True)
class HeartbeatStatus:
    sent_at: datetime | None
    received_at: datetime | None
    worker: str
    stale_after: timedelta

    @property
    def seen(self) -> bool:
        return self.received_at is not None

    @property
    def age(self) -> timedelta | None:
        return timezone.now() - self.received_at if self.received_at else None

    @property
    def is_stale(self) -> bool:
        age = self.age
        return age is None or age > self.stale_after

    @property
    def lag(self) -> timedelta | None:
        """From beat sending the heartbeat to a worker running it: a measure of queue backlog."""
        if self.sent_at and self.received_at:
            return max(self.received_at - self.sent_at, timedelta(0))
        return None


def heartbeat_status() -> HeartbeatStatus:
    from smm.services import HEARTBEAT

    row = Heartbeat.objects.filter(name=HEARTBEAT).first()
    return HeartbeatStatus(
        sent_at=row.sent_at if row else None,
        received_at=row.received_at if row else None,
        worker=row.worker if row else "",
        stale_after=timedelta(seconds=settings.SMM_HEARTBEAT_STALE_AFTER),
    )
