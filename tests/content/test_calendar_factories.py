"""Helpers of the calendar, export and planning tests (no tests here): posts with targets on
channels, in the states the calendar shows."""

from __future__ import annotations

from datetime import datetime

from channels_app.models import Channel
from content.models import Campaign, CampaignObjective, Post, PostTarget
from smm.models import User, Workspace
from tests.factories import ChannelFactory

TARGET_STATUS = {
    Post.Status.DRAFT: PostTarget.Status.DRAFT,
    Post.Status.IN_REVIEW: PostTarget.Status.DRAFT,
    Post.Status.CHANGES_REQUESTED: PostTarget.Status.DRAFT,
    Post.Status.APPROVED: PostTarget.Status.DRAFT,
    Post.Status.SCHEDULED: PostTarget.Status.SCHEDULED,
    Post.Status.PUBLISHED: PostTarget.Status.PUBLISHED,
    Post.Status.FAILED: PostTarget.Status.FAILED,
}


def make_channel(workspace: Workspace, platform: str = "x", **fields: object) -> Channel:
    return ChannelFactory(workspace=workspace, platform=platform, **fields)


def make_campaign(workspace: Workspace, slug: str = "spring-roast", **fields: object) -> Campaign:
    fields.setdefault("name", slug.replace("-", " ").title())
    return Campaign.objects.create(
        workspace=workspace, slug=slug, objective=CampaignObjective.AWARENESS, **fields
    )


def make_post(
    workspace: Workspace,
    *,
    at: datetime | None,
    channels: list[Channel] = (),  # type: ignore[assignment]
    status: str = Post.Status.SCHEDULED,
    author: User | None = None,
    text: str = "Fresh beans from Huila are in.\nCome taste them.",
    target_status: str | None = None,
    **fields: object,
) -> Post:
    """A post at `at` on `channels`, its targets in the state that goes with `status`."""
    post = Post.objects.create(
        workspace=workspace, author=author, status=status, text=text, scheduled_at=at, **fields
    )
    for channel in channels:
        PostTarget.objects.create(
            workspace=workspace,
            post=post,
            channel=channel,
            status=target_status or TARGET_STATUS[status],
            scheduled_at=at if status != Post.Status.DRAFT else None,
        )
    return post
