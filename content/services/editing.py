"""Use cases of editing a post: save what was typed, then act on it (schedule, add to the queue,
send for approval), and the edit of a post that is already scheduled.

The composer and the posts API both call these, so a rule holds alike for both: a draft keeps
whatever was typed even when the action after the save is refused (the refusal is returned), and
a scheduled post never keeps an edit that breaks its channels' rules (the save and the new check
are one transaction: all or nothing, the refusal is raised).

Each use case composes the public services of posts, planning and approval; it writes nothing
itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from content.models import Post
from content.services import approval, planning
from content.services.checks import PostInput
from content.services.posts import post_save
from smm.models import Membership, Workspace


@dataclass(frozen=True)
class PostEdited:
    """What a save-then-act use case did.

    `post` is the post as saved (and acted on when `refused` is None); `refused` is why the
    action did not happen, in which case the draft is saved with what was typed all the same.
    """

    post: Post
    refused: ValidationError | PermissionDenied | None = None

    @property
    def done(self) -> bool:
        return self.refused is None


def _is_scheduled(post: Post | None) -> bool:
    return post is not None and post.status == Post.Status.SCHEDULED


@transaction.atomic
def post_edit_scheduled(
    *,
    workspace: Workspace,
    membership: Membership,
    post: Post,
    data: PostInput,
    expected_version: int | None = None,
    source: str = "composer",
) -> Post:
    """Edit a scheduled post: save `data` and check it again against its channels' rules at
    `data.scheduled_at` (its time, or a new one it moves to), or change nothing at all.

    Raises ValidationError if the post is not scheduled, `data.scheduled_at` is empty
    (unschedule it to clear its time), the time is not in the future, a channel's rule is
    broken or a target is being published right now; PermissionDenied if `membership` may not
    edit or schedule it; VersionConflict if `expected_version` is stale. Nothing is kept when it
    raises.

    Side effects: those of post_save (a new version, activity) and post_schedule (the targets
    that have not gone out are scheduled at the time, activity "post.scheduled", the copies of
    a recurring post made again). An edit by someone who needs approval sends the approved post
    back for review instead (post_save): it is kept, in review, and not scheduled.
    """
    if not _is_scheduled(post):
        raise ValidationError(_("This post is not scheduled."))
    if data.scheduled_at is None:
        raise ValidationError(
            {"scheduled_at": _("The post is scheduled: unschedule it to clear its time.")}
        )
    saved = post_save(
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )
    if saved.status != Post.Status.SCHEDULED:
        # post_save sent it back for review (an approved post edited by someone who needs
        # approval): it left the schedule, and approving it checks and schedules it again.
        return saved
    return planning.post_schedule(post=saved, membership=membership, at=data.scheduled_at)


@transaction.atomic
def post_edit(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
    source: str = "composer",
) -> Post:
    """Save what was typed: a new post or a draft keeps it whatever its problems (post_save); a
    scheduled post is saved and checked again, or left as it was (post_edit_scheduled).

    Raises and changes what those two do.
    """
    if post is not None and _is_scheduled(post):
        return post_edit_scheduled(
            workspace=workspace,
            membership=membership,
            post=post,
            data=data,
            expected_version=expected_version,
            source=source,
        )
    return post_save(
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )


def _save_then(
    act: Callable[[Post], Post],
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None,
    expected_version: int | None,
    source: str,
) -> PostEdited:
    """Save, then `act` on the saved post; run inside the caller's transaction."""
    saved = post_save(
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )
    if _is_scheduled(post):
        # Raised: the use case's transaction takes the edit back with the refused action.
        return PostEdited(act(saved))
    try:
        with transaction.atomic():  # a savepoint: a refused action leaves nothing half-done
            return PostEdited(act(saved))
    except (ValidationError, PermissionDenied) as exc:
        return PostEdited(saved, refused=exc)


@transaction.atomic
def post_save_and_schedule(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
    source: str = "composer",
) -> PostEdited:
    """Save what was typed, then schedule the post at `data.scheduled_at`.

    A draft stays saved if scheduling is refused (time not in the future, a channel's rule
    broken, approval needed): the answer's `refused` says why. A scheduled post is edited with
    post_edit_scheduled: all or nothing, its refusal raised.

    Raises what post_save raises (ValidationError for references outside the workspace or a
    published post, PermissionDenied, VersionConflict): then nothing is saved. Side effects: those
    of post_save and planning.post_schedule.
    """
    if post is not None and _is_scheduled(post):
        edited = post_edit_scheduled(
            workspace=workspace,
            membership=membership,
            post=post,
            data=data,
            expected_version=expected_version,
            source=source,
        )
        return PostEdited(edited)
    return _save_then(
        lambda saved: planning.post_schedule(
            post=saved, membership=membership, at=data.scheduled_at
        ),
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )


@transaction.atomic
def post_save_and_queue(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
    source: str = "composer",
) -> PostEdited:
    """Save what was typed, then schedule the post in its channels' next free posting slot.

    A draft stays saved if that is refused (no free slot, a channel's rule broken, approval
    needed): `refused` says why. For a post that was scheduled, a refusal is raised and the edit
    is not kept either.

    Raises what post_save raises; then nothing is saved. Side effects: those of post_save and
    planning.post_add_to_queue.
    """
    return _save_then(
        lambda saved: planning.post_add_to_queue(post=saved, membership=membership),
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )


@transaction.atomic
def post_save_and_submit(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
    comment: str = "",
    source: str = "composer",
) -> PostEdited:
    """Save what was typed, then send the post for approval (with `comment`).

    A draft stays saved if that is refused (a channel's rule broken, not a draft): `refused`
    says why. For a post that was scheduled, a refusal is raised and the edit is not kept either.

    Raises what post_save raises; then nothing is saved. Side effects: those of post_save and
    approval.post_submit (a review entry, activity, the approvers notified).
    """
    return _save_then(
        lambda saved: approval.post_submit(post=saved, membership=membership, comment=comment),
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
        source=source,
    )
