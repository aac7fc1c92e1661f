"""The one owner of the post and target state machines.

Every change of `Post.status` or `PostTarget.status` goes through this module: the allowed
transitions are the tables below, and each change is a compare-and-set (a conditional UPDATE
... WHERE status IN expected) that returns whether it took. A transition that is not in the
table is a programming error and raises `TransitionRefused`; a lost race (the row is no longer in
an expected state) returns False and changes nothing.

A post has an editorial state (draft, in review, changes requested, approved) that people move,
and, once it is on the schedule, a state that follows its targets (scheduled, published,
failed). The latter is computed by one pure function, `post_status_derive`, and stored in the
same transaction as the target change that can alter it: `target_transition` and
`targets_transition` lock the post row first, change the targets, then store the derived
status. Locking the post before its targets is the order every writer of a post follows
(planning, approval, editing), so these never deadlock with each other. A target change between
states that count alike for the post (scheduled, queued and publishing all mean "on its way")
cannot alter the post's status and takes no lock on it: the dispatcher's claims stay one UPDATE.

`posts_status_repair` finds and fixes posts whose stored status differs from the derived one
(the periodic check, and the `content_repair_status` command).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels_app.models import Channel
from content.models import Post, PostTarget

log = logging.getLogger(__name__)

S = PostTarget.Status
P = Post.Status

# A target: from-state -> the states it may move to.
TARGET_TRANSITIONS: dict[str, frozenset[str]] = {
    # Scheduled with its post (planning, approval).
    S.DRAFT: frozenset({S.SCHEDULED}),
    # Moved (scheduled again), taken off the schedule (unscheduled, or reopened for review),
    # claimed by the dispatcher, or held while its channel needs reconnecting; or found
    # published (a late success of an attempt that was taken over is always recorded).
    S.SCHEDULED: frozenset({S.SCHEDULED, S.DRAFT, S.QUEUED, S.NEEDS_ATTENTION, S.PUBLISHED}),
    # Claimed by a worker; or found published (a late result is always recorded).
    S.QUEUED: frozenset({S.PUBLISHING, S.PUBLISHED}),
    # Every outcome of one attempt: back to the queue (its lease expired before it called the
    # platform), retried later (or released after a database error), published, failed, or
    # unknown / held for the channel.
    S.PUBLISHING: frozenset({S.QUEUED, S.SCHEDULED, S.PUBLISHED, S.FAILED, S.NEEDS_ATTENTION}),
    S.PUBLISHED: frozenset(),
    # A person retries, reschedules or schedules the post again; or checked it went out.
    S.FAILED: frozenset({S.SCHEDULED, S.PUBLISHED}),
    # Released (channel reconnected, found, resent, retried); found or marked published;
    # marked not published by a person.
    S.NEEDS_ATTENTION: frozenset({S.SCHEDULED, S.PUBLISHED, S.FAILED}),
    S.CANCELLED: frozenset({S.SCHEDULED}),
}

# The states of a post that follow its targets (see post_status_derive).
ON_SCHEDULE = frozenset({P.SCHEDULED, P.PUBLISHED, P.FAILED})

# A post: from-state -> the states it may move to.
POST_TRANSITIONS: dict[str, frozenset[str]] = {
    # Submitted (or sent to a client), or scheduled by someone who needs no approval.
    P.DRAFT: frozenset({P.IN_REVIEW, P.SCHEDULED}),
    # Decided by an approver; an editor may also schedule it directly.
    P.IN_REVIEW: frozenset({P.APPROVED, P.CHANGES_REQUESTED, P.SCHEDULED}),
    P.CHANGES_REQUESTED: frozenset({P.IN_REVIEW, P.SCHEDULED}),
    # Scheduled (at approval, or later); reopened by an edit that needs approval again.
    P.APPROVED: frozenset({P.IN_REVIEW, P.SCHEDULED}),
    # Moved, unscheduled (to draft or approved), reopened by an edit; and derived from its
    # targets: published, failed.
    P.SCHEDULED: frozenset({P.SCHEDULED, P.DRAFT, P.APPROVED, P.IN_REVIEW, P.PUBLISHED, P.FAILED}),
    # Derived from its targets only (a repair of a post whose targets say otherwise).
    P.PUBLISHED: frozenset({P.SCHEDULED, P.FAILED}),
    # Scheduled again by a person, or derived from its targets (retried, found, marked).
    P.FAILED: frozenset({P.SCHEDULED, P.PUBLISHED}),
}

# What a target's state means for its post: states in one group count alike, so a move inside
# a group can never change the post's derived status.
_GROUP: dict[str, str] = {
    S.DRAFT: "draft",
    S.SCHEDULED: "on_its_way",
    S.QUEUED: "on_its_way",
    S.PUBLISHING: "on_its_way",
    S.PUBLISHED: "published",
    S.FAILED: "problem",
    S.NEEDS_ATTENTION: "problem",
    S.CANCELLED: "cancelled",
}


class TransitionRefused(ValueError):
    """A status change that the state machine does not allow (a bug in the caller)."""

    def __init__(self, machine: str, from_state: str, to_state: str) -> None:
        super().__init__(f"{machine}: {from_state!s} -> {to_state!s} is not an allowed transition")
        self.machine = machine
        self.from_state = from_state
        self.to_state = to_state


def _check(
    table: dict[str, frozenset[str]], machine: str, expected: tuple[str, ...], to: str
) -> None:
    if not expected:
        raise ValueError("a transition needs at least one expected state")
    for state in expected:
        if to not in table.get(state, frozenset()):
            raise TransitionRefused(machine, state, to)


def _may_change_post(expected: tuple[str, ...], to: str) -> bool:
    return any(_GROUP[state] != _GROUP[to] for state in expected)


# The post's derived status ---------------------------------------------------------------------


def post_status_derive(*, current: str, targets: Iterable[str]) -> str:
    """The status a post should have, from its stored `current` status and its targets' states.

    Pure. An editorial state (draft, in review, changes requested, approved) is the people's to
    change: it stays. A post on the schedule follows its targets: published when every target
    is, failed ("needs attention") when any target failed or needs attention, scheduled while
    any is still on its way; otherwise (no targets, or only drafts and cancelled ones left) it
    keeps `current`."""
    if current not in ON_SCHEDULE:
        return current
    groups = {_GROUP[state] for state in targets}
    if not groups:
        return current
    if groups == {"published"}:
        return P.PUBLISHED
    if "problem" in groups:
        return P.FAILED
    if "on_its_way" in groups:
        return P.SCHEDULED
    return current


def _lock_posts(post_ids: Iterable[int]) -> dict[int, str]:
    """Lock the posts' rows (in id order, so two lockers never wait on each other) for the rest
    of the caller's transaction; returns their statuses, which stay true while the lock holds."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    return dict(
        Post.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status")
    )


def _post_status_store(post_id: int, current: str) -> str | None:
    """Store the derived status of post `post_id`, whose row the caller has locked (or just
    wrote) and whose status is `current`. Returns the new status, or None when it was right."""
    states = PostTarget.objects.filter(post_id=post_id).order_by().values_list("status", flat=True)
    new = post_status_derive(current=current, targets=states)
    if new == current:
        return None
    _check(POST_TRANSITIONS, "post", (current,), new)
    Post.objects.filter(pk=post_id, status=current).update(status=new, updated_at=timezone.now())
    return new


def post_status_refresh(*, post_id: int) -> str | None:
    """Store the derived status of post `post_id` (see post_status_derive). Locks the post row
    for the rest of the caller's transaction. Returns the new status, or None when it was right
    already (or the post is gone)."""
    with transaction.atomic():
        current = _lock_posts([post_id]).get(post_id)
        return None if current is None else _post_status_store(post_id, current)


# Transitions -----------------------------------------------------------------------------------


def post_transition(
    *, post: Post, to: str, expected: Iterable[str] | None = None, **fields: Any
) -> bool:
    """Move `post` to `to` if it is still in one of `expected` (default: its status as loaded),
    writing `fields` (plain values) with it; `post` is updated in memory when it took.

    A post that lands on the schedule then gets its derived status at once (a post scheduled
    with a target that needs attention shows "needs attention"). Call it inside the
    transaction of the change that causes it. Raises TransitionRefused for a move that is not
    in POST_TRANSITIONS; returns False (and changes nothing) when the post was in another
    state."""
    states = tuple(expected) if expected is not None else (post.status,)
    _check(POST_TRANSITIONS, "post", states, to)
    now = timezone.now()
    with transaction.atomic():
        changed = Post.objects.filter(pk=post.pk, status__in=states).update(
            status=to, updated_at=now, **fields
        )
        if not changed:
            return False
        post.status = to
        post.updated_at = now
        for name, value in fields.items():
            setattr(post, name, value)
        if to in ON_SCHEDULE:
            # The UPDATE above holds the post's row lock for the rest of the transaction.
            derived = _post_status_store(post.pk, to)
            if derived is not None:
                post.status = derived
    return True


def target_transition(
    *,
    target_id: int,
    to: str,
    expected: Iterable[str],
    where: Q | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set one target: move it to `to` (writing `fields` with it) only if it is
    still in one of `expected` and matches `where`. When the move can change its post's status,
    the post is locked first and its derived status stored in the same transaction. Raises
    TransitionRefused for a move not in TARGET_TRANSITIONS; returns whether it took."""
    states = tuple(expected)
    _check(TARGET_TRANSITIONS, "target", states, to)
    rows = PostTarget.objects.filter(pk=target_id, status__in=states)
    if where is not None:
        rows = rows.filter(where)
    if not _may_change_post(states, to):
        return bool(rows.update(status=to, **fields))
    with transaction.atomic():
        post_id = (
            PostTarget.objects.filter(pk=target_id)
            .order_by()  # no join for the model's default ordering
            .values_list("post_id", flat=True)
            .first()
        )
        if post_id is None:
            return False
        current = _lock_posts([post_id]).get(post_id)
        if current is None or not rows.update(status=to, **fields):
            return False
        _post_status_store(post_id, current)
    return True


def targets_transition(
    *,
    to: str,
    expected: Iterable[str],
    ids: Iterable[int] | None = None,
    post_id: int | None = None,
    where: Q | None = None,
    **fields: Any,
) -> list[int]:
    """Compare-and-set a set of targets: those among `ids`, of post `post_id` and matching
    `where` (each given one narrows the set) that are in one of `expected` move to `to`, with
    `fields`. Their posts are
    locked first and get their derived status in the same transaction when the move can change
    it. Raises TransitionRefused like target_transition; returns the ids that moved."""
    states = tuple(expected)
    _check(TARGET_TRANSITIONS, "target", states, to)
    if ids is None and post_id is None and where is None:
        raise ValueError("say which targets: ids, post_id, where, or several")
    rows = PostTarget.objects.filter(status__in=states)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    if post_id is not None:
        rows = rows.filter(post_id=post_id)
    if where is not None:
        rows = rows.filter(where)
    refresh = _may_change_post(states, to)
    currents: dict[int, str] = {}
    with transaction.atomic():
        if refresh:
            post_ids = list(rows.order_by().values_list("post_id", flat=True).distinct())
            if not post_ids:
                return []  # the dispatcher asks every second; mostly nothing is held
            currents = _lock_posts(post_ids)
        locked = list(
            rows.select_for_update(of=("self",)).order_by("pk").values_list("pk", "post_id")
        )
        if not locked:
            return []
        PostTarget.objects.filter(pk__in=[pk for pk, _post in locked], status__in=states).update(
            status=to, **fields
        )
        if refresh:
            for changed_post in sorted({post for _pk, post in locked}):
                if changed_post in currents:
                    _post_status_store(changed_post, currents[changed_post])
                else:  # a target that joined a post after the lock was taken
                    post_status_refresh(post_id=changed_post)
    return [pk for pk, _post in locked]


def target_build(*, post: Post, channel: Channel) -> PostTarget:
    """A new (unsaved) target of `post` on `channel`, in the state it starts in: scheduled at
    the post's time when the post is scheduled (a channel added to a scheduled post), otherwise
    draft. The caller fills in the variant and saves it."""
    if post.status == P.SCHEDULED:
        return PostTarget(
            workspace=post.workspace,
            post=post,
            channel=channel,
            status=S.SCHEDULED,
            scheduled_at=post.scheduled_at,
        )
    return PostTarget(workspace=post.workspace, post=post, channel=channel, status=S.DRAFT)


# Repair ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A post whose stored status differed from the one its targets give."""

    post_id: int
    workspace_id: int
    stored: str
    derived: str


def _drifts_in_batch(rows: list[tuple[int, int, str]]) -> Iterator[Drift]:
    states: dict[int, list[str]] = {}
    for post_id, state in (
        PostTarget.objects.filter(post_id__in=[pk for pk, _ws, _status in rows])
        .order_by()
        .values_list("post_id", "status")
        .distinct()
    ):
        states.setdefault(post_id, []).append(state)
    for post_id, workspace_id, stored in rows:
        derived = post_status_derive(current=stored, targets=states.get(post_id, []))
        if derived != stored:
            yield Drift(post_id, workspace_id, stored, derived)


def posts_status_repair(
    *, dry_run: bool = False, batch_size: int = 1000, after_id: int = 0
) -> list[Drift]:
    """Find posts (all workspaces) whose stored status differs from the one their targets give,
    and store the derived one (unless `dry_run`). Walks the posts on the schedule by id in
    batches of `batch_size` (keyset: one query for the posts and one for their targets' states
    per batch, never all rows at once), starting after `after_id`. Each fix is its own small
    transaction that locks the post and derives again, so a post that changed meanwhile is
    left as it now is. Returns what drifted (and, unless `dry_run`, was fixed)."""
    found: list[Drift] = []
    last = after_id
    while True:
        rows = list(
            Post.objects.filter(pk__gt=last, status__in=ON_SCHEDULE)
            .order_by("pk")
            .values_list("pk", "workspace_id", "status")[:batch_size]
        )
        if not rows:
            return found
        last = rows[-1][0]
        for drift in _drifts_in_batch(rows):
            if dry_run:
                found.append(drift)
                continue
            fixed = post_status_refresh(post_id=drift.post_id)
            if fixed is not None:
                found.append(Drift(drift.post_id, drift.workspace_id, drift.stored, fixed))
