"""Media-first platforms (TikTok, YouTube, Snapchat, Pinterest: a post needs an image or a
video): what each accepts in a post, each rule with its source.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    GB,
    JPEG_PNG,
    MB,
    MIB,
    MP4_MOV,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import AYRSHARE, CHANNEL_RULES, provisional, sources, verified

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


YOUTUBE_SPEC = "specs/youtube-data-v3.discovery.json"

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
    sources=sources(
        text__limit=provisional(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.description",
            "description 5,000 bytes; the discovery document has no maxLength.",
        ),
        text__counting=provisional("YouTube Data API docs: the description limit is in bytes."),
        text__title_limit=provisional(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.title",
            "100 characters, no < or >.",
        ),
        text__text_only_allowed=verified(YOUTUBE_SPEC + " videos.insert mediaUpload"),
        images__formats=verified(YOUTUBE_SPEC + " thumbnails.set mediaUpload accept"),
        images__max_bytes=provisional(
            "https://developers.google.com/youtube/v3/docs/thumbnails/set",
            "the discovery doc allows 52,428,800 B; the product limit is 2 MB: we keep 2 MB.",
        ),
        video=verified(
            YOUTUBE_SPEC + " videos.insert mediaUpload accept/maxSize",
            "duration 15 min unless the account is verified (then 12 h): provisional.",
        ),
        media__max_items=verified(YOUTUBE_SPEC + " videos.insert takes one media upload"),
        media__can_mix=verified(YOUTUBE_SPEC),
        features=verified(YOUTUBE_SPEC + " commentThreads.insert; no alt text, no DMs"),
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
        formats=MP4_MOV,
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
    sources=sources(
        text__limit=provisional(CHANNEL_RULES, "Spotlight caption about 160 characters."),
        text__counting=provisional(CHANNEL_RULES, "unknown; UTF-16 units assumed (stricter)."),
        images__formats=provisional(CHANNEL_RULES),
        images__max_bytes=provisional(CHANNEL_RULES, "no public posting API; 5 MB assumed."),
        video=provisional(CHANNEL_RULES, "vertical 9:16, 5-60 s; size 32-300 MB: we keep 32 MB."),
        media__max_items=provisional(CHANNEL_RULES, "one Snap per post."),
        media__can_mix=provisional(CHANNEL_RULES),
        features=provisional(
            CHANNEL_RULES, "Creative Kit is share-sheet only; no replies or metrics API."
        ),
    ),
)


PINTEREST_SPEC = "specs/pinterest-v5.openapi.json"

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
    sources=sources(
        text__limit=verified(
            PINTEREST_SPEC + " #/components/schemas/PinCreate description maxLength"
        ),
        text__counting=verified(PINTEREST_SPEC, "JSON Schema maxLength counts code points."),
        text__title_limit=verified(
            PINTEREST_SPEC + " #/components/schemas/PinCreate title maxLength"
        ),
        text__link_max_length=verified(PINTEREST_SPEC + " #/components/schemas/PinCreate link"),
        images__formats=verified(
            PINTEREST_SPEC + " #/components/schemas/ContentType",
            "base64 uploads take JPEG/PNG; URL sources may take more (BMP/TIFF/WebP).",
        ),
        images__max_bytes=provisional(
            AYRSHARE + "pinterest", "20 MB; 2:3 recommended (1000x1500)."
        ),
        video=provisional(
            AYRSHARE + "pinterest",
            "MP4/MOV/M4V, 4 s-15 min, 1:2 to 1.91:1; size given as 1 GB and 2 GB: we keep 1 GB.",
        ),
        media__max_items=verified(
            PINTEREST_SPEC + " #/components/schemas/PinMediaSourceImagesURL items 2-5"
        ),
        media__can_mix=verified(PINTEREST_SPEC + " PinMediaSource is one of image(s) or video_id"),
        media__alt_text_max=verified(PINTEREST_SPEC + " #/components/schemas/PinCreate alt_text"),
        features=provisional(CHANNEL_RULES, "no comment API in v5."),
    ),
)
