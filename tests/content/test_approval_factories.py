"""Helpers of the approval and client-review tests (no tests here): people with a role, a
post saved through the posts service, review links, media files of a post."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from channels_app.models import Channel
from content.models import ContentSettings, MediaAsset, Post, ReviewLink
from content.services.approval import review_link_create
from content.services.checks import MediaChoice, PostInput, VariantInput
from content.services.posts import post_save
from smm.models import Membership, Role, User, Workspace
from tests.content.media_files import jpeg_bytes
from tests.factories import ChannelFactory, member


def membership_of(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        user=user, workspace=workspace
    )


def person(workspace: Workspace, role: Role | str, **fields: Any) -> tuple[User, Membership]:
    user = member(workspace, role, **fields)
    return user, membership_of(user, workspace)


def x_channel(workspace: Workspace, handle: str = "@tulipcoffee") -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", handle=handle, display_name="Tulip")


def approvers_named(workspace: Workspace, *memberships: Membership) -> ContentSettings:
    content_settings, _ = ContentSettings.objects.get_or_create(workspace=workspace)
    content_settings.approvers.set(memberships)
    return content_settings


def write_post(
    membership: Membership,
    channels: list[Channel],
    *,
    text: str = "Fresh beans from Huila are in. Come taste them!",
    scheduled_at: datetime | None = None,
    media: list[MediaAsset] | None = None,
    variants: dict[int, VariantInput] | None = None,
    **fields: Any,
) -> Post:
    """A post saved as the composer would (a draft, with one target per channel)."""
    data = PostInput(
        text=text,
        channel_ids=[c.pk for c in channels],
        scheduled_at=scheduled_at,
        media=[MediaChoice(a.pk) for a in media or []],
        variants=variants or {},
        **fields,
    )
    return post_save(workspace=membership.workspace, membership=membership, data=data)


def in_hours(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def image(workspace: Workspace, *, name: str = "beans.jpg", width: int = 1200) -> MediaAsset:
    """A JPEG in the workspace's media library (made on the fly)."""
    data = jpeg_bytes(width, 800)
    digest = hashlib.sha256(data + name.encode()).hexdigest()
    asset = MediaAsset(
        workspace=workspace,
        original_name=name,
        kind="image",
        content_type="image/jpeg",
        size=len(data),
        sha256=digest,
        width=width,
        height=800,
    )
    asset.file.save(f"{digest[:16]}.jpg", ContentFile(data), save=False)
    asset.save()
    return asset


def client_link(
    post: Post, by: Membership, *, name: str = "Carla Client", email: str = ""
) -> tuple[ReviewLink, str]:
    return review_link_create(post=post, membership=by, reviewer_name=name, reviewer_email=email)
