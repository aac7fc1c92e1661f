"""Settling an attempt: what a target becomes once the platform answered (published, again
later, failed, access expired, outcome unknown), holding a target while its channel needs
reconnecting, and telling people about a problem.

Every status change is a compare-and-set through content.services.state (from publishing, as
the attempt claimed it), so a late result never overwrites what a person or the sweep decided;
the one exception is a post found published, which is always recorded as published.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app.adapters.base import AdapterError, AuthExpired, PublishResult, RateLimited
from channels_app.models import Channel
from channels_app.services import (
    channel_mark_needs_reconnect,
    channel_record_error,
    channel_record_success,
    channel_token_refresh,
)
from content.models import PostTarget, PublishAttempt
from content.services.enqueue import RECONCILE_TARGET, task_send_on_commit
from content.services.state import target_transition
from smm.models import Role
from smm.notifications import notify
from smm.selectors import memberships_at_least

S = PostTarget.Status
# Why a target waits for a person (PostTarget.hold_reason).
HOLD_CHANNEL = "channel"  # its channel needs reconnecting
HOLD_UNKNOWN = "unknown"  # it may have gone out: it is looked up on the platform


def setting_seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def requeue_after() -> timedelta:
    """A target queued this long ago whose task never ran is sent again; also the lease of a
    lookup that was sent."""
    return timedelta(seconds=setting_seconds("SMM_PUBLISH_REQUEUE_AFTER", 60))


def summary(value: Any, limit: int = 500) -> str:
    """`value` on one line, cut to `limit` characters (for attempts and last errors)."""
    text = " ".join(str(value).split())
    return text[:limit]


def finish(
    attempt: PublishAttempt,
    outcome: str,
    detail: str,
    started: float,
    *,
    result: PublishResult | None = None,
) -> None:
    """Record how `attempt` ended and how long it took (since `started`, time.monotonic()),
    with where the platform put the post when it answered with one (`result`)."""
    attempt.finished_at = timezone.now()
    attempt.outcome = outcome
    attempt.detail = summary(detail, 2000)
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    fields = ["finished_at", "outcome", "detail", "duration_ms"]
    if result is not None:
        attempt.external_id = result.external_id[:255]
        attempt.external_url = (result.url or "")[:1000]
        fields += ["external_id", "external_url"]
    attempt.save(update_fields=fields)


def owned(target: PostTarget) -> Q:
    """The target is still under the lease its attempt claimed (nobody took it over)."""
    return Q(lease_owner=target.lease_owner)


def late_failure(attempt: PublishAttempt, outcome: str, detail: str, started: float) -> str:
    """A failure (or an unknown outcome) that arrived after the target was settled or taken
    over: recorded on the attempt, the target left as it is."""
    finish(
        attempt,
        PublishAttempt.Outcome.LATE_FAILURE,
        f"{outcome}: {detail} (after the target was settled)",
        started,
    )
    return "late"


# Holding for a channel, and telling people ------------------------------------------------------


def hold_for_channel(
    target: PostTarget, *, expected: Iterable[str], now: datetime, log: bool = True
) -> bool:
    """Hold `target` (in one of `expected`) until its channel is reconnected, and tell people
    after commit. `log=False` when the caller records the attempt itself (a publish attempt
    that met a disconnected channel). Returns whether it was held (False: it had moved on)."""
    expected = tuple(expected)
    with transaction.atomic():
        changed = target_transition(
            target_id=target.pk,
            expected=expected,
            to=S.NEEDS_ATTENTION,
            where=owned(target) if S.PUBLISHING in expected else None,
            hold_reason=HOLD_CHANNEL,
            last_error=_("Held: the channel %(channel)s needs reconnecting.")
            % {"channel": target.channel},
        )
        if changed and log:
            PublishAttempt.objects.create(
                workspace_id=target.workspace_id,
                target=target,
                number=target.attempts,
                started_at=now,
                finished_at=now,
                outcome=PublishAttempt.Outcome.HELD,
                detail=f"channel status: {target.channel.status}",
                duration_ms=0,
            )
    if changed:
        transaction.on_commit(partial(after_problem, target.pk))
    return changed


def after_problem(target_id: int) -> None:
    """Tell the post's author and the workspace's admins that a target did not go out."""
    target = PostTarget.objects.select_related("post", "post__workspace", "channel").get(
        pk=target_id
    )
    workspace = target.post.workspace
    admins = [m.user for m in memberships_at_least(workspace=workspace, role=Role.ADMIN)]
    recipients = ([target.post.author] if target.post.author else []) + admins
    notify(
        workspace=workspace,
        recipients=recipients,
        kind=f"post.{target.status}",
        message=gettext_lazy("%(post)s did not go out on %(channel)s: %(reason)s"),
        params={
            "post": str(target.post),
            "channel": str(target.channel),
            "reason": target.last_error[:200],
        },
        url=target.post.get_absolute_url(),
    )


# Outcomes of one attempt ------------------------------------------------------------------------


def published(
    target: PostTarget, attempt: PublishAttempt, started: float, result: PublishResult
) -> str:
    """The platform has it: record where. A success wins over every state that is not final
    (a queued, scheduled, failed or unknown target was published after all); one that comes
    after the target was published or taken over by another attempt is late (see
    `late_success`)."""
    changed = target_transition(
        target_id=target.pk,
        expected=(S.PUBLISHING, S.NEEDS_ATTENTION, S.QUEUED, S.SCHEDULED, S.FAILED),
        to=S.PUBLISHED,
        where=~Q(status=S.PUBLISHING) | owned(target),
        external_id=result.external_id[:255],
        external_url=(result.url or "")[:1000],
        published_at=timezone.now(),
        first_comment_id=(result.first_comment_id or "")[:255],
        first_comment_error=result.first_comment_error,
        last_error="",
        hold_reason="",
        lease_expires_at=None,
    )
    if not changed:
        return late_success(target, attempt, started, result)
    detail = f"id {result.external_id}"
    if result.first_comment_error:
        detail += f"; first comment failed: {result.first_comment_error}"
    finish(attempt, PublishAttempt.Outcome.PUBLISHED, detail, started, result=result)
    channel_record_success(target.channel)
    return "published"


def late_success(
    target: PostTarget, attempt: PublishAttempt, started: float, result: PublishResult
) -> str:
    """A success that arrived after the target was published (or taken over by another
    attempt, or cancelled): recorded on the attempt with the platform's id and link. When the
    target has (or may get) another post on the platform, the target shows a possible
    duplicate with both links, until a person deletes the extra copy or dismisses it."""
    current = PostTarget.objects.filter(pk=target.pk).values("status", "external_id").first()
    same = current is not None and current["external_id"] == result.external_id
    finish(
        attempt,
        PublishAttempt.Outcome.LATE_SUCCESS,
        f"id {result.external_id}, after the target was settled"
        + ("" if same else "; a second copy may be on the platform"),
        started,
        result=result,
    )
    if current is not None and not same:
        PostTarget.objects.filter(pk=target.pk).update(
            duplicate_external_id=result.external_id[:255],
            duplicate_url=(result.url or "")[:1000],
        )
    return "late"


def retry_later(
    target: PostTarget,
    attempt: PublishAttempt,
    started: float,
    exc: AdapterError,
    *,
    seconds: int,
    **fields: Any,
) -> str:
    """Nothing went out: back on the schedule in `seconds` (with `fields`, e.g. steps)."""
    outcome = (
        PublishAttempt.Outcome.RATE_LIMITED
        if isinstance(exc, RateLimited)
        else PublishAttempt.Outcome.TRANSIENT
    )
    if not target_transition(
        target_id=target.pk,
        expected=(S.PUBLISHING,),
        to=S.SCHEDULED,
        where=owned(target),
        next_attempt_at=timezone.now() + timedelta(seconds=seconds),
        last_error=summary(exc.message),
        **fields,
    ):
        return late_failure(attempt, outcome, exc.message, started)
    finish(attempt, outcome, f"{exc.message} (again in {seconds} s)", started)
    return "retry"


def auth_expired(
    target: PostTarget, attempt: PublishAttempt, started: float, exc: AuthExpired
) -> str:
    """Refresh the token once per target; if that does not help, hold it and mark the channel."""
    if (
        not PostTarget.objects.filter(pk=target.pk, status=S.PUBLISHING)
        .filter(owned(target))
        .exists()
    ):
        return late_failure(attempt, PublishAttempt.Outcome.AUTH_EXPIRED, exc.message, started)
    steps = dict(target.steps or {})
    if not steps.get("token_refreshed"):
        outcome = channel_token_refresh(channel_id=target.channel_id)
        if outcome == "refreshed":
            steps["token_refreshed"] = True
            target_transition(
                target_id=target.pk,
                expected=(S.PUBLISHING,),
                to=S.SCHEDULED,
                where=owned(target),
                next_attempt_at=timezone.now(),
                steps=steps,
                last_error="",
            )
            finish(attempt, PublishAttempt.Outcome.AUTH_EXPIRED, "token refreshed", started)
            return "retry"
        if outcome == "retry":
            # The platform could not be asked right now (an outage): not the token's fault.
            target_transition(
                target_id=target.pk,
                expected=(S.PUBLISHING,),
                to=S.SCHEDULED,
                where=owned(target),
                next_attempt_at=timezone.now() + timedelta(seconds=60),
                last_error=summary(exc.message),
            )
            finish(
                attempt,
                PublishAttempt.Outcome.AUTH_EXPIRED,
                f"{exc.message}; the token check failed for now, again in 60 s",
                started,
            )
            return "retry"
    channel_mark_needs_reconnect(channel=target.channel, reason=exc.message)
    hold_for_channel(
        PostTarget.objects.select_related("channel").get(pk=target.pk),
        expected=(S.PUBLISHING,),
        now=timezone.now(),
        log=False,
    )
    finish(attempt, PublishAttempt.Outcome.AUTH_EXPIRED, exc.message, started)
    return "held"


def unknown(target: PostTarget, attempt: PublishAttempt, started: float, detail: str) -> str:
    """It may have gone out: never sent again blindly; looked up on the platform shortly."""
    changed = target_transition(
        target_id=target.pk,
        expected=(S.PUBLISHING,),
        to=S.NEEDS_ATTENTION,
        where=owned(target),
        hold_reason=HOLD_UNKNOWN,
        next_attempt_at=timezone.now() + requeue_after(),  # the lookup's lease
        last_error=_("It is not certain whether this went out: Ripple is checking the platform."),
    )
    if not changed:
        return late_failure(attempt, PublishAttempt.Outcome.UNKNOWN, detail, started)
    finish(attempt, PublishAttempt.Outcome.UNKNOWN, detail, started)
    if changed:
        task_send_on_commit(RECONCILE_TARGET, target.pk, countdown=5)
    return "unknown"


def fail(
    target: PostTarget,
    attempt: PublishAttempt,
    started: float,
    reason: str,
    *,
    outcome: str = PublishAttempt.Outcome.ERROR,
) -> str:
    """It did not go out and trying again cannot help: failed, and people are told."""
    changed = target_transition(
        target_id=target.pk,
        expected=(S.PUBLISHING,),
        to=S.FAILED,
        where=owned(target),
        last_error=summary(reason, 2000),
    )
    if not changed:
        return late_failure(attempt, outcome, reason, started)
    finish(attempt, outcome, reason, started)
    if changed:
        after_problem(target.pk)
    return "failed"


def record_channel_error(channel: Channel, exc: AdapterError) -> None:
    channel_record_error(channel, exc)
