"""Approval: contributors submit, approvers approve or ask for changes (members in the app, a
client through a signed, expiring review link), an edit after approval sends a post back.

Who approves: the workspace's named approvers (any role); when none are named, editors and up.
Editors and up schedule directly; contributors do too when the workspace needs no approval.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.models import Post, PostReview, ReviewLink
from content.services.approvers import (
    approval_needed,
    can_approve,
    notify_approvers,
    settings_for,
)
from content.services.planning import regenerate_occurrences, schedule_targets
from content.services.posts import can_edit, check_saved, ensure_can_edit
from content.services.state import post_transition
from smm.mail import email_send
from smm.models import ActivityEvent, Membership, User
from smm.notifications import notify
from smm.services import activity_record


def _notify_author(
    post: Post,
    *,
    kind: str,
    message: Any,
    actor_label: str,
    comment: str,
    actor: User | None,
    review_link: ReviewLink | None = None,
) -> None:
    """Tell the author (and, for a client's decision, whoever sent the client the link)."""
    recipients = [post.author] if post.author is not None else []
    if review_link is not None and review_link.created_by is not None:
        recipients.append(review_link.created_by)
    if not recipients:
        return
    notify(
        workspace=post.workspace,
        recipients=recipients,
        kind=kind,
        message=message,
        params={"actor": actor_label, "post": str(post), "comment": comment[:200]},
        url=post.get_absolute_url(),
        actor=actor,
    )


def _require_no_errors(post: Post) -> None:
    result = check_saved(post)
    if not result.ok:
        raise ValidationError(result.as_messages())


@transaction.atomic
def post_submit(*, post: Post, membership: Membership, comment: str = "") -> Post:
    """Send a post for approval. Raises ValidationError while it breaks a channel's rules."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    ensure_can_edit(membership, post)
    if post.status not in (Post.Status.DRAFT, Post.Status.CHANGES_REQUESTED):
        raise ValidationError(_("Only a draft can be sent for approval."))
    _require_no_errors(post)
    post_transition(post=post, to=Post.Status.IN_REVIEW, submitted_at=timezone.now())
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
    if review_link is not None and (
        review_link.post_id != post.pk or not review_link_is_live(review_link)
    ):
        raise PermissionDenied(_("This review link is no longer valid."))
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


def _record(
    *,
    post: Post,
    verb: str,
    actor: User | None,
    review_link: ReviewLink | None,
    data: dict[str, Any] | None = None,
) -> ActivityEvent:
    """An activity line for a decision; a client's shows the reviewer's name as its actor."""
    event = activity_record(
        workspace=post.workspace, actor=actor, verb=verb, target=post, data=data
    )
    if review_link is not None:
        event.actor_label = review_link.reviewer_name
        event.data = {**event.data, "via_review_link": review_link.pk}
        event.save(update_fields=["actor_label", "data"])
    return event


def _schedule_after_approval(
    post: Post, *, actor: User | None, review_link: ReviewLink | None
) -> bool:
    """Schedule an approved post whose publish time is in the future and that breaks no rule
    (a channel may have been disconnected since it was submitted). Returns whether it did."""
    if post.scheduled_at is None or post.scheduled_at <= timezone.now():
        return False
    if not check_saved(post, for_scheduling=True).ok:
        return False
    schedule_targets(post, post.scheduled_at)
    _record(
        post=post,
        verb="post.scheduled",
        actor=actor,
        review_link=review_link,
        data={"at": post.scheduled_at.isoformat()},
    )
    if post.repeat_every:
        regenerate_occurrences(post)
    return True


@transaction.atomic
def post_approve(
    *,
    post: Post,
    membership: Membership | None = None,
    review_link: ReviewLink | None = None,
    comment: str = "",
    version: int | None = None,
) -> Post:
    """Approve the version `version` (the one the reviewer saw), as a member who is one of the
    approvers (`membership`) or as the client of a live `review_link`.

    A post with a publish time in the future that breaks no channel rule is scheduled at once
    (with its copies, if it repeats); otherwise it waits, approved, for someone to pick a time.
    Raises PermissionDenied for someone who may not approve (or a dead link), ValidationError if
    the post is not awaiting approval or `version` is not the current one. Records the step,
    the activity, and notifies the author (and whoever sent the client the link)."""
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
    post_transition(
        post=post,
        to=Post.Status.APPROVED,
        expected=(Post.Status.IN_REVIEW,),
        approved_at=timezone.now(),
        approved_by_label=label,
    )
    _record(
        post=post,
        verb="post.approved",
        actor=actor,
        review_link=review_link,
        data={"reviewer": label},
    )
    scheduled = _schedule_after_approval(post, actor=actor, review_link=review_link)
    _notify_author(
        post,
        kind="post.approved",
        message=(
            gettext_lazy("%(actor)s approved %(post)s; it is scheduled.")
            if scheduled
            else gettext_lazy("%(actor)s approved %(post)s; pick a time to publish it.")
        ),
        actor_label=label,
        comment=comment,
        actor=actor,
        review_link=review_link,
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
    """Send a post back to its author with what to change (the comment is required), as an
    approver (`membership`) or the client of a live `review_link`. Raises like post_approve."""
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
    post_transition(post=post, to=Post.Status.CHANGES_REQUESTED, expected=(Post.Status.IN_REVIEW,))
    _record(
        post=post,
        verb="post.changes_requested",
        actor=actor,
        review_link=review_link,
        data={"reviewer": label, "comment": comment.strip()[:500]},
    )
    _notify_author(
        post,
        kind="post.changes_requested",
        message=gettext_lazy("%(actor)s asks for changes to %(post)s: %(comment)s"),
        actor_label=label,
        comment=comment,
        actor=actor,
        review_link=review_link,
    )
    return post


# Client review links -------------------------------------------------------------------------

REVIEW_TOKEN_MAX_LENGTH = 100


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def may_send_for_review(membership: Membership, post: Post) -> bool:
    """Who may send `post` to a client: people who may edit it and whose own posts need no
    approval (otherwise a contributor could approve their own post through a link to
    themselves). A published post is not reviewed any more."""
    return (
        post.status != Post.Status.PUBLISHED
        and can_edit(membership, post)
        and not approval_needed(membership)
    )


def review_link_is_live(link: ReviewLink) -> bool:
    return link.revoked_at is None and link.expires_at > timezone.now()


@transaction.atomic
def review_link_create(
    *, post: Post, membership: Membership, reviewer_name: str, reviewer_email: str = ""
) -> tuple[ReviewLink, str]:
    """A link for a client to review `post` without an account. Returns the link and the raw
    token (shown or mailed once; only its hash is stored). Valid for the workspace's
    `review_link_days`.

    A draft (or a post with changes requested) is sent for approval with it, so it must break
    no channel rule; the client (or an approver) then approves it or asks for changes. Raises
    PermissionDenied unless `may_send_for_review`, ValidationError for a missing name, a
    malformed e-mail address or a post with errors."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    ensure_can_edit(membership, post)
    if not may_send_for_review(membership, post):
        if post.status == Post.Status.PUBLISHED:
            raise ValidationError(_("This post has been published; there is nothing to review."))
        raise PermissionDenied(
            _("Your posts need approval first: an approver can send them to the client.")
        )
    reviewer_name = " ".join(reviewer_name.split())[:120]
    reviewer_email = reviewer_email.strip()
    errors: dict[str, list[str]] = {}
    if not reviewer_name:
        errors["reviewer_name"] = [_("Give the reviewer's name.")]
    if reviewer_email:
        try:
            validate_email(reviewer_email)
        except ValidationError:
            errors["reviewer_email"] = [_("Enter a valid e-mail address, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    if post.status in (Post.Status.DRAFT, Post.Status.CHANGES_REQUESTED):
        _require_no_errors(post)
        post_transition(post=post, to=Post.Status.IN_REVIEW, submitted_at=timezone.now())
        PostReview.objects.create(
            post=post,
            action=PostReview.Action.SUBMITTED,
            actor=membership.user,
            actor_label=membership.user.display_name,
            comment=_("Sent to %(name)s for review.") % {"name": reviewer_name},
            post_version=post.version,
        )
    raw = secrets.token_urlsafe(32)
    days = settings_for(post.workspace).review_link_days or 7
    link = ReviewLink.objects.create(
        workspace=post.workspace,
        post=post,
        reviewer_name=reviewer_name,
        reviewer_email=reviewer_email,
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


def review_link_url(raw: str) -> str:
    """The absolute address of the client's review page for the raw token."""
    return settings.SITE_URL + reverse("content:review", args=[raw])


@dataclass(frozen=True)
class ReviewLinkSent:
    link: ReviewLink
    url: str  # shown once to the sender, never stored
    email_sent: bool  # False when no address was given or sending failed


def review_link_send(
    *, post: Post, membership: Membership, reviewer_name: str, reviewer_email: str = ""
) -> ReviewLinkSent:
    """Create a review link (see review_link_create) and, if an address is given, e-mail it to
    the reviewer in the workspace's language once the link is saved. A failure to send is
    logged and reported in the result: the link can still be copied and shared by hand."""
    link, raw = review_link_create(
        post=post,
        membership=membership,
        reviewer_name=reviewer_name,
        reviewer_email=reviewer_email,
    )
    url = review_link_url(raw)
    sent = bool(link.reviewer_email) and _send_review_link(link, url)
    return ReviewLinkSent(link=link, url=url, email_sent=sent)


def _send_review_link(link: ReviewLink, url: str) -> bool:
    """E-mail `url` to the link's reviewer in the workspace's language, once the current
    transaction commits. Returns False when sending failed at once (logged, never raised: the
    link stands and can be copied), True when the mail went or waits for the commit."""
    workspace = link.workspace
    return email_send(
        to=[link.reviewer_email],
        subject_template="content/email/review_link_subject.txt",
        body_template="content/email/review_link_message.txt",
        context={
            "link": link,
            "workspace": workspace,
            "sender": link.created_by,
            "post": link.post,
            "url": url,
            "expires_at": link.expires_at,
        },
        language=workspace.language or settings.LANGUAGE_CODE,
        purpose=f"review link {link.pk}",
    )


def review_link_resolve(raw: str) -> ReviewLink | None:
    """The live review link for `raw`, or None (unknown, expired or revoked: all look alike)."""
    if not raw or len(raw) > REVIEW_TOKEN_MAX_LENGTH:
        return None
    link = (
        ReviewLink.objects.select_related("post", "workspace", "created_by")
        .filter(token_hash=_hash(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is not None:
        link.last_used_at = timezone.now()
        ReviewLink.objects.filter(pk=link.pk).update(last_used_at=link.last_used_at)
    return link


def may_revoke(membership: Membership, link: ReviewLink) -> bool:
    """Whoever sent the link, and whoever may edit its post, may revoke it."""
    if link.workspace_id != membership.workspace_id:
        return False
    return link.created_by_id == membership.user_id or can_edit(membership, link.post)


@transaction.atomic
def review_link_revoke(*, link: ReviewLink, membership: Membership) -> None:
    """End a review link now (a no-op for a link already revoked). Raises PermissionDenied
    unless `may_revoke`."""
    if not may_revoke(membership, link):
        raise PermissionDenied(_("Only its sender or an editor of the post can revoke this link."))
    revoked = ReviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    link.refresh_from_db(fields=["revoked_at"])
    if revoked:
        activity_record(
            workspace=link.workspace,
            actor=membership.user,
            verb="post.review_link_revoked",
            target=link.post,
            data={"reviewer": link.reviewer_name},
        )
