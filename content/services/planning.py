"""Planning: schedule, unschedule, reschedule (the calendar's drag), the queue of posting slots,
recurring posts.

Times are aware datetimes, stored in UTC. Wall-clock arithmetic (the next slot, "every week at
09:00") happens in the workspace's time zone, so a post keeps its local time across daylight
saving changes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.models import PostingSlot
from content.models import Post, PostMedia, PostTarget, RecurrenceUnit, TargetMedia
from content.services.approvers import approval_needed
from content.services.posts import check_saved, ensure_can_edit
from content.services.state import post_transition, targets_transition
from smm.models import Membership
from smm.services import activity_record
from smm.tenancy import can

MAX_OCCURRENCES = 100
QUEUE_HORIZON_WEEKS = 12
# A post this close to another on the same channel takes the slot.
SLOT_TOLERANCE = timedelta(minutes=1)


def may_schedule(membership: Membership, post: Post) -> bool:
    """Editors and up schedule any post. Contributors schedule their own posts when the
    workspace needs no approval, or once the post is approved."""
    if can(membership, "content.schedule"):
        return True
    if not can(membership, "content.create") or post.author_id != membership.user_id:
        return False
    return post.status == Post.Status.APPROVED or not approval_needed(membership)


def _ensure_may_schedule(membership: Membership, post: Post) -> None:
    if not may_schedule(membership, post):
        raise PermissionDenied(_("This post needs approval before it can be scheduled."))


# Targets that go (again) when their post is scheduled: those that have not gone out.
SCHEDULABLE_TARGET_STATES = (
    PostTarget.Status.DRAFT,
    PostTarget.Status.SCHEDULED,
    PostTarget.Status.FAILED,
    PostTarget.Status.CANCELLED,
)


def schedule_targets(post: Post, at: datetime) -> None:
    """Mark the post (locked by the caller) and its targets that have not gone out as scheduled
    for `at`, in the caller's transaction. Raises TransitionRefused for a published post."""
    post_transition(post=post, to=Post.Status.SCHEDULED, scheduled_at=at)
    targets_transition(
        post_id=post.pk,
        expected=SCHEDULABLE_TARGET_STATES,
        to=PostTarget.Status.SCHEDULED,
        scheduled_at=at,
        last_error="",
    )


def _locked(post: Post) -> bool:
    return post.targets.filter(
        status__in=[PostTarget.Status.QUEUED, PostTarget.Status.PUBLISHING]
    ).exists()


@transaction.atomic
def post_schedule(*, post: Post, membership: Membership, at: datetime | None = None) -> Post:
    """Schedule `post` for `at` (aware; default: its planned time). Raises ValidationError if the
    time is not in the future or a channel's rules are broken, PermissionDenied if the post
    needs approval first. A recurring post gets its copies up to the end date."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    _ensure_may_schedule(membership, post)
    if post.status == Post.Status.PUBLISHED:
        raise ValidationError(_("This post has been published already."))
    if _locked(post):
        raise ValidationError(_("This post is being published right now."))
    if at is not None:
        post.scheduled_at = at
    result = check_saved(post, for_scheduling=True)
    if not result.ok:
        raise ValidationError(result.as_messages())
    schedule_targets(post, post.scheduled_at)  # type: ignore[arg-type]
    activity_record(
        workspace=post.workspace,
        actor=membership.user,
        verb="post.scheduled",
        target=post,
        data={"at": post.scheduled_at.isoformat()},  # type: ignore[union-attr]
    )
    if post.repeat_every:
        regenerate_occurrences(post)
    return post


@transaction.atomic
def post_unschedule(*, post: Post, membership: Membership) -> Post:
    """Take a scheduled post off the schedule (it keeps its planned time as a draft, or stays
    approved). Copies of a recurring post that have not gone out are removed."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    _ensure_may_schedule(membership, post)
    if post.status != Post.Status.SCHEDULED:
        raise ValidationError(_("This post is not scheduled."))
    if _locked(post):
        raise ValidationError(_("This post is being published right now."))
    post_transition(post=post, to=Post.Status.APPROVED if post.approved_at else Post.Status.DRAFT)
    targets_transition(
        post_id=post.pk, expected=(PostTarget.Status.SCHEDULED,), to=PostTarget.Status.DRAFT
    )
    _delete_future_occurrences(post)
    activity_record(
        workspace=post.workspace, actor=membership.user, verb="post.unscheduled", target=post
    )
    return post


@transaction.atomic
def post_reschedule(*, post: Post, membership: Membership, at: datetime) -> Post:
    """Move a post to `at` (the calendar's drag and drop). A scheduled post stays scheduled at the
    new time (which must be in the future); a draft just gets a new planned time."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if post.status == Post.Status.PUBLISHED:
        raise ValidationError(_("A published post cannot be moved."))
    if post.status == Post.Status.SCHEDULED:
        _ensure_may_schedule(membership, post)
        if at <= timezone.now():
            raise ValidationError(_("Pick a time in the future."))
        if _locked(post):
            raise ValidationError(_("This post is being published right now."))
        # Conditional: a target the dispatcher claimed meanwhile is not moved.
        PostTarget.objects.filter(post=post, status=PostTarget.Status.SCHEDULED).update(
            scheduled_at=at
        )
    else:
        ensure_can_edit(membership, post)
    old = post.scheduled_at
    post.scheduled_at = at
    post.save(update_fields=["scheduled_at", "updated_at"])
    if post.status == Post.Status.SCHEDULED and post.repeat_every:
        regenerate_occurrences(post)  # the series follows its first post
    activity_record(
        workspace=post.workspace,
        actor=membership.user,
        verb="post.rescheduled",
        target=post,
        data={"from": old.isoformat() if old else "", "at": at.isoformat()},
    )
    return post


# The queue ------------------------------------------------------------------------------------


def next_free_slot(*, post: Post, after: datetime | None = None) -> datetime:
    """The earliest posting slot of the post's channels after `after` (default now) at which none
    of those channels has another post. Raises ValidationError if the channels have no slots."""
    workspace = post.workspace
    tz = ZoneInfo(workspace.timezone)
    channel_ids = list(post.targets.values_list("channel_id", flat=True))
    if not channel_ids:
        raise ValidationError(_("Pick at least one channel."))
    slots = sorted(
        {
            (slot.weekday, slot.time)
            for slot in PostingSlot.objects.for_workspace(workspace).filter(
                channel_id__in=channel_ids
            )
        }
    )
    if not slots:
        raise ValidationError(
            _("The post's channels have no posting slots yet: add them on the channel's page.")
        )
    start = after or timezone.now()
    horizon = start + timedelta(weeks=QUEUE_HORIZON_WEEKS)
    taken = list(
        PostTarget.objects.filter(
            channel_id__in=channel_ids,
            scheduled_at__gte=start - SLOT_TOLERANCE,
            scheduled_at__lte=horizon,
        )
        .exclude(post=post)
        .filter(
            status__in=[
                PostTarget.Status.SCHEDULED,
                PostTarget.Status.QUEUED,
                PostTarget.Status.PUBLISHING,
                PostTarget.Status.PUBLISHED,
            ]
        )
        .values_list("scheduled_at", flat=True)
    )
    local_start = start.astimezone(tz)
    for day_offset in range(QUEUE_HORIZON_WEEKS * 7 + 1):
        day = local_start.date() + timedelta(days=day_offset)
        for weekday, at in slots:
            if weekday != day.weekday():
                continue
            candidate = datetime.combine(day, at, tzinfo=tz)
            if candidate <= start:
                continue
            if all(abs(candidate - t) >= SLOT_TOLERANCE for t in taken if t is not None):
                return candidate
    raise ValidationError(
        _("Every posting slot in the next %(weeks)d weeks is taken.")
        % {"weeks": QUEUE_HORIZON_WEEKS}
    )


@transaction.atomic
def post_add_to_queue(*, post: Post, membership: Membership) -> Post:
    """Schedule the post in its channels' next free posting slot."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    at = next_free_slot(post=post)
    return post_schedule(post=post, membership=membership, at=at)


# Recurring posts ------------------------------------------------------------------------------


def occurrence_times(
    first: datetime, *, every: int, unit: str, until: date, tz_name: str
) -> list[datetime]:
    """The publish times after `first`, every `every` days or weeks, up to and including the day
    `until`, each at the same wall-clock time in `tz_name` (daylight saving included)."""
    tz = ZoneInfo(tz_name)
    local = first.astimezone(tz)
    step = timedelta(days=every * (7 if unit == RecurrenceUnit.WEEK else 1))
    times: list[datetime] = []
    day = local.date() + step
    while day <= until and len(times) < MAX_OCCURRENCES:
        times.append(datetime.combine(day, local.time(), tzinfo=tz))
        day += step
    return times


def _delete_future_occurrences(post: Post) -> None:
    """Remove copies of `post` that have not started going out."""
    for copy in post.occurrences.all():
        untouched = copy.status in (Post.Status.SCHEDULED, Post.Status.DRAFT) and not _locked(copy)
        if untouched and not copy.targets.filter(status=PostTarget.Status.PUBLISHED).exists():
            copy.delete()


def regenerate_occurrences(post: Post) -> None:
    """Make the copies of recurring `post` (scheduled) at each time of its series that has
    none yet, after removing the copies that have not started going out. Each copy and its
    targets are created as drafts and scheduled through the state machine."""
    _delete_future_occurrences(post)
    times = occurrence_times(
        post.scheduled_at,  # type: ignore[arg-type]
        every=post.repeat_every,  # type: ignore[arg-type]
        unit=post.repeat_unit,
        until=post.repeat_until,  # type: ignore[arg-type]
        tz_name=post.workspace.timezone,
    )
    existing = set(post.occurrences.values_list("scheduled_at", flat=True))
    media = list(post.media_items.all())
    targets = list(post.targets.prefetch_related("media_items"))
    for at in times:
        if at in existing:
            continue
        copy = Post.objects.create(
            workspace=post.workspace,
            author=post.author,
            campaign=post.campaign,
            text=post.text,
            title=post.title,
            link=post.link,
            first_comment=post.first_comment,
            shorten_links=post.shorten_links,
            scheduled_at=at,
            recurrence_parent=post,
            source="recurrence",
            approved_at=post.approved_at,
            approved_by_label=post.approved_by_label,
        )
        PostMedia.objects.bulk_create(
            [
                PostMedia(post=copy, asset_id=m.asset_id, position=m.position, fit=m.fit)
                for m in media
            ]
        )
        for target in targets:
            new = PostTarget.objects.create(
                workspace=post.workspace,
                post=copy,
                channel_id=target.channel_id,
                text=target.text,
                title=target.title,
                link=target.link,
                first_comment=target.first_comment,
                custom_media=target.custom_media,
            )
            TargetMedia.objects.bulk_create(
                [
                    TargetMedia(target=new, asset_id=m.asset_id, position=m.position, fit=m.fit)
                    for m in target.media_items.all()
                ]
            )
        schedule_targets(copy, at)
