"""Validation issues: the stable codes, what an issue carries, what we know of a medium, and
how messages are built (lazy, so that importing needs no Django settings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise, lazy

Severity = Literal["error", "warning"]

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
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def _interpolate(template: Promise | str, params: Mapping[str, Any]) -> str:
    # ngettext_lazy(..., "max") picks singular or plural from params during the %.
    return str(template % params)


_lazy_interpolate = lazy(_interpolate, str)


def issue(
    code: str,
    where: str,
    template: Promise | str,
    severity: Severity = "error",
    **params: Any,
) -> Issue:
    """An Issue whose message is `template` % `params`, rendered lazily (in the language active
    when it is shown)."""
    return Issue(code, where, _lazy_interpolate(template, params), severity, params)


def mb(size: int) -> str:
    """12_000_000 -> "12.0"; limits print without a useless decimal: 8_000_000 -> "8"."""
    return f"{size / 1_000_000:.1f}"


def mb_limit(size: int) -> str:
    """A limit in MB for messages: 8_000_000 -> "8", 2_500_000 -> "2.5"."""
    value = size / 1_000_000
    return f"{value:g}" if value == round(value, 1) else f"{value:.1f}"
