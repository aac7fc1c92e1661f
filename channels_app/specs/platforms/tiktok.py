"""What TikTok (photo and video posts) accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    MB,
    MIB,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    CHANNEL_RULES,
    provisional,
    sources,
    verified,
)

TIKTOK_PHOTO = "https://developers.tiktok.com/doc/content-posting-api-reference-photo-post"
TIKTOK_VIDEO = "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post"
TIKTOK_MEDIA = "https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide"

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
    sources=sources(
        text__limit=provisional(TIKTOK_VIDEO, "video title (the caption) 2,200 UTF-16 runes."),
        text__counting=provisional(TIKTOK_VIDEO, "TikTok counts UTF-16 runes."),
        text__title_limit=provisional(TIKTOK_PHOTO, "photo post title 90; description 4,000."),
        text__text_only_allowed=verified(
            TIKTOK_PHOTO, "media_type PHOTO or a video; no text posts."
        ),
        images__formats=provisional(TIKTOK_MEDIA, "JPEG and WebP; PNG is refused."),
        images__max_bytes=provisional(TIKTOK_MEDIA, "20 MB per image, at most 1080p."),
        video=provisional(
            TIKTOK_MEDIA,
            "MP4/WebM/MOV, <=4 GB, 23-60 fps, 360-4096 px, 3 s to 10 min (the creator's "
            "max_video_post_duration_sec from creator_info may be lower).",
        ),
        media__max_items=provisional(TIKTOK_PHOTO, "up to 35 photos in photo_images."),
        media__can_mix=provisional(TIKTOK_PHOTO, "a photo post or a video post, never both."),
        features=provisional(CHANNEL_RULES, "no comment, alt text or DM API for organic posting."),
    ),
)
