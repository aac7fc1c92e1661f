"""Writes of the media library: upload (checked by content), alt text and focal point, delete,
and the per-platform renditions made from the untouched original.

Settings (read when called, so tests can change them):
- SMM_MEDIA_MAX_IMAGE_BYTES (default 30 MB): largest image or animated GIF accepted.
- SMM_MEDIA_MAX_VIDEO_BYTES (default 1 GB): largest video accepted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import tempfile
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from channels_app.specs import Issue, PlatformSpec, get_spec, validate_post
from content.media.inspect import Inspected, MediaRejected, inspect_file
from content.media.renditions import (
    RenderedImage,
    plan,
    planned_media_info,
    render,
    render_many,
)
from content.models import Fit, MediaAsset, MediaKind, MediaRendition, PostMedia, TargetMedia
from smm.models import Membership, User, Workspace
from smm.services import activity_record
from smm.tenancy import can

logger = logging.getLogger(__name__)

MB = 1_000_000
DEFAULT_MAX_IMAGE_BYTES = 30 * MB
DEFAULT_MAX_VIDEO_BYTES = 1_000 * MB
ALT_TEXT_MAX = 5_000  # the longest any platform takes is 1,500 (Mastodon); the checks say so
RENDITION_VERSION = "r1"  # bump when the rendering changes, so old renditions are remade

# Video codecs each platform plays as uploaded (general knowledge, provisional; platforms not
# listed transcode whatever FFmpeg reads). Belongs in channels_app.specs.VideoRules one day.
_H264_HEVC = frozenset({"h264", "hevc"})
VIDEO_CODECS: dict[str, frozenset[str]] = {
    "facebook": _H264_HEVC,
    "instagram": _H264_HEVC,
    "threads": _H264_HEVC,
    "x": frozenset({"h264"}),
    "linkedin": frozenset({"h264"}),
    "tiktok": frozenset({"h264", "hevc", "vp8", "vp9"}),
    "snapchat": _H264_HEVC,
    "pinterest": _H264_HEVC,
    "bluesky": frozenset({"h264"}),
}


def max_image_bytes() -> int:
    return int(getattr(settings, "SMM_MEDIA_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))


def max_video_bytes() -> int:
    return int(getattr(settings, "SMM_MEDIA_MAX_VIDEO_BYTES", DEFAULT_MAX_VIDEO_BYTES))


def _mb(size: int) -> str:
    return f"{size / MB:g}"


def _too_large(name: str, size: int, limit: int, noun: str) -> ValidationError:
    return ValidationError(
        _("%(name)s is %(size)s MB; %(noun)s may be at most %(limit)s MB.")
        % {"name": name, "size": f"{size / MB:.1f}", "noun": noun, "limit": _mb(limit)},
        code="too_large",
    )


def _safe_name(name: str) -> str:
    return os.path.basename(name.replace("\\", "/"))[:255]


# Permissions -----------------------------------------------------------------------------------


def media_can_change(*, membership: Membership | None, asset: MediaAsset) -> bool:
    """May this member edit or delete `asset`? Uploaders may change their own files; changing
    another person's file takes content.edit_any (editors and up)."""
    if membership is None or membership.workspace_id != asset.workspace_id:
        return False
    if not can(membership, "media.upload"):
        return False
    return asset.uploaded_by_id == membership.user_id or can(membership, "content.edit_any")


def _check_can_change(asset: MediaAsset, by: User) -> None:
    membership = Membership.objects.filter(workspace_id=asset.workspace_id, user=by).first()
    if not media_can_change(membership=membership, asset=asset):
        raise PermissionDenied(_("Only the uploader or an editor may change this file."))


# Upload ----------------------------------------------------------------------------------------


def _spool(uploaded_file: UploadedFile, limit: int, name: str) -> tuple[str, int, str]:
    """Copy the upload to a temporary file, stopping at `limit` bytes. Returns path, size,
    sha256."""
    digest, size = hashlib.sha256(), 0
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller removes it
        prefix="ripple-upload-", dir=getattr(settings, "FILE_UPLOAD_TEMP_DIR", None), delete=False
    )
    try:
        with handle:
            for chunk in uploaded_file.chunks():
                size += len(chunk)
                if size > limit:
                    raise _too_large(name, uploaded_file.size or size, limit, _("a file"))
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        os.unlink(handle.name)
        raise
    return handle.name, size, digest.hexdigest()


def media_upload(*, workspace: Workspace, by: User, uploaded_file: UploadedFile) -> MediaAsset:
    """Check `uploaded_file` by its content and add it to `workspace`'s library.

    The original is stored untouched under a random name with the detected extension.
    Raises ValidationError (one message naming the file) when it is empty, not an image or
    video we take, damaged, or over SMM_MEDIA_MAX_IMAGE_BYTES / SMM_MEDIA_MAX_VIDEO_BYTES.
    Records "media.uploaded".
    """
    name = _safe_name(uploaded_file.name or "") or _("upload")
    image_limit, video_limit = max_image_bytes(), max_video_bytes()
    claimed = uploaded_file.size
    if claimed is not None and claimed > max(image_limit, video_limit):
        raise _too_large(name, claimed, max(image_limit, video_limit), _("a file"))
    path, size, sha256 = _spool(uploaded_file, max(image_limit, video_limit), name)
    try:
        try:
            info = inspect_file(path, claimed_name=name)
        except MediaRejected as exc:
            raise ValidationError(exc.message, code="rejected") from exc
        if info.kind == MediaKind.VIDEO and size > video_limit:
            raise _too_large(name, size, video_limit, _("a video"))
        if info.kind != MediaKind.VIDEO and size > image_limit:
            raise _too_large(name, size, image_limit, _("an image"))
        return _store(workspace, by, name, path, size, sha256, info)
    finally:
        os.unlink(path)


def _store(
    workspace: Workspace,
    by: User,
    name: str,
    path: str,
    size: int,
    sha256: str,
    info: Inspected,
) -> MediaAsset:
    asset = MediaAsset(
        workspace=workspace,
        uploaded_by=by,
        original_name=name,
        kind=info.kind,
        content_type=info.content_type,
        size=size,
        sha256=sha256,
        width=info.width,
        height=info.height,
        duration_seconds=info.duration_seconds,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
    )
    with open(path, "rb") as handle:
        asset.file.save(f"{secrets.token_hex(16)}.{info.extension}", File(handle), save=False)
    try:
        with transaction.atomic():
            asset.save()
            activity_record(
                workspace=workspace,
                actor=by,
                verb="media.uploaded",
                target=asset,
                data={"kind": asset.kind, "size": size},
            )
    except BaseException:
        asset.file.delete(save=False)
        raise
    return asset


# Alt text and focal point ----------------------------------------------------------------------


def media_update(
    *,
    asset: MediaAsset,
    by: User,
    alt_text: str | None = None,
    focal_x: float | None = None,
    focal_y: float | None = None,
) -> MediaAsset:
    """Change the alt text and/or focal point (fractions 0..1 of width and height) of `asset`.

    None leaves a value as it is. Raises PermissionDenied unless `by` uploaded it or may edit
    anyone's content, ValidationError (per field) for values out of range. Renditions made for
    the old focal point are remade on next use. Records "media.updated" with old and new values.
    """
    _check_can_change(asset, by)
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    if alt_text is not None:
        alt_text = alt_text.strip()
        if len(alt_text) > ALT_TEXT_MAX:
            errors["alt_text"] = _("Keep the alt text under %(max)s characters.") % {
                "max": ALT_TEXT_MAX
            }
        elif alt_text != asset.alt_text:
            changes["alt_text"] = alt_text
    for field, value in (("focal_x", focal_x), ("focal_y", focal_y)):
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if not 0.0 <= number <= 1.0:
            errors[field] = _("The focal point must lie inside the picture (0 to 1).")
        elif abs(number - getattr(asset, field)) > 1e-6:
            changes[field] = round(number, 4)
    if errors:
        raise ValidationError(errors)
    if not changes:
        return asset
    old = {field: getattr(asset, field) for field in changes}
    for field, changed in changes.items():
        setattr(asset, field, changed)
    with transaction.atomic():
        asset.save(update_fields=[*changes, "updated_at"])
        activity_record(
            workspace=asset.workspace,
            actor=by,
            verb="media.updated",
            target=asset,
            data={field: [old[field], changes[field]] for field in changes},
        )
    return asset


# Delete ----------------------------------------------------------------------------------------


def media_usage_count(asset: MediaAsset) -> int:
    """How many posts and per-channel media lists use `asset`."""
    return (
        PostMedia.objects.filter(asset=asset).count()
        + TargetMedia.objects.filter(asset=asset).count()
    )


def media_delete(*, asset: MediaAsset, by: User) -> None:
    """Delete `asset`, its renditions and their files (after commit).

    Raises PermissionDenied unless `by` uploaded it or may edit anyone's content, and
    ValidationError when a post uses it. Records "media.deleted".
    """
    _check_can_change(asset, by)
    used = media_usage_count(asset)
    if used:
        raise ValidationError(
            _(
                "%(name)s is used in %(count)s post(s). Remove it from those posts first, then "
                "delete it."
            )
            % {"name": asset.original_name or _("This file"), "count": used},
            code="in_use",
        )
    files = [asset.file.name, *asset.renditions.values_list("file", flat=True)]
    storage = asset.file.storage
    with transaction.atomic():
        activity_record(
            workspace=asset.workspace,
            actor=by,
            verb="media.deleted",
            target=asset,
            data={"kind": asset.kind, "name": asset.original_name},
        )
        asset.delete()
        transaction.on_commit(partial(_delete_files, storage, files))


def _delete_files(storage: object, names: Iterable[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)  # type: ignore[attr-defined]
        except OSError:
            logger.warning("could not delete media file %s", name, exc_info=True)


# Renditions ------------------------------------------------------------------------------------


def _spec(platform: str) -> PlatformSpec:
    try:
        return get_spec(platform)
    except KeyError:
        raise ValidationError(
            _("Unknown platform: %(platform)s") % {"platform": platform}, code="platform"
        ) from None


def rendition_key(asset: MediaAsset, platform: str, fit: str) -> str:
    """What identifies a rendition: platform, size, fit and focal point (and our version)."""
    spec = _spec(platform)
    the_plan = plan(
        asset.width or 1, asset.height or 1, spec.images, fit, asset.focal_x, asset.focal_y
    )
    return (
        f"{RENDITION_VERSION}:{platform}:{the_plan.width}x{the_plan.height}:{fit}:"
        f"{asset.focal_x:.4f},{asset.focal_y:.4f}"
    )


def _check_renderable(asset: MediaAsset, fit: str) -> None:
    if fit not in Fit.values:
        raise ValidationError(_("Pick crop or pad."), code="fit")
    if asset.kind != MediaKind.IMAGE or not asset.width or not asset.height:
        raise ValidationError(
            _("Animated GIFs and videos are sent as uploaded; only images get renditions."),
            code="not_an_image",
        )


def rendition_for(*, asset: MediaAsset, platform: str, fit: str) -> MediaRendition:
    """The rendition of image `asset` for `platform` with `fit` ("crop"/"pad"), rendered and
    stored on first use. A new focal point or size makes a new one; older renditions of the
    same platform and fit are removed. Raises ValidationError for an unknown platform or fit,
    or an asset that is not a still image."""
    _check_renderable(asset, fit)
    key = rendition_key(asset, platform, fit)
    existing = asset.renditions.filter(key=key).first()
    if existing is not None:
        return existing
    spec = _spec(platform)
    the_plan = plan(asset.width, asset.height, spec.images, fit, asset.focal_x, asset.focal_y)  # type: ignore[arg-type]
    with asset.file.open("rb") as handle:
        rendered = render(handle, the_plan, spec.images)
    return _save_rendition(asset, platform, fit, key, rendered)


def renditions_for(
    *, asset: MediaAsset, platforms: Iterable[str], fits: Iterable[str] = tuple(Fit.values)
) -> dict[tuple[str, str], MediaRendition]:
    """Renditions of image `asset` for every (platform, fit), decoding the original once for
    all that are missing. Same contract as `rendition_for`."""
    wanted = [(platform, fit) for platform in platforms for fit in fits]
    for _platform, fit in wanted:
        _check_renderable(asset, fit)
    keys = {pair: rendition_key(asset, *pair) for pair in wanted}
    found = {r.key: r for r in asset.renditions.filter(key__in=set(keys.values()))}
    missing = [pair for pair in wanted if keys[pair] not in found]
    if missing:
        jobs = []
        for platform, fit in missing:
            rules = _spec(platform).images
            the_plan = plan(asset.width, asset.height, rules, fit, asset.focal_x, asset.focal_y)  # type: ignore[arg-type]
            jobs.append((the_plan, rules))
        with asset.file.open("rb") as handle:
            rendered = render_many(handle, jobs)
        for (platform, fit), result in zip(missing, rendered, strict=True):
            found[keys[platform, fit]] = _save_rendition(
                asset, platform, fit, keys[platform, fit], result
            )
    return {pair: found[keys[pair]] for pair in wanted}


def _save_rendition(
    asset: MediaAsset, platform: str, fit: str, key: str, rendered: RenderedImage
) -> MediaRendition:
    rendition = MediaRendition(
        asset=asset,
        platform=platform,
        key=key,
        fit=fit,
        content_type=rendered.content_type,
        width=rendered.width,
        height=rendered.height,
        size=rendered.size,
    )
    rendition.file.save(
        f"{secrets.token_hex(16)}.{rendered.extension}", ContentFile(rendered.data), save=False
    )
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Another request rendered the same one a moment ago: use theirs.
        rendition.file.delete(save=False)
        return MediaRendition.objects.get(asset=asset, key=key)
    stale = list(asset.renditions.filter(platform=platform, fit=fit).exclude(key=key))
    if stale:
        names = [old.file.name for old in stale if old.file.name]
        MediaRendition.objects.filter(pk__in=[old.pk for old in stale]).delete()
        transaction.on_commit(partial(_delete_files, rendition.file.storage, names))
    return rendition


# Videos ----------------------------------------------------------------------------------------


def video_issues(asset: MediaAsset, spec: PlatformSpec) -> list[Issue]:
    """What `spec`'s platform would object to in video (or animated GIF) `asset`, as sent:
    format, size, dimensions, aspect, duration, frame rate, and the video codec."""
    info = planned_media_info(asset, spec, Fit.CROP)
    issues = [
        issue
        for issue in validate_post(spec, text="-", media=[info])
        if issue.field.startswith("media") and issue.code not in {"alt_text_missing"}
    ]
    codec = video_codec_issue(asset, spec)
    if codec is not None:
        issues.append(codec)
    return issues


def video_codec_issue(
    asset: MediaAsset, spec: PlatformSpec, where: str = "media[0]"
) -> Issue | None:
    """An error if `asset` is a video in a codec `spec`'s platform does not take."""
    codecs = VIDEO_CODECS.get(spec.kind)
    if not (
        asset.kind == MediaKind.VIDEO
        and spec.video is not None
        and codecs
        and asset.video_codec
        and asset.video_codec not in codecs
    ):
        return None
    params = {
        "platform": spec.name,
        "codecs": ", ".join(sorted(c.upper() for c in codecs)),
        "codec": asset.video_codec.upper(),
    }
    message = _(
        "%(platform)s takes %(codecs)s video; this one is %(codec)s. Export it as MP4 "
        "(H.264) and upload that."
    )
    return Issue("video_codec", where, message % params, "error", params)


# Public, signed, expiring media URLs ----------------------------------------------------------
# Instagram, Threads and Pinterest fetch a post's media from a URL themselves. They get a link
# that names one file, is signed with SECRET_KEY and expires; nothing else is public.

PUBLIC_MEDIA_SALT = "ripple.public-media"
PUBLIC_MEDIA_MAX_AGE = 2 * 24 * 3600  # long enough for a retry the next day


def public_media_url(*, asset: MediaAsset, rendition: MediaRendition | None = None) -> str:
    """An absolute URL at which anyone holding it can fetch this one file for two days."""
    from django.core import signing
    from django.urls import reverse

    payload = {"a": asset.pk, "r": rendition.pk if rendition is not None else None}
    token = signing.dumps(payload, salt=PUBLIC_MEDIA_SALT, compress=True)
    return settings.SITE_URL + reverse("content:public_media", args=[token])


def public_media_resolve(token: str) -> tuple[MediaAsset, MediaRendition | None] | None:
    """The file a public media token names, or None (bad signature, expired, gone)."""
    from django.core import signing

    try:
        payload = signing.loads(token, salt=PUBLIC_MEDIA_SALT, max_age=PUBLIC_MEDIA_MAX_AGE)
    except signing.BadSignature:
        return None
    asset = MediaAsset.objects.filter(pk=payload.get("a")).first()  # unscoped: the token is the key
    if asset is None:
        return None
    if payload.get("r") is None:
        return asset, None
    rendition = asset.renditions.filter(pk=payload["r"]).first()
    return (asset, rendition) if rendition is not None else None


# Thumbnails for the library grid and the composer's picker -------------------------------------

THUMB_SIZE = 480  # px, the longer side: sharp in a grid cell on a high-density screen
THUMB_PLATFORM = "thumb"


def thumbnail_for(*, asset: MediaAsset) -> MediaRendition:
    """A small JPEG of image or GIF `asset` (first frame), upright, without metadata; made on
    first use and kept. Raises ValidationError for a video."""
    from PIL import Image, ImageOps

    if asset.kind == MediaKind.VIDEO:
        raise ValidationError(_("Videos have no thumbnail."))
    key = f"thumb-{THUMB_SIZE}-v1"
    existing = asset.renditions.filter(key=key).first()
    if existing is not None:
        return existing
    with asset.file.open("rb") as handle, Image.open(handle) as image:
        image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # JPEG: decode at a fraction of the size
        frame = ImageOps.exif_transpose(image)
        frame.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.BILINEAR)
        if frame.mode not in ("RGB", "L"):
            background = Image.new("RGB", frame.size, "white")
            rgba = frame.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            frame = background
        out = io.BytesIO()
        frame.convert("RGB").save(out, "JPEG", quality=80)
    data = out.getvalue()
    rendered = RenderedImage(
        data=data, content_type="image/jpeg", width=frame.width, height=frame.height
    )
    return _save_rendition(asset, THUMB_PLATFORM, "thumb", key, rendered)
