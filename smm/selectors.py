"""Reads of the shared kernel for views, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from smm.models import (
    ActivityEvent,
    ApiToken,
    Heartbeat,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)


def workspace_list_for_user(*, user: User) -> QuerySet[Workspace]:
    """The user's workspaces with `member_count` and `my_role` (the user's role there)."""
    # Subqueries: a Count over the join that the user filter uses would count only the user.
    members = (
        Membership.objects.filter(workspace=OuterRef("pk"))
        .order_by()
        .values("workspace")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = Membership.objects.filter(workspace=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Workspace.objects.filter(memberships__user=user)
        .annotate(member_count=Subquery(members), my_role=Subquery(mine))
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


@dataclass(frozen=True)
class ActivityPage:
    events: list[ActivityEvent]
    older: str | None  # cursor for the next (older) page, None on the last page
    newer: str | None  # cursor for the previous (newer) page, None on the first page


def _cursor(event: ActivityEvent) -> str:
    return f"{int(event.created_at.timestamp() * 1_000_000)}.{event.pk}"


def _parse_cursor(raw: str | None) -> tuple[datetime, int] | None:
    try:
        micros, pk = (raw or "").split(".")
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def activity_page(
    *,
    workspace: Workspace,
    verb_prefix: str = "",
    actor_id: int | None = None,
    before: str | None = None,
    after: str | None = None,
    size: int = 50,
) -> ActivityPage:
    """One page of the activity log, newest first, by keyset (no COUNT, no OFFSET: a deep page
    of a long log costs as little as the first). `before`/`after` are cursors from a page."""
    qs = activity_list(workspace=workspace, verb_prefix=verb_prefix, actor_id=actor_id)
    start = _parse_cursor(after) if after else None
    end = _parse_cursor(before) if before and not start else None
    if start:
        at, pk = start
        # The redundant bound (>= at) gives the database an index range to start from.
        newer = qs.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk), created_at__gte=at)
        rows = list(newer.order_by("created_at", "id")[: size + 1])
        has_newer = len(rows) > size
        events = list(reversed(rows[:size]))
        has_older = True
    else:
        if end:
            at, pk = end
            qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk), created_at__lte=at)
        rows = list(qs[: size + 1])
        has_older = len(rows) > size
        events = rows[:size]
        has_newer = end is not None
    return ActivityPage(
        events=events,
        older=_cursor(events[-1]) if events and has_older else None,
        newer=_cursor(events[0]) if events and has_newer else None,
    )


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
    row = Heartbeat.objects.filter(name=Heartbeat.CELERY).first()
    return HeartbeatStatus(
        sent_at=row.sent_at if row else None,
        received_at=row.received_at if row else None,
        worker=row.worker if row else "",
        stale_after=timedelta(seconds=settings.SMM_HEARTBEAT_STALE_AFTER),
    )


def memberships_at_least(*, workspace: Workspace, role: Role) -> QuerySet[Membership]:
    """The workspace's memberships whose role is `role` or stronger, with their users, oldest
    first (who to tell, who approves)."""
    roles = [r for r in Role if r.at_least(role)]
    return (
        Membership.objects.filter(workspace=workspace, role__in=roles)
        .select_related("user")
        .order_by("pk")
    )
