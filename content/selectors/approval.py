"""Reads for approval: what a post's approval panel shows to one member, the approvals queue,
and what a client sees through a review link (the post per channel, its media)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from content.models import MediaAsset, Post, PostComment, PostReview, PostTarget, ReviewLink
from content.services.approval import may_revoke, may_send_for_review, review_link_is_live
from content.services.approvers import approval_needed, approvers, can_approve
from content.services.posts import can_edit
from smm.models import Membership, Role, Workspace


@dataclass(frozen=True)
class LinkRow:
    link: ReviewLink
    can_revoke: bool


def _reviews(post: Post) -> list[PostReview]:
    # post_get prefetches the reviews (with their actor); a bare post queries them once.
    return list(post.reviews.all())


def last_change_request(reviews: list[PostReview]) -> PostReview | None:
    for review in reversed(reviews):
        if review.action == PostReview.Action.CHANGES_REQUESTED:
            return review
    return None


def approval_context(
    post: Post,
    membership: Membership,
    *,
    new_link_url: str = "",
    new_link_emailed: bool = False,
    typed: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """What the approval panel shows `membership` for `post` (a post of their workspace):
    the status and history, which actions they may take, who approves, the live review links.

    `new_link_url` is a review link just made (shown once to copy), `typed` what the user
    typed into the panel's forms before an error, `errors` the errors per form field."""
    workspace = membership.workspace
    reviews = _reviews(post)
    needs_approval = approval_needed(membership)
    status = post.status
    in_review = status == Post.Status.IN_REVIEW
    people = approvers(workspace) if in_review or needs_approval else []
    links = list(
        ReviewLink.objects.for_workspace(workspace)
        .filter(post=post)
        .select_related("created_by", "post")
        .order_by("-created_at", "-pk")
    )
    live = [
        LinkRow(link, may_revoke(membership, link)) for link in links if review_link_is_live(link)
    ]
    return {
        "post": post,
        "workspace": workspace,
        "membership": membership,
        "status": status,
        "status_label": post.get_status_display(),
        "reviews": reviews,
        "change_request": last_change_request(reviews)
        if status == Post.Status.CHANGES_REQUESTED
        else None,
        "needs_approval": needs_approval,
        "approver_names": [m.user.display_name for m in people],
        "can_submit": (
            status in (Post.Status.DRAFT, Post.Status.CHANGES_REQUESTED)
            and needs_approval
            and can_edit(membership, post)
        ),
        "can_decide": in_review and can_approve(membership, post),
        "can_send_for_review": may_send_for_review(membership, post),
        "live_links": live,
        "client_names": [row.link.reviewer_name for row in live],
        "new_link_url": new_link_url,
        "new_link_emailed": new_link_emailed,
        "typed": typed or {},
        # Which form failed (typed["form"]) and why, flat: templates cannot read "__all__".
        "error_messages": [m for msgs in (errors or {}).values() for m in msgs],
    }


# The approvals queue ---------------------------------------------------------------------------


@dataclass
class QueueRow:
    """One post in the approvals queue, with what its row shows."""

    post: Post
    channels: list[Any]
    submitted_at: datetime | None
    last_step: PostReview | None
    change_request: PostReview | None
    can_decide: bool
    # Set after an inline decision: what happened, for the row's message.
    outcome: str = ""
    error: str = ""
    typed_comment: str = ""
    url: str = field(default="")


def _queue_qs(workspace: Workspace) -> QuerySet[Post]:
    return (
        Post.objects.for_workspace(workspace)
        .select_related("author", "workspace")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("channel")),
            Prefetch("reviews", queryset=PostReview.objects.select_related("actor")),
        )
    )


def queue_row(post: Post, membership: Membership, *, decider: bool | None = None) -> QueueRow:
    """The row of `post` (from `_queue_qs`, or any post of the workspace) for `membership`."""
    reviews = list(post.reviews.all())
    if decider is None:
        decider = post.status == Post.Status.IN_REVIEW and can_approve(membership, post)
    return QueueRow(
        post=post,
        channels=[t.channel for t in post.targets.all()],
        submitted_at=post.submitted_at,
        last_step=reviews[-1] if reviews else None,
        change_request=(
            last_change_request(reviews) if post.status == Post.Status.CHANGES_REQUESTED else None
        ),
        can_decide=decider,
        url=reverse("content:post_detail", args=[membership.workspace.slug, post.pk]),
    )


@dataclass
class ApprovalQueue:
    is_approver: bool
    to_approve: list[QueueRow]
    mine: list[QueueRow]


def approval_queue(*, workspace: Workspace, membership: Membership) -> ApprovalQueue:
    """The posts awaiting `membership`'s approval (oldest submission first) and their own posts
    in review or with changes requested (newest change first).

    Queries: content settings, named approvers (+ memberships when none are named), and per
    list the posts, their targets with channels, and their reviews: constant in the rows."""
    people = approvers(workspace)
    is_approver = any(m.pk == membership.pk for m in people)
    to_approve: list[QueueRow] = []
    if is_approver:
        qs = _queue_qs(workspace).filter(status=Post.Status.IN_REVIEW)
        if not membership.has_role(Role.EDITOR):
            # Nobody approves their own post unless they could have scheduled it anyway.
            qs = qs.exclude(author_id=membership.user_id)
        to_approve = [
            queue_row(post, membership, decider=True) for post in qs.order_by("submitted_at", "pk")
        ]
    mine_qs = (
        _queue_qs(workspace)
        .filter(
            author_id=membership.user_id,
            status__in=[Post.Status.IN_REVIEW, Post.Status.CHANGES_REQUESTED],
        )
        .exclude(pk__in=[row.post.pk for row in to_approve])
        .order_by("-updated_at", "-pk")
    )
    mine = [queue_row(post, membership, decider=False) for post in mine_qs]
    return ApprovalQueue(is_approver=is_approver, to_approve=to_approve, mine=mine)


def approval_count(*, workspace: Workspace, membership: Membership) -> int:
    """How many posts await `membership`'s approval (for a badge)."""
    if not any(m.pk == membership.pk for m in approvers(workspace)):
        return 0
    qs = Post.objects.for_workspace(workspace).filter(status=Post.Status.IN_REVIEW)
    if not membership.has_role(Role.EDITOR):
        qs = qs.exclude(author_id=membership.user_id)
    return qs.count()


# What a client sees through a review link ------------------------------------------------------


def review_previews(*, post: Post, token: str) -> list[Any]:
    """The post (from `post_get`) per channel as it will look, for the client holding the raw
    review `token`: media load through the link's own media view (no login), and the team's
    checks (errors, warnings, notes) are left out."""
    from content.selectors.previews import previews_for_post
    from content.services.posts import check_saved

    previews = previews_for_post(post=post, check=check_saved(post))
    for preview in previews:
        preview.media = [
            dataclasses.replace(m, url=review_media_url(token, m.asset_id, preview.platform, m.fit))
            for m in preview.media
        ]
        preview.errors, preview.warnings, preview.notes = [], [], []
    return previews


def review_media_url(token: str, asset_id: int, platform: str = "", fit: str = "") -> str:
    url = reverse("content:review_media", args=[token, asset_id])
    if platform and fit:
        url += "?" + urlencode({"platform": platform, "fit": fit})
    return url


def review_history(post: Post) -> tuple[list[PostReview], list[PostComment]]:
    """What a client sees of the conversation: the decisions and comments made through the
    post's review links (the team's own comments and steps stay internal)."""
    reviews = [r for r in post.reviews.all() if r.via_review_link_id]
    comments = [c for c in post.comments.all() if c.via_review_link_id]
    return reviews, comments


def review_media_get(*, link: ReviewLink, media_id: int) -> MediaAsset:
    """The media file `media_id` if it belongs to the post of `link` (its own media or a
    channel's own list); Http404 otherwise, whatever the workspace."""
    post = link.post
    asset = (
        MediaAsset.objects.for_workspace(link.workspace)
        .filter(pk=media_id)
        .filter(
            Q(pk__in=post.media_items.values("asset_id"))
            | Q(pk__in=PostTarget.objects.filter(post=post).values("media_items__asset_id"))
        )
        .first()
    )
    if asset is None:
        raise Http404
    return asset
