"""Check a post against a platform's rules before it is scheduled.

`validate_post` returns `Issue`s with stable snake_case codes (the composer and the API key on
them) and plain-English messages that stay lazy until rendered, so importing this module needs
no Django settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from channels_app.specs.counting import (
    count_text,
    count_units,
    extract_hashtags,
    extract_mentions,
    extract_urls,
)
from channels_app.specs.rules import ImageRules, PlatformSpec, VideoRules

Severity = Literal["error", "warning"]

ASPECT_TOLERANCE = 0.01  # 1 %: 1080x566 is "1.91:1"

ISSUE_CODES = frozenset(
    {
        "media_required",
        "text_empty",
        "text_too_long",
        "text_too_many_bytes",
        "too_many_hashtags",
        "too_many_mentions",
        "too_many_links",
        "title_required",
        "title_too_long",
        "link_too_long",
        "images_not_supported",
        "too_many_images",
        "video_not_supported",
        "too_many_videos",
        "too_many_media",
        "media_mix_not_allowed",
        "unsupported_media_type",
        "image_too_large",
        "image_too_small",
        "image_dimensions_too_large",
        "image_too_many_pixels",
        "image_aspect_ratio",
        "video_too_large",
        "video_too_small",
        "video_dimensions_too_large",
        "video_too_many_pixels",
        "video_aspect_ratio",
        "video_too_long",
        "video_too_short",
        "video_frame_rate",
        "alt_text_missing",
        "alt_text_too_long",
    }
)
"""Every code validate_post can return (stable: the composer and the API key on them)."""


@dataclass(frozen=True)
class MediaInfo:
    """What we know about one attached file (sizes in bytes, duration in seconds)."""

    content_type: str
    size: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    fps: float | None = None
    alt_text: str = ""


@dataclass(frozen=True)
class Issue:
    """One problem with a post on one platform; `field` is "text", "title", "link" or "media[i]"."""

    code: str
    field: str
    message: Promise | str
    severity: Severity = "error"
    params: Mapping[str, Any] = field(default_factory=dict)


def _interpolate(template: Promise | str, params: Mapping[str, Any]) -> str:
    # ngettext_lazy(..., "max") picks singular or plural from params during the %.
    return str(template % params)


_lazy_interpolate = lazy(_interpolate, str)


def _issue(
    code: str,
    where: str,
    template: Promise | str,
    severity: Severity = "error",
    **params: Any,
) -> Issue:
    return Issue(code, where, _lazy_interpolate(template, params), severity, params)


def _mb(size: int) -> str:
    """12_000_000 -> "12.0"; limits print without a useless decimal: 8_000_000 -> "8"."""
    return f"{size / 1_000_000:.1f}"


def _mb_limit(size: int) -> str:
    value = size / 1_000_000
    return f"{value:g}" if value == round(value, 1) else f"{value:.1f}"


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


def validate_post(
    spec: PlatformSpec,
    *,
    text: str,
    media: Sequence[MediaInfo] = (),
    title: str = "",
    link: str = "",
) -> list[Issue]:
    """Every rule of `spec` the post breaks; an empty list means the platform should accept it.

    Errors would make the platform refuse the post; warnings are worth a look (an empty alt
    text where the field is required). Pure: no I/O.
    """
    issues: list[Issue] = []
    issues += _check_text(spec, text, media)
    issues += _check_title_and_link(spec, title, link)
    issues += _check_media_counts(spec, media)
    for index, item in enumerate(media):
        issues += _check_item(spec, index, item)
    return issues


def _check_text(spec: PlatformSpec, text: str, media: Sequence[MediaInfo]) -> list[Issue]:
    rules, name = spec.text, spec.name
    issues = []
    if not media and not rules.text_only_allowed:
        issues.append(
            _issue(
                "media_required",
                "media",
                _("%(platform)s needs an image or a video."),
                platform=name,
            )
        )
    elif not media and not text.strip():
        issues.append(_issue("text_empty", "text", _("The post has no text and no media.")))
    count = count_text(spec, text)
    if count > rules.limit:
        unit = {
            "utf8_bytes": _("bytes"),
        }.get(rules.counting, _("characters"))
        issues.append(
            _issue(
                "text_too_long",
                "text",
                _("%(platform)s counts %(count)s of %(limit)s %(unit)s."),
                platform=name,
                count=count,
                limit=rules.limit,
                unit=unit,
            )
        )
    if rules.byte_limit is not None:
        size = len(text.encode("utf-8"))
        if size > rules.byte_limit:
            issues.append(
                _issue(
                    "text_too_many_bytes",
                    "text",
                    _("The text takes %(count)s bytes; %(platform)s accepts at most %(limit)s."),
                    platform=name,
                    count=size,
                    limit=rules.byte_limit,
                )
            )
    for code, found, maximum, singular, plural in (
        (
            "too_many_hashtags",
            len(extract_hashtags(text)),
            rules.max_hashtags,
            "%(platform)s accepts at most %(max)s hashtag; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s hashtags; the text has %(count)s.",
        ),
        (
            "too_many_mentions",
            len(extract_mentions(text)),
            rules.max_mentions,
            "%(platform)s accepts at most %(max)s mention; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s mentions; the text has %(count)s.",
        ),
        (
            "too_many_links",
            len(set(extract_urls(text))),
            rules.max_links,
            "%(platform)s accepts at most %(max)s link; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s links; the text has %(count)s.",
        ),
    ):
        if maximum is not None and found > maximum:
            template = ngettext_lazy(singular, plural, "max")
            issues.append(_issue(code, "text", template, platform=name, max=maximum, count=found))
    return issues


def _check_title_and_link(spec: PlatformSpec, title: str, link: str) -> list[Issue]:
    rules, name = spec.text, spec.name
    issues = []
    if rules.title_required and not title.strip():
        issues.append(
            _issue("title_required", "title", _("%(platform)s needs a title."), platform=name)
        )
    if rules.title_limit is not None:
        count = count_units(title, rules.title_counting)
        if count > rules.title_limit:
            issues.append(
                _issue(
                    "title_too_long",
                    "title",
                    _("The title has %(count)s characters; %(platform)s takes at most %(limit)s."),
                    platform=name,
                    count=count,
                    limit=rules.title_limit,
                )
            )
    if link and rules.link_max_length is not None and len(link) > rules.link_max_length:
        issues.append(
            _issue(
                "link_too_long",
                "link",
                _("The link has %(count)s characters; %(platform)s accepts at most %(limit)s."),
                platform=name,
                count=len(link),
                limit=rules.link_max_length,
            )
        )
    return issues


def _check_media_counts(spec: PlatformSpec, media: Sequence[MediaInfo]) -> list[Issue]:
    rules, name = spec.media, spec.name
    videos = sum(1 for item in media if _is_video(spec, item))
    images = len(media) - videos
    issues = []
    if images and rules.max_images == 0:
        issues.append(
            _issue(
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
            _issue(
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
            _issue(
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
            _issue(
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
            _issue(
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
        issues.append(_issue("media_mix_not_allowed", "media", message, platform=name))
    return issues


def _check_item(spec: PlatformSpec, index: int, item: MediaInfo) -> list[Issue]:
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
        _issue(
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
        _issue(
            code,
            where,
            _("This %(noun)s is %(size)s MB; %(platform)s accepts at most %(limit)s MB."),
            noun=noun,
            size=_mb(item.size),
            limit=_mb_limit(limit),
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
            _issue(
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
            _issue(
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
            _issue(
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
                _issue(
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
                _issue(
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
            _issue(
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
            _issue(
                "alt_text_missing",
                where,
                _("Add alt text: %(platform)s shows it to people who can't see the image."),
                "warning",
                platform=spec.name,
            )
        )
    if rules.alt_text_max is not None and len(item.alt_text) > rules.alt_text_max:
        issues.append(
            _issue(
                "alt_text_too_long",
                where,
                _("The alt text has %(count)s characters; %(platform)s accepts at most %(max)s."),
                count=len(item.alt_text),
                max=rules.alt_text_max,
                platform=spec.name,
            )
        )
    return issues
