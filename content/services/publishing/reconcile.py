"""Looking up a target of unknown outcome on its platform: found -> published (or back on the
schedule for a first comment still owed); not found -> sent again when the platform dedupes on
our Idempotency-Key, else a person decides. A failed lookup is tried again with backoff (the
dispatcher sends it once its lease runs out), a bounded number of times.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.adapters.base import AdapterError
from channels_app.services import channel_adapter, channel_credentials
from content.models import PostTarget, PublishAttempt
from content.services.publishing.attempt import build_outgoing
from content.services.publishing.settle import HOLD_UNKNOWN, after_problem, finish
from content.services.state import target_transition

S = PostTarget.Status
MAX_LOOKUPS = 6
_STILL_UNKNOWN = Q(hold_reason=HOLD_UNKNOWN)


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
            target_transition(
                target_id=target.pk,
                expected=(S.NEEDS_ATTENTION,),
                to=S.SCHEDULED,
                where=_STILL_UNKNOWN,
                next_attempt_at=timezone.now(),
                steps=steps,
                hold_reason="",
                last_error="",
            )
            finish(
                attempt,
                PublishAttempt.Outcome.FOUND,
                f"found as {found.external_id}; the first comment follows",
                started,
            )
            return "found"
        target_transition(
            target_id=target.pk,
            expected=(S.NEEDS_ATTENTION,),
            to=S.PUBLISHED,
            where=_STILL_UNKNOWN,
            external_id=found.external_id[:255],
            external_url=(found.url or "")[:1000],
            published_at=found.created_at or timezone.now(),
            next_attempt_at=None,
            hold_reason="",
            last_error="",
        )
        finish(attempt, PublishAttempt.Outcome.FOUND, f"found as {found.external_id}", started)
        return "found"
    window = int(getattr(adapter, "idempotency_window", 0) or 0)
    sent_at = target.publishing_started_at or timezone.now()
    # Within the window the platform dedupes on our Idempotency-Key: sending again cannot make
    # a second post.
    resend = bool(window) and timezone.now() - sent_at < timedelta(seconds=window)
    if resend and target_transition(
        target_id=target.pk,
        expected=(S.NEEDS_ATTENTION,),
        to=S.SCHEDULED,
        where=_STILL_UNKNOWN,
        next_attempt_at=timezone.now(),
        hold_reason="",
        last_error="",
    ):
        finish(
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
    finish(attempt, PublishAttempt.Outcome.NOT_FOUND, "no matching post found", started)
    after_problem(target.pk)
    return "not_found"


def _lookup_failed(
    target: PostTarget, attempt: PublishAttempt, started: float, exc: Exception
) -> str:
    """The lookup itself failed (the platform is down): again later with backoff, a bounded
    number of times; then a person decides."""
    steps = dict(PostTarget.objects.values_list("steps", flat=True).get(pk=target.pk) or {})
    lookups = int(steps.get("lookup_failures") or 0) + 1
    steps["lookup_failures"] = lookups
    finish(attempt, PublishAttempt.Outcome.TRANSIENT, f"lookup failed: {exc}", started)
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
        after_problem(target.pk)
        return "not_found"
    PostTarget.objects.filter(pk=target.pk, status=S.NEEDS_ATTENTION).update(
        steps=steps,
        next_attempt_at=timezone.now() + timedelta(seconds=30 * 2 ** (lookups - 1)),
    )
    return "retry"
