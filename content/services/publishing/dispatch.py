"""The dispatcher (beat, every few seconds): claims due targets and sends one publish task each
after commit; re-sends targets stuck in queued (their message was lost); takes publishing targets
whose lease expired (their worker died; see content.services.publishing.lease) as of unknown
outcome and has them looked up, and puts those that never reached the platform back in the
queue; holds targets of a
channel that needs reconnecting and releases them once it is connected again. No far-future
ETA tasks: the database is the schedule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.models import Channel
from content.models import PostTarget, PublishAttempt
from content.services.enqueue import PUBLISH_TARGET, RECONCILE_TARGET, task_send
from content.services.publishing.lease import publish_ceiling
from content.services.publishing.settle import (
    HOLD_CHANNEL,
    HOLD_UNKNOWN,
    hold_for_channel,
    requeue_after,
    setting_seconds,
)
from content.services.state import target_transition, targets_transition
from smm.celery import queue_message_count

# The queue of publish tasks (Celery's default; the dispatcher runs on "sweeps", smm.celery).
PUBLISH_QUEUE = "celery"

log = logging.getLogger(__name__)

S = PostTarget.Status


# A target claimed by a worker from before leases (during a rolling upgrade) has no lease: it is
# taken as dead after the time the engine before leases waited, not after one (short) lease.
LEGACY_STALE_AFTER = timedelta(seconds=300)


def _due() -> Q:
    now = timezone.now()
    return Q(next_attempt_at__isnull=True, scheduled_at__lte=now) | Q(next_attempt_at__lte=now)


@dataclass
class DispatchResult:
    queued: list[int]
    requeued: list[int]
    held: list[int]
    stale: list[int]
    released: list[int]


def dispatch_due_all_workspaces(*, limit: int = 500) -> DispatchResult:
    """Claim due targets (all workspaces) and hand each to one publish task after commit."""
    now = timezone.now()
    lost_after = _requeue_after_by_queue()  # asks the broker: before any row is locked
    released = release_channel_holds()
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
            targets_transition(
                ids=ready,
                expected=(S.SCHEDULED,),
                to=S.QUEUED,
                queued_at=now,
                next_attempt_at=None,
            )
        stuck = list(
            PostTarget.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.QUEUED, queued_at__lt=now - lost_after)
            .order_by()  # no join for PostTarget's default ordering (by channel)
            .values_list("pk", flat=True)[:limit]
        )
        if stuck:
            PostTarget.objects.filter(pk__in=stuck, status=S.QUEUED).update(queued_at=now)
        ids = queued + stuck
        transaction.on_commit(lambda: _send(PUBLISH_TARGET, ids))
    # Held after the claim's commit, each in its own transaction that locks its post first
    # (the order every writer of a post follows); a target claimed meanwhile is not held.
    held = [t.pk for t in blocked if hold_for_channel(t, expected=(S.SCHEDULED,), now=now)]
    requeued_stale: list[int] = []
    stale = _mark_stale_publishing(now, requeued_stale)
    _send(PUBLISH_TARGET, requeued_stale)
    _send(RECONCILE_TARGET, stale + _lookups_due(now))
    return DispatchResult(queued, stuck + requeued_stale, held, stale, released)


def _requeue_after_by_queue() -> timedelta:
    """How long a queued target waits before its message is taken as lost, from the queue's own
    state. When the publish queue in the broker is empty, every message sent before has been
    taken by a worker, so a target still queued a few seconds later lost its message (a worker
    killed while holding it, Redis restarted empty): it is sent again after
    SMM_PUBLISH_LOST_AFTER seconds. While the queue has a backlog, its message may still be
    waiting there: only after SMM_PUBLISH_REQUEUE_AFTER. Sending one message too many is
    harmless: the publish task does nothing for a target that is no longer queued."""
    waiting = queue_message_count(PUBLISH_QUEUE)
    if waiting == 0:
        return timedelta(seconds=setting_seconds("SMM_PUBLISH_LOST_AFTER", 5))
    return requeue_after()


def _lookups_due(now: datetime) -> list[int]:
    """Targets of unknown outcome whose lookup is due: never ran (its task was lost), or failed
    and waited its backoff. Each send takes a lease (next_attempt_at moves on) so a lookup in
    the queue is not sent twice."""
    due = list(
        PostTarget.objects.filter(
            status=S.NEEDS_ATTENTION, hold_reason=HOLD_UNKNOWN, next_attempt_at__lte=now
        )
        .order_by()  # no join for PostTarget's default ordering (by channel)
        .values_list("pk", flat=True)[:500]
    )
    if due:
        PostTarget.objects.filter(pk__in=due, status=S.NEEDS_ATTENTION).update(
            next_attempt_at=now + requeue_after()
        )
    return due


def _send(task_name: str, ids: list[int]) -> None:
    """Send one task per id. A broker that is down loses nothing: the targets are queued in the
    database, and the next dispatch re-sends those whose task did not run."""
    for pk in ids:
        try:
            task_send(task_name, pk)
        except Exception:
            log.warning("could not send %s for target %s; it is re-sent later", task_name, pk)


def release_channel_holds() -> list[int]:
    """Targets held for a channel that is connected again go back on the schedule, now."""
    return targets_transition(
        expected=(S.NEEDS_ATTENTION,),
        to=S.SCHEDULED,
        where=Q(hold_reason=HOLD_CHANNEL, channel__status=Channel.Status.ACTIVE),
        hold_reason="",
        next_attempt_at=timezone.now(),
        last_error="",
    )


def _dead_publishing(now: datetime) -> Q:
    """Publishing targets whose worker is gone: the lease expired (not renewed), or a target
    claimed before leases existed that is older than a lease; or, however alive its worker
    looks, past the hard ceiling of one publish (a hung worker)."""
    return (
        Q(lease_expires_at__lt=now)
        | Q(lease_expires_at__isnull=True, publishing_started_at__lt=now - LEGACY_STALE_AFTER)
        | Q(publishing_started_at__lt=now - publish_ceiling())
    )


def _mark_stale_publishing(now: datetime, requeued: list[int]) -> list[int]:
    """Targets whose worker died while publishing (see `_dead_publishing`): the outcome is
    unknown (those that had not called the platform yet go back to the queue, into
    `requeued`). Each transition is a compare-and-set on the lease it saw, so a worker that
    renews meanwhile keeps its target."""
    dead = _dead_publishing(now)
    rows = list(
        PostTarget.objects.filter(status=S.PUBLISHING)
        .filter(dead)
        .order_by()
        .values_list("pk", "attempts", "lease_owner")[:500]
    )
    marked = []
    for pk, attempts, owner in rows:
        same_lease = Q(lease_owner=owner) & dead
        if not PublishAttempt.objects.filter(target_id=pk, number=attempts).exists():
            # The worker stopped before it called the platform: nothing was sent.
            if target_transition(
                target_id=pk,
                expected=(S.PUBLISHING,),
                to=S.QUEUED,
                where=same_lease,
                queued_at=now,
                lease_owner="",
                lease_expires_at=None,
            ):
                requeued.append(pk)
            continue
        with transaction.atomic():
            changed = target_transition(
                target_id=pk,
                expected=(S.PUBLISHING,),
                to=S.NEEDS_ATTENTION,
                where=same_lease,
                hold_reason=HOLD_UNKNOWN,
                next_attempt_at=now + requeue_after(),  # the lookup's lease (see _lookups_due)
                lease_owner="",
                lease_expires_at=None,
                last_error=_(
                    "The worker stopped while publishing: Ripple is checking whether it went out."
                ),
            )
            if changed:
                PublishAttempt.objects.filter(target_id=pk, finished_at__isnull=True).update(
                    finished_at=now,
                    outcome=PublishAttempt.Outcome.UNKNOWN,
                    detail="the worker stopped (its lease expired) before it recorded the outcome",
                )
        if changed:
            marked.append(pk)
    return marked
