"""Reading campaigns: the list with post counts per status, one campaign, and its posts."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from content.models import Campaign, Post, PostTarget
from smm.models import Workspace

# The annotation holding the number of the campaign's posts in each status, e.g. `posts_draft`.
STATUS_COUNT_PREFIX = "posts_"


def _with_post_counts(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    counts = {
        f"{STATUS_COUNT_PREFIX}{status}": Count("posts", filter=Q(posts__status=status))
        for status in Post.Status.values
    }
    return qs.annotate(posts_total=Count("posts"), **counts)


def post_counts(campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) of an annotated campaign, for every status that has posts."""
    return [
        (value, str(label), getattr(campaign, f"{STATUS_COUNT_PREFIX}{value}", 0))
        for value, label in Post.Status.choices
        if getattr(campaign, f"{STATUS_COUNT_PREFIX}{value}", 0)
    ]


def campaign_list(*, workspace: Workspace, archived: bool = False) -> QuerySet[Campaign]:
    """Campaigns of `workspace` (the archived ones with `archived`), newest start first, each
    annotated with `posts_total` and `posts_<status>` for every Post.Status: one query."""
    qs = Campaign.objects.for_workspace(workspace).filter(archived_at__isnull=not archived)
    return _with_post_counts(qs).order_by("-starts_on", "name", "pk")


def campaign_choices(*, workspace: Workspace) -> QuerySet[Campaign]:
    """Active campaigns of `workspace` for pickers (the composer, filters): id and name only."""
    return (
        Campaign.objects.for_workspace(workspace)
        .filter(archived_at__isnull=True)
        .only("id", "name", "color")
        .order_by("name")
    )


def campaign_get(*, workspace: Workspace, campaign_id: int) -> Campaign:
    """One campaign of `workspace` with its post counts; Http404 for another workspace's."""
    return get_object_or_404(
        _with_post_counts(Campaign.objects.for_workspace(workspace)).select_related("created_by"),
        pk=campaign_id,
    )


def campaign_posts(*, campaign: Campaign) -> QuerySet[Post]:
    """The campaign's posts, planned ones by time (unplanned last), with author and channels."""
    return (
        Post.objects.for_workspace(campaign.workspace)
        .filter(campaign=campaign)
        .select_related("author")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("channel"))
        )
        .order_by(F("scheduled_at").asc(nulls_last=True), "-updated_at", "pk")
    )
