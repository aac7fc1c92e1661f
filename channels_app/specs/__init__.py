"""The channel rules registry: what each platform accepts, and text counted the platform's way.

    from channels_app.specs import get_spec, count_text, validate_post, MediaInfo

    spec = get_spec("bluesky")
    text_limit_status(spec, "Hello 👋")  # count, limit, remaining, over
    validate_post(spec, text="…", media=[MediaInfo("image/jpeg", 350_000, 1200, 800, None)])

Pure Python: no models, no database, no network. Mastodon's per-server limits come from
`with_instance_limits(spec, instance["configuration"])`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from channels_app.specs.counting import (
    TextLimitStatus,
    count_text,
    count_units,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    text_limit_status,
)
from channels_app.specs.platforms import PLATFORM_SPECS
from channels_app.specs.rules import (
    REQUIRED_SOURCES,
    Counting,
    Features,
    FrozenDict,
    ImageRules,
    MediaRules,
    PlatformSpec,
    Source,
    TextRules,
    VideoRules,
)
from channels_app.specs.validation import ISSUE_CODES, Issue, MediaInfo, validate_post

__all__ = [
    "ISSUE_CODES",
    "PLATFORM_SPECS",
    "REQUIRED_SOURCES",
    "Counting",
    "Features",
    "ImageRules",
    "Issue",
    "MediaInfo",
    "MediaRules",
    "PlatformSpec",
    "Source",
    "TextLimitStatus",
    "TextRules",
    "VideoRules",
    "all_specs",
    "count_text",
    "count_units",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "get_spec",
    "text_limit_status",
    "validate_post",
    "with_instance_limits",
]


def get_spec(kind: str) -> PlatformSpec:
    """The rules for one platform kind ("x", "bluesky"...). Raises KeyError for an unknown kind."""
    return PLATFORM_SPECS[kind]


def all_specs() -> list[PlatformSpec]:
    """Every platform's rules, in the registry's order."""
    return list(PLATFORM_SPECS.values())


def _positive_int(section: Any, key: str) -> int | None:
    if not isinstance(section, Mapping):
        return None
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def with_instance_limits(spec: PlatformSpec, configuration: Any) -> PlatformSpec:
    """`spec` with a Mastodon server's own limits from GET /api/v2/instance `configuration`.

    Reads statuses.max_characters / max_media_attachments / characters_reserved_per_url and
    media_attachments.supported_mime_types / image_size_limit / image_matrix_limit /
    video_size_limit / video_frame_rate_limit / video_matrix_limit / description_limit. A missing,
    null or malformed value keeps the default; a non-mapping `configuration` returns `spec`.
    Pure: the caller fetches the instance document.
    """
    if not isinstance(configuration, Mapping):
        return spec
    statuses = configuration.get("statuses")
    attachments = configuration.get("media_attachments")
    where = "GET /api/v2/instance configuration"
    sources = dict(spec.sources)

    text = spec.text
    if (limit := _positive_int(statuses, "max_characters")) is not None:
        text = replace(text, limit=limit)
        sources["text.limit"] = Source(where, note="this server's statuses.max_characters")
    if (url_length := _positive_int(statuses, "characters_reserved_per_url")) is not None:
        text = replace(text, url_length=url_length)
        sources["text.url_length"] = Source(where)

    media = spec.media
    if (max_items := _positive_int(statuses, "max_media_attachments")) is not None:
        media = replace(media, max_items=max_items, max_images=max_items)
        sources["media.max_items"] = Source(where)
    if isinstance(attachments, Mapping) and "description_limit" in attachments:
        alt_max = _positive_int(attachments, "description_limit")
        if alt_max is not None:
            media = replace(media, alt_text_max=alt_max)
            sources["media.alt_text_max"] = Source(where)

    images, video = spec.images, spec.video
    mime_types = (
        attachments.get("supported_mime_types") if isinstance(attachments, Mapping) else None
    )
    if isinstance(mime_types, list | tuple):
        types = [t.lower() for t in mime_types if isinstance(t, str)]
        image_types = tuple(t for t in types if t.startswith("image/"))
        video_types = tuple(t for t in types if t.startswith("video/"))
        if image_types:
            images = replace(images, formats=image_types)
            sources["images.formats"] = Source(where)
        if video_types and video is not None:
            video = replace(video, formats=video_types)
    if (size := _positive_int(attachments, "image_size_limit")) is not None:
        images = replace(images, max_bytes=size)
        sources["images.max_bytes"] = Source(where)
    if (pixels := _positive_int(attachments, "image_matrix_limit")) is not None:
        images = replace(images, max_pixels=pixels)
    if video is not None:
        changes: dict[str, Any] = {}
        for key, attribute in (
            ("video_size_limit", "max_bytes"),
            ("video_frame_rate_limit", "max_fps"),
            ("video_matrix_limit", "max_pixels"),
        ):
            if (value := _positive_int(attachments, key)) is not None:
                changes[attribute] = value
        if changes:
            video = replace(video, **changes)
            sources["video"] = Source(where)

    return replace(
        spec, text=text, media=media, images=images, video=video, sources=_frozen(sources)
    )


def _frozen(mapping: dict[str, Source]) -> Mapping[str, Source]:
    return FrozenDict(mapping)
