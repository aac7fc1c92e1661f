"""Reads of the media library, for pages, the API and the composer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from channels_app.specs import Issue, MediaInfo, PlatformSpec, all_specs
from content.media.renditions import RenditionPlan, output_type, plan, planned_media_info
from content.models import Fit, MediaAsset, MediaKind
from smm.models import Workspace


def media_list(
    *, workspace: Workspace, kind: str | None = None, q: str = ""
) -> QuerySet[MediaAsset]:
    """`workspace`'s media, newest first; `kind` ("image", "gif", "video") and `q` (words in
    the file name or alt text) narrow it. An unknown kind matches nothing."""
    qs = MediaAsset.objects.for_workspace(workspace).select_related("uploaded_by")
    if kind:
        qs = qs.filter(kind=kind) if kind in MediaKind.values else qs.none()
    for word in q.split()[:5]:
        qs = qs.filter(Q(original_name__icontains=word) | Q(alt_text__icontains=word))
    return qs.order_by("-created_at", "-pk")


def media_get(*, workspace: Workspace, media_id: int) -> MediaAsset:
    """One media file of `workspace`; Http404 for another workspace's id."""
    return get_object_or_404(
        MediaAsset.objects.for_workspace(workspace).select_related("uploaded_by"), pk=media_id
    )


@dataclass(frozen=True)
class PlatformFit:
    """How an image will look on one platform: both fits planned, before anything renders."""

    spec: PlatformSpec
    crop: RenditionPlan
    pad: RenditionPlan
    content_type: str
    info: MediaInfo

    @property
    def changes_aspect(self) -> bool:
        return self.crop.is_cropped or self.pad.is_padded


def media_platform_fits(asset: MediaAsset) -> list[PlatformFit]:
    """For a still image: per platform that takes images, the crop and pad plans and what
    will be sent. Empty for GIFs and videos. Pure (no queries)."""
    if asset.kind != MediaKind.IMAGE or not asset.width or not asset.height:
        return []
    fits = []
    for spec in all_specs():
        if spec.media.max_images == 0:
            continue  # YouTube: no image posts
        rules = spec.images
        fits.append(
            PlatformFit(
                spec,
                plan(asset.width, asset.height, rules, Fit.CROP, asset.focal_x, asset.focal_y),
                plan(asset.width, asset.height, rules, Fit.PAD, asset.focal_x, asset.focal_y),
                output_type(asset.content_type, rules),
                planned_media_info(asset, spec, Fit.CROP),
            )
        )
    return fits


def media_video_report(asset: MediaAsset) -> list[tuple[PlatformSpec, list[Issue]]]:
    """For a video or animated GIF: per platform, what it would object to (empty list: fine)."""
    from content.services.media import video_issues

    if asset.kind == MediaKind.IMAGE:
        return []
    return [(spec, video_issues(asset, spec)) for spec in all_specs()]
