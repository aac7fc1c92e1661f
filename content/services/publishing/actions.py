"""What a person does with a target that did not go out: retry it now, mark it as published
(they checked the platform) or not, or move it to another time; and with one that went out
twice: delete the extra copy. Roles: whoever may schedule the post
(content.services.planning.may_schedule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.adapters.base import AdapterError, NotSupported
from channels_app.services import channel_adapter, channel_credentials
from content.models import PostTarget, PublishAttempt
from content.services.planning import may_schedule
from content.services.state import target_transition
from smm.models import Membership
from smm.services import activity_record

S = PostTarget.Status
# What a retry keeps of the earlier steps: a created post and its first comment (never made
# twice); uploads and containers expire on the platforms, so they are made again.
LASTING_STEPS = ("post", "first_comment")


def _ensure_may_act(membership: Membership, target: PostTarget) -> None:
    if not may_schedule(membership, target.post):
        raise PermissionDenied(_("Your role cannot publish this post."))


def _lasting_steps(target: PostTarget) -> dict[str, Any]:
    current = PostTarget.objects.filter(pk=target.pk).values_list("steps", flat=True).first()
    return {k: v for k, v in (current or {}).items() if k in LASTING_STEPS}


@transaction.atomic
def target_retry(*, target: PostTarget, membership: Membership) -> PostTarget:
    """Send a failed (or unknown, after checking the platform) target again, now. Raises
    PermissionDenied for a role that may not schedule the post, ValidationError for a target
    in another state. The post's status follows (scheduled, unless another target still needs
    attention)."""
    _ensure_may_act(membership, target)
    now = timezone.now()
    if not target_transition(
        target_id=target.pk,
        expected=(S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED),
        to=S.SCHEDULED,
        next_attempt_at=now,
        hold_reason="",
        last_error="",
        attempts=0,
        steps=_lasting_steps(target),
    ):
        raise ValidationError(_("Only a failed post, or one that needs attention, can be retried."))
    activity_record(
        workspace=target.post.workspace,
        actor=membership.user,
        verb="post.retried",
        target=target.post,
        data={"channel": str(target.channel)},
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def target_mark_published(
    *, target: PostTarget, membership: Membership, url: str = ""
) -> PostTarget:
    """A person checked the platform: the post is there. Raises like target_retry."""
    _ensure_may_act(membership, target)
    if not target_transition(
        target_id=target.pk,
        expected=(S.NEEDS_ATTENTION, S.FAILED),
        to=S.PUBLISHED,
        external_url=url[:1000],
        published_at=timezone.now(),
        next_attempt_at=None,
        hold_reason="",
        last_error="",
    ):
        raise ValidationError(_("Only a post that needs attention can be marked as published."))
    activity_record(
        workspace=target.post.workspace,
        actor=membership.user,
        verb="post.marked_published",
        target=target.post,
        data={"channel": str(target.channel)},
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def target_mark_not_published(*, target: PostTarget, membership: Membership) -> PostTarget:
    """A person checked the platform: the post is not there. It becomes failed (retry or
    reschedule it from there). Raises like target_retry."""
    _ensure_may_act(membership, target)
    if not target_transition(
        target_id=target.pk,
        expected=(S.NEEDS_ATTENTION,),
        to=S.FAILED,
        hold_reason="",
        next_attempt_at=None,
        steps={},  # a person saw it is not there: a retry creates it
        last_error=_("Not on the platform (checked by %(name)s).")
        % {"name": membership.user.display_name},
    ):
        raise ValidationError(_("Only a post that needs attention can be marked this way."))
    target.refresh_from_db()
    return target


@transaction.atomic
def target_reschedule(*, target: PostTarget, membership: Membership, at: datetime) -> PostTarget:
    """Put a failed or held target back on the schedule at `at` (aware, in the future). Raises
    like target_retry, and ValidationError for a time not in the future."""
    _ensure_may_act(membership, target)
    if at <= timezone.now():
        raise ValidationError(_("Pick a time in the future."))
    if not target_transition(
        target_id=target.pk,
        expected=(S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED),
        to=S.SCHEDULED,
        scheduled_at=at,
        next_attempt_at=None,
        hold_reason="",
        last_error="",
        attempts=0,
        steps=_lasting_steps(target),
    ):
        raise ValidationError(_("Only a failed post, or one that needs attention, can be moved."))
    target.refresh_from_db()
    return target


class DeleteNotSupported(ValidationError):
    """The platform's API cannot delete the extra copy: a person deletes it there (`url`)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


def target_delete_duplicate(*, target: PostTarget, membership: Membership) -> PostTarget:
    """Delete the extra copy of a target that went out twice (its possible duplicate: a late
    success with another id than the one recorded) on the platform, through the adapter's
    `delete_post`; the copy recorded as the target's post stays. Recorded as an attempt
    ("deleted") and in the activity log; the possible duplicate is cleared.

    Raises PermissionDenied for a role that may not schedule the post; ValidationError when
    there is no possible duplicate, or the platform refused or could not be reached (nothing
    changes: try again); DeleteNotSupported (a ValidationError, with the copy's `url`) where the
    platform's API cannot delete posts. The platform call is made outside any transaction."""
    _ensure_may_act(membership, target)
    target.refresh_from_db()
    if not target.has_possible_duplicate:
        raise ValidationError(_("This post has no extra copy to delete."))
    external_id, url = target.duplicate_external_id, target.duplicate_url
    platform = target.channel.get_platform_display()
    started = timezone.now()
    try:
        channel_adapter(target.channel).delete_post(
            channel_credentials(target.channel), external_id
        )
    except NotSupported as exc:
        raise DeleteNotSupported(
            _("%(platform)s does not let Ripple delete posts: delete it on %(platform)s.")
            % {"platform": platform},
            url=url,
        ) from exc
    except AdapterError as exc:
        raise ValidationError(
            _("%(platform)s did not delete the extra copy: %(reason)s")
            % {"platform": platform, "reason": exc.message}
        ) from exc
    with transaction.atomic():
        PostTarget.objects.filter(pk=target.pk, duplicate_external_id=external_id).update(
            duplicate_external_id="", duplicate_url="", updated_at=timezone.now()
        )
        PublishAttempt.objects.create(
            workspace_id=target.workspace_id,
            target=target,
            number=target.attempts,
            started_at=started,
            finished_at=timezone.now(),
            outcome=PublishAttempt.Outcome.DELETED,
            detail=f"extra copy {external_id} deleted by {membership.user.display_name}",
            duration_ms=0,
            external_id=external_id[:255],
            external_url=url[:1000],
        )
        activity_record(
            workspace=target.post.workspace,
            actor=membership.user,
            verb="post.duplicate_deleted",
            target=target.post,
            data={"channel": str(target.channel), "external_id": external_id},
        )
    target.refresh_from_db()
    return target
