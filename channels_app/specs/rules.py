"""The shape of a platform's rules: text, images, video, media counts and features, as data.

Every rule carries a `Source` in `PlatformSpec.sources` (rule name -> where it was checked, when,
and how sure we are). "verified" means read in the platform's own documentation or in its
machine-readable contract (the copies in ../shared/specs, checked by
tests/channels_app/test_specs.py);
"provisional" means a third-party summary or general knowledge that still needs a check against
the platform. Where sources disagree the registry keeps the conservative value and says so.

Sizes are in bytes, durations in seconds, aspect ratios are width / height. Each platform's
values live in `channels_app.specs.platforms.<kind>`; how sources are written, in `sources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.functional import Promise

Counting = Literal["characters", "graphemes", "x_weighted", "utf16", "utf8_bytes", "emoji_utf8"]
"""How a platform counts text length.

- characters: Unicode code points.
- graphemes: user-perceived characters (extended grapheme clusters, regex `\\X`).
- x_weighted: X's twitter-text v3 weighting (CJK and emoji weigh 2, URLs 23, NFC first).
- utf16: UTF-16 code units (an emoji outside the BMP counts 2).
- utf8_bytes: UTF-8 bytes.
- emoji_utf8: code points, except that each emoji counts as its UTF-8 byte length (Threads).
"""

Confidence = Literal["verified", "provisional"]


class FrozenDict(dict):
    """A read-only dict: keeps the specs immutable and still works with dataclasses.asdict()."""

    def _readonly(self, *args: object, **kwargs: object) -> None:
        raise TypeError("platform specs are read-only; use dataclasses.replace()")

    __setitem__ = __delitem__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


CHECKED = "2026-11-29"


@dataclass(frozen=True)
class Source:
    """Where a rule was checked: a doc URL or a spec file (with the schema path), when, how sure."""

    where: str
    checked: str = CHECKED
    confidence: Confidence = "verified"
    note: str = ""


@dataclass(frozen=True)
class TextRules:
    """Limits on the post's text and its separate text fields."""

    limit: int
    counting: Counting
    byte_limit: int | None = None  # a second limit in UTF-8 bytes (Bluesky)
    url_length: int | None = None  # what every URL counts; None = counted as written
    max_hashtags: int | None = None
    max_mentions: int | None = None
    max_links: int | None = None
    title_limit: int | None = None  # a separate title field, counted in code points...
    title_counting: Counting = "characters"  # ...unless the platform says otherwise
    title_required: bool = False
    description_limit: int | None = None  # a separate description field (photo posts, pins)
    link_max_length: int | None = None  # a separate link/destination field
    text_only_allowed: bool = True  # False: a post needs an image or a video


@dataclass(frozen=True)
class ImageRules:
    """What an image attached to a post may be."""

    formats: tuple[str, ...]  # MIME types; "image/*" accepts any image
    max_bytes: int | None
    min_width: int | None = None
    max_width: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    recommended_size: tuple[int, int] | None = None  # (width, height) for our renditions
    max_pixels: int | None = None
    max_bytes_by_format: Mapping[str, int] = field(default_factory=FrozenDict)  # e.g. GIFs on X


@dataclass(frozen=True)
class VideoRules:
    """What a video attached to a post may be."""

    formats: tuple[str, ...]
    max_bytes: int | None
    min_duration: float | None = None
    max_duration: float | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    min_fps: float | None = None
    max_fps: float | None = None
    min_width: int | None = None
    min_height: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None
    recommended_size: tuple[int, int] | None = None


@dataclass(frozen=True)
class MediaRules:
    """How many media items a post takes and how they combine."""

    max_items: int
    max_images: int
    max_videos: int
    can_mix: bool  # images and videos in one post
    carousel_min: int | None = None
    carousel_max: int | None = None
    alt_text_max: int | None = None
    alt_text_required: bool = False  # the field must be sent (empty may be allowed)
    gif_counts_as_video: bool = False  # an animated GIF takes the video slot (X)


@dataclass(frozen=True)
class Features:
    """What the platform supports beyond a plain post; `hashtags_habit` is guidance, not a rule."""

    first_comment: bool
    threads: bool  # reply chains of our own posts
    alt_text: bool
    polls: bool
    link_preview: str
    dms: bool
    hashtags_habit: str | Promise  # shown to people: translated


@dataclass(frozen=True)
class PlatformSpec:
    """Everything the composer and the validator need to know about one platform."""

    kind: str
    name: str
    text: TextRules
    images: ImageRules
    video: VideoRules | None
    media: MediaRules
    features: Features
    sources: Mapping[str, Source]


MB = 1_000_000
MIB = 1024 * 1024
GB = 1_000_000_000

# The rule names every spec documents in `sources` (tests check this).
REQUIRED_SOURCES = (
    "text.limit",
    "text.counting",
    "images.formats",
    "images.max_bytes",
    "media.max_items",
    "media.can_mix",
    "features",
)

# Format lists several platforms share.
JPEG_PNG = ("image/jpeg", "image/png")
MP4_MOV = ("video/mp4", "video/quicktime")
