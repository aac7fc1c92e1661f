"""The publishing engine: every scheduled post target goes out once, on time, and never fails
silently.

States (PostTarget.Status): scheduled -> queued -> publishing -> published, or failed (the
platform's reason), needs_attention (the outcome is unknown, or the channel needs reconnecting),
cancelled. Every transition is a conditional UPDATE (compare-and-set on the current state), so
two workers can never both own a target:

- `dispatch_due` (beat, every few seconds) claims due targets with SELECT ... FOR UPDATE SKIP
  LOCKED, marks them queued and sends one publish task each after commit. It also re-sends
  targets stuck in queued (their message was lost), marks targets stuck in publishing (their
  worker died) as needs_attention and looks them up, and releases targets held for a channel
  that has been reconnected. No far-future ETA tasks: the database is the schedule.
- `publish_target` claims queued -> publishing and calls the platform once. After an ambiguous
  outcome (a timeout after sending, a dropped connection, a 5xx, a crash) it never sends again on
  its own: the target needs attention and `reconcile_target` looks the post up on the platform.
- Rate limits wait for the platform's retry-after; errors before anything was sent are retried
  with backoff a bounded number of times; an expired token is refreshed once, else the target is
  held and the channel marked.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app.adapters.base import (
    AdapterError,
    AuthExpired,
    MediaFile,
    OutgoingPost,
    PublishResult,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.models import Channel
from content.models import MediaKind, Post, PostTarget, PublishAttempt
from smm.models import Membership, Role
from smm.selectors import memberships_at_least
from smm.services import activity_record

log = logging.getLogger(__name__)

S = PostTarget.Status
HOLD_CHANNEL = "channel"
HOLD_UNKNOWN = "unknown"
MAX_TRANSIENT_ATTEMPTS = 5
BACKOFF_BASE = 30  # seconds; doubles per attempt
BACKOFF_MAX = 15 * 60


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def requeue_after() -> timedelta:
    """A target queued this long ago whose task never ran is sent again."""
    return timedelta(seconds=_setting("SMM_PUBLISH_REQUEUE_AFTER", 60))


def stale_after() -> timedelta:
    """A target publishing this long is taken as crashed (its worker died)."""
    return timedelta(seconds=_setting("SMM_PUBLISH_STALE_AFTER", 300))


def _due() -> Q:
    now = timezone.now()
    return Q(next_attempt_at__isnull=True, scheduled_at__lte=now) | Q(next_attempt_at__lte=now)


# Dispatching ----------------------------------------------------------------------------------


@dataclass
class DispatchResult:
    queued: list[int]
    requeued: list[int]
    held: list[int]
    stale: list[int]
    released: list[int]


def dispatch_due_all_workspaces(*, limit: int = 500) -> DispatchResult:
    """Claim due targets (all workspaces) and hand each to one publish task after commit."""
    from content.tasks import publish_target_task, reconcile_target_task

    now = timezone.now()
    released = _release_channel_holds()
    with transaction.atomic():
        due = list(
            PostTarget.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.SCHEDULED)
            .filter(_due())
            .select_related("channel")
            .order_by("scheduled_at", "pk")[:limit]
        )
        ready = [t.pk for t in due if t.channel.status == Channel.Status.ACTIVE]
        blocked = [t for t in due if t.channel.status != Channel.Status.ACTIVE]
        queued = list(ready)
        if ready:
            PostTarget.objects.filter(pk__in=ready, status=S.SCHEDULED).update(
                status=S.QUEUED, queued_at=now, next_attempt_at=None
            )
        held = [t.pk for t in blocked if _hold_for_channel(t, now=now)]
        stuck = list(
            PostTarget.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.QUEUED, queued_at__lt=now - requeue_after())
            .values_list("pk", flat=True)[:limit]
        )
        if stuck:
            PostTarget.objects.filter(pk__in=stuck, status=S.QUEUED).update(queued_at=now)
        ids = queued + stuck
        transaction.on_commit(lambda: _send(publish_target_task, ids))
    requeued_stale: list[int] = []
    stale = _mark_stale_publishing(now, requeued_stale)
    _send(publish_target_task, requeued_stale)
    _send(reconcile_target_task, stale + _lookups_due(now))
    return DispatchResult(queued, stuck + requeued_stale, held, stale, released)


def _lookups_due(now: datetime) -> list[int]:
    """Targets of unknown outcome whose lookup is due: never ran (its task was lost), or failed
    and waited its backoff. Each send takes a lease (next_attempt_at moves on) so a lookup in
    the queue is not sent twice."""
    due = list(
        PostTarget.objects.filter(
            status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    if due:
        PostTarget.objects.filter(pk__in=due, status=S.NEEDS_ATTENTION).update(
            next_attempt_at=now + requeue_after()
        )
    return due


def _send(task: Any, ids: list[int]) -> None:
    """Send one task per id. A broker that is down loses nothing: the targets are queued in the
    database, and the next dispatch re-sends those whose task did not run."""
    for pk in ids:
        try:
            task.delay(pk)
        except Exception:
            log.warning("could not send %s for target %s; it is re-sent later", task.name, pk)


def _release_channel_holds() -> list[int]:
    """Targets held for a channel that is connected again go back on the schedule, now."""
    held = list(
        PostTarget.objects.filter(
            status=S.NEEDS_ATTENTION,
            hold_reason=HOLD_CHANNEL,
            channel__status=Channel.Status.ACTIVE,
        ).values_list("pk", flat=True)
    )
    if held:
        PostTarget.objects.filter(
            pk__in=held, status=S.NEEDS_ATTENTION, hold_reason=HOLD_CHANNEL
        ).update(status=S.SCHEDULED, hold_reason="", next_attempt_at=timezone.now(), last_error="")
    return held


def _hold_for_channel(target: PostTarget, *, now: datetime, log: bool = True) -> bool:
    """Hold `target` until its channel is reconnected, and tell people. `log=False` when the
    caller records the attempt itself (a publish attempt that met a disconnected channel)."""
    changed = PostTarget.objects.filter(pk=target.pk, status=target.status).update(
        status=S.NEEDS_ATTENTION,
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
        transaction.on_commit(lambda: _after_problem(target.pk))
    return bool(changed)


def _mark_stale_publishing(now: datetime, requeued: list[int]) -> list[int]:
    """Targets whose worker died while publishing: the outcome is unknown (those that had not
    called the platform yet go back to the queue, into `requeued`)."""
    stale = list(
        PostTarget.objects.filter(
            status=S.PUBLISHING, publishing_started_at__lt=now - stale_after()
        ).values_list("pk", flat=True)
    )
    marked = []
    for pk, attempts in PostTarget.objects.filter(pk__in=stale).values_list("pk", "attempts"):
        if not PublishAttempt.objects.filter(target_id=pk, number=attempts).exists():
            # The worker stopped before it called the platform: nothing was sent.
            if PostTarget.objects.filter(pk=pk, status=S.PUBLISHING).update(
                status=S.QUEUED, queued_at=now
            ):
                requeued.append(pk)
            continue
        changed = PostTarget.objects.filter(pk=pk, status=S.PUBLISHING).update(
            status=S.NEEDS_ATTENTION,
            hold_reason=HOLD_UNKNOWN,
            next_attempt_at=now + requeue_after(),  # the lookup's lease (see _lookups_due)
            last_error=_(
                "The worker stopped while publishing: Ripple is checking whether it went out."
            ),
        )
        if changed:
            PublishAttempt.objects.filter(target_id=pk, finished_at__isnull=True).update(
                finished_at=now,
                outcome=PublishAttempt.Outcome.UNKNOWN,
                detail="the worker stopped before it recorded the outcome",
            )
            post_status_refresh(
                post_id=PostTarget.objects.values_list("post_id", flat=True).get(pk=pk)
            )
            marked.append(pk)
    return marked


# Publishing one target ------------------------------------------------------------------------


def build_outgoing(target: PostTarget) -> OutgoingPost:
    """What goes to the platform: the variant's text and link (tracked if the post says so),
    the media rendered for this platform, the first comment, the title."""
    from content.services.links import tracked_link, tracked_text
    from content.services.media import public_media_url, renditions_for

    post = target.post
    items = (
        list(target.media_items.select_related("asset"))
        if target.custom_media
        else list(post.media_items.select_related("asset"))
    )
    media = []
    for item in items:
        asset = item.asset
        if asset.kind == MediaKind.IMAGE:
            rendition = renditions_for(
                asset=asset, platforms=[target.channel.platform], fits=[item.fit]
            )[(target.channel.platform, item.fit)]
            media.append(
                MediaFile(
                    content_type=rendition.content_type,
                    path=rendition.file.path,
                    url=public_media_url(asset=asset, rendition=rendition),
                    size=rendition.size,
                    width=rendition.width,
                    height=rendition.height,
                    alt_text=asset.alt_text,
                )
            )
        else:
            media.append(
                MediaFile(
                    content_type=asset.content_type,
                    path=asset.file.path,
                    url=public_media_url(asset=asset),
                    size=asset.size,
                    width=asset.width,
                    height=asset.height,
                    duration_seconds=asset.duration_seconds,
                    alt_text=asset.alt_text,
                )
            )
    steps = {k: str(v) for k, v in (target.steps or {}).items() if isinstance(v, str)}
    return OutgoingPost(
        text=tracked_text(target=target),
        idempotency_key=target.publish_key,
        media=tuple(media),
        link=tracked_link(target=target),
        first_comment=target.effective_first_comment,
        title=target.effective_title,
        language=post.workspace.language,
        steps=steps,
        record_step=lambda key, value: record_step(target_id=target.pk, key=key, value=value),
    )


def record_step(*, target_id: int, key: str, value: str) -> None:
    """Remember a finished step of a multi-step publish at once (its own small transaction), so
    an attempt after a crash resumes from it."""
    with transaction.atomic():
        row = PostTarget.objects.select_for_update().filter(pk=target_id).first()
        if row is None:
            return
        steps = dict(row.steps or {})
        steps[key] = value
        PostTarget.objects.filter(pk=target_id).update(steps=steps)


def _summary(value: Any, limit: int = 500) -> str:
    text = " ".join(str(value).split())
    return text[:limit]


def _finish(attempt: PublishAttempt, outcome: str, detail: str, started: float) -> None:
    attempt.finished_at = timezone.now()
    attempt.outcome = outcome
    attempt.detail = _summary(detail, 2000)
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.save(update_fields=["finished_at", "outcome", "detail", "duration_ms"])


def _set(target_id: int, expected: tuple[str, ...], **fields: Any) -> bool:
    """Compare-and-set: change the target only if it is still in one of `expected`."""
    return bool(PostTarget.objects.filter(pk=target_id, status__in=expected).update(**fields))


def publish_target(*, target_id: int, worker: str = "") -> str:
    """Publish one queued target; returns what happened ("skipped" if it was not queued).

    The platform is called at most once per call; the outcome is written back with a
    compare-and-set, so a late result never overwrites what a person or the sweep decided,
    except that a post found published is always recorded as published."""
    now = timezone.now()
    claimed = PostTarget.objects.filter(pk=target_id, status=S.QUEUED).update(
        status=S.PUBLISHING, publishing_started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    target = PostTarget.objects.select_related(
        "post", "post__workspace", "post__campaign", "channel"
    ).get(pk=target_id)
    if not target.publish_key:
        target.publish_key = f"ripple-{target.pk}-{uuid.uuid4().hex[:16]}"
        PostTarget.objects.filter(pk=target.pk, publish_key="").update(
            publish_key=target.publish_key
        )

    def new_attempt() -> PublishAttempt:
        # Made right before the platform is called (or the target is settled without a call):
        # a target that goes stale without its attempt row never reached the platform.
        return PublishAttempt.objects.create(
            workspace_id=target.workspace_id,
            target=target,
            number=target.attempts,
            started_at=now,
            worker=worker[:200],
        )

    started = time.monotonic()
    channel = target.channel
    if channel.status != Channel.Status.ACTIVE:
        attempt = new_attempt()
        _set(target.pk, (S.PUBLISHING,), status=S.SCHEDULED)
        with transaction.atomic():
            _hold_for_channel(PostTarget.objects.get(pk=target.pk), now=now, log=False)
        _finish(attempt, PublishAttempt.Outcome.HELD, f"channel status: {channel.status}", started)
        return "held"
    try:
        outgoing = build_outgoing(target)
    except (ValidationError, OSError) as exc:
        return _fail(
            target,
            new_attempt(),
            started,
            _("The media could not be prepared: %(e)s")
            % {"e": "; ".join(getattr(exc, "messages", [str(exc)]))},
        )
    from channels_app.services import channel_adapter, channel_credentials

    adapter, credentials = channel_adapter(channel), channel_credentials(channel)
    attempt = new_attempt()
    try:
        result = adapter.publish(credentials, outgoing)
    except RateLimited as exc:
        return _retry_later(target, attempt, started, exc, seconds=exc.retry_after or 60)
    except AuthExpired as exc:
        return _auth_expired(target, attempt, started, exc)
    except Rejected as exc:
        if exc.duplicate:
            return _unknown(target, attempt, started, f"duplicate: {exc.reason}")
        _record_channel_error(channel, exc)
        return _fail(target, attempt, started, exc.reason, outcome=PublishAttempt.Outcome.REJECTED)
    except TransientError as exc:
        if exc.sent:
            return _unknown(target, attempt, started, exc.message)
        # Only these failures count towards the limit (not rate limits or a token refresh);
        # kept in `steps` (re-read: the adapter may have recorded steps meanwhile), which a
        # person's retry or reschedule clears.
        steps = dict(PostTarget.objects.values_list("steps", flat=True).get(pk=target.pk) or {})
        failures = int(steps.get("transient_failures") or 0) + 1
        if failures >= MAX_TRANSIENT_ATTEMPTS:
            return _fail(
                target,
                attempt,
                started,
                _("The platform could not be reached after %(n)d tries: %(e)s")
                % {"n": failures, "e": exc.message},
                outcome=PublishAttempt.Outcome.TRANSIENT,
            )
        steps["transient_failures"] = failures
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (failures - 1))
        return _retry_later(target, attempt, started, exc, seconds=delay, steps=steps)
    except AdapterError as exc:
        return _fail(target, attempt, started, exc.message)
    except Exception as exc:
        log.exception("publishing target %s failed unexpectedly", target.pk)
        return _unknown(target, attempt, started, f"{type(exc).__name__} in Ripple")
    return _published(target, attempt, started, result)


def _published(
    target: PostTarget, attempt: PublishAttempt, started: float, result: PublishResult
) -> str:
    from channels_app.services import channel_record_success

    PostTarget.objects.filter(
        pk=target.pk, status__in=(S.PUBLISHING, S.NEEDS_ATTENTION, S.QUEUED)
    ).update(
        status=S.PUBLISHED,
        external_id=result.external_id[:255],
        external_url=(result.url or "")[:1000],
        published_at=timezone.now(),
        first_comment_id=(result.first_comment_id or "")[:255],
        first_comment_error=result.first_comment_error,
        last_error="",
        hold_reason="",
    )
    detail = f"id {result.external_id}"
    if result.first_comment_error:
        detail += f"; first comment failed: {result.first_comment_error}"
    _finish(attempt, PublishAttempt.Outcome.PUBLISHED, detail, started)
    channel_record_success(target.channel)
    post_status_refresh(post_id=target.post_id)
    return "published"


def _retry_later(
    target: PostTarget,
    attempt: PublishAttempt,
    started: float,
    exc: AdapterError,
    *,
    seconds: int,
    **fields: Any,
) -> str:
    outcome = (
        PublishAttempt.Outcome.RATE_LIMITED
        if isinstance(exc, RateLimited)
        else PublishAttempt.Outcome.TRANSIENT
    )
    _set(
        target.pk,
        (S.PUBLISHING,),
        status=S.SCHEDULED,
        next_attempt_at=timezone.now() + timedelta(seconds=seconds),
        last_error=_summary(exc.message),
        **fields,
    )
    _finish(attempt, outcome, f"{exc.message} (again in {seconds} s)", started)
    return "retry"


def _auth_expired(
    target: PostTarget, attempt: PublishAttempt, started: float, exc: AuthExpired
) -> str:
    """Refresh the token once per target; if that does not help, hold it and mark the channel."""
    from channels_app.services import channel_mark_needs_reconnect, channel_token_refresh

    steps = dict(target.steps or {})
    if not steps.get("token_refreshed"):
        outcome = channel_token_refresh(channel_id=target.channel_id)
        if outcome == "refreshed":
            steps["token_refreshed"] = True
            _set(
                target.pk,
                (S.PUBLISHING,),
                status=S.SCHEDULED,
                next_attempt_at=timezone.now(),
                steps=steps,
                last_error="",
            )
            _finish(attempt, PublishAttempt.Outcome.AUTH_EXPIRED, "token refreshed", started)
            return "retry"
        if outcome == "retry":
            # The platform could not be asked right now (an outage): not the token's fault.
            _set(
                target.pk,
                (S.PUBLISHING,),
                status=S.SCHEDULED,
                next_attempt_at=timezone.now() + timedelta(seconds=60),
                last_error=_summary(exc.message),
            )
            _finish(
                attempt,
                PublishAttempt.Outcome.AUTH_EXPIRED,
                f"{exc.message}; the token check failed for now, again in 60 s",
                started,
            )
            return "retry"
    channel_mark_needs_reconnect(channel=target.channel, reason=exc.message)
    _set(target.pk, (S.PUBLISHING,), status=S.SCHEDULED)
    with transaction.atomic():
        _hold_for_channel(
            PostTarget.objects.select_related("channel").get(pk=target.pk),
            now=timezone.now(),
            log=False,
        )
    _finish(attempt, PublishAttempt.Outcome.AUTH_EXPIRED, exc.message, started)
    return "held"


def _unknown(target: PostTarget, attempt: PublishAttempt, started: float, detail: str) -> str:
    from content.tasks import reconcile_target_task

    changed = _set(
        target.pk,
        (S.PUBLISHING,),
        status=S.NEEDS_ATTENTION,
        hold_reason=HOLD_UNKNOWN,
        next_attempt_at=timezone.now() + requeue_after(),  # the lookup's lease
        last_error=_("It is not certain whether this went out: Ripple is checking the platform."),
    )
    _finish(attempt, PublishAttempt.Outcome.UNKNOWN, detail, started)
    if changed:
        post_status_refresh(post_id=target.post_id)
        reconcile_target_task.apply_async((target.pk,), countdown=5)
    return "unknown"


def _fail(
    target: PostTarget,
    attempt: PublishAttempt,
    started: float,
    reason: str,
    *,
    outcome: str = PublishAttempt.Outcome.ERROR,
) -> str:
    changed = _set(target.pk, (S.PUBLISHING,), status=S.FAILED, last_error=_summary(reason, 2000))
    _finish(attempt, outcome, reason, started)
    if changed:
        _after_problem(target.pk)
    return "failed"


def _record_channel_error(channel: Channel, exc: AdapterError) -> None:
    from channels_app.services import channel_record_error

    channel_record_error(channel, exc)


# Reconciling ----------------------------------------------------------------------------------


def reconcile_target(*, target_id: int) -> str:
    """Look a target of unknown outcome up on the platform: found -> published; not found ->
    it stays for a person to decide (and they are told). Returns "found", "not_found",
    "retry" (the lookup itself failed: try again later), "resend" (not found, and the platform
    dedupes on our Idempotency-Key, so it is simply sent again) or "skipped"."""
    target = (
        PostTarget.objects.select_related("post", "post__workspace", "channel")
        .filter(pk=target_id, status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN)
        .first()
    )
    if target is None:
        return "skipped"
    from channels_app.services import channel_adapter, channel_credentials

    started = time.monotonic()
    attempt = PublishAttempt.objects.create(
        workspace_id=target.workspace_id,
        target=target,
        number=target.attempts,
        started_at=timezone.now(),
    )
    since = (target.publishing_started_at or target.scheduled_at or timezone.now()) - timedelta(
        minutes=5
    )
    adapter = channel_adapter(target.channel)
    try:
        outgoing = build_outgoing(target)
        found = adapter.find_recent_post(channel_credentials(target.channel), outgoing, since=since)
    except (AdapterError, ValidationError, OSError) as exc:
        return _lookup_failed(target, attempt, started, exc)
    if found is not None:
        steps = dict(target.steps or {})
        if target.effective_first_comment.strip() and not steps.get("first_comment"):
            # The post is there; its first comment is still owed. Back on the schedule with the
            # post recorded: the adapter skips creating it and posts only the comment.
            steps["post"] = found.external_id
            PostTarget.objects.filter(
                pk=target.pk, status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN
            ).update(
                status=S.SCHEDULED,
                next_attempt_at=timezone.now(),
                steps=steps,
                hold_reason="",
                last_error="",
            )
            _finish(
                attempt,
                PublishAttempt.Outcome.FOUND,
                f"found as {found.external_id}; the first comment follows",
                started,
            )
            return "found"
        PostTarget.objects.filter(
            pk=target.pk, status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN
        ).update(
            status=S.PUBLISHED,
            external_id=found.external_id[:255],
            external_url=(found.url or "")[:1000],
            published_at=found.created_at or timezone.now(),
            next_attempt_at=None,
            hold_reason="",
            last_error="",
        )
        _finish(attempt, PublishAttempt.Outcome.FOUND, f"found as {found.external_id}", started)
        post_status_refresh(post_id=target.post_id)
        return "found"
    window = int(getattr(adapter, "idempotency_window", 0) or 0)
    sent_at = target.publishing_started_at or timezone.now()
    # Within the window the platform dedupes on our Idempotency-Key: sending again cannot make
    # a second post.
    resend = bool(window) and timezone.now() - sent_at < timedelta(seconds=window)
    if resend and PostTarget.objects.filter(
        pk=target.pk, status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN
    ).update(status=S.SCHEDULED, next_attempt_at=timezone.now(), hold_reason="", last_error=""):
        _finish(
            attempt,
            PublishAttempt.Outcome.NOT_FOUND,
            "not found; sent again with the same Idempotency-Key",
            started,
        )
        return "resend"
    PostTarget.objects.filter(pk=target.pk, status=S.NEEDS_ATTENTION).update(
        next_attempt_at=None,  # a person decides now
        last_error=_(
            "Ripple could not find this post on %(platform)s. Check the account, then mark it "
            "as published or retry it."
        )
        % {"platform": target.channel.get_platform_display()},
    )
    _finish(attempt, PublishAttempt.Outcome.NOT_FOUND, "no matching post found", started)
    _after_problem(target.pk)
    return "not_found"


MAX_LOOKUPS = 6


def _lookup_failed(
    target: PostTarget, attempt: PublishAttempt, started: float, exc: Exception
) -> str:
    """The lookup itself failed (the platform is down): again later with backoff, a bounded
    number of times; then a person decides."""
    steps = dict(PostTarget.objects.values_list("steps", flat=True).get(pk=target.pk) or {})
    lookups = int(steps.get("lookup_failures") or 0) + 1
    steps["lookup_failures"] = lookups
    _finish(attempt, PublishAttempt.Outcome.TRANSIENT, f"lookup failed: {exc}", started)
    if lookups >= MAX_LOOKUPS:
        PostTarget.objects.filter(pk=target.pk, status=S.NEEDS_ATTENTION).update(
            steps=steps,
            next_attempt_at=None,
            last_error=_(
                "Ripple could not check %(platform)s for this post. Check the account, then "
                "mark it as published or retry it."
            )
            % {"platform": target.channel.get_platform_display()},
        )
        _after_problem(target.pk)
        return "not_found"
    PostTarget.objects.filter(pk=target.pk, status=S.NEEDS_ATTENTION).update(
        steps=steps,
        next_attempt_at=timezone.now() + timedelta(seconds=30 * 2 ** (lookups - 1)),
    )
    return "retry"


# After a problem: the post's status, and people told ------------------------------------------


def post_status_refresh(*, post_id: int) -> None:
    """Set the post's status from its targets once they have all left the schedule."""
    statuses = set(
        PostTarget.objects.filter(post_id=post_id).order_by().values_list("status", flat=True)
    )
    if not statuses:
        return
    if statuses == {S.PUBLISHED}:
        new = Post.Status.PUBLISHED
    elif statuses & {S.FAILED, S.NEEDS_ATTENTION}:
        new = Post.Status.FAILED
    elif statuses & {S.SCHEDULED, S.QUEUED, S.PUBLISHING}:
        new = Post.Status.SCHEDULED
    else:
        return
    Post.objects.filter(pk=post_id).exclude(status=new).filter(
        status__in=[Post.Status.SCHEDULED, Post.Status.PUBLISHED, Post.Status.FAILED]
    ).update(status=new, updated_at=timezone.now())


def _after_problem(target_id: int) -> None:
    target = PostTarget.objects.select_related("post", "post__workspace", "channel").get(
        pk=target_id
    )
    post_status_refresh(post_id=target.post_id)
    from content.services.posts import post_url
    from smm.notifications import notify

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
        url=post_url(target.post),
    )


# What a person does with a target -------------------------------------------------------------


def _ensure_may_act(membership: Membership, target: PostTarget) -> None:
    from content.services.planning import may_schedule

    if not may_schedule(membership, target.post):
        raise PermissionDenied(_("Your role cannot publish this post."))


LASTING_STEPS = ("post", "first_comment")


def _lasting_steps(target: PostTarget) -> dict[str, Any]:
    """What a retry keeps of the earlier steps: a created post and its first comment (never
    made twice); uploads and containers expire on the platforms, so they are made again."""
    current = PostTarget.objects.filter(pk=target.pk).values_list("steps", flat=True).first()
    return {k: v for k, v in (current or {}).items() if k in LASTING_STEPS}


@transaction.atomic
def target_retry(*, target: PostTarget, membership: Membership) -> PostTarget:
    """Send a failed (or unknown, after checking the platform) target again, now."""
    _ensure_may_act(membership, target)
    now = timezone.now()
    if not _set(
        target.pk,
        (S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED),
        status=S.SCHEDULED,
        next_attempt_at=now,
        hold_reason="",
        last_error="",
        attempts=0,
        steps=_lasting_steps(target),
    ):
        raise ValidationError(_("Only a failed post, or one that needs attention, can be retried."))
    Post.objects.filter(pk=target.post_id).update(status=Post.Status.SCHEDULED)
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
    """A person checked the platform: the post is there."""
    _ensure_may_act(membership, target)
    if not _set(
        target.pk,
        (S.NEEDS_ATTENTION, S.FAILED),
        status=S.PUBLISHED,
        external_url=url[:1000],
        published_at=timezone.now(),
        next_attempt_at=None,
        hold_reason="",
        last_error="",
    ):
        raise ValidationError(_("Only a post that needs attention can be marked as published."))
    post_status_refresh(post_id=target.post_id)
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
    reschedule it from there)."""
    _ensure_may_act(membership, target)
    if not _set(
        target.pk,
        (S.NEEDS_ATTENTION,),
        status=S.FAILED,
        hold_reason="",
        next_attempt_at=None,
        steps={},  # a person saw it is not there: a retry creates it
        last_error=_("Not on the platform (checked by %(name)s).")
        % {"name": membership.user.display_name},
    ):
        raise ValidationError(_("Only a post that needs attention can be marked this way."))
    post_status_refresh(post_id=target.post_id)
    target.refresh_from_db()
    return target


@transaction.atomic
def target_reschedule(*, target: PostTarget, membership: Membership, at: datetime) -> PostTarget:
    """Put a failed or held target back on the schedule at `at` (aware, in the future)."""
    _ensure_may_act(membership, target)
    if at <= timezone.now():
        raise ValidationError(_("Pick a time in the future."))
    if not _set(
        target.pk,
        (S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED),
        status=S.SCHEDULED,
        scheduled_at=at,
        next_attempt_at=None,
        hold_reason="",
        last_error="",
        attempts=0,
        steps=_lasting_steps(target),
    ):
        raise ValidationError(_("Only a failed post, or one that needs attention, can be moved."))
    Post.objects.filter(pk=target.post_id).update(status=Post.Status.SCHEDULED)
    target.refresh_from_db()
    return target
