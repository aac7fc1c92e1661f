"""Helpers of the composer and posts-service tests (no tests here): memberships, image assets
with a real JPEG file, form data as the composer's HTML form sends it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile

from content.models import MediaAsset
from smm.models import Membership, Role, User, Workspace
from tests.content.media_files import jpeg_bytes
from tests.factories import member


def membership_of(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        user=user, workspace=workspace
    )


def person(workspace: Workspace, role: Role | str, **fields: Any) -> tuple[User, Membership]:
    user = member(workspace, role, **fields)
    return user, membership_of(user, workspace)


def image_asset(
    workspace: Workspace, *, width: int = 1200, height: int = 800, name: str = "beans.jpg"
) -> MediaAsset:
    """A JPEG in the media library (made on the fly), as the upload service would store it."""
    data = jpeg_bytes(width, height)
    asset = MediaAsset(
        workspace=workspace,
        original_name=name,
        kind="image",
        content_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )
    asset.file.save(f"{hashlib.sha256(data).hexdigest()[:16]}.jpg", ContentFile(data), save=False)
    asset.save()
    return asset


def composer_data(
    *channels: Any, text: str = "Fresh beans are in.", version: int | None = None, **extra: Any
) -> dict[str, Any]:
    """A composer POST: master text, the channels picked, extra fields as given (variant fields
    as "v<id>-text" plus "v<id>-text-custom": "1")."""
    data: dict[str, Any] = {"text": text, "channels": [c.pk for c in channels]}
    if version is not None:
        data["version"] = version
    data.update(extra)
    return data
