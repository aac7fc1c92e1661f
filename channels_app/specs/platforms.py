"""What each platform accepts in a post: text, images, video, media counts and features, as data.

Every rule carries a `Source` in `PlatformSpec.sources` (rule name -> where it was checked, when,
and how sure we are). "verified" means read in the platform's own documentation or in its
machine-readable contract (the copies in ../shared/specs, checked by
tests/channels_app/test_specs.py);
"provisional" means a third-party summary or general knowledge that still needs a check against
the platform. Where sources disagree the registry keeps the conservative value and says so.

Sizes are in bytes, durations in seconds, aspect ratios are width / height.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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

# Where things were read.
X_SPEC = "specs/x-api-v2.openapi.json"
X_MEDIA_DOC = "https://docs.x.com/x-api/media"
X_BEST = "https://docs.x.com/x-api/media/quickstart/best-practices"
MASTODON_SPEC = "specs/mastodon.openapi.json"
BSKY = "specs/bluesky-lexicons/app/bsky/"
PINTEREST_SPEC = "specs/pinterest-v5.openapi.json"
YOUTUBE_SPEC = "specs/youtube-data-v3.discovery.json"
THREADS_POSTS = "https://developers.facebook.com/documentation/threads/posts"
THREADS_TEXT_ATT = (
    "https://developers.facebook.com/documentation/threads/create-posts/text-attachments"
)
IG_ADS_MEDIA = (
    "https://developers.facebook.com/documentation/ads-commerce/instagram/ads-api/"
    "reference/media-requirements"
)
IG_PUBLISH = "https://developers.facebook.com/docs/instagram-platform/content-publishing"
TIKTOK_PHOTO = "https://developers.tiktok.com/doc/content-posting-api-reference-photo-post"
TIKTOK_VIDEO = "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post"
TIKTOK_MEDIA = "https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide"
LINKEDIN_POSTS = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api"
)
LINKEDIN_IMAGES = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/images-api"
)
LINKEDIN_VIDEOS = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/videos-api"
)
AYRSHARE = "https://www.ayrshare.com/docs/media-guidelines/"
CHANNEL_RULES = "shared/channel-rules.md (general knowledge, unchecked)"


def _v(where: str, note: str = "") -> Source:
    return Source(where, confidence="verified", note=note)


def _p(where: str, note: str = "") -> Source:
    return Source(where, confidence="provisional", note=note)


def _sources(**rules: Source) -> Mapping[str, Source]:
    """Rule names use dots; keyword arguments use double underscores (text__limit)."""
    return FrozenDict({name.replace("__", "."): src for name, src in rules.items()})


JPEG_PNG = ("image/jpeg", "image/png")

FACEBOOK = PlatformSpec(
    kind="facebook",
    name="Facebook",
    text=TextRules(limit=63_206, counting="utf16"),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"),
        max_bytes=4 * MB,
        recommended_size=(1200, 1500),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime"),
        max_bytes=10 * GB,
        min_duration=1,
        max_duration=240 * 60,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(max_items=10, max_images=10, max_videos=1, can_mix=False, alt_text_max=None),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="A link in the text or the link field gets a preview card (without media).",
        dms=True,
        hashtags_habit=_("One or two hashtags, or none; they matter little on Facebook."),
    ),
    sources=_sources(
        text__limit=_p(CHANNEL_RULES, "63,206 characters; no official page states it today."),
        text__counting=_p(
            "https://developers.buffer.com/guides/character-limits",
            "Meta does not say how it counts; UTF-16 units is the stricter reading.",
        ),
        images__formats=_p(CHANNEL_RULES),
        images__max_bytes=_p(CHANNEL_RULES, "sources say 4-10 MB; we keep 4 MB."),
        video=_p(CHANNEL_RULES, "10 GB / 240 min via resumable upload."),
        media__max_items=_p(CHANNEL_RULES, "multi-photo posts via attached_media; 10 assumed."),
        media__can_mix=_p(CHANNEL_RULES, "attached_media takes photos; a video is its own post."),
        features=_p(CHANNEL_RULES, "comments via POST /{post-id}/comments; alt_text_custom."),
    ),
)

INSTAGRAM = PlatformSpec(
    kind="instagram",
    name="Instagram",
    text=TextRules(
        limit=2200, counting="utf16", max_hashtags=30, max_mentions=20, text_only_allowed=False
    ),
    images=ImageRules(
        formats=("image/jpeg",),
        max_bytes=8 * MB,
        min_width=320,
        max_width=1440,
        min_aspect=0.8,
        max_aspect=1.91,
        recommended_size=(1080, 1350),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime"),
        max_bytes=300 * MB,
        min_duration=3,
        max_duration=15 * 60,
        min_aspect=0.01,
        max_aspect=10.0,
        min_fps=23,
        max_fps=60,
        max_width=1920,
        max_height=3600,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=10, max_images=10, max_videos=10, can_mix=True, carousel_min=2, carousel_max=10
    ),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="Links in captions are not clickable; point people to the link in bio.",
        dms=True,
        hashtags_habit=_("3-5 relevant hashtags at the end of the caption."),
    ),
    sources=_sources(
        text__limit=_v(IG_ADS_MEDIA, "2,200-character captions (Meta's Instagram ads doc)."),
        text__counting=_p(
            "https://developers.buffer.com/guides/character-limits",
            "Meta does not say; UTF-16 units is the stricter reading.",
        ),
        text__max_hashtags=_p(CHANNEL_RULES, "30 hashtags per caption."),
        text__max_mentions=_p(CHANNEL_RULES, "20 @mentions per caption."),
        text__text_only_allowed=_p(IG_PUBLISH, "every container needs image_url or video_url."),
        images__formats=_p(
            IG_PUBLISH,
            "Meta's publishing reference: JPEG only; aggregators that convert list PNG/GIF too.",
        ),
        images__max_bytes=_p(AYRSHARE + "instagram", "8 MB; read as 8,000,000 bytes."),
        images__aspect=_v(IG_ADS_MEDIA, "4:5 to 1.91:1 (agrees with the publishing spec)."),
        images__width=_p(AYRSHARE + "instagram", "320-1440 px; larger are scaled down."),
        video=_p(
            AYRSHARE + "instagram",
            "Reels 3 s-15 min, 23-60 fps, max width 1920; size given as 300 MB and 1 GB in "
            "different versions of the page: we keep 300 MB.",
        ),
        media__max_items=_p(
            CHANNEL_RULES, "carousel 2-10 in the API docs; the app allows 20. We keep 10."
        ),
        media__can_mix=_p(CHANNEL_RULES, "carousels take images and videos."),
        features=_p(CHANNEL_RULES, "first comment via POST /{media-id}/comments; alt_text 2025."),
    ),
)

X = PlatformSpec(
    kind="x",
    name="X",
    text=TextRules(limit=280, counting="x_weighted", url_length=23),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_bytes=5 * MB,
        min_width=4,
        min_height=4,
        max_width=8192,
        max_height=8192,
        recommended_size=(1200, 675),
        max_bytes_by_format=FrozenDict({"image/gif": 15 * MB}),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime"),
        max_bytes=512 * MB,
        min_duration=0.5,
        max_duration=140,
        min_aspect=1 / 3,
        max_aspect=3.0,
        max_fps=60,
        max_width=1280,
        max_height=1024,
        recommended_size=(1280, 720),
    ),
    media=MediaRules(
        max_items=4,
        max_images=4,
        max_videos=1,
        can_mix=False,
        alt_text_max=1000,
        gif_counts_as_video=True,
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The first link gets a card when the post has no media.",
        dms=True,
        hashtags_habit=_("One or two hashtags at most, inside the sentence."),
    ),
    sources=_sources(
        text__limit=_p(
            "https://docs.x.com/fundamentals/counting-characters",
            "280 weighted; Premium accounts may post up to 25,000 (note_tweet), not assumed.",
        ),
        text__counting=_v("twitter-text v3 config (twitter-text-parser package)"),
        text__url_length=_v("twitter-text v3 config: transformed_url_length 23"),
        images__formats=_v(
            X_SPEC + " #/components/schemas/InitializeMediaUploadRequest media_type",
            "the upload enum also lists bmp/pjpeg/tiff; we keep the four common post formats.",
        ),
        images__max_bytes=_v(X_MEDIA_DOC, "image 5 MB, GIF 15 MB."),
        images__dimensions=_p(AYRSHARE + "x-twitter", "4x4 to 8192x8192."),
        video=_p(
            AYRSHARE + "x-twitter",
            "512 MB (verified in " + X_MEDIA_DOC + "); 0.5-140 s, <=60 fps, 1:3-3:1; max "
            "resolution given as 1280x1024 and 1920x1200: we keep 1280x1024.",
        ),
        media__max_items=_v(X_SPEC + " #/components/schemas/CreatePostsMedia media_ids maxItems"),
        media__can_mix=_v(X_BEST, "up to 4 photos, 1 animated GIF or 1 video in a Post."),
        media__alt_text_max=_v(
            X_SPEC + " #/components/schemas/CreateMediaMetadataMetadataAltText maxLength"
        ),
        features=_v(X_SPEC + " CreatePostsReply, CreatePostsPoll, /2/dm_conversations"),
    ),
)

LINKEDIN = PlatformSpec(
    kind="linkedin",
    name="LinkedIn",
    text=TextRules(limit=3000, counting="utf16"),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif"),
        max_bytes=5 * MB,
        recommended_size=(1200, 627),
        max_pixels=36_152_320,
    ),
    video=VideoRules(
        formats=("video/mp4",),
        max_bytes=500 * MB,
        min_duration=3,
        max_duration=30 * 60,
        min_aspect=1 / 2.4,
        max_aspect=2.4,
        recommended_size=(1920, 1080),
    ),
    media=MediaRules(
        max_items=20, max_images=20, max_videos=1, can_mix=False, carousel_min=2, carousel_max=20
    ),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="A link becomes an article card only when the post has no media.",
        dms=False,
        hashtags_habit=_("3-5 relevant hashtags at the end."),
    ),
    sources=_sources(
        text__limit=_p(LINKEDIN_POSTS, "3,000 characters (commentary); confirmed by aggregators."),
        text__counting=_p(
            "https://developers.buffer.com/guides/character-limits",
            "LinkedIn does not say; UTF-16 units is the stricter reading.",
        ),
        images__formats=_p(LINKEDIN_IMAGES, "JPG, PNG, GIF (GIF up to 250 frames)."),
        images__max_bytes=_p(AYRSHARE + "linkedin", "5 MB; LinkedIn gives only a pixel cap."),
        images__max_pixels=_p(LINKEDIN_IMAGES, "36,152,320 pixels; also in aggregator docs."),
        video=_p(LINKEDIN_VIDEOS, "MP4, 3 s-30 min, 75 KB-500 MB, 1:2.4 to 2.4:1."),
        media__max_items=_p(LINKEDIN_POSTS, "MultiImage 2-20 images."),
        media__can_mix=_p(LINKEDIN_POSTS, "one content type per post."),
        features=_p(CHANNEL_RULES, "comments via the Social Actions API; no DM API."),
    ),
)

TIKTOK = PlatformSpec(
    kind="tiktok",
    name="TikTok",
    text=TextRules(
        limit=2200,
        counting="utf16",
        title_limit=90,
        title_counting="utf16",
        description_limit=4000,
        text_only_allowed=False,
    ),
    images=ImageRules(
        formats=("image/jpeg", "image/webp"),
        max_bytes=20 * MB,
        max_width=1920,
        max_height=1920,
        max_pixels=1080 * 1920,
        recommended_size=(1080, 1920),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/webm", "video/quicktime"),
        max_bytes=4 * 1024 * MIB,
        min_duration=3,
        max_duration=600,
        min_fps=23,
        max_fps=60,
        min_width=360,
        min_height=360,
        max_width=4096,
        max_height=4096,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=35, max_images=35, max_videos=1, can_mix=False, carousel_min=1, carousel_max=35
    ),
    features=Features(
        first_comment=False,
        threads=False,
        alt_text=False,
        polls=False,
        link_preview="Links in captions are not clickable.",
        dms=False,
        hashtags_habit=_("3-5 hashtags mixing broad and niche ones."),
    ),
    sources=_sources(
        text__limit=_p(TIKTOK_VIDEO, "video title (the caption) 2,200 UTF-16 runes."),
        text__counting=_p(TIKTOK_VIDEO, "TikTok counts UTF-16 runes."),
        text__title_limit=_p(TIKTOK_PHOTO, "photo post title 90; description 4,000."),
        text__text_only_allowed=_v(TIKTOK_PHOTO, "media_type PHOTO or a video; no text posts."),
        images__formats=_p(TIKTOK_MEDIA, "JPEG and WebP; PNG is refused."),
        images__max_bytes=_p(TIKTOK_MEDIA, "20 MB per image, at most 1080p."),
        video=_p(
            TIKTOK_MEDIA,
            "MP4/WebM/MOV, <=4 GB, 23-60 fps, 360-4096 px, 3 s to 10 min (the creator's "
            "max_video_post_duration_sec from creator_info may be lower).",
        ),
        media__max_items=_p(TIKTOK_PHOTO, "up to 35 photos in photo_images."),
        media__can_mix=_p(TIKTOK_PHOTO, "a photo post or a video post, never both."),
        features=_p(CHANNEL_RULES, "no comment, alt text or DM API for organic posting."),
    ),
)

YOUTUBE = PlatformSpec(
    kind="youtube",
    name="YouTube",
    text=TextRules(
        limit=5000,
        counting="utf8_bytes",
        title_limit=100,
        title_required=True,
        description_limit=5000,
        text_only_allowed=False,
    ),
    images=ImageRules(  # custom thumbnails; a post cannot be an image
        formats=JPEG_PNG,
        max_bytes=2 * MIB,
        min_width=640,
        recommended_size=(1280, 720),
        min_aspect=16 / 9,
        max_aspect=16 / 9,
    ),
    video=VideoRules(
        formats=("video/*",),
        max_bytes=274_877_906_944,
        max_duration=15 * 60,
        recommended_size=(1920, 1080),
    ),
    media=MediaRules(max_items=1, max_images=0, max_videos=1, can_mix=False),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=False,
        polls=False,
        link_preview="Links in the description are clickable; there is no preview card.",
        dms=False,
        hashtags_habit=_("2-3 hashtags in the description; the first three show above the title."),
    ),
    sources=_sources(
        text__limit=_p(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.description",
            "description 5,000 bytes; the discovery document has no maxLength.",
        ),
        text__counting=_p("YouTube Data API docs: the description limit is in bytes."),
        text__title_limit=_p(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.title",
            "100 characters, no < or >.",
        ),
        text__text_only_allowed=_v(YOUTUBE_SPEC + " videos.insert mediaUpload"),
        images__formats=_v(YOUTUBE_SPEC + " thumbnails.set mediaUpload accept"),
        images__max_bytes=_p(
            "https://developers.google.com/youtube/v3/docs/thumbnails/set",
            "the discovery doc allows 52,428,800 B; the product limit is 2 MB: we keep 2 MB.",
        ),
        video=_v(
            YOUTUBE_SPEC + " videos.insert mediaUpload accept/maxSize",
            "duration 15 min unless the account is verified (then 12 h): provisional.",
        ),
        media__max_items=_v(YOUTUBE_SPEC + " videos.insert takes one media upload"),
        media__can_mix=_v(YOUTUBE_SPEC),
        features=_v(YOUTUBE_SPEC + " commentThreads.insert; no alt text, no DMs"),
    ),
)

SNAPCHAT = PlatformSpec(
    kind="snapchat",
    name="Snapchat",
    text=TextRules(limit=160, counting="utf16", text_only_allowed=False),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=5 * MB,
        min_aspect=9 / 16,
        max_aspect=9 / 16,
        recommended_size=(1080, 1920),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime"),
        max_bytes=32 * MB,
        min_duration=5,
        max_duration=60,
        min_aspect=9 / 16,
        max_aspect=9 / 16,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(max_items=1, max_images=1, max_videos=1, can_mix=False),
    features=Features(
        first_comment=False,
        threads=False,
        alt_text=False,
        polls=False,
        link_preview="No links in Spotlight or Story captions.",
        dms=False,
        hashtags_habit=_("One or two topic hashtags in the Spotlight caption."),
    ),
    sources=_sources(
        text__limit=_p(CHANNEL_RULES, "Spotlight caption about 160 characters."),
        text__counting=_p(CHANNEL_RULES, "unknown; UTF-16 units assumed (stricter)."),
        images__formats=_p(CHANNEL_RULES),
        images__max_bytes=_p(CHANNEL_RULES, "no public posting API; 5 MB assumed."),
        video=_p(CHANNEL_RULES, "vertical 9:16, 5-60 s; size 32-300 MB: we keep 32 MB."),
        media__max_items=_p(CHANNEL_RULES, "one Snap per post."),
        media__can_mix=_p(CHANNEL_RULES),
        features=_p(CHANNEL_RULES, "Creative Kit is share-sheet only; no replies or metrics API."),
    ),
)

PINTEREST = PlatformSpec(
    kind="pinterest",
    name="Pinterest",
    text=TextRules(
        limit=800,
        counting="characters",
        title_limit=100,
        description_limit=800,
        link_max_length=2048,
        text_only_allowed=False,
    ),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=20 * MB,
        recommended_size=(1000, 1500),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime", "video/x-m4v"),
        max_bytes=1 * GB,
        min_duration=4,
        max_duration=15 * 60,
        min_aspect=0.5,
        max_aspect=1.91,
        recommended_size=(1000, 1500),
    ),
    media=MediaRules(
        max_items=5,
        max_images=5,
        max_videos=1,
        can_mix=False,
        carousel_min=2,
        carousel_max=5,
        alt_text_max=500,
    ),
    features=Features(
        first_comment=False,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="The pin links to its destination URL (the link field).",
        dms=False,
        hashtags_habit=_("Few or no hashtags; keywords in the title and description work better."),
    ),
    sources=_sources(
        text__limit=_v(PINTEREST_SPEC + " #/components/schemas/PinCreate description maxLength"),
        text__counting=_v(PINTEREST_SPEC, "JSON Schema maxLength counts code points."),
        text__title_limit=_v(PINTEREST_SPEC + " #/components/schemas/PinCreate title maxLength"),
        text__link_max_length=_v(PINTEREST_SPEC + " #/components/schemas/PinCreate link"),
        images__formats=_v(
            PINTEREST_SPEC + " #/components/schemas/ContentType",
            "base64 uploads take JPEG/PNG; URL sources may take more (BMP/TIFF/WebP).",
        ),
        images__max_bytes=_p(AYRSHARE + "pinterest", "20 MB; 2:3 recommended (1000x1500)."),
        video=_p(
            AYRSHARE + "pinterest",
            "MP4/MOV/M4V, 4 s-15 min, 1:2 to 1.91:1; size given as 1 GB and 2 GB: we keep 1 GB.",
        ),
        media__max_items=_v(
            PINTEREST_SPEC + " #/components/schemas/PinMediaSourceImagesURL items 2-5"
        ),
        media__can_mix=_v(PINTEREST_SPEC + " PinMediaSource is one of image(s) or video_id"),
        media__alt_text_max=_v(PINTEREST_SPEC + " #/components/schemas/PinCreate alt_text"),
        features=_p(CHANNEL_RULES, "no comment API in v5."),
    ),
)

THREADS = PlatformSpec(
    kind="threads",
    name="Threads",
    text=TextRules(limit=500, counting="emoji_utf8", max_hashtags=1, max_links=5),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=8 * MB,
        min_width=320,
        max_width=1440,
        min_aspect=0.1,
        max_aspect=10.0,
        recommended_size=(1080, 1350),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime"),
        max_bytes=1 * GB,
        max_duration=300,
        min_aspect=0.01,
        max_aspect=10.0,
        min_fps=23,
        max_fps=60,
        max_width=1920,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=20,
        max_images=20,
        max_videos=20,
        can_mix=True,
        carousel_min=2,
        carousel_max=20,
        alt_text_max=1000,
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The first link in a text-only post becomes the preview card.",
        dms=False,
        hashtags_habit=_("One topic tag per post."),
    ),
    sources=_sources(
        text__limit=_v(THREADS_POSTS, "Text posts are limited to 500 characters."),
        text__counting=_v(
            THREADS_POSTS,
            "Emojis are counted as the number of UTF-8 bytes; other text is counted in code "
            "points (the doc links a grapheme splitter; code points are the stricter reading).",
        ),
        text__max_links=_v(THREADS_TEXT_ATT, "more than 5 links fail: LINK_LIMIT_EXCEEDED."),
        text__max_hashtags=_p(THREADS_POSTS, "one topic tag per post."),
        images__formats=_p(THREADS_POSTS + "#media-specifications", "JPEG and PNG."),
        images__max_bytes=_p(
            THREADS_POSTS + "#media-specifications", "8 MB, width 320-1440, up to 10:1."
        ),
        video=_p(
            THREADS_POSTS + "#media-specifications",
            "MOV/MP4, 1 GB, 5 min, 23-60 fps, width <=1920, 0.01:1-10:1.",
        ),
        media__max_items=_p(THREADS_POSTS + "#carousel-posts", "carousel 2-20 items."),
        media__can_mix=_p(THREADS_POSTS + "#carousel-posts", "images and videos may mix."),
        media__alt_text_max=_p(THREADS_POSTS, "alt_text up to 1,000 characters."),
        features=_p(THREADS_POSTS, "reply_to_id; polls (2025); no DMs."),
    ),
)

MASTODON = PlatformSpec(
    kind="mastodon",
    name="Mastodon",
    text=TextRules(limit=500, counting="graphemes", url_length=23),
    images=ImageRules(
        formats=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/heic",
            "image/heif",
            "image/webp",
            "image/avif",
        ),
        max_bytes=10_485_760,
        max_pixels=16_777_216,
        recommended_size=(1920, 1080),
    ),
    video=VideoRules(
        formats=("video/webm", "video/mp4", "video/quicktime", "video/ogg"),
        max_bytes=41_943_040,
        max_fps=60,
        max_pixels=2_304_000,
        recommended_size=(1280, 720),
    ),
    media=MediaRules(max_items=4, max_images=4, max_videos=1, can_mix=False, alt_text_max=1500),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The server fetches a preview card for the first link.",
        dms=True,
        hashtags_habit=_("A few CamelCase hashtags: they are how people find posts on Mastodon."),
    ),
    sources=_sources(
        text__limit=_v(
            MASTODON_SPEC + " Instance example configuration.statuses.max_characters",
            "a default: read the server's GET /api/v2/instance (with_instance_limits).",
        ),
        text__counting=_v(
            "mastodon app/validators/status_length_validator.rb",
            "the server counts grapheme clusters (spoiler_text shares the limit), a URL as "
            "23 and a remote mention as its @user part; the web composer counts code points.",
        ),
        text__url_length=_v(MASTODON_SPEC + " configuration.statuses.characters_reserved_per_url"),
        images__formats=_v(MASTODON_SPEC + " Instance example media_attachments"),
        images__max_bytes=_v(
            MASTODON_SPEC + " V1Instance example",
            "examples disagree (v1: 10 MiB / 16,777,216 px; v2: 16 MiB / 33,177,600 px): the "
            "smaller default is kept until the server's own limits are read.",
        ),
        video=_v(
            MASTODON_SPEC + " V1Instance example",
            "v1: 40 MiB / 60 fps / 2,304,000 px; v2: 99 MiB / 120 fps / 8,294,400 px: smaller "
            "kept.",
        ),
        media__max_items=_v(MASTODON_SPEC + " configuration.statuses.max_media_attachments"),
        media__can_mix=_p(
            "https://docs.joinmastodon.org/methods/statuses/#create",
            "a video or audio attachment must be alone.",
        ),
        media__alt_text_max=_v(
            MASTODON_SPEC + " configuration.media_attachments.description_limit"
        ),
        features=_v(MASTODON_SPEC + " Status in_reply_to_id, poll, visibility=direct"),
    ),
)

BLUESKY = PlatformSpec(
    kind="bluesky",
    name="Bluesky",
    text=TextRules(limit=300, counting="graphemes", byte_limit=3000),
    images=ImageRules(
        formats=("image/*",),
        max_bytes=2_000_000,
        recommended_size=(2000, 2000),
    ),
    video=VideoRules(
        formats=("video/mp4",),
        max_bytes=300_000_000,
        max_duration=180,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=4, max_images=4, max_videos=1, can_mix=False, alt_text_required=True
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=False,
        link_preview="No automatic card: the client attaches an external embed for a link.",
        dms=True,
        hashtags_habit=_("One or two hashtags, or none."),
    ),
    sources=_sources(
        text__limit=_v(BSKY + "feed/post.json record.text maxGraphemes"),
        text__counting=_v(BSKY + "feed/post.json", "maxGraphemes 300 and maxLength 3000 bytes."),
        text__byte_limit=_v(BSKY + "feed/post.json record.text maxLength"),
        images__formats=_v(BSKY + "embed/images.json #image.image accept image/*"),
        images__max_bytes=_v(BSKY + "embed/images.json #image.image maxSize"),
        video=_v(
            BSKY + "embed/video.json",
            "video/mp4 up to 300,000,000 B; the 3-minute duration is provisional.",
        ),
        media__max_items=_v(BSKY + "embed/images.json images maxLength"),
        media__can_mix=_v(BSKY + "feed/post.json embed union: images or video"),
        media__alt_text_required=_v(BSKY + "embed/images.json #image required alt"),
        features=_v(BSKY + "feed/post.json reply; chat.bsky.* for DMs"),
    ),
)


PLATFORM_SPECS: Mapping[str, PlatformSpec] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            FACEBOOK,
            INSTAGRAM,
            X,
            LINKEDIN,
            TIKTOK,
            YOUTUBE,
            SNAPCHAT,
            PINTEREST,
            THREADS,
            MASTODON,
            BLUESKY,
        )
    }
)
