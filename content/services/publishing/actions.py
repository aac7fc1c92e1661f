"""What a person does with a target that did not go out: retry it now, mark it as published
(they checked the platform) or not, or move it to another time. Roles: whoever may schedule
the post (content.services.planning.may_schedule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import PostTarget
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
