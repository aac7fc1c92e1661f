"""One attempt to publish a target: claim it (queued -> publishing), build what goes out, call
the platform once, and hand the answer to content.services.publishing.settle.

After an ambiguous outcome (a timeout after sending, a dropped connection, a 5xx, a crash) the
target is never sent again on its own: it needs attention and is looked up on the platform
(content.services.publishing.reconcile). Rate limits wait for the platform's retry-after;
errors before anything was sent are retried with backoff a bounded number of times.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.adapters.base import (
    AdapterError,
    AuthExpired,
    Credentials,
    MediaFile,
    OutgoingPost,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.models import Channel
from channels_app.services import channel_adapter, channel_credentials
from content.models import MediaKind, PostTarget, PublishAttempt
from content.services.links import tracked_link, tracked_text
from content.services.media import public_media_url, renditions_for
from content.services.publishing.lease import LeaseKeeper, lease_length, new_owner
from content.services.publishing.settle import (
    auth_expired,
    fail,
    finish,
    hold_for_channel,
    published,
    record_channel_error,
    retry_later,
    unknown,
)
from content.services.state import target_transition

log = logging.getLogger(__name__)

S = PostTarget.Status
MAX_TRANSIENT_ATTEMPTS = 5
BACKOFF_BASE = 30  # seconds; doubles per attempt
BACKOFF_MAX = 15 * 60


def build_outgoing(target: PostTarget) -> OutgoingPost:
    """What goes to the platform: the variant's text and link (tracked if the post says so),
    the media rendered for this platform, the first comment, the title."""
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


def publish_target(*, target_id: int, worker: str = "") -> str:
    """Publish one queued target; returns what happened ("skipped" if it was not queued).

    The claim takes a lease that a background thread renews while the platform is called (see
    content.services.publishing.lease); the platform is called at most once per call; the
    outcome is written back with a compare-and-set on the lease, so a late result never
    overwrites what a person, the sweep or another worker decided (it is recorded on the
    attempt instead), except that a post found published is always recorded as published.
    A database error between the claim and the call releases the target at once."""
    now = timezone.now()
    owner = new_owner(worker)
    claimed = target_transition(
        target_id=target_id,
        expected=(S.QUEUED,),
        to=S.PUBLISHING,
        publishing_started_at=now,
        attempts=F("attempts") + 1,
        lease_owner=owner,
        lease_expires_at=now + lease_length(),
    )
    if not claimed:
        return "skipped"
    try:
        prepared = _prepare(target_id=target_id, now=now, worker=worker)
    except DatabaseError:
        log.warning("database error after claiming target %s: released", target_id, exc_info=True)
        _release_after_db_error(target_id=target_id, owner=owner)
        return "released"
    if isinstance(prepared, str):
        return prepared
    target, attempt, adapter, credentials, outgoing = prepared
    started = time.monotonic()
    channel = target.channel
    try:
        with LeaseKeeper(target_id=target.pk, owner=owner):
            result = adapter.publish(credentials, outgoing)
    except RateLimited as exc:
        return retry_later(target, attempt, started, exc, seconds=exc.retry_after or 60)
    except AuthExpired as exc:
        return auth_expired(target, attempt, started, exc)
    except Rejected as exc:
        if exc.duplicate:
            return unknown(target, attempt, started, f"duplicate: {exc.reason}")
        record_channel_error(channel, exc)
        return fail(target, attempt, started, exc.reason, outcome=PublishAttempt.Outcome.REJECTED)
    except TransientError as exc:
        if exc.sent:
            return unknown(target, attempt, started, exc.message)
        # Only these failures count towards the limit (not rate limits or a token refresh);
        # kept in `steps` (re-read: the adapter may have recorded steps meanwhile), which a
        # person's retry or reschedule clears.
        steps = dict(PostTarget.objects.values_list("steps", flat=True).get(pk=target.pk) or {})
        failures = int(steps.get("transient_failures") or 0) + 1
        if failures >= MAX_TRANSIENT_ATTEMPTS:
            return fail(
                target,
                attempt,
                started,
                _("The platform could not be reached after %(n)d tries: %(e)s")
                % {"n": failures, "e": exc.message},
                outcome=PublishAttempt.Outcome.TRANSIENT,
            )
        steps["transient_failures"] = failures
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (failures - 1))
        return retry_later(target, attempt, started, exc, seconds=delay, steps=steps)
    except AdapterError as exc:
        return fail(target, attempt, started, exc.message)
    except Exception as exc:
        log.exception("publishing target %s failed unexpectedly", target.pk)
        return unknown(target, attempt, started, f"{type(exc).__name__} in Ripple")
    return published(target, attempt, started, result)


Prepared = tuple[PostTarget, PublishAttempt, Any, Credentials, OutgoingPost]


def _prepare(*, target_id: int, now: datetime, worker: str) -> Prepared | str:
    """Everything between the claim and the platform call: load the target, give it its
    publish key, build what goes out, and make the attempt row (right before the call: a
    target whose lease expires without its attempt row never reached the platform). Returns
    what happened instead when the target is settled without a call. Raises DatabaseError."""
    target = PostTarget.objects.select_related(
        "post", "post__workspace", "post__campaign", "channel"
    ).get(pk=target_id)
    if not target.publish_key:
        target.publish_key = f"ripple-{target.pk}-{uuid.uuid4().hex[:16]}"
        PostTarget.objects.filter(pk=target.pk, publish_key="").update(
            publish_key=target.publish_key
        )

    def new_attempt() -> PublishAttempt:
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
        hold_for_channel(target, expected=(S.PUBLISHING,), now=now, log=False)
        finish(attempt, PublishAttempt.Outcome.HELD, f"channel status: {channel.status}", started)
        return "held"
    try:
        outgoing = build_outgoing(target)
    except (ValidationError, OSError) as exc:
        return fail(
            target,
            new_attempt(),
            started,
            _("The media could not be prepared: %(e)s")
            % {"e": "; ".join(getattr(exc, "messages", [str(exc)]))},
        )
    adapter, credentials = channel_adapter(channel), channel_credentials(channel)
    return target, new_attempt(), adapter, credentials, outgoing


def _release_after_db_error(*, target_id: int, owner: str) -> None:
    """Nothing was sent: the target goes back on the schedule now (the dispatcher claims it
    within seconds) and an attempt row left open is closed. If the database is still away, the
    lease runs out and the dispatcher puts it back in the queue (it has no open attempt)."""
    for _try in range(2):
        try:
            with transaction.atomic():
                released = target_transition(
                    target_id=target_id,
                    expected=(S.PUBLISHING,),
                    to=S.SCHEDULED,
                    where=Q(lease_owner=owner),
                    next_attempt_at=timezone.now(),
                    lease_owner="",
                    lease_expires_at=None,
                )
                if released:
                    PublishAttempt.objects.filter(
                        target_id=target_id, finished_at__isnull=True
                    ).update(
                        finished_at=timezone.now(),
                        outcome=PublishAttempt.Outcome.ERROR,
                        detail="database error before the platform was called; released",
                    )
            return
        except DatabaseError:
            # A dead connection (its backend was terminated) is replaced by a new one.
            connection.close()
    log.warning("target %s could not be released; its lease will run out", target_id)
