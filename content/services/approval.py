"""Approval: contributors submit, approvers approve or ask for changes (members in the app, a
client through a signed, expiring review link), an edit after approval sends a post back.

Who approves: the workspace's named approvers (any role); when none are named, editors and up.
Editors and up schedule directly; contributors do too when the workspace needs no approval.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.models import ContentSettings, Post, PostReview, PostTarget, ReviewLink
from smm.models import Membership, Role, User, Workspace
from smm.services import activity_record


def settings_for(workspace: Workspace) -> ContentSettings:
    content_settings, _created = ContentSettings.objects.get_or_create(workspace=workspace)
    return content_settings


def approval_needed(membership: Membership) -> bool:
    """Whether what `membership` writes must be approved before it is scheduled."""
    if membership.has_role(Role.EDITOR):
        return False
    return settings_for(membership.workspace).approval_required


def approvers(workspace: Workspace) -> list[Membership]:
    named = list(settings_for(workspace).approvers.select_related("user"))
    if named:
        return named
    return [
        m
        for m in Membership.objects.filter(workspace=workspace).select_related("user")
        if m.has_role(Role.EDITOR)
    ]


def can_approve(membership: Membership, post: Post) -> bool:
    """Named approvers (or, when none are named, editors and up) approve; nobody approves their
    own post unless they could have scheduled it anyway."""
    if post.author_id == membership.user_id and not membership.has_role(Role.EDITOR):
        return False
    return any(m.pk == membership.pk for m in approvers(membership.workspace))


def notify_approvers(*, post: Post, actor: User, kind: str, message: Any) -> None:
    from content.services.posts import post_url
    from smm.notifications import notify

    notify(
        workspace=post.workspace,
        recipients=[m.user for m in approvers(post.workspace)],
        kind=kind,
        message=message,
        params={"actor": actor.display_name, "post": str(post)},
        url=post_url(post),
        actor=actor,
    )


def _notify_author(
    post: Post, *, kind: str, message: Any, actor_label: str, comment: str, actor: User | None
) -> None:
    from content.services.posts import post_url
    from smm.notifications import notify

    if post.author is None:
        return
    notify(
        workspace=post.workspace,
        recipients=[post.author],
        kind=kind,
        message=message,
        params={"actor": actor_label, "post": str(post), "comment": comment[:200]},
        url=post_url(post),
        actor=actor,
    )


def _require_no_errors(post: Post) -> None:
    from content.services.posts import check_saved

    result = check_saved(post)
    if not result.ok:
        raise ValidationError(result.as_messages())


@transaction.atomic
def post_submit(*, post: Post, membership: Membership, comment: str = "") -> Post:
    """Send a post for approval. Raises ValidationError while it breaks a channel's rules."""
    from content.services.posts import ensure_can_edit

    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    ensure_can_edit(membership, post)
    if post.status not in (Post.Status.DRAFT, Post.Status.CHANGES_REQUESTED):
        raise ValidationError(_("Only a draft can be sent for approval."))
    _require_no_errors(post)
    post.status = Post.Status.IN_REVIEW
    post.submitted_at = timezone.now()
    post.save(update_fields=["status", "submitted_at", "updated_at"])
    PostReview.objects.create(
        post=post,
        action=PostReview.Action.SUBMITTED,
        actor=membership.user,
        actor_label=membership.user.display_name,
        comment=comment.strip(),
        post_version=post.version,
    )
    activity_record(
        workspace=post.workspace, actor=membership.user, verb="post.submitted", target=post
    )
    notify_approvers(
        post=post,
        actor=membership.user,
        kind="post.submitted",
        message=gettext_lazy("%(actor)s asks you to approve: %(post)s"),
    )
    return post


def _decide(
    *,
    post: Post,
    action: str,
    membership: Membership | None,
    review_link: ReviewLink | None,
    comment: str,
    version: int | None,
) -> Post:
    if (membership is None) == (review_link is None):
        raise ValueError("a decision comes from a member or a review link")
    workspace = membership.workspace if membership else review_link.workspace  # type: ignore[union-attr]
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=workspace)
    if membership is not None and not can_approve(membership, post):
        raise PermissionDenied(_("You are not one of this workspace's approvers."))
    if review_link is not None and review_link.post_id != post.pk:
        raise PermissionDenied
    if post.status != Post.Status.IN_REVIEW:
        raise ValidationError(_("This post is not awaiting approval (any more)."))
    if version is not None and version != post.version:
        raise ValidationError(
            _("The post was changed while you were reviewing it: look at it again.")
        )
    actor = membership.user if membership else None
    label = actor.display_name if actor else review_link.reviewer_name  # type: ignore[union-attr]
    comment = comment.strip()
    PostReview.objects.create(
        post=post,
        action=action,
        actor=actor,
        actor_label=label,
        via_review_link=review_link,
        comment=comment,
        post_version=post.version,
    )
    return post


@transaction.atomic
def post_approve(
    *,
    post: Post,
    membership: Membership | None = None,
    review_link: ReviewLink | None = None,
    comment: str = "",
    version: int | None = None,
) -> Post:
    """Approve the version `version` (the one the reviewer saw). A post with a publish time in
    the future is scheduled at once; otherwise it waits, approved, for someone to pick a time."""
    post = _decide(
        post=post,
        action=PostReview.Action.APPROVED,
        membership=membership,
        review_link=review_link,
        comment=comment,
        version=version,
    )
    actor = membership.user if membership else None
    label = actor.display_name if actor else review_link.reviewer_name  # type: ignore[union-attr]
    post.status = Post.Status.APPROVED
    post.approved_at = timezone.now()
    post.approved_by_label = label
    post.save(update_fields=["status", "approved_at", "approved_by_label", "updated_at"])
    activity_record(
        workspace=post.workspace,
        actor=actor,
        verb="post.approved",
        target=post,
        data={"reviewer": label},
    )
    if post.scheduled_at and post.scheduled_at > timezone.now():
        from content.services.planning import schedule_targets

        schedule_targets(post, post.scheduled_at)
    _notify_author(
        post,
        kind="post.approved",
        message=gettext_lazy("%(actor)s approved %(post)s"),
        actor_label=label,
        comment=comment,
        actor=actor,
    )
    return post


@transaction.atomic
def post_request_changes(
    *,
    post: Post,
    comment: str,
    membership: Membership | None = None,
    review_link: ReviewLink | None = None,
    version: int | None = None,
) -> Post:
    """Send a post back to its author with what to change (the comment is required)."""
    if not comment.strip():
        raise ValidationError({"comment": [_("Say what should change.")]})
    post = _decide(
        post=post,
        action=PostReview.Action.CHANGES_REQUESTED,
        membership=membership,
        review_link=review_link,
        comment=comment,
        version=version,
    )
    actor = membership.user if membership else None
    label = actor.display_name if actor else review_link.reviewer_name  # type: ignore[union-attr]
    post.status = Post.Status.CHANGES_REQUESTED
    post.save(update_fields=["status", "updated_at"])
    activity_record(
        workspace=post.workspace,
        actor=actor,
        verb="post.changes_requested",
        target=post,
        data={"reviewer": label},
    )
    _notify_author(
        post,
        kind="post.changes_requested",
        message=gettext_lazy("%(actor)s asks for changes to %(post)s: %(comment)s"),
        actor_label=label,
        comment=comment,
        actor=actor,
    )
    return post


# Client review links -------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def review_link_create(
    *, post: Post, membership: Membership, reviewer_name: str, reviewer_email: str = ""
) -> tuple[ReviewLink, str]:
    """A link for a client to review `post` without an account. Returns the link and the raw
    token (shown or mailed once; only its hash is stored). Valid for the workspace's
    `review_link_days`."""
    from content.services.posts import ensure_can_edit

    ensure_can_edit(membership, post)
    reviewer_name = " ".join(reviewer_name.split())[:120]
    if not reviewer_name:
        raise ValidationError({"reviewer_name": [_("Give the reviewer's name.")]})
    raw = secrets.token_urlsafe(32)
    days = settings_for(post.workspace).review_link_days or 7
    link = ReviewLink.objects.create(
        workspace=post.workspace,
        post=post,
        reviewer_name=reviewer_name,
        reviewer_email=reviewer_email.strip(),
        token_hash=_hash(raw),
        created_by=membership.user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    activity_record(
        workspace=post.workspace,
        actor=membership.user,
        verb="post.review_link_created",
        target=post,
        data={"reviewer": reviewer_name},
    )
    return link, raw


def review_link_resolve(raw: str) -> ReviewLink | None:
    """The live review link for `raw`, or None (unknown, expired or revoked: all look alike)."""
    if not raw or len(raw) > 100:
        return None
    link = (
        ReviewLink.objects.select_related("post", "workspace")
        .filter(token_hash=_hash(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is not None:
        ReviewLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return link


def review_link_revoke(*, link: ReviewLink, membership: Membership) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        activity_record(
            workspace=link.workspace,
            actor=membership.user,
            verb="post.review_link_revoked",
            target=link.post,
            data={"reviewer": link.reviewer_name},
        )


def targets_reset_to_draft(post: Post) -> None:
    PostTarget.objects.filter(post=post, status=PostTarget.Status.SCHEDULED).update(
        status=PostTarget.Status.DRAFT
    )
