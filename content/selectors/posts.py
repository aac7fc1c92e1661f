"""Reading posts: one post with everything the composer and the detail page show, lists, and
the calendar's items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from content.models import Post, PostComment, PostMedia, PostReview, PostTarget, TargetMedia
from smm.models import Workspace


def post_get(*, workspace: Workspace, post_id: int) -> Post:
    """One post of `workspace` with its targets, media, comments and reviews; Http404 for
    another workspace's post."""
    return get_object_or_404(
        Post.objects.for_workspace(workspace)
        .select_related("author", "campaign")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=PostTarget.objects.select_related(
                    "channel", "channel__guidelines"
                ).prefetch_related(
                    Prefetch("media_items", queryset=TargetMedia.objects.select_related("asset"))
                ),
            ),
            Prefetch("media_items", queryset=PostMedia.objects.select_related("asset")),
            Prefetch("comments", queryset=PostComment.objects.select_related("author")),
            Prefetch("reviews", queryset=PostReview.objects.select_related("actor")),
        ),
        pk=post_id,
    )


@dataclass(frozen=True)
class PostFilters:
    channel_ids: tuple[int, ...] = ()
    campaign_id: int | None = None
    statuses: tuple[str, ...] = ()
    author_id: int | None = None
    q: str = ""


def post_list(*, workspace: Workspace, filters: PostFilters | None = None) -> QuerySet[Post]:
    """Posts of `workspace`, newest change first, with what a list row shows."""
    qs: QuerySet[Post] = Post.objects.for_workspace(workspace)
    qs = _filtered(qs, filters or PostFilters())
    return (
        qs.select_related("author", "campaign")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("channel")),
            Prefetch("media_items", queryset=PostMedia.objects.select_related("asset")),
        )
        .order_by("-updated_at", "-pk")
    )


def _filtered(qs: QuerySet[Post], filters: PostFilters) -> QuerySet[Post]:
    if filters.channel_ids:
        qs = qs.filter(targets__channel_id__in=filters.channel_ids).distinct()
    if filters.campaign_id:
        qs = qs.filter(campaign_id=filters.campaign_id)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.author_id:
        qs = qs.filter(author_id=filters.author_id)
    if filters.q:
        qs = qs.filter(text__icontains=filters.q)
    return qs


def calendar_posts(
    *, workspace: Workspace, start: datetime, end: datetime, filters: PostFilters | None = None
) -> QuerySet[Post]:
    """Posts with a (planned or actual) publish time in [start, end), for the calendar, in time
    order, with their targets and channels."""
    qs: QuerySet[Post] = Post.objects.for_workspace(workspace).filter(
        scheduled_at__gte=start, scheduled_at__lt=end
    )
    qs = _filtered(qs, filters or PostFilters())
    return (
        qs.select_related("author", "campaign")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("channel")),
            Prefetch("media_items", queryset=PostMedia.objects.select_related("asset")),
        )
        .order_by("scheduled_at", "pk")
    )
