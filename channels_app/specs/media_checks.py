"""The media half of post validation: how many items of which kind, and each item's format,
size, dimensions, aspect ratio, duration, frame rate and alt text."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from channels_app.specs.issues import Issue, MediaInfo, issue, mb, mb_limit
from channels_app.specs.rules import ImageRules, PlatformSpec, VideoRules

ASPECT_TOLERANCE = 0.01  # 1 %: 1080x566 is "1.91:1"


def _accepts(formats: Sequence[str], content_type: str) -> bool:
    content_type = content_type.lower().split(";")[0].strip()
    for accepted in formats:
        if accepted == content_type:
            return True
        if accepted.endswith("/*") and content_type.startswith(accepted[:-1]):
            return True
    return False


def _is_video(spec: PlatformSpec, item: MediaInfo) -> bool:
    content_type = item.content_type.lower()
    if content_type.startswith("video/"):
        return True
    return spec.media.gif_counts_as_video and content_type == "image/gif"


def _ratio_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def check_media_counts(spec: PlatformSpec, media: Sequence[MediaInfo]) -> list[Issue]:
    """Issues with how many images and videos `media` holds and how they mix (field "media")."""
    rules, name = spec.media, spec.name
    videos = sum(1 for item in media if _is_video(spec, item))
    images = len(media) - videos
    issues = []
    if images and rules.max_images == 0:
        issues.append(
            issue(
                "images_not_supported",
                "media",
                _("%(platform)s doesn't take images."),
                platform=name,
            )
        )
    elif images > rules.max_images:
        template = ngettext_lazy(
            "%(platform)s accepts at most %(max)s image per post; this one has %(count)s.",
            "%(platform)s accepts at most %(max)s images per post; this one has %(count)s.",
            "max",
        )
        issues.append(
            issue(
                "too_many_images",
                "media",
                template,
                platform=name,
                max=rules.max_images,
                count=images,
            )
        )
    if videos and spec.video is None:
        issues.append(
            issue(
                "video_not_supported",
                "media",
                _("%(platform)s doesn't take videos."),
                platform=name,
            )
        )
    elif videos > rules.max_videos:
        template = ngettext_lazy(
            "%(platform)s accepts at most %(max)s video per post; this one has %(count)s.",
            "%(platform)s accepts at most %(max)s videos per post; this one has %(count)s.",
            "max",
        )
        issues.append(
            issue(
                "too_many_videos",
                "media",
                template,
                platform=name,
                max=rules.max_videos,
                count=videos,
            )
        )
    if len(media) > rules.max_items and not any(
        issue.code in {"too_many_images", "too_many_videos"} for issue in issues
    ):
        template = ngettext_lazy(
            "%(platform)s accepts at most %(max)s file per post; this one has %(count)s.",
            "%(platform)s accepts at most %(max)s files per post; this one has %(count)s.",
            "max",
        )
        issues.append(
            issue(
                "too_many_media",
                "media",
                template,
                platform=name,
                max=rules.max_items,
                count=len(media),
            )
        )
    if images and videos and not rules.can_mix:
        message = (
            _("%(platform)s doesn't mix images and videos (an animated GIF counts as a video).")
            if rules.gif_counts_as_video
            else _("%(platform)s doesn't mix images and videos in one post.")
        )
        issues.append(issue("media_mix_not_allowed", "media", message, platform=name))
    return issues


def check_item(spec: PlatformSpec, index: int, item: MediaInfo) -> list[Issue]:
    """Issues with one attached file, `media[index]`: format, size, dimensions, aspect ratio,
    duration and frame rate (videos), alt text."""
    where = f"media[{index}]"
    is_video = item.content_type.lower().startswith("video/")
    issues: list[Issue] = []
    if is_video:
        if spec.video is None:
            return []  # reported once as video_not_supported
        issues += _check_video(spec, spec.video, where, item)
    else:
        if spec.media.max_images == 0 and not _is_video(spec, item):
            return []  # reported once as images_not_supported
        issues += _check_image(spec, spec.images, where, item)
    issues += _check_alt_text(spec, where, item)
    return issues


def _check_format(
    spec: PlatformSpec, formats: Sequence[str], where: str, item: MediaInfo
) -> list[Issue]:
    if _accepts(formats, item.content_type):
        return []
    return [
        issue(
            "unsupported_media_type",
            where,
            _("%(platform)s doesn't accept %(content_type)s files."),
            platform=spec.name,
            content_type=item.content_type,
            accepted=", ".join(formats),
        )
    ]


def _check_size(
    spec: PlatformSpec, code: str, noun: Promise, limit: int | None, where: str, item: MediaInfo
) -> list[Issue]:
    if limit is None or item.size <= limit:
        return []
    return [
        issue(
            code,
            where,
            _("This %(noun)s is %(size)s MB; %(platform)s accepts at most %(limit)s MB."),
            noun=noun,
            size=mb(item.size),
            limit=mb_limit(limit),
            platform=spec.name,
            bytes=item.size,
            max_bytes=limit,
        )
    ]


def _check_dimensions(
    spec: PlatformSpec, prefix: str, rules: ImageRules | VideoRules, where: str, item: MediaInfo
) -> list[Issue]:
    width, height = item.width, item.height
    if not width or not height:
        return []
    issues = []
    name = spec.name
    messages = {
        ("min", "width"): _(
            "This file is %(actual)s pixels wide; %(platform)s needs at least %(limit)s."
        ),
        ("min", "height"): _(
            "This file is %(actual)s pixels high; %(platform)s needs at least %(limit)s."
        ),
        ("max", "width"): _(
            "This file is %(actual)s pixels wide; %(platform)s accepts at most %(limit)s."
        ),
        ("max", "height"): _(
            "This file is %(actual)s pixels high; %(platform)s accepts at most %(limit)s."
        ),
    }
    for bound, side, actual, limit in (
        ("min", "width", width, rules.min_width),
        ("min", "height", height, rules.min_height),
        ("max", "width", width, rules.max_width),
        ("max", "height", height, rules.max_height),
    ):
        if limit is None or (actual >= limit if bound == "min" else actual <= limit):
            continue
        code = f"{prefix}_too_small" if bound == "min" else f"{prefix}_dimensions_too_large"
        issues.append(
            issue(
                code,
                where,
                messages[bound, side],
                actual=actual,
                limit=limit,
                platform=name,
                side=side,
            )
        )
    if rules.max_pixels is not None and width * height > rules.max_pixels:
        issues.append(
            issue(
                f"{prefix}_too_many_pixels",
                where,
                _("This file has %(pixels)s pixels; %(platform)s accepts at most %(max_pixels)s."),
                pixels=width * height,
                max_pixels=rules.max_pixels,
                platform=name,
            )
        )
    ratio = width / height
    low, high = rules.min_aspect, rules.max_aspect
    if (low is not None and ratio < low * (1 - ASPECT_TOLERANCE)) or (
        high is not None and ratio > high * (1 + ASPECT_TOLERANCE)
    ):
        issues.append(
            issue(
                f"{prefix}_aspect_ratio",
                where,
                _(
                    "The aspect ratio %(ratio)s:1 is outside what %(platform)s accepts "
                    "(%(min)s:1 to %(max)s:1)."
                ),
                ratio=_ratio_text(ratio),
                platform=name,
                min=_ratio_text(low) if low is not None else "0",
                max=_ratio_text(high) if high is not None else "∞",
            )
        )
    return issues


def _check_image(spec: PlatformSpec, rules: ImageRules, where: str, item: MediaInfo) -> list[Issue]:
    content_type = item.content_type.lower()
    limit = rules.max_bytes_by_format.get(content_type, rules.max_bytes)
    return [
        *_check_format(spec, rules.formats, where, item),
        *_check_size(spec, "image_too_large", _("image"), limit, where, item),
        *_check_dimensions(spec, "image", rules, where, item),
    ]


def _check_video(spec: PlatformSpec, rules: VideoRules, where: str, item: MediaInfo) -> list[Issue]:
    name = spec.name
    issues = [
        *_check_format(spec, rules.formats, where, item),
        *_check_size(spec, "video_too_large", _("video"), rules.max_bytes, where, item),
        *_check_dimensions(spec, "video", rules, where, item),
    ]
    duration = item.duration_seconds
    if duration is not None:
        if rules.max_duration is not None and duration > rules.max_duration:
            issues.append(
                issue(
                    "video_too_long",
                    where,
                    _(
                        "This video lasts %(duration)s seconds; %(platform)s accepts at most "
                        "%(max)s."
                    ),
                    duration=f"{duration:g}",
                    max=f"{rules.max_duration:g}",
                    platform=name,
                )
            )
        if rules.min_duration is not None and duration < rules.min_duration:
            issues.append(
                issue(
                    "video_too_short",
                    where,
                    _(
                        "This video lasts %(duration)s seconds; %(platform)s needs at least "
                        "%(min)s."
                    ),
                    duration=f"{duration:g}",
                    min=f"{rules.min_duration:g}",
                    platform=name,
                )
            )
    fps = item.fps
    if fps is not None and (
        (rules.max_fps is not None and fps > rules.max_fps)
        or (rules.min_fps is not None and fps < rules.min_fps)
    ):
        issues.append(
            issue(
                "video_frame_rate",
                where,
                _(
                    "This video runs at %(fps)s frames a second; %(platform)s accepts %(min)s to "
                    "%(max)s."
                ),
                fps=f"{fps:g}",
                min=f"{rules.min_fps:g}" if rules.min_fps is not None else "0",
                max=f"{rules.max_fps:g}" if rules.max_fps is not None else "any",
                platform=name,
            )
        )
    return issues


def _check_alt_text(spec: PlatformSpec, where: str, item: MediaInfo) -> list[Issue]:
    rules = spec.media
    issues = []
    if rules.alt_text_required and not item.alt_text.strip():
        issues.append(
            issue(
                "alt_text_missing",
                where,
                _("Add alt text: %(platform)s shows it to people who can't see the image."),
                "warning",
                platform=spec.name,
            )
        )
    if rules.alt_text_max is not None and len(item.alt_text) > rules.alt_text_max:
        issues.append(
            issue(
                "alt_text_too_long",
                where,
                _("The alt text has %(count)s characters; %(platform)s accepts at most %(max)s."),
                count=len(item.alt_text),
                max=rules.alt_text_max,
                platform=spec.name,
            )
        )
    return issues
